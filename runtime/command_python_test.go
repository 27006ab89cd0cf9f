package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/runtime"
)

// pythonWasm returns CPython for WASI ($SUBNETD_PYTHON_WASM, else the install script's path),
// stripped of custom sections, or skips saying how to install it.
func pythonWasm(t testing.TB) []byte {
	t.Helper()
	p := os.Getenv("SUBNETD_PYTHON_WASM")
	if p == "" {
		home, _ := os.UserHomeDir()
		p = filepath.Join(home, ".cache", "subnetd", "python-wasi", "3.12.0", "python.wasm")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("CPython for WASI not found at %s: run scripts/install-python-wasi.sh (or set SUBNETD_PYTHON_WASM)", p)
	}
	s, err := runtime.StripCustomSections(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const pyScorer = `import json, sys
round = json.loads(sys.stdin.read())
with open("/scorer/weights.json") as f:
    w = json.load(f)
print("python scoring", len(round["miners"]), file=sys.stderr)
sys.stdout.write(json.dumps({"scores": [{"uid": m["uid"], "score": w[i % len(w)]} for i, m in enumerate(round["miners"])]}))
`

// pyRaise fails the way a buggy scorer does: an uncaught exception.
const pyRaise = `import sys
print("about to fail", file=sys.stderr)
raise ValueError("bad")
`

func pythonScorer(t testing.TB, py []byte, main string, files map[string][]byte) []byte {
	t.Helper()
	all := map[string][]byte{"main.py": []byte(main)}
	for k, v := range files {
		all[k] = v
	}
	wasm, err := runtime.PackCommand(py, runtime.CommandSpec{Args: []string{"python", "-I", "-S", "/scorer/main.py"}}, all)
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

func TestScorer_Score_python(t *testing.T) {
	py := pythonWasm(t)
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	s := load(t, rt, "py", pythonScorer(t, py, pyScorer, map[string][]byte{"weights.json": []byte("[0.25, 1.5]")}))
	round, meta := testRound(t, "")
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		t.Fatalf("%v (logs %+v)", err, res.Logs)
	}
	want := []runtime.Score{{UID: 3, Score: 0.25}, {UID: 9, Score: 1.5}}
	if fmt.Sprint(res.Scores.Scores) != fmt.Sprint(want) {
		t.Fatalf("scores = %v, want %v", res.Scores.Scores, want)
	}
	t.Logf("python: %d gas, instantiate %s, call %s, logs %+v", res.GasUsed, res.Instantiate, res.Call, res.Logs)
}

// A Python exception fails the call with its last line as the reason; reading outside the
// files directory fails inside the guest.
func TestScorer_Score_pythonHostile(t *testing.T) {
	py := pythonWasm(t)
	ctx := context.Background()
	rt := newRuntime(t, runtime.Limits{})
	round, meta := testRound(t, "")
	s := load(t, rt, "py-raise", pythonScorer(t, py, pyRaise, nil))
	_, err := s.Score(ctx, round, meta)
	if !errors.Is(err, hostfns.ErrExit) || !strings.HasSuffix(err.Error(), "(scorer said: ValueError: bad)") {
		t.Fatalf("err = %v", err)
	}
	const probe = `import os, socket, sys
bad = []
for p in ["/etc/passwd", "/scorer/../etc/passwd", "../../etc/passwd", "/tmp/x"]:
    try:
        open(p).read()
        bad.append(p)
    except OSError:
        pass
try:
    open("/scorer/new.txt", "w").write("x")
    bad.append("write")
except OSError as e:
    print("write refused:", e, file=sys.stderr)
try:
    socket.create_connection(("127.0.0.1", 80))
    bad.append("socket")
except Exception:
    pass
if os.environ.get("HOME") or os.environ.get("PATH"):
    bad.append("host env")
if bad:
    raise SystemExit("escaped: " + ",".join(bad))
print(sorted(os.listdir("/scorer")), file=sys.stderr)
sys.stdout.write('{"scores":[]}')
`
	s = load(t, rt, "py-probe", pythonScorer(t, py, probe, map[string][]byte{"lib/x.py": nil}))
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		t.Fatalf("%v (logs %+v)", err, res.Logs)
	}
	t.Logf("logs %+v", res.Logs)
	if last := res.Logs[len(res.Logs)-1].Text; last != "['lib', 'main.py']" {
		t.Fatalf("listdir printed %q", last)
	}
}

// BenchmarkScorer_Score_commandForms compares one call of the same trivial scoring in three
// forms on a 2-miner Round: a Go reactor (the baseline), a Go WASI command and a CPython
// command, reporting each form's time and gas relative to the reactor measured in this run.
func BenchmarkScorer_Score_commandForms(b *testing.B) {
	ctx := context.Background()
	rt := newRuntime(b, runtime.Limits{})
	round, meta := testRound(b, "")
	forms := []struct {
		name string
		wasm func() []byte
	}{
		{"go-reactor", func() []byte { return wasmFile(b, "hostile") }},
		{"go-command", func() []byte { return commandScorer(b, "score", nil, runtime.CommandSpec{}) }},
		{"python-command", func() []byte {
			return pythonScorer(b, pythonWasm(b), pyScorer, map[string][]byte{"weights.json": []byte("[1]")})
		}},
	}
	var baseNs, baseGas float64
	for _, f := range forms {
		b.Run(f.name, func(b *testing.B) {
			s := load(b, rt, f.name, f.wasm())
			var gas uint64
			for b.Loop() {
				res, err := s.Score(ctx, round, meta)
				if err != nil {
					b.Fatal(err)
				}
				gas = res.GasUsed
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			if f.name == "go-reactor" {
				baseNs, baseGas = ns, float64(gas)
			}
			b.ReportMetric(float64(gas), "gas/op")
			if baseNs > 0 {
				b.ReportMetric(ns/baseNs, "x-time-vs-reactor")
				b.ReportMetric(float64(gas)/baseGas, "x-gas-vs-reactor")
			}
		})
	}
}
