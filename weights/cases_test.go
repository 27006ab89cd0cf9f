package weights

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/subnetd/subnetd/internal/testvectors"
)

type oracleCase struct {
	Name     string          `json:"name"`
	Note     string          `json:"note"`
	Input    json.RawMessage `json:"input"`
	Expected *struct {
		UIDs    []uint16 `json:"uids"`
		Weights []uint16 `json:"weights"`
	} `json:"expected"`
	ExpectedError *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"expected_error"`
}

// TestCompute_SDKCases runs every case produced by the Bittensor SDK itself through the
// same decode-and-run path the CLI uses.
func TestCompute_SDKCases(t *testing.T) {
	path := testvectors.Path(t, "weights/cases.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Format string       `json:"format"`
		Count  int          `json:"count"`
		Cases  []oracleCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	if file.Format != "subnetd-weights-cases/1" {
		t.Fatalf("unknown cases format %q", file.Format)
	}
	if len(file.Cases) == 0 || len(file.Cases) != file.Count {
		t.Fatalf("cases file holds %d cases, header says %d", len(file.Cases), file.Count)
	}
	for _, c := range file.Cases {
		t.Run(c.Name, func(t *testing.T) {
			in, err := DecodeInput(bytes.NewReader(c.Input))
			if err != nil {
				t.Fatalf("decode input: %v", err)
			}
			got, err := in.Run()
			if c.ExpectedError != nil {
				if err == nil {
					t.Fatalf("got %v, want an error (the SDK raised %s: %s)", got, c.ExpectedError.Type, c.ExpectedError.Message)
				}
				return
			}
			if c.Expected == nil {
				t.Fatal("case has neither expected nor expected_error")
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !slices.Equal(got.UIDs, c.Expected.UIDs) {
				t.Errorf("uids differ (%d got, %d want)\n got %v\nwant %v", len(got.UIDs), len(c.Expected.UIDs), got.UIDs, c.Expected.UIDs)
			}
			if !slices.Equal(got.Weights, c.Expected.Weights) {
				for i := range min(len(got.Weights), len(c.Expected.Weights)) {
					if got.Weights[i] != c.Expected.Weights[i] {
						t.Errorf("first difference at %d: got %d want %d", i, got.Weights[i], c.Expected.Weights[i])
						break
					}
				}
				t.Errorf("weights differ (%d got, %d want)", len(got.Weights), len(c.Expected.Weights))
			}
		})
	}
}
