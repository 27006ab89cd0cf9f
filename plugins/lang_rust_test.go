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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// requireLang skips the test when lang's toolchain is missing, saying what to install (its
// Toolchain error is that line).
func requireLang(t testing.TB, lang plugins.Language) {
	t.Helper()
	if err := lang.Toolchain(context.Background(), "."); err != nil {
		if !errors.Is(err, plugins.ErrNoToolchain) {
			t.Fatalf("Toolchain: %v does not wrap ErrNoToolchain", err)
		}
		t.Skipf("%v", err)
	}
}

// langBuilt caches modules built by langBuild, so the package's tests compile each project once.
var langBuilt sync.Map // lang:dir -> []byte

// langBuild builds the project in dir with lang (once per test binary) and returns the module.
func langBuild(t testing.TB, lang plugins.Language, dir string) []byte {
	t.Helper()
	key := string(lang.Name()) + ":" + dir
	if b, ok := langBuilt.Load(key); ok {
		return b.([]byte)
	}
	name, _ := plugins.Name(dir)
	out := filepath.Join(t.TempDir(), name+".wasm")
	if err := lang.BuildWasm(context.Background(), dir, name, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	langBuilt.Store(key, b)
	return b
}

// checkLanguageProject exercises a Language end to end: Detect, the example's build (screened,
// deterministic), a new project that passes its fixture at once and whose module does not
// depend on where it was built, and the native counterpart giving the same Scores as the Wasm.
func checkLanguageProject(t *testing.T, lang plugins.Language, example string) {
	ctx := context.Background()
	if !lang.Detect(example) {
		t.Fatalf("Detect(%s) = false", example)
	}
	if lang.Detect("../examples/scorers/quality") || lang.Detect(t.TempDir()) {
		t.Fatal("Detect accepts a project of another language, or an empty directory")
	}
	wasm := langBuild(t, lang, example)
	p := filepath.Join(t.TempDir(), "m.wasm")
	os.WriteFile(p, wasm, 0o600)
	info, err := plugins.ScreenFile(p)
	if err != nil || !info.HasChallenge {
		t.Fatalf("%s screens as %+v, %v", example, info, err)
	}
	again := filepath.Join(t.TempDir(), "again.wasm")
	if err := lang.BuildWasm(ctx, example, "again", again); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(again); !bytes.Equal(b, wasm) {
		t.Fatal("two builds of the same source differ")
	}

	// Two new projects of the same name in different places build to the same bytes, and pass
	// their fixture.
	var mods [][]byte
	for _, parent := range []string{t.TempDir(), filepath.Join(t.TempDir(), "deeper", "place")} {
		dir := filepath.Join(parent, "myscorer")
		if err := lang.New(ctx, dir, "myscorer"); err != nil {
			t.Fatal(err)
		}
		if !lang.Detect(dir) {
			t.Fatalf("Detect(new project) = false")
		}
		out := filepath.Join(dir, "myscorer.wasm")
		if err := lang.BuildWasm(ctx, dir, "myscorer", out); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(out)
		if bytes.Contains(b, []byte(parent)) {
			t.Fatalf("the module carries the build directory %s", parent)
		}
		mods = append(mods, b)
		checkFixture(t, b, dir)
	}
	if !bytes.Equal(mods[0], mods[1]) {
		t.Fatal("the same project built in two directories gives two modules")
	}

	// The native counterpart gives the Wasm's Scores and serves bench.
	tmp := t.TempDir()
	nat, err := lang.Native(ctx, example, tmp)
	if err != nil {
		t.Fatal(err)
	}
	if nat.Protocol != plugins.NativeBench || nat.SameAlgorithm {
		t.Fatalf("native %+v: want the same program with the bench protocol", nat)
	}
	rt, err := runtime.New(ctx, runtime.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	s, err := rt.Load(ctx, "example", wasm)
	if err != nil {
		t.Fatal(err)
	}
	round, meta, err := plugins.SyntheticRound(ctx, s, 64)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		t.Fatal(err)
	}
	roundPath := filepath.Join(tmp, "round.json")
	os.WriteFile(roundPath, round, 0o600)
	run := func(args ...string) string {
		cmd := exec.CommandContext(ctx, nat.Argv[0], append(append(nat.Argv[1:], args...), "--round", roundPath)...)
		cmd.Dir = nat.Dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("native %v: %v: %s", args, err, stderr.String())
		}
		return string(out)
	}
	if got := run("score"); got != string(res.Output)+"\n" {
		t.Fatalf("native Scores differ from the Wasm's:\n native %.300s\n wasm   %.300s", got, res.Output)
	}
	var bench struct {
		Iterations int     `json:"iterations"`
		NsPerCall  float64 `json:"ns_per_call"`
	}
	if out := run("bench", "--min-time", "20ms"); json.Unmarshal([]byte(out), &bench) != nil || bench.Iterations < 3 || bench.NsPerCall <= 0 {
		t.Fatalf("native bench printed %q", out)
	}
}

