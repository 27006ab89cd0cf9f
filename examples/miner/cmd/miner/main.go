// Command miner runs the example miner: an axon that answers the example scorers' challenges.
//
//	miner --uri //Bob --listen 127.0.0.1:8091 --profile good
//	miner --wallet.path ~/.bittensor/wallets --wallet.name m --wallet.hotkey default --quality 0.5 --latency 300ms
//
// It logs to stderr and runs until interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/subnetd/subnetd/internal/miner"
	"github.com/subnetd/subnetd/wallet"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "miner:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("miner", flag.ContinueOnError)
	uri := fs.String("uri", "", "dev key secret URI such as //Bob (instead of a wallet)")
	wpath := fs.String("wallet.path", wallet.DefaultWalletPath, "wallet directory")
	wname := fs.String("wallet.name", "", "wallet name")
	whot := fs.String("wallet.hotkey", "default", "hotkey name")
	listen := fs.String("listen", "127.0.0.1:8091", "address to serve on")
	profile := fs.String("profile", "good", "good, bad, slow or dead")
	quality := fs.Float64("quality", -1, "answer quality in [0,1] (overrides the profile)")
	latency := fs.Duration("latency", -1, "delay before each answer (overrides the profile)")
	synapses := fs.String("synapses", strings.Join(miner.DefaultSynapses, ","), "comma-separated synapse names to serve")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var kp *wallet.Keypair
	var err error
	switch {
	case *uri != "":
		kp, err = wallet.FromURI(*uri)
	case *wname != "":
		kp, err = wallet.LoadHotkey(*wpath, *wname, *whot)
		if err == nil {
			for _, w := range kp.Warnings() {
				fmt.Fprintln(os.Stderr, "miner: warning:", w)
			}
		}
	default:
		err = errors.New("give --uri or --wallet.name")
	}
	if err != nil {
		return err
	}
	cfg, err := miner.Profile(*profile, kp)
	if err != nil {
		return err
	}
	if *quality >= 0 {
		cfg.Quality = *quality
	}
	if *latency >= 0 {
		cfg.Latency = *latency
	}
	cfg.Listen = *listen
	cfg.Synapses = strings.Split(*synapses, ",")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Dead {
		fmt.Fprintf(os.Stderr, "miner %s: profile dead: not serving; waiting for a signal\n", kp.SS58())
		<-ctx.Done()
		return nil
	}
	m, err := miner.Start(ctx, cfg)
	if err != nil {
		return err
	}
	ip, port := m.Addr()
	fmt.Fprintf(os.Stderr, "miner %s serving %s on %s:%d (quality %g, latency %s)\n",
		m.Hotkey(), strings.Join(cfg.Synapses, ","), ip, port, cfg.Quality, cfg.Latency.Round(time.Millisecond))
	return m.Wait()
}
