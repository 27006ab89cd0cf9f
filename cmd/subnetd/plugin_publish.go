package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/wallet"
)

func newPluginPublishCmd() *cobra.Command {
	var (
		f                                    chainCommon
		pkgURL                               string
		walletPath, walletName, walletHotkey string
	)
	cmd := &cobra.Command{
		Use:   "publish PKGDIR --url URL --chain WS_URL --netuid N --wallet.name W --wallet.hotkey H",
		Short: "Pin a scorer package on chain (Commitments pallet) with your hotkey",
		Long: `publish pins the package in PKGDIR (made by 'plugin pack', signed or not) on the subnet: it
sets the hotkey's commitment (the Commitments pallet's set_commitment) to two Raw fields, the
sha256 of the package's manifest.json and the URL validators fetch it from:

  https://… or http://…   the package directory: URL/manifest.json, URL/<module>, URL/manifest.sig
  file:///…               a directory on the validator's machine

The hotkey must be registered on the subnet (else the chain answers AccountNotAllowedCommit). A
subnet owner pins with the owner hotkey; validators that follow the owner's pin take the new
version at a round boundary, after checking everything they fetch against the pinned hash and
then the package as 'plugin verify' does. The URL is at most 128 bytes.

On success it prints one JSON line:
  {"netuid":N,"hotkey":"5…","sha256":"<hex of manifest.json>","url":"…","block":B}
and exits non-zero with the chain's error name otherwise.`,
		Example: `  subnetd plugin publish dist/quality-1.2.0 --url https://scorers.example.org/quality/1.2.0/ \
      --chain wss://entrypoint-finney.opentensor.ai:443 --netuid 7 --wallet.name owner --wallet.hotkey default`,
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			pkg, err := plugins.ReadPackage(args[0])
			if err != nil {
				return fmt.Errorf("plugin publish: %w", err)
			}
			pin, err := plugins.PinOf(pkg, pkgURL)
			if err != nil {
				return fmt.Errorf("plugin publish: %w", err)
			}
			fields, err := pin.Fields()
			if err != nil {
				return fmt.Errorf("plugin publish: %w", err)
			}
			wl, err := wallet.Load(walletPath, walletName, walletHotkey)
			if err != nil {
				return fmt.Errorf("plugin publish: %w", err)
			}
			for _, warn := range wl.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", warn)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
			defer cancel()
			c, err := f.dial(ctx, cmd.ErrOrStderr())
			if err != nil {
				return fmt.Errorf("plugin publish: %w", err)
			}
			defer c.Close()
			res, err := c.SetCommitment(ctx, wl.Hotkey, f.netuid, fields)
			if err != nil {
				return fmt.Errorf("plugin publish: %w", err)
			}
			return json.NewEncoder(cmd.OutOrStdout()).Encode(struct {
				Netuid uint16          `json:"netuid"`
				Hotkey chain.AccountID `json:"hotkey"`
				SHA256 string          `json:"sha256"`
				URL    string          `json:"url"`
				Block  uint64          `json:"block"`
			}{f.netuid, chain.AccountID(wl.Hotkey.PublicKey()), hex.EncodeToString(pin.SHA256[:]), pin.URL, res.Block})
		},
	}
	f.register(cmd, 2*time.Minute)
	fl := cmd.Flags()
	fl.StringVar(&pkgURL, "url", "", "where validators fetch the package (https://, http:// or file://; at most 128 bytes)")
	fl.StringVar(&walletPath, "wallet.path", wallet.DefaultWalletPath, "directory holding the wallets")
	fl.StringVar(&walletName, "wallet.name", "default", "wallet name (a directory under --wallet.path)")
	fl.StringVar(&walletHotkey, "wallet.hotkey", "default", "hotkey name (a file under NAME/hotkeys)")
	_ = cmd.MarkFlagRequired("url")
	return cmd
}
