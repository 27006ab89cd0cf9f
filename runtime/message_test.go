package runtime_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/runtime"
)

func TestValidateScores(t *testing.T) {
	uids := []uint16{1, 5, 9}
	tests := []struct {
		name, out, want, err string
	}{
		{name: "sorted and canonical", out: `{"scores":[{"uid":9,"score":0.5},{"uid":1,"score":2}]}`, want: `{"scores":[{"uid":1,"score":2},{"uid":9,"score":0.5}]}`},
		{name: "empty", out: `{"scores":[]}`, want: `{"scores":[]}`},
		{name: "negative zero is zero", out: `{"scores":[{"uid":5,"score":-0}]}`, want: `{"scores":[{"uid":5,"score":0}]}`},
		{name: "state", out: `{"scores":[],"state":"aGk="}`, want: `{"scores":[],"state":"aGk="}`},
		{name: "extra fields ignored", out: `{"scores":[{"uid":1,"score":1,"why":"fast"}],"note":1}`, want: `{"scores":[{"uid":1,"score":1}]}`},
		{name: "no scores", out: `{"state":""}`, err: `no "scores" array`},
		{name: "not json", out: `scores: 1`, err: "malformed Scores JSON"},
		{name: "NaN literal", out: `{"scores":[{"uid":5,"score":NaN}]}`, err: "uid 5: score NaN is not a finite number"},
		{name: "Infinity first", out: `{"scores":[{"score":-Infinity,"uid":9}]}`, err: "uid 9: score -Infinity is not a finite number"},
		{name: "overflow", out: `{"scores":[{"uid":1,"score":1e400}]}`, err: "uid 1: score 1e400 is not a finite number"},
		{name: "NaN string", out: `{"scores":[{"uid":1,"score":"NaN"}]}`, err: `uid 1: score is the string "NaN"`},
		{name: "negative", out: `{"scores":[{"uid":1,"score":-1e-9}]}`, err: "uid 1: score -1e-9 is negative"},
		{name: "unknown uid", out: `{"scores":[{"uid":2,"score":1}]}`, err: "uid 2 was not in the round"},
		{name: "duplicate uid", out: `{"scores":[{"uid":1,"score":1},{"uid":1,"score":1}]}`, err: "uid 1 scored twice"},
		{name: "uid not integer", out: `{"scores":[{"uid":1.5,"score":1}]}`, err: "uid 1.5 is not an integer"},
		{name: "uid missing", out: `{"scores":[{"score":1}]}`, err: "uid (missing)"},
		{name: "score missing", out: `{"scores":[{"uid":1}]}`, err: "uid 1: score missing"},
		{name: "bad state", out: `{"scores":[],"state":"!!"}`, err: "not valid base64"},
		{name: "state too large", out: `{"scores":[],"state":"` + strings.Repeat("A", 24) + `"}`, err: "state is 18 bytes, limit 16"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := runtime.ValidateScores([]byte(tc.out), uids, 16)
			if tc.err != "" {
				if !errors.Is(err, runtime.ErrBadOutput) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Canonical()) != tc.want {
				t.Fatalf("canonical = %s, want %s", got.Canonical(), tc.want)
			}
		})
	}
}

func TestRound_Encode(t *testing.T) {
	r := runtime.Round{Netuid: 7, Block: 1, Seed: [32]byte{0xab},
		Miners: []runtime.Miner{{UID: 9, Response: json.RawMessage(`{ "a" : 1 }`)}, {UID: 3}}}
	b, meta, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"abi":1,"netuid":7,"block":1,"block_hash":"","block_time_ms":0,"seed":"0xab00000000000000000000000000000000000000000000000000000000000000","validator":{"uid":0,"hotkey":""},"challenge":null,"miners":[{"uid":3,"hotkey":"","stake":0,"status":0,"latency_ms":0,"response":null},{"uid":9,"hotkey":"","stake":0,"status":0,"latency_ms":0,"response":{"a":1}}],"state":""}`
	if string(b) != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", b, want)
	}
	if len(meta.UIDs) != 2 || meta.UIDs[0] != 3 || meta.UIDs[1] != 9 {
		t.Fatalf("meta uids %v", meta.UIDs)
	}
	parsed, err := runtime.ParseRoundMeta(b)
	if err != nil || parsed.Seed != meta.Seed || parsed.Block != 1 || len(parsed.UIDs) != 2 {
		t.Fatalf("ParseRoundMeta = %+v, %v", parsed, err)
	}
	r.Miners = append(r.Miners, runtime.Miner{UID: 3})
	if _, _, err := r.Encode(); err == nil || !strings.Contains(err.Error(), "uid 3 listed twice") {
		t.Fatalf("duplicate uid: %v", err)
	}
	if _, _, err := (runtime.Round{Miners: []runtime.Miner{{UID: 1, Response: json.RawMessage(`{bad`)}}}).Encode(); err == nil {
		t.Fatal("invalid response JSON accepted")
	}
}

func TestParseRoundMeta_errors(t *testing.T) {
	for _, in := range []string{`{`, `{"abi":2}`, `{"seed":"0x12"}`, `{"miners":[{}]}`, `{"miners":[{"uid":1},{"uid":1}]}`, `{"miners":[{"uid":70000}]}`} {
		if _, err := runtime.ParseRoundMeta([]byte(in)); err == nil {
			t.Errorf("ParseRoundMeta(%s) accepted", in)
		}
	}
}

func FuzzValidateScores(f *testing.F) {
	f.Add([]byte(`{"scores":[{"uid":1,"score":0.5}],"state":"aGk="}`))
	f.Add([]byte(`{"scores":[{"uid":1,"score":NaN}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := runtime.ValidateScores(b, []uint16{0, 1, 2}, 1<<10)
		if err != nil {
			return
		}
		for _, sc := range s.Scores {
			if sc.Score < 0 || sc.Score != sc.Score || sc.UID > 2 {
				t.Fatalf("accepted %v", sc)
			}
		}
	})
}

// TestRound_Encode_features: providers' features encode in name order with null for a provider
// that said nothing; a Round without providers has no features field at all; invalid feature
// JSON is refused naming the uid and provider.
func TestRound_Encode_features(t *testing.T) {
	base := runtime.Round{Netuid: 1, Block: 5, Miners: []runtime.Miner{{UID: 2, Hotkey: "b", Response: json.RawMessage(`{"x":1}`)}}}
	plain, _, err := base.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(plain), "features") {
		t.Fatalf("no providers, yet: %s", plain)
	}
	withF := base
	withF.Miners = []runtime.Miner{{UID: 2, Hotkey: "b", Response: json.RawMessage(`{"x":1}`),
		Features: map[string]json.RawMessage{"zeta": json.RawMessage(`{"s": 0.5}`), "alpha": nil}}}
	b, _, err := withF.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `"response":{"x":1},"features":{"alpha":null,"zeta":{"s":0.5}}}`
	if !strings.Contains(string(b), want) {
		t.Fatalf("round %s\nwant it to contain %s", b, want)
	}
	bad := base
	bad.Miners = []runtime.Miner{{UID: 2, Features: map[string]json.RawMessage{"p": json.RawMessage(`{`)}}}
	if _, _, err := bad.Encode(); err == nil || !strings.Contains(err.Error(), `uid 2: features of provider "p"`) {
		t.Fatalf("invalid features: %v", err)
	}
}
