package plugins_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

func TestBuild(t *testing.T) {
	ctx := context.Background()
	empty := t.TempDir()
	if _, err := plugins.Build(ctx, empty, plugins.TargetWasm, ""); !errors.Is(err, plugins.ErrNotAScorer) {
		t.Fatalf("empty dir: %v", err)
	}
	if _, err := plugins.Build(ctx, "testdata/broken", plugins.TargetWasm, filepath.Join(t.TempDir(), "b.wasm")); err == nil || !strings.Contains(err.Error(), "undefined: undefined") {
		t.Fatalf("compile error not reported: %v", err)
	}
	outside := t.TempDir() // a scorer must live in a Go module
	os.WriteFile(filepath.Join(outside, "main.go"), []byte("package main\nfunc main() {}\n"), 0o600)
	if _, err := plugins.Build(ctx, outside, plugins.TargetWasm, ""); err == nil || !strings.Contains(err.Error(), "go.mod") {
		t.Fatalf("missing module not reported: %v", err)
	}
	out := filepath.Join(t.TempDir(), "latency.wasm")
	path, err := plugins.Build(ctx, "../examples/scorers/latency", plugins.TargetWasm, out)
	if err != nil {
		t.Fatal(err)
	}
	info, err := plugins.ScreenFile(path)
	if err != nil || info.HasChallenge != true || !info.HasInitialize {
		t.Fatalf("built module screens as %+v, %v", info, err)
	}
	// -trimpath: building again gives the same bytes.
	again, err := plugins.Build(ctx, "../examples/scorers/latency", plugins.TargetWasm, filepath.Join(t.TempDir(), "x.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(path)
	b, _ := os.ReadFile(again)
	if string(a) != string(b) {
		t.Fatal("two builds of the same source differ")
	}
}

func TestBench(t *testing.T) {
	rep, err := plugins.Bench(context.Background(), "../examples/scorers/quality", plugins.BenchOptions{Miners: 32, MinTime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Miners != 32 || rep.WasmNsPerCall <= 0 || rep.NativeNsPerCall <= 0 || rep.Ratio <= 0 ||
		rep.InstantiateNs <= 0 || rep.CompileColdMs <= 0 || rep.CompileCachedMs <= 0 {
		t.Fatalf("report %+v has empty fields", rep)
	}
	// No comparison of the figures here: they are timings (a median against a mean), and timing
	// belongs to benchmarks, not to tests that must never fail by noise.
}

// ---- AssemblyScript -----------------------------------------------------------------------

// requireASC skips the test when the AssemblyScript compiler is not installed (scripts/install-asc.sh).
func requireASC(t testing.TB) string {
	t.Helper()
	asc, err := plugins.FindASC("../pdk/assemblyscript")
	if err != nil {
		t.Skipf("AssemblyScript compiler not installed (run scripts/install-asc.sh): %v", err)
	}
	return asc
}

// numbersModule compiles pdk/assemblyscript/tests/numbers.ts and instantiates it with wazero.
func numbersModule(t *testing.T) (api.Module, func(string, ...uint64) []uint64) {
	asc := requireASC(t)
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "numbers.wasm")
	cmd := exec.CommandContext(ctx, "node", asc, "tests/numbers.ts", "--outFile", out, "--runtime", "stub", "-O3",
		"--use", "abort=assembly/index/onAbort")
	cmd.Dir = "../pdk/assemblyscript"
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("asc: %v: %s", err, b)
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	_, err = r.NewHostModuleBuilder("subnetd").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, p, n uint32) {
		b, _ := m.Memory().Read(p, n)
		panic("abort: " + string(b))
	}).Export("abort").
		NewFunctionBuilder().WithFunc(func(uint32, uint32, uint32) {}).Export("log").
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := r.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	call := func(name string, args ...uint64) []uint64 {
		res, err := mod.ExportedFunction(name).Call(ctx, args...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return res
	}
	return mod, call
}

func TestAssemblyScriptNumbers(t *testing.T) {
	mod, call := numbersModule(t)
	mem := mod.Memory()
	str := func(res uint64) string {
		b, ok := mem.Read(uint32(res>>32), uint32(res))
		if !ok {
			t.Fatal("result outside memory")
		}
		return string(b)
	}
	put := func(s string) (uint64, uint64) {
		p := call("subnetd_alloc", uint64(len(s)))[0]
		mem.Write(uint32(p), []byte(s))
		return p, uint64(len(s))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var values []float64
	for _, v := range []float64{0, 1, -1, 0.1, 0.3, 1e-6, 9.999999999999999e-7, 1e21, 9.999999999999999e20, 1e-7, 5e-324,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 2.2250738585072014e-308, 2.225073858507201e-308, 1 << 53, 1<<53 + 2,
		1 << 60, 123456789012345678, 0.7, 0.3 * 0.1, math.Exp(-1), 1e22, 1e23, 5e-7, 1.5e300, 4.35, 8123.45} {
		values = append(values, v, -v)
	}
	for range 8000 {
		values = append(values, math.Float64frombits(rng.Uint64()&^(0x7ff<<52)|uint64(rng.IntN(0x7ff))<<52)) // any finite
	}
	for range 8000 { // the kit's fixed-point fast path: 2^-6 <= v < 2^53
		values = append(values, math.Ldexp(1+rng.Float64(), rng.IntN(60)-6))
	}
	for range 2000 {
		values = append(values, rng.Float64(), math.Exp(-20*rng.Float64()), float64(rng.IntN(100000))/100, rng.NormFloat64()*1e4)
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := str(call("format_f64", math.Float64bits(v))[0]); got != string(want) {
			t.Fatalf("format %v (bits %#x): got %s, want %s", v, math.Float64bits(v), got, want)
		}
		for _, text := range []string{string(want), strconv.FormatFloat(v, 'e', rng.IntN(25), 64), strconv.FormatFloat(v, 'f', rng.IntN(30), 64)} {
			p, n := put(text)
			gotBits := call("parse_f64", p, n)[0]
			st := call("parse_status")[0]
			wantV, err := strconv.ParseFloat(text, 64)
			wantStatus := uint64(0)
			if err != nil {
				wantStatus = 2 // range
			}
			if gotBits != math.Float64bits(wantV) || st>>32 != wantStatus || uint32(st) != uint32(len(text)) {
				t.Fatalf("parse %q: got %v (bits %#x, status %#x), want %v (%v)", text, math.Float64frombits(gotBits), gotBits, st, wantV, err)
			}
		}
	}
	// Numbers with many digits, huge and tiny exponents, and halfway cases.
	for _, text := range []string{"1e400", "-1e400", "1e-400", "2.4703282292062327e-324", "2.4703282292062328e-324",
		"9007199254740993", "9007199254740993.0000000000000000000001", "0.1000000000000000055511151231257827021181583404541015625",
		"0.1000000000000000055511151231257827021181583404541015624", "179769313486231580793728971405301e276",
		"1" + strings.Repeat("0", 400) + "e-400", "0." + strings.Repeat("0", 300) + "1", "123456789012345678901234567890"} {
		p, n := put(text)
		gotBits := call("parse_f64", p, n)[0]
		wantV, _ := strconv.ParseFloat(text, 64)
		if gotBits != math.Float64bits(wantV) {
			t.Fatalf("parse %q: got %v, want %v", text, math.Float64frombits(gotBits), wantV)
		}
	}
	// Strings decode and re-encode as Go's encoding/json does.
	for _, s := range []string{`"plain"`, `"<a&b>"`, `"tab\tnl\nq\"bs\\"`, `"\u0001\u001f\u007f"`, `"é中🙂"`, "\"bad \xff utf8\"",
		`"\ud83d\ude42 pair"`, `"\ud800 lone"`, `"\u2028\u2029"`, `"\/slash"`, `"\b\f\r"`} {
		var dec string
		if err := json.Unmarshal([]byte(s), &dec); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(dec)
		p, n := put(s)
		if got := str(call("reencode_string", p, n)[0]); got != string(want) {
			t.Errorf("string %s: got %s, want %s", s, got, want)
		}
	}
}

// built caches modules built by buildOnce, so the package's tests compile each example once.
var built sync.Map // dir -> []byte

// buildOnce builds the scorer in dir (once per test binary) and returns the module bytes.
func buildOnce(t *testing.T, dir string) []byte {
	t.Helper()
	if b, ok := built.Load(dir); ok {
		return b.([]byte)
	}
	name, _ := plugins.Name(dir)
	path, err := plugins.Build(context.Background(), dir, plugins.TargetWasm, filepath.Join(t.TempDir(), name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	built.Store(dir, wasm)
	return wasm
}

// loadScorer builds the scorer in dir and loads it into rt.
func loadScorer(t *testing.T, rt *runtime.Runtime, dir string) *runtime.Scorer {
	t.Helper()
	ctx := context.Background()
	name, _ := plugins.Name(dir)
	wasm := buildOnce(t, dir)
	s, err := rt.Load(ctx, name, wasm)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAssemblyScriptAgreesWithGo builds examples/scorers/quality (Go) and quality-as
// (AssemblyScript) from source and checks that they return the same bytes, challenge and
// Scores, on ordinary and hostile Rounds, over two rounds of state.
func TestAssemblyScriptAgreesWithGo(t *testing.T) {
	requireASC(t)
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	goS := loadScorer(t, rt, "../examples/scorers/quality")
	asS := loadScorer(t, rt, "../examples/scorers/quality-as")

	// Challenges agree for several seeds.
	var body json.RawMessage
	for i := range 5 {
		r := runtime.Round{Netuid: 3, Block: uint64(100 + i), BlockHash: "0x00", Miners: []runtime.Miner{{UID: 1, Hotkey: "a"}}}
		for j := range r.Seed {
			r.Seed[j] = byte(i*31 + j*7)
		}
		req, meta, err := r.EncodeChallengeRequest()
		if err != nil {
			t.Fatal(err)
		}
		g, err := goS.Challenge(ctx, req, meta)
		if err != nil {
			t.Fatal(err)
		}
		a, err := asS.Challenge(ctx, req, meta)
		if err != nil {
			t.Fatal(err)
		}
		if string(g.Output) != string(a.Output) {
			t.Fatalf("seed %d: challenges differ:\n go %s\n as %s", i, g.Output, a.Output)
		}
		c, err := runtime.ParseChallenge(g.Output)
		if err != nil {
			t.Fatal(err)
		}
		body = c.Body
	}
	var task struct{ Numbers []float64 }
	if err := json.Unmarshal(body, &task); err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, v := range task.Numbers {
		want += v
	}
	f := func(v float64) string { b, _ := json.Marshal(v); return string(b) }
	answers := []string{
		`{"answer":` + f(want) + `}`,              // exact
		`{"answer":` + f(want*1.01) + `}`,         // 1% off
		`{"answer":` + f(want*1.5) + `}`,          // way off
		`{"answer":"many"}`,                       // not a number
		``,                                        // timed out (status 408)
		`null`,                                    // answered null
		`{"answer":null}`,                         // null answer
		`{"ANSWER":` + f(want) + `}`,              // Go matches keys case-insensitively
		`{"an\u017fwer":` + f(want-1) + `}`,       // ... and folds ſ to s
		`{"answer":1,"answer":` + f(want) + `}`,   // the last one wins
		`{"answer":"x","answer":` + f(want) + `}`, // a wrong type anywhere is an error
		`{"answer":1e400}`,                        // overflows float64
		`{"answer":-0}`,                           // negative zero
		`{"answer":1e-320}`,                       // subnormal
		`{"answer":123456789012345678901234567890.5e-20}`,
		`[1,2,3]`,
		`"just text"`,
		`{"deep":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `,"answer":` + f(want+0.25) + `}`,
		`{"answer":` + f(want) + `,"text":"<b>&amp;\u2028</b>"}`,
	}
	round := func(answers []string, hot func(int) string, state []byte) ([]byte, runtime.RoundMeta) {
		r := runtime.Round{Netuid: 3, Block: 104, BlockHash: "0x00", Challenge: body, State: state}
		for i, a := range answers {
			m := runtime.Miner{UID: uint16(i * 3), Hotkey: hot(i), Stake: float64(i) / 3, Status: 200, LatencyMs: 100 + float64(i)/7, Response: json.RawMessage(a)}
			if a == "" {
				m.Status, m.LatencyMs = 408, 12000
			}
			r.Miners = append(r.Miners, m)
		}
		b, meta, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		return b, meta
	}
	same := func(name string, b []byte, meta runtime.RoundMeta) []byte {
		t.Helper()
		g, gerr := goS.Score(ctx, b, meta)
		a, aerr := asS.Score(ctx, b, meta)
		if (gerr == nil) != (aerr == nil) {
			t.Fatalf("%s: go error %v, as error %v", name, gerr, aerr)
		}
		if gerr != nil {
			return nil
		}
		if string(g.Output) != string(a.Output) {
			t.Fatalf("%s: Scores differ:\n go %s\n as %s", name, g.Output, a.Output)
		}
		return g.Scores.State
	}
	hot := func(i int) string { return fmt.Sprintf("5Hot<%d>&\u2028é", i) }
	b, meta := round(answers, hot, nil)
	state := same("round 1", b, meta)
	if len(state) == 0 {
		t.Fatal("no state after round 1")
	}
	// Round 2 carries the state; two miners re-registered under new hotkeys and everyone answers differently.
	hot2 := func(i int) string {
		if i == 2 || i == 7 {
			return "new"
		}
		return hot(i)
	}
	b, meta = round(append(answers[3:], answers[:3]...), hot2, state)
	same("round 2", b, meta)
	// Unreadable state: both start fresh.
	b, meta = round(answers[:4], hot, []byte("not json"))
	same("bad state", b, meta)
	// No challenge: both fail the round.
	r := runtime.Round{Miners: []runtime.Miner{{UID: 1, Status: 200, Response: json.RawMessage(`{"answer":1}`)}}}
	b, meta, _ = r.Encode()
	same("no challenge", b, meta)
	// The synthetic benchmark Rounds agree too.
	for _, n := range []int{0, 1, 300} {
		b, meta, err := plugins.SyntheticRound(ctx, goS, n)
		if err != nil {
			t.Fatal(err)
		}
		same(fmt.Sprintf("synthetic %d", n), b, meta)
	}
}

func TestBuild_AssemblyScript(t *testing.T) {
	requireASC(t)
	ctx := context.Background()
	if lang, err := plugins.DetectLang("../examples/scorers/quality-as"); err != nil || lang != plugins.LangAssemblyScript {
		t.Fatalf("DetectLang = %v, %v", lang, err)
	}
	a := filepath.Join(t.TempDir(), "a.wasm")
	os.WriteFile(a, buildOnce(t, "../examples/scorers/quality-as"), 0o600)
	info, err := plugins.ScreenFile(a)
	if err != nil || !info.HasChallenge {
		t.Fatalf("quality-as screens as %+v, %v", info, err)
	}
	b, err := plugins.Build(ctx, "../examples/scorers/quality-as", plugins.TargetWasm, filepath.Join(t.TempDir(), "b.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if string(ab) != string(bb) {
		t.Fatal("two builds of the same AssemblyScript source differ")
	}
	if _, err := plugins.Build(ctx, "../examples/scorers/quality-as", plugins.TargetNative, ""); err == nil {
		t.Fatal("a native AssemblyScript build must be refused")
	}
	if nd, err := plugins.NativeDir("../examples/scorers/quality-as"); err != nil || filepath.Base(nd) != "quality" {
		t.Fatalf("NativeDir = %q, %v", nd, err)
	}

	// A project whose compiler is not installed, and one that imports from env (Math.random).
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"devDependencies":{"assemblyscript":"0.28.20"}}`), 0o600)
	// Without npm on PATH the missing compiler cannot be installed: one line naming what to install.
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal(err)
	}
	onlyNode, path := t.TempDir(), os.Getenv("PATH")
	os.Symlink(node, filepath.Join(onlyNode, "node"))
	t.Setenv("PATH", onlyNode)
	if _, err := plugins.Build(ctx, dir, plugins.TargetWasm, ""); !errors.Is(err, plugins.ErrNoToolchain) || !strings.Contains(err.Error(), "apt-get install nodejs npm") {
		t.Fatalf("missing compiler without npm: %v", err)
	}
	t.Setenv("PATH", path)
	if _, err := plugins.NativeDir(dir); !errors.Is(err, plugins.ErrNoNative) {
		t.Fatalf("NativeDir without a counterpart: %v", err)
	}
	abs, _ := filepath.Abs("../examples/scorers/quality-as/node_modules")
	os.Symlink(abs, filepath.Join(dir, "node_modules"))
	os.MkdirAll(filepath.Join(dir, "assembly"), 0o755)
	os.WriteFile(filepath.Join(dir, "assembly", "index.ts"), []byte(`import { Round, Scores, register } from "@subnetd/pdk";
export * from "@subnetd/pdk/assembly/abi";
function score(r: Round): Scores { let s = new Scores(); s.add(0, Math.random()); return s; }
register(score);
`), 0o600)
	if _, err := plugins.Build(ctx, dir, plugins.TargetWasm, ""); err == nil || !strings.Contains(err.Error(), "env") || !strings.Contains(err.Error(), "Math.random") {
		t.Fatalf("an env import must be refused with a hint: %v", err)
	}
}

func TestBench_AssemblyScript(t *testing.T) {
	requireASC(t)
	rep, err := plugins.Bench(context.Background(), "../examples/scorers/quality-as", plugins.BenchOptions{Miners: 32, MinTime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Miners != 32 || rep.WasmNsPerCall <= 0 || rep.NativeNsPerCall <= 0 || rep.Ratio <= 0 {
		t.Fatalf("report %+v has empty fields", rep)
	}
}

// TestAssemblyScriptRoundDecoding runs pdk/assemblyscript/tests/echo.ts, a scorer that writes
// every field it decoded into its state, on Rounds made by the host, and compares with what
// the host sent (as Go's encoding/json would print it).
func TestAssemblyScriptRoundDecoding(t *testing.T) {
	asc := requireASC(t)
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "echo.wasm")
	cmd := exec.CommandContext(ctx, "node", asc, "tests/echo.ts", "--outFile", out, "--runtime", "stub", "-O3",
		"--use", "abort=assembly/index/onAbort")
	cmd.Dir = "../pdk/assemblyscript"
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("asc: %v: %s", err, b)
	}
	wasm, _ := os.ReadFile(out)
	rt, err := runtime.New(ctx, runtime.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	s, err := rt.Load(ctx, "echo", wasm)
	if err != nil {
		t.Fatal(err)
	}
	str := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	num := func(v float64) string { b, _ := json.Marshal(v); return string(b) }
	for i, r := range []runtime.Round{
		{},
		{Netuid: 65535, Block: 1<<63 + 12345, BlockHash: "0xé<&>\u2028", BlockTimeMs: -1764000000123,
			Validator: runtime.Validator{UID: 65535, Hotkey: "5Val\"\\\n"}, Challenge: json.RawMessage(`{"a":[1,2,{"b":"\u00e9"}]}`),
			State: []byte{0, 1, 2, 0xff, 0xfe},
			Miners: []runtime.Miner{
				{UID: 9, Hotkey: "🙂", Stake: 1e-7, Status: 200, LatencyMs: 0.1 + 0.2, Response: json.RawMessage(`{"x":  [ true , false, null ] }`)},
				{UID: 0, Hotkey: "", Stake: 123456789012345678, Status: -1, LatencyMs: 1e21, Response: nil},
				{UID: 65535, Hotkey: "x", Stake: 5e-324, Status: 503, LatencyMs: 0, Response: json.RawMessage(`"text"`)},
			}},
	} {
		for j := range r.Seed {
			r.Seed[j] = byte(i*40 + j)
		}
		b, meta, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Score(ctx, b, meta)
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		var w struct {
			Challenge json.RawMessage
			Miners    []struct{ Response json.RawMessage }
		}
		json.Unmarshal(b, &w) // the exact bytes the host sent for the raw values
		seed := fmt.Sprintf("0x%x", r.Seed)
		want := fmt.Sprintf("1|%d|%d|%s|%d|%s|%d|%s|%s|%s", r.Netuid, r.Block, str(r.BlockHash), r.BlockTimeMs, str(seed),
			r.Validator.UID, str(r.Validator.Hotkey), w.Challenge, base64.StdEncoding.EncodeToString(r.State))
		sorted := append([]runtime.Miner(nil), r.Miners...)
		slices.SortFunc(sorted, func(a, b runtime.Miner) int { return int(a.UID) - int(b.UID) })
		for k, m := range sorted {
			want += fmt.Sprintf("\n%d|%s|%s|%d|%s|%s", m.UID, str(m.Hotkey), num(m.Stake), m.Status, num(m.LatencyMs), w.Miners[k].Response)
		}
		if got := string(res.Scores.State); got != want {
			t.Errorf("round %d decoded as\n%s\nwant\n%s", i, got, want)
		}
	}
}
