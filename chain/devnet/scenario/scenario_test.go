package scenario

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/internal/testvectors"
)

// TestScenario_Run runs every shipped scenario through the same Load/Run
// path the CLI uses, re-parses the printed JSON lines, and checks them
// against the scenario's expectations.
func TestScenario_Run(t *testing.T) {
	dir := testvectors.Path(t, "yuma")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, f := range files {
		if filepath.Base(f) == "math_unit_tests.json" {
			continue
		}
		ran++
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer fh.Close()
			sc, err := Load(fh)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if _, err := sc.Run(context.Background(), &out); err != nil {
				t.Fatal(err)
			}
			lines := parseLines(t, out.Bytes())
			epochs := 0
			for _, st := range sc.Steps {
				if st.Epoch {
					epochs++
				}
			}
			if len(lines) != epochs {
				t.Fatalf("%d output lines for %d epoch steps", len(lines), epochs)
			}
			for _, m := range sc.Check(lines) {
				t.Error(m)
			}
			if len(sc.Expected) == 0 {
				t.Error("scenario has no expectations")
			}
		})
	}
	if ran == 0 {
		t.Skip("no scenario files found")
	}
}

// parseLines decodes the JSON Lines output strictly: every line one object
// with every field present and of length n.
func parseLines(t *testing.T, out []byte) []EpochLine {
	t.Helper()
	var lines []EpochLine
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatalf("output line is not a JSON object: %v", err)
		}
		for _, k := range []string{"step", "block", "n", "consensus", "incentive", "dividends", "validator_trust",
			"stake_weight", "active", "validator_permit", "emission", "server_emission", "validator_emission", "bonds"} {
			if _, ok := raw[k]; !ok {
				t.Fatalf("output line misses %q", k)
			}
		}
		var l EpochLine
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			t.Fatal(err)
		}
		for name, n := range map[string]int{"consensus": len(l.Consensus), "incentive": len(l.Incentive),
			"dividends": len(l.Dividends), "validator_trust": len(l.ValidatorTrust), "stake_weight": len(l.StakeWeight),
			"active": len(l.Active), "validator_permit": len(l.ValidatorPermit), "emission": len(l.Emission),
			"server_emission": len(l.ServerEmission), "validator_emission": len(l.ValidatorEmission), "bonds": len(l.Bonds)} {
			if n != l.N {
				t.Fatalf("step %d: %s has length %d, n = %d", l.Step, name, n, l.N)
			}
		}
		lines = append(lines, l)
	}
	return lines
}