// checkFixture runs the module on every fixture of the project in dir, as plugin test does.
func checkFixture(t *testing.T, wasm []byte, dir string) {
	t.Helper()
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	s, err := rt.Load(ctx, "fixture", wasm)
	if err != nil {
		t.Fatal(err)
	}
	rounds, _ := filepath.Glob(filepath.Join(dir, "fixtures", "*.round.json"))
	if len(rounds) == 0 {
		t.Fatal("new project has no fixtures")
	}
	for _, rp := range rounds {
		raw, _ := os.ReadFile(rp)
		var c bytes.Buffer
		if err := json.Compact(&c, raw); err != nil {
			t.Fatal(err)
		}
		meta, err := runtime.ParseRoundMeta(c.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Score(ctx, c.Bytes(), meta)
		if err != nil {
			t.Fatalf("%s: %v", rp, err)
		}
		want, _ := os.ReadFile(strings.TrimSuffix(rp, ".round.json") + ".scores.json")
		ws, err := runtime.ValidateScores(bytes.TrimSpace(want), meta.UIDs, math.MaxInt32)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(res.Scores.Canonical(), ws.Canonical()) {
			t.Fatalf("%s: got %s, want %s", rp, res.Scores.Canonical(), ws.Canonical())
		}
	}
}

// ---- byte-identical ports of examples/scorers/quality ---------------------------------------

// hostileAnswers are miner responses that probe how a port reads an answer; want is the task's sum.
func hostileAnswers(want float64) []string {
	f := func(v float64) string {
		if math.IsInf(v, 0) || math.IsNaN(v) { // the task's sum overflowed
			return "1e308"
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	long := func(v float64) string { // 31 significant digits
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "1.000000000000000000000000000001e308"
		}
		return strconv.FormatFloat(v, 'e', 30, 64)
	}
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
		`{"AN\u017fWER":` + f(want-2) + `}`,
		`{"an\\u0073wer":` + f(want-3) + `}`,
		`{"answer":1,"answer":` + f(want) + `}`,
		`{"answer":"x","answer":` + f(want) + `}`,
		`{"answer":5,"answer":null}`,
		`{"answer":null,"answer":` + f(want+0.5) + `}`,
		`{"answer":1e400}`,
		`{"answer":-1e400}`,
		`{"answer":-0}`,
		`{"answer":1e-320}`,
		`{"answer":123456789012345678901234567890.5e-20}`,
		`{"answer":1.7976931348623157e308}`,
		`{"answer":-1.7976931348623157e308}`,
		`{"answer":` + f(want) + ` , "more":` + strconv.Quote(strconv.FormatFloat(want, 'e', 30, 64)) + `}`,
		`{"answer":` + long(want) + `}`,
		`{"answer":[` + f(want) + `]}`,
		`{"answer":{"v":1}}`,
		`{"answer":true}`,
		`[1,2,3]`,
		`"just text"`,
		`42`,
		`{}`,
		`{"deep":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `,"answer":` + f(want+0.25) + `}`,
		`{"deep":` + strings.Repeat(`{"a":`, 3000) + `1` + strings.Repeat("}", 3000) + `,"answer":` + f(want+0.125) + `}`,
		`{"answer":` + f(want) + `,"text":"<b>&amp;\u2028</b>"}`,
		`{"text":"\"answer\":1","answer":` + f(want+2) + `}`,
		`{"answer" : ` + f(want) + ` , "x" : [ 1 , 2 ] }`,
	}
}

// hostileChallenges are challenge bodies that probe how a port reads the task.
var hostileChallenges = []string{
	``, `null`, `[]`, `"sum"`, `5`, `{}`,
	`{"task":"sum"}`,
	`{"task":"Sum","numbers":[1]}`,
	`{"TASK":"sum","Numbers":[1,2]}`,
	`{"tas\u212a":"sum","numbers":[0.1,0.2]}`,
	`{"task":"sum","numbers":[1e308,1e308]}`,
	`{"task":"sum","numbers":[1e308,-1e308,1e308]}`,
	`{"task":"sum","numbers":[1,null,2]}`,
	`{"task":"sum","numbers":[1,2],"numbers":[null,5]}`,
	`{"task":"sum","numbers":[1,2,3,4,5],"numbers":[null,null,null]}`,
	`{"task":"sum","numbers":[1,2,3],"numbers":[],"numbers":[null,null]}`,
	`{"task":"sum","numbers":[1,2,3],"numbers":null,"numbers":[null,7]}`,
	`{"task":"sum","numbers":[1,"x"]}`,
	`{"task":"sum","numbers":{}}`,
	`{"task":"sum","numbers":"1,2"}`,
	`{"task":"sum","id":5,"numbers":[1]}`,
	`{"task":"sum","id":null,"numbers":[1]}`,
	`{"task":null,"task":"sum","numbers":[3]}`,
	`{"task":"sum","task":null,"numbers":[3]}`,
	`{"task":7,"task":"sum","numbers":[3]}`,
	`{"task":"sum","numbers":[1e400]}`,
	`{"task":"sum","numbers":[-0, 5e-324, 1e-320]}`,
	`{"task":"sum","numbers":[0.1,0.2,0.3],"extra":{"deep":[[[[]]]]}}`,
	`{"task":"s\u0075m","numbers":[2.5]}`,
	`{"task":"sum","numbers":[123456789012345678901234567890,1e22,1e21,9.999999999999999e20]}`,
}

// hotkeys is a small pool, so that uids come back under the same and under other hotkeys.
var hotkeys = []string{"5Hot<1>&\u2028é", "5Hot2", "new", "", "é中🙂", "tab\tquote\"back\\", "bad \xff utf8", "\x00\x1f\x7f", "\u2029"}

// hostileStates are states a port must read as Go's encoding/json does.
var hostileStates = []string{
	"not json", "null", "{}", "[]", "[1,2]", `[null]`, `"text"`, "[{\"uid\":1,\"hotkey\":\"5Hot2\",\"ema\":0.5}",
	`[{"uid":3,"hotkey":"5Hot2","ema":0.5},{"uid":"3"}]`,
	`[{"UID":0,"HOTKEY":"new","EMA":0.25},{"uid":6,"hotkey":"5Hot2","ema":1e400}]`,
	`[{"uid":0,"hotkey":"","ema":0.5},{"uid":0,"hotkey":"","ema":0.75}]`,
	`[{"uid":-1,"hotkey":"5Hot2","ema":0.5},{"uid":1.0,"hotkey":"5Hot2","ema":0.5},{"uid":70000,"hotkey":"5Hot2","ema":0.5}]`,
	`[{"uid":3,"hotkey":"5Hot2","ema":0.5,"uid":6}]`,
	`[{"uid":3,"hotkey":5,"ema":0.5},{"uid":6,"hotkey":"5Hot2","ema":"0.5"}]`,
	`[{"ui\u0064":9,"hot\u212aey":"5Hot2","ema":0.125}]`,
	`[{"uid":9,"hotkey":"5Hot<1>&\u2028é","ema":1e308},{"uid":12,"hotkey":"bad \ufffd utf8","ema":-3}]`,
	`[{"uid":12,"hotkey":"\ud800","ema":0.5},{"uid":15,"hotkey":"\ud83d\ude42","ema":0.5}]`,
	`[{"uid":3,"hotkey":"5Hot2","ema":5e-324},{"uid":6,"hotkey":null,"ema":null,"uid":null}]`,
	`[true,{"uid":3,"hotkey":"5Hot2","ema":0.5}]`,
}

// qualityPort is a port of examples/scorers/quality to check against the Go original.
type qualityPort struct {
	name string
	wasm []byte
}

// checkQualityAgreesWithGo runs examples/scorers/quality (Go) and the ports through the runtime
// on challenges from many seeds and on many random and hostile rounds whose state carries
// over, and requires the same bytes from all (or an error from all).
func checkQualityAgreesWithGo(t *testing.T, ports ...qualityPort) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	goS := loadScorer(t, rt, "../examples/scorers/quality")
	var ps []*runtime.Scorer
	for _, p := range ports {
		s, err := rt.Load(ctx, p.name, p.wasm)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, s)
	}
	rng := rand.New(rand.NewPCG(7, 11))

	// Challenges: random seeds, and hand-written requests with seeds that are not 32 bytes of hex.
	var bodies []json.RawMessage
	for i := range 60 {
		r := runtime.Round{Netuid: 3, Block: uint64(100 + i), BlockHash: "0x00", Miners: []runtime.Miner{{UID: 1, Hotkey: "a"}}}
		if i%2 == 1 { // extreme figures the kits must read
			r.Netuid, r.Block, r.BlockTimeMs, r.BlockHash = 65535, 1<<64-1, -1764000000123, "0xé<&>\u2028"
			r.Validator = runtime.Validator{UID: 65535, Hotkey: "5Val\"\\\n"}
			r.State = []byte{0, 1, 2, 0xff, 0xfe}
			r.Miners = append(r.Miners, runtime.Miner{UID: 65535, Hotkey: "🙂", Stake: math.MaxFloat64})
		}
		for j := range r.Seed {
			r.Seed[j] = byte(rng.Uint32())
		}
		req, meta, err := r.EncodeChallengeRequest()
		if err != nil {
			t.Fatal(err)
		}
		g := sameOutput(t, fmt.Sprintf("challenge %d", i), ports, func(s *runtime.Scorer) (*runtime.Result, error) { return s.Challenge(ctx, req, meta) }, goS, ps)
		c, err := runtime.ParseChallenge(g)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, c.Body)
	}
	for _, seed := range []string{"0x0102", "0x0102030405060708", "0102030405060708090a", "0xZZ02030405060708", "0x010203040506070", "0XABCDEF0123456789", "0xABCDEF0123456789", "", "0x"} {
		req := []byte(`{"abi":1,"netuid":3,"block":1,"block_hash":"0x00","seed":` + jsonString(seed) + `,"validator":{"uid":0,"hotkey":"v"},"miners":[],"state":""}`)
		sameOutput(t, "challenge seed "+seed, ports, func(s *runtime.Scorer) (*runtime.Result, error) { return s.Challenge(ctx, req, runtime.RoundMeta{}) }, goS, ps)
	}

	// Rounds: ordinary and hostile, the state of each carried into the next.
	var state []byte
	for round := range 400 {
		var challenge json.RawMessage
		if rng.IntN(5) == 0 {
			challenge = json.RawMessage(hostileChallenges[rng.IntN(len(hostileChallenges))])
		} else {
			challenge = bodies[rng.IntN(len(bodies))]
		}
		var task struct{ Numbers []float64 }
		json.Unmarshal(challenge, &task)
		want := 0.0
		for _, v := range task.Numbers {
			want += v
		}
		answers := hostileAnswers(want)
		r := runtime.Round{Netuid: 3, Block: uint64(1000 + round), BlockHash: "0x00", Challenge: challenge}
		switch k := rng.IntN(10); {
		case k < 6:
			r.State = state
		case k < 8:
			r.State = []byte(hostileStates[rng.IntN(len(hostileStates))])
		case k < 9 && len(state) > 0:
			b := bytes.Clone(state) // a mangled copy of the real state
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
			r.State = b
		}
		n := rng.IntN(40)
		if round%50 == 49 {
			n = 600 + rng.IntN(600)
		}
		used := map[uint16]bool{}
		for range n {
			uid := uint16(rng.IntN(24))
			if n > 24 {
				uid = uint16(rng.IntN(4096))
			}
			if used[uid] {
				continue
			}
			used[uid] = true
			m := runtime.Miner{UID: uid, Hotkey: hotkeys[rng.IntN(len(hotkeys))], Stake: rng.Float64() * 1000, Status: 200, LatencyMs: rng.Float64() * 12000}
			if rng.IntN(4) == 0 {
				m.Hotkey = "5Hot2"
			}
			switch rng.IntN(12) { // extreme figures the kits must read
			case 0:
				m.Stake, m.LatencyMs = math.MaxFloat64, math.SmallestNonzeroFloat64
			case 1:
				m.Stake, m.LatencyMs = 0, 1e21
			}
			switch k := rng.IntN(20); {
			case k < 8: // a numeric answer near the sum, written in many ways
				v := want * (1 + rng.NormFloat64()*math.Pow(10, -float64(rng.IntN(8))))
				if math.IsInf(v, 0) || math.IsNaN(v) { // the task's sum overflowed
					v = rng.NormFloat64()
				}
				text := strconv.FormatFloat(v, "efg"[rng.IntN(3)], rng.IntN(20)-1, 64)
				m.Response = json.RawMessage(`{"answer":` + text + `,"note":"r` + strconv.Itoa(round) + `"}`)
			case k < 16:
				if a := answers[rng.IntN(len(answers))]; a != "" {
					m.Response = json.RawMessage(a)
				} else {
					m.Status, m.LatencyMs = 408, 12000
				}
			case k < 18:
				m.Status = []int{408, 503, 422, 500}[rng.IntN(4)]
			default:
				m.Status = 200 + rng.IntN(3)
				m.Response = json.RawMessage(`{"answer":` + strconv.FormatFloat(want, 'g', -1, 64) + `}`)
				if math.IsInf(want, 0) || math.IsNaN(want) {
					m.Response = json.RawMessage(`{"answer":1e308}`)
				}
			}
			r.Miners = append(r.Miners, m)
		}
		b, meta, err := r.Encode()
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		out := sameOutput(t, fmt.Sprintf("round %d", round), ports, func(s *runtime.Scorer) (*runtime.Result, error) { return s.Score(ctx, b, meta) }, goS, ps)
		if out != nil {
			var sc struct{ State []byte }
			json.Unmarshal(out, &sc)
			state = sc.State
		}
	}
	// The benchmark Rounds agree too.
	for _, n := range []int{0, 1, 300, 4096} {
		b, meta, err := plugins.SyntheticRound(ctx, goS, n)
		if err != nil {
			t.Fatal(err)
		}
		sameOutput(t, fmt.Sprintf("synthetic %d", n), ports, func(s *runtime.Scorer) (*runtime.Result, error) { return s.Score(ctx, b, meta) }, goS, ps)
	}
}

// sameOutput runs call on the Go scorer and every port and requires the same bytes, or an error
// from every one; it returns the Go output (nil on error).
func sameOutput(t *testing.T, what string, ports []qualityPort, call func(*runtime.Scorer) (*runtime.Result, error), goS *runtime.Scorer, ps []*runtime.Scorer) []byte {
	t.Helper()
	g, gerr := call(goS)
	for i, s := range ps {
		p, perr := call(s)
		if (gerr == nil) != (perr == nil) {
			t.Fatalf("%s: go error %v, %s error %v", what, gerr, ports[i].name, perr)
		}
		if gerr == nil && !bytes.Equal(g.Output, p.Output) {
			t.Fatalf("%s: outputs differ:\n go %.2000s\n %s %.2000s", what, g.Output, ports[i].name, p.Output)
		}
	}
	if gerr != nil {
		return nil
	}
	return g.Output
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

// ---- the kits' number and string formatting, inside Wasm -------------------------------------

// kitProbe instantiates a module exporting the kit's formatting behind probe_format_f64(bits)
// -> i64, probe_parse_f64(ptr, len) -> bits (probe_parse_ok() says whether it was a float64),
// and probe_string(ptr, len) -> i64 (a JSON string decoded and encoded again), and returns
// helpers calling them.
type kitProbe struct {
	t   *testing.T
	ctx context.Context
	mod api.Module
}

func newKitProbe(t *testing.T, wasm []byte) *kitProbe {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, r)
	_, err := r.NewHostModuleBuilder("subnetd").
		NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, p, n uint32) {
		b, _ := m.Memory().Read(p, n)
		panic("abort: " + string(b))
	}).Export("abort").
		NewFunctionBuilder().WithFunc(func(uint32, uint32, uint32) {}).Export("log").
		Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := r.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
	if err != nil {
		t.Fatal(err)
	}
	return &kitProbe{t: t, ctx: ctx, mod: mod}
}

func (k *kitProbe) call(name string, args ...uint64) uint64 {
	res, err := k.mod.ExportedFunction(name).Call(k.ctx, args...)
	if err != nil {
		k.t.Fatalf("%s: %v", name, err)
	}
	if len(res) == 0 {
		return 0
	}
	return res[0]
}

func (k *kitProbe) put(s string) (uint64, uint64) {
	p := k.call("subnetd_alloc", uint64(len(s)))
	k.mod.Memory().Write(uint32(p), []byte(s))
	return p, uint64(len(s))
}

func (k *kitProbe) str(res uint64) string {
	b, ok := k.mod.Memory().Read(uint32(res>>32), uint32(res))
	if !ok {
		k.t.Fatal("result outside memory")
	}
	return string(b)
}

// checkKitNumbers compares the kit's float64 printing and reading, and its string escaping, with
// Go's encoding/json and strconv on tens of thousands of values.
func checkKitNumbers(t *testing.T, wasm []byte) {
	k := newKitProbe(t, wasm)
	rng := rand.New(rand.NewPCG(3, 4))
	var values []float64
	for _, v := range []float64{0, 1, 0.1, 0.3, 1e-6, 9.999999999999999e-7, 1e21, 9.999999999999999e20, 1e-7, 5e-324,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 2.2250738585072014e-308, 2.225073858507201e-308, 1 << 53, 1<<53 + 2,
		1 << 60, 123456789012345678, 0.7, 0.3 * 0.1, math.Exp(-1), 1e22, 1e23, 5e-7, 1.5e300, 4.35, 8123.45, 1e100, 1e-100} {
		values = append(values, v, -v)
	}
	for e := -1074; e <= 1023; e++ { // every power of two: the uneven rounding interval
		values = append(values, math.Ldexp(1, e))
	}
	for range 20000 {
		values = append(values, math.Float64frombits(rng.Uint64()&^(0x7ff<<52)|uint64(rng.IntN(0x7ff))<<52)) // any finite
	}
	for range 3000 {
		values = append(values, rng.Float64(), math.Exp(-20*rng.Float64()), float64(rng.IntN(100000))/100, rng.NormFloat64()*1e4)
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.str(k.call("probe_format_f64", math.Float64bits(v))); got != string(want) {
			t.Fatalf("format %v (bits %#x): got %s, want %s", v, math.Float64bits(v), got, want)
		}
		for _, text := range []string{string(want), strconv.FormatFloat(v, 'e', rng.IntN(25), 64), strconv.FormatFloat(v, 'f', rng.IntN(30), 64)} {
			checkParse(t, k, text)
		}
	}
	for _, text := range []string{"1e400", "-1e400", "1e-400", "2.4703282292062327e-324", "2.4703282292062328e-324",
		"9007199254740993", "9007199254740993.0000000000000000000001", "0.1000000000000000055511151231257827021181583404541015625",
		"0.1000000000000000055511151231257827021181583404541015624", "179769313486231580793728971405301e276",
		"1" + strings.Repeat("0", 400) + "e-400", "0." + strings.Repeat("0", 300) + "1", "123456789012345678901234567890", "-0", "1E5", "1e+5"} {
		checkParse(t, k, text)
	}
	// NaN and the infinities have no JSON form: the kit refuses them.
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := k.call("probe_format_f64", math.Float64bits(v)); got != 0 {
			t.Fatalf("format %v: got %q, want a refusal", v, k.str(got))
		}
	}
	for _, s := range []string{`"plain"`, `"<a&b>"`, `"tab\tnl\nq\"bs\\"`, `"\u0001\u001f\u007f"`, `"é中🙂"`, "\"bad \xff utf8\"",
		"\"cut \xf0\x9f\x98 seq\"", "\"surrogate \xed\xa0\x80 bytes\"", `"\ud83d\ude42 pair"`, `"\ud800 lone"`, `"\udc00\ud800 backwards"`,
		`"\ud800\u0041"`, `"\u2028\u2029"`, `"\/slash"`, `"\b\f\r"`, `"\u0000nul"`, "\"del \x7f\""} {
		var dec string
		if err := json.Unmarshal([]byte(s), &dec); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(dec)
		p, n := k.put(s)
		if got := k.str(k.call("probe_string", p, n)); got != string(want) {
			t.Errorf("string %s: got %s, want %s", s, got, want)
		}
	}
}

func checkParse(t *testing.T, k *kitProbe, text string) {
	t.Helper()
	p, n := k.put(text)
	gotBits := k.call("probe_parse_f64", p, n)
	ok := k.call("probe_parse_ok") == 1
	wantV, err := strconv.ParseFloat(text, 64)
	if ok != (err == nil) || (ok && gotBits != math.Float64bits(wantV)) {
		t.Fatalf("parse %q: got %v (ok %v), want %v (%v)", text, math.Float64frombits(gotBits), ok, wantV, err)
	}
}

// ---- Rust ---------------------------------------------------------------------------------

func TestRustLanguage_Project(t *testing.T) {
	lang := plugins.RustLanguage()
	requireLang(t, lang)
	if lang.Name() != plugins.LangRust {
		t.Fatalf("Name = %q", lang.Name())
	}
	checkLanguageProject(t, lang, "../examples/scorers/quality-rs")
}

func TestRustLanguage_AgreesWithGo(t *testing.T) {
	lang := plugins.RustLanguage()
	requireLang(t, lang)
	checkQualityAgreesWithGo(t, qualityPort{"quality-rs", langBuild(t, lang, "../examples/scorers/quality-rs")})
}

func TestRustLanguage_KitNumbers(t *testing.T) {
	lang := plugins.RustLanguage()
	requireLang(t, lang)
	checkKitNumbers(t, langBuild(t, lang, "../pdk/rust/tests/probe"))
}

func TestRustLanguage_BuildErrors(t *testing.T) {
	lang := plugins.RustLanguage()
	requireLang(t, lang)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "broken")
	if err := lang.New(ctx, dir, "broken"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "src", "lib.rs"), []byte("fn score( {\n"), 0o600)
	err := lang.BuildWasm(ctx, dir, "broken", filepath.Join(dir, "broken.wasm"))
	if err == nil || !strings.Contains(err.Error(), "src/lib.rs") {
		t.Fatalf("a syntax error must name the file: %v", err)
	}
	// A crate that never calls register! exports nothing: refused by screening.
	os.WriteFile(filepath.Join(dir, "src", "lib.rs"), []byte("pub fn nothing() {}\n"), 0o600)
	err = lang.BuildWasm(ctx, dir, "broken", filepath.Join(dir, "broken.wasm"))
	if err == nil || !strings.Contains(err.Error(), "register!") {
		t.Fatalf("a crate without register! must be refused: %v", err)
	}
}

// TestRustLanguage_Panics checks that a panic in a Rust scorer fails the round with its message.
func TestRustLanguage_Panics(t *testing.T) {
	lang := plugins.RustLanguage()
	requireLang(t, lang)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "panics")
	if err := lang.New(ctx, dir, "panics"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "src", "lib.rs"), []byte(`use subnetd_pdk::{Round, Scores};
fn score(r: &Round) -> Result<Scores, String> {
    if r.miners.is_empty() { return Err("no miners at all".to_string()); }
    let v: Vec<u8> = Vec::new();
    Ok(Scores { scores: vec![], state: vec![v[r.miners.len()]] })
}
subnetd_pdk::register!(score);
`), 0o600)
	out := filepath.Join(dir, "panics.wasm")
	if err := lang.BuildWasm(ctx, dir, "panics", out); err != nil {
		t.Fatal(err)
	}
	wasm, _ := os.ReadFile(out)
	rt, _ := runtime.New(ctx, runtime.Config{})
	defer rt.Close(ctx)
	s, err := rt.Load(ctx, "panics", wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		miners int
		want   string
	}{{0, "scorer aborted: no miners at all"}, {1, "index out of bounds"}} {
		r := runtime.Round{}
		for i := range c.miners {
			r.Miners = append(r.Miners, runtime.Miner{UID: uint16(i)})
		}
		b, meta, _ := r.Encode()
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := s.Score(ctx, b, meta)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%d miners: error %v, want %q", c.miners, err, c.want)
		}
	}
}

// ExampleRustLanguage builds a new Rust scorer project to a module.
func ExampleRustLanguage() {
	ctx := context.Background()
	lang := plugins.RustLanguage()
	if err := lang.Toolchain(ctx, "."); err != nil {
		fmt.Println(err) // rust toolchain missing: … (apt-get install rustc cargo libstd-rust-dev-wasm32)
		return
	}
	dir := filepath.Join(os.TempDir(), "myscorer")
	if err := lang.New(ctx, dir, "myscorer"); err != nil {
		fmt.Println(err)
		return
	}
	if err := lang.BuildWasm(ctx, dir, "myscorer", filepath.Join(dir, "myscorer.wasm")); err != nil {
		fmt.Println(err)
	}
}

// checkKitRoundReader compares the kit's one-pass Round reader with its reference reader
// through the probe's probe_round: on messages as the host writes them the one-pass reader must
// take them on ("fast"); on thousands of mangled ones (bytes changed, inserted or dropped,
// escaped keys, wrong types, repeated fields, nesting at the depth limit) it may give up
// ("reference"), but whenever it returns a Round it must be the reference reader's.
func checkKitRoundReader(t *testing.T, wasm []byte) {
	k := newKitProbe(t, wasm)
	rng := rand.New(rand.NewPCG(5, 6))
	read := func(msg string) string {
		p, n := k.put(msg)
		return k.str(k.call("probe_round", p, n))
	}
	var canon []string
	for i := range 12 {
		r := runtime.Round{Netuid: uint16(i), Block: uint64(i) * 1e15, BlockHash: "0x00", BlockTimeMs: -int64(i), Challenge: json.RawMessage(`{"task":"sum","numbers":[1.5,2]}`),
			Validator: runtime.Validator{UID: 65535, Hotkey: "5Val\"\\\n<é>"}, State: []byte{0, 1, 2, 0xff}}
		for j := range 1 + rng.IntN(20) {
			m := runtime.Miner{UID: uint16(j * 3), Hotkey: hotkeys[rng.IntN(len(hotkeys))], Stake: rng.Float64() * 1e3, Status: 200, LatencyMs: rng.Float64() * 12000}
			switch j % 4 {
			case 0:
				m.Response = json.RawMessage(`{"answer":1e308,"text":"a \u2028 b","n":[null,true,{"x":-0.5e-3}]}`)
			case 1:
				m.Status, m.Hotkey = 408, "🙂"
			case 2:
				m.Response = json.RawMessage(`[1,2,3]`)
				m.Features = map[string]json.RawMessage{"f": json.RawMessage(`1`)}
			}
			r.Miners = append(r.Miners, m)
		}
		b, _, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		canon = append(canon, string(b))
		if got := read(string(b)); got != "fast" {
			t.Fatalf("a Round as the host writes it: %s\n%s", got, b)
		}
	}
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	extra := []string{
		`{"abi":1,"miners":[{"uid":1,"response":` + deep(9996) + `}]}`,
		`{"abi":1,"miners":[{"uid":1,"response":` + deep(9997) + `}]}`,
		`{"abi":1,"miners":[{"uid":1,"response":` + deep(9998) + `}]}`,
		`{"abi":1,"challenge":` + deep(9999) + `}`, `{"abi":1,"challenge":` + deep(10000) + `}`,
		`{"validator":{"uid":1,"x":` + deep(9998) + `}}`, `{"validator":{"uid":1,"x":` + deep(9999) + `}}`,
		`{"miners":null}`, `{"miners":[null,{"uid":2}]}`, `{"validator":7,"validator":{"hotkey":"a"},"validator":{"uid":2}}`,
		`{"miners":[{"uid":1}],"miners":[{"uid":2}]}`, `{"u\u0069d":1,"miners":[{"u\u0069d":3}]}`, `{"state":"AAE="}`, `{"state":"AAE"}`,
		`{"state":null,"seed":null,"abi":null,"netuid":null}`, `{"netuid":65536}`, `{"block":18446744073709551616}`, `{"abi":-0}`, `{"netuid":-0}`,
		`{"miners":[{"stake":1e400}]}`, `{"miners":[{"hotkey":"\ud800"}]}`, "{\"miners\":[{\"hotkey\":\"\xff\"}]}", ` {"abi":1} `, `{"abi":1}x`, `[]`, `null`, ``, `{`,
		`{"miners":[{"uid":1},]}`, `{"abi":1,}`, `{"abi" 1}`, `{"miners":[{"uid":01}]}`, `{"miners":[{"uid":1.0}]}`, `{"miners":[{"status":1e2}]}`, `{"miners":[{"response":nul}]}`,
	}
	counts := map[string]int{}
	check := func(msg string) {
		got := read(msg)
		if strings.HasPrefix(got, "differ") {
			t.Fatalf("the readers disagree on %q: %s", firstN(msg, 400), got)
		}
		counts[got]++
	}
	for _, m := range extra {
		check(m)
	}
	const noise = "{}[],:\"\\ \t\n0123456789.-+eEnulltruefalse\x00\xff"
	keys := []string{`"uid"`, `"hotkey"`, `"stake"`, `"status"`, `"latency_ms"`, `"response"`, `"features"`, `"miners"`, `"validator"`, `"state"`, `"seed"`, `"abi"`, `"netuid"`, `"block"`}
	values := []string{`null`, `true`, `"s"`, `"\u0041"`, `-1`, `1.5`, `1e2`, `70000`, `[]`, `{}`, `[null]`, `{"uid":1}`, `"AAE="`}
	for range 4000 {
		b := []byte(canon[rng.IntN(len(canon))])
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(b))
			switch rng.IntN(6) {
			case 0: // change a byte
				b[i] = noise[rng.IntN(len(noise))]
			case 1: // insert a byte
				b = append(b[:i], append([]byte{noise[rng.IntN(len(noise))]}, b[i:]...)...)
			case 2: // drop a byte
				b = append(b[:i], b[i+1:]...)
			case 3: // escape a key
				key := keys[rng.IntN(len(keys))]
				b = []byte(strings.Replace(string(b), key, key[:2]+`\u00`+strconv.FormatInt(int64(key[2]), 16)+key[3:], 1))
			default: // give a field another value, or repeat one
				key := keys[rng.IntN(len(keys))]
				if j := strings.Index(string(b), key+":"); j >= 0 {
					j += len(key) + 1
					end := j + rng.IntN(min(12, len(b)-j)+1)
					b = append(b[:j], append([]byte(values[rng.IntN(len(values))]), b[end:]...)...)
				}
			}
			if len(b) == 0 {
				break
			}
		}
		check(string(b))
	}
	if counts["fast"] < 100 || counts["reference"] < 100 {
		t.Fatalf("the mangled messages did not exercise both readers: %v", counts)
	}
}

func firstN(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func TestRustLanguage_KitRoundReader(t *testing.T) {
	lang := plugins.RustLanguage()
	requireLang(t, lang)
	checkKitRoundReader(t, langBuild(t, lang, "../pdk/rust/tests/probe"))
}
