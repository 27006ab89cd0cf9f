package devnet

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestHyperparameters_UnmarshalJSON(t *testing.T) {
	def := DefaultHyperparameters()
	tests := []struct {
		name    string
		json    string
		want    func(h *Hyperparameters)
		wantErr bool
	}{
		{"empty keeps everything", `{}`, func(h *Hyperparameters) {}, false},
		{"null keeps everything", `null`, func(h *Hyperparameters) {}, false},
		{"keys present change", `{"tempo": 99, "kappa": 1, "yuma3_on": true, "tao_weight": 18446744073709551615}`,
			func(h *Hyperparameters) { h.Tempo, h.Kappa, h.Yuma3On, h.TaoWeight = 99, 1, true, 1<<64-1 }, false},
		{"cutoff in blocks sets the override", `{"activity_cutoff": 5000}`,
			func(h *Hyperparameters) { h.ActivityCutoff, h.ActivityCutoffOverride = 5000, true }, false},
		{"null cutoff is absent", `{"activity_cutoff": null}`, func(h *Hyperparameters) {}, false},
		{"case-insensitive like encoding/json", `{"Activity_Cutoff": 7}`,
			func(h *Hyperparameters) { h.ActivityCutoff, h.ActivityCutoffOverride = 7, true }, false},
		{"both cutoffs", `{"activity_cutoff": 1, "activity_cutoff_factor_milli": 2}`, nil, true},
		{"out of range", `{"tempo": 65536}`, nil, true},
		{"not an object", `[1]`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := def
			err := json.Unmarshal([]byte(tt.json), &got)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("no error, got %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := def
			tt.want(&want)
			if got != want {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
	var h Hyperparameters
	if err := json.Unmarshal([]byte(`{"activity_cutoff": 1, "activity_cutoff_factor_milli": 2}`), &h); !errors.Is(err, ErrInvalidHyperparameter) {
		t.Fatalf("both cutoffs: %v, want ErrInvalidHyperparameter", err)
	}
}

// TestHyperparameters_MarshalJSON: the encoding decodes back to the same value onto any
// starting value, in both activity cutoff forms.
func TestHyperparameters_MarshalJSON(t *testing.T) {
	factor := DefaultHyperparameters()
	override := factor
	override.ActivityCutoff, override.ActivityCutoffOverride, override.Tempo = 42, true, 7
	for _, h := range []Hyperparameters{factor, override} {
		b, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		for _, start := range []Hyperparameters{{}, factor, override} {
			got := start
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got.ActivityCutoffBlocks() != h.ActivityCutoffBlocks() || got.yumaParams() != h.yumaParams() || got.Tempo != h.Tempo {
				t.Fatalf("%s onto %+v gave %+v", b, start, got)
			}
		}
	}
}
