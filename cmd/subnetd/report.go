package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/subnetd/subnetd/report"
)

func newReportCmd() *cobra.Command {
	var (
		path, out string
		netuid    int
		from, to  uint64
	)
	cmd := &cobra.Command{
		Use:   "report --records PATH --out DIR [--netuid N] [--from BLOCK] [--to BLOCK]",
		Short: "Write an HTML page of charts from round records: the incentive at work",
		Long: `report reads round records and writes DIR/index.html: one self-contained page (no
network requests; charts are inline SVG) with, for each subnet and validator in the records:

  - each miner's score, emitted weight and previewed incentive over rounds (lines for the
    miners who moved most, heat maps for every miner);
  - the validator's trust and dividends from the Yuma preview;
  - round outcomes (ok, scorer error, chain error) on a timeline, with a marker where the
    scorer version changed;
  - gas used and round time per round;
  - a table of the miners who gained and lost most, and the last scored round's numbers.

Numbers on the page are the records' own, printed exactly. Long histories are downsampled,
never cut: past 600 rounds, consecutive rounds are grouped (one group per pixel column) and each
chart draws a group's mean with its min..max band; the page says how many rounds a point holds.

PATH is a records database (records.db, written by "subnetd run" and "subnetd demo") or an
export file. The database is opened read-only: a report never changes it, and can be made
while the daemon is writing to it.

stdout gets the page's path; the exit status is non-zero, with the reason on stderr, when the
records cannot be read or hold no round in the selection.`,
		Example: `  subnetd report --records ./subnetd-demo/records.db --out ./subnetd-demo/report
  subnetd report --records /var/lib/subnetd/records.db --out /tmp/sn7 --netuid 7 --from 4500000
  xdg-open "$(subnetd report --records records.db --out report)"`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return errors.New("report: --records PATH is required")
			}
			if out == "" {
				return errors.New("report: --out DIR is required")
			}
			f := report.Filter{From: from, To: to}
			if cmd.Flags().Changed("netuid") {
				if netuid < 0 || netuid > 65535 {
					return fmt.Errorf("report: --netuid %d is not a subnet id (0..65535)", netuid)
				}
				f.Netuid, f.HasNetuid = uint16(netuid), true
			}
			if to != 0 && to < from {
				return fmt.Errorf("report: --to %d is below --from %d", to, from)
			}
			page, err := report.Write(cmd.Context(), report.Options{Records: path, Out: out, Filter: f})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), page)
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "records", "", "records database or export file (required)")
	cmd.Flags().StringVar(&out, "out", "", "directory to write index.html into, created if needed (required)")
	cmd.Flags().IntVar(&netuid, "netuid", 0, "only this subnet (default: every subnet in the records)")
	cmd.Flags().Uint64Var(&from, "from", 0, "only rounds at or after this block")
	cmd.Flags().Uint64Var(&to, "to", 0, "only rounds at or before this block (0: no limit)")
	return cmd
}
