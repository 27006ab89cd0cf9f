package plugins_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/subnetd/subnetd/runtime"
)

// TestPythonKit_features: a Python scorer reads the providers' features of each miner (decoded,
// None for a provider that said nothing), and a Round without providers gives it {}.
func TestPythonKit_features(t *testing.T) {
	wasm, err := buildPython(t, `import subnetd

@subnetd.score
def score(r):
    out = {}
    for m in r.miners:
        sim = (m.features.get("sim") or {}).get("v", 0)
        out[m.uid] = sim + 10 * len(m.features)
    return subnetd.Scores(out)
`)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := newPyRuntime(t, runtime.EngineWazero, runtime.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(context.Background())
	s, err := rt.Load(context.Background(), "features", wasm)
	if err != nil {
		t.Fatal(err)
	}
	r := runtime.Round{Netuid: 1, Block: 7, BlockHash: "0x00", Miners: []runtime.Miner{
		{UID: 1, Status: 200, Features: map[string]json.RawMessage{"sim": json.RawMessage(`{"v":0.5}`), "len": nil}},
		{UID: 2, Status: 200, Features: map[string]json.RawMessage{"sim": nil, "len": json.RawMessage(`3`)}},
		{UID: 3, Status: 408},
	}}
	b, meta, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Score(context.Background(), b, meta)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"scores":[{"uid":1,"score":20.5},{"uid":2,"score":20},{"uid":3,"score":0}]}`
	if got := string(res.Scores.Canonical()); got != want {
		t.Fatalf("scores %s, want %s", got, want)
	}
}
