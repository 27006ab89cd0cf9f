package testvectors

import (
	"encoding/json"
	"testing"
)

// TestPath_everyOracle checks that every oracle file the tests rely on is present and is JSON.
func TestPath_everyOracle(t *testing.T) {
	for _, rel := range []string{
		"weights/cases.json",
		"yuma/math_unit_tests.json",
		"yuma/test_bonds.json",
		"yuma/test_10_graph.json",
		"yuma/test_zero_weights.json",
		"yuma/yuma3_liquid_alpha_disabled.json",
		"yuma/yuma3_one_epoch_switch.json",
		"timelock/vectors.json",
	} {
		t.Run(rel, func(t *testing.T) {
			if !json.Valid(Read(t, rel)) {
				t.Fatalf("%s is not valid JSON", rel)
			}
		})
	}
}
