package scenario

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScenario_LocalVectors runs the scenarios in testdata/: more of
// subtensor's epoch tests, encoded for subnetd (see each file's source).
func TestScenario_LocalVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no local vectors: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			sc, err := Load(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if _, err := sc.Run(context.Background(), &out); err != nil {
				t.Fatal(err)
			}
			for _, m := range sc.Check(parseLines(t, out.Bytes())) {
				t.Error(m)
			}
		})
	}
}

// TestScenario_Graph512 rebuilds subtensor's test_512_graph (64 validators
// with equal stake weighting 448 servers equally, three epochs at one block,
// with and without server self-weights, blockwise and regular interleaving)
// and checks the values that test asserts.
func TestScenario_Graph512(t *testing.T) {
	const n, vn = 512, 64
	const stake = 328_125_000_000_000
	for _, interleave := range []bool{false, true} {
		for _, serverSelf := range []bool{false, true} {
			t.Run(fmt.Sprintf("interleave=%v/server_self=%v", interleave, serverSelf), func(t *testing.T) {
				var vals, srvs []uint16
				for i := uint16(0); i < n; i++ {
					isVal := i < vn
					if interleave {
						isVal = i%(n/vn) == 0
					}
					if isVal {
						vals = append(vals, i)
					} else {
						srvs = append(srvs, i)
					}
				}
				var b strings.Builder
				fmt.Fprintf(&b, `{"name": "512", "netuid": 1, "hyperparameters": {"tempo": 65534, "kappa": 32767,
				  "bonds_moving_average": 900000, "bonds_penalty": 65535, "activity_cutoff_factor_milli": 13889,
				  "max_allowed_validators": %d, "max_allowed_uids": %d, "min_allowed_weights": 0, "max_weights_limit": 65535,
				  "weights_set_rate_limit": 0, "tao_weight": 0}, "genesis": {"block": 1, "owner_uid": null, "neurons": [`, vn, n)
				isVal := map[uint16]bool{}
				for _, v := range vals {
					isVal[v] = true
				}
				for i := 0; i < n; i++ {
					st := 0
					if isVal[uint16(i)] {
						st = stake
					}
					if i > 0 {
						b.WriteString(",")
					}
					fmt.Fprintf(&b, `{"uid": %d, "hotkey": "hk%d", "alpha_stake": %d, "tao_stake": 0, "registered": 0}`, i, i, st)
				}
				b.WriteString(`]}, "steps": [{"block": 1, "epoch": true, "rao_emission": 1000000000}, {"block": 1, "set_weights": [`)
				w := strings.Repeat(fmt.Sprintf(",%d", 65535/n), len(srvs))[1:]
				d := strings.Trim(strings.ReplaceAll(fmt.Sprint(srvs), " ", ","), "[]")
				calls := []string{}
				for _, v := range vals {
					calls = append(calls, fmt.Sprintf(`{"uid": %d, "dests": [%s], "weights": [%s]}`, v, d, w))
				}
				if serverSelf {
					for _, s := range srvs {
						calls = append(calls, fmt.Sprintf(`{"uid": %d, "dests": [%d], "weights": [65535]}`, s, s))
					}
				}
				b.WriteString(strings.Join(calls, ","))
				b.WriteString(`]}`)
				for i := 0; i < 3; i++ {
					b.WriteString(`, {"block": 1, "epoch": true, "rao_emission": 1000000000}`)
				}
				list := func(u []uint16) string { return strings.Trim(strings.ReplaceAll(fmt.Sprint(u), " ", ","), "[]") }
				rep := func(v, k int) string { return strings.Repeat(fmt.Sprintf(",%d", v), k)[1:] }
				pairs := func(rows []uint16, col uint16) string {
					var p []string
					for _, r := range rows {
						p = append(p, fmt.Sprintf("[%d,%d]", r, col))
					}
					return strings.Join(p, ",")
				}
				v0, s0 := vals[0], srvs[0]
				fmt.Fprintf(&b, `], "expected": [
				 {"step": 4, "field": "consensus", "uids": [%[1]s], "values": [%[2]s]},
				 {"step": 4, "field": "incentive", "uids": [%[1]s], "values": [%[2]s]},
				 {"step": 4, "field": "dividends", "uids": [%[1]s], "values": [%[3]s]},
				 {"step": 4, "field": "emission", "uids": [%[1]s], "values": [%[4]s]},
				 {"step": 4, "field": "consensus", "uids": [%[5]s], "values": [%[6]s]},
				 {"step": 4, "field": "incentive", "uids": [%[5]s], "values": [%[6]s]},
				 {"step": 4, "field": "dividends", "uids": [%[5]s], "values": [%[7]s]},
				 {"step": 4, "field": "emission", "uids": [%[5]s], "values": [%[8]s]},
				 {"step": 4, "field": "bonds", "entries": [%[9]s,%[10]s], "values": [%[11]s,%[12]s]},
				 {"step": 4, "field": "bonds", "entries": [%[13]s,%[14]s], "values": [%[15]s]}]}`,
					list(vals), rep(0, vn), rep(1023, vn), rep(7812500, vn),
					list(srvs), rep(146, len(srvs)), rep(0, len(srvs)), rep(1116071, len(srvs)),
					pairs(vals, v0), pairs(vals, s0), rep(0, vn), rep(65535, vn),
					pairs(srvs, v0), pairs(srvs, s0), rep(0, 2*len(srvs)))
				sc, err := Load(strings.NewReader(b.String()))
				if err != nil {
					t.Fatal(err)
				}
				if len(sc.Expected) != 10 || len(sc.Steps) != 5 {
					t.Fatalf("built %d expectations, %d steps", len(sc.Expected), len(sc.Steps))
				}
				lines, err := sc.Run(context.Background(), &bytes.Buffer{})
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range sc.Check(lines) {
					t.Error(m)
				}
			})
		}
	}
}
