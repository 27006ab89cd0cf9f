package plugins_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

func TestCLanguage_Project(t *testing.T) {
	lang := plugins.CLanguage()
	requireLang(t, lang)
	if lang.Name() != plugins.LangC {
		t.Fatalf("Name = %q", lang.Name())
	}
	checkLanguageProject(t, lang, "../examples/scorers/quality-c")
}

func TestCLanguage_AgreesWithGo(t *testing.T) {
	lang := plugins.CLanguage()
	requireLang(t, lang)
	checkQualityAgreesWithGo(t, qualityPort{"quality-c", langBuild(t, lang, "../examples/scorers/quality-c")})
}

func TestCLanguage_KitNumbers(t *testing.T) {
	lang := plugins.CLanguage()
	requireLang(t, lang)
	checkKitNumbers(t, langBuild(t, lang, "../pdk/c/tests"))
}

func TestCLanguage_BuildErrors(t *testing.T) {
	lang := plugins.CLanguage()
	requireLang(t, lang)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "broken")
	if err := lang.New(ctx, dir, "broken"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "scorer.c"), []byte("#include \"subnetd.h\"\nint f( {\n"), 0o600)
	err := lang.BuildWasm(ctx, dir, "broken", filepath.Join(dir, "broken.wasm"))
	if err == nil || !strings.Contains(err.Error(), "scorer.c:2") {
		t.Fatalf("a syntax error must name the file and line: %v", err)
	}
	// Without SUBNETD_SCORE nothing is exported: refused by screening.
	os.WriteFile(filepath.Join(dir, "scorer.c"), []byte("#include \"subnetd.h\"\nint f(void) { return 1; }\n"), 0o600)
	err = lang.BuildWasm(ctx, dir, "broken", filepath.Join(dir, "broken.wasm"))
	if err == nil || !strings.Contains(err.Error(), "SUBNETD_SCORE") {
		t.Fatalf("a project without SUBNETD_SCORE must be refused: %v", err)
	}
}

// BenchmarkLanguage_WasmVsNative measures quality-rs and quality-c (and, for scale, the Go
// original) through the runtime (fresh
// instance per call, as validators run them, Scores validated by the host: ns/op; the export
// alone: call-ns/op) against the same sources built natively and timed in-process by the bench
// protocol in the same run (native-ns/op), at 256 and 4096 miners, and reports the ratio of
// ns/op to native-ns/op, and ratio-min, the fastest Wasm call over the fastest native run (the
// machine's load weighs less on minima); call-ratio-min is the same for the export alone (what
// the scorer's own code costs, without instantiation and the host's check of the Scores), and
// gas/op the gas of one call:
//
//	go test ./plugins -run '^$' -bench Language_WasmVsNative -benchtime 2s
func BenchmarkLanguage_WasmVsNative(b *testing.B) {
	ctx := context.Background()
	for _, c := range []struct {
		lang plugins.Language
		dir  string
	}{{nil, "../examples/scorers/quality"}, {plugins.RustLanguage(), "../examples/scorers/quality-rs"}, {plugins.CLanguage(), "../examples/scorers/quality-c"}} {
		name := "go"
		if c.lang != nil {
			name = string(c.lang.Name())
		}
		b.Run(name, func(b *testing.B) {
			tmp := b.TempDir()
			var wasm []byte
			var nat plugins.Native
			if c.lang == nil { // the Go original, for scale: built as plugin bench builds it
				wp, err := plugins.Build(ctx, c.dir, plugins.TargetWasm, filepath.Join(tmp, "go.wasm"))
				if err != nil {
					b.Fatal(err)
				}
				np, err := plugins.Build(ctx, c.dir, plugins.TargetNative, filepath.Join(tmp, "go-native"))
				if err != nil {
					b.Fatal(err)
				}
				wasm, _ = os.ReadFile(wp)
				nat.Argv = []string{np}
			} else {
				requireLang(b, c.lang)
				wasm = langBuild(b, c.lang, c.dir)
				var err error
				if nat, err = c.lang.Native(ctx, c.dir, tmp); err != nil {
					b.Fatal(err)
				}
			}
			rt, err := runtime.New(ctx, runtime.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close(ctx)
			s, err := rt.Load(ctx, "bench", wasm)
			if err != nil {
				b.Fatal(err)
			}
			for _, n := range []int{256, 4096} {
				b.Run(fmt.Sprintf("miners=%d", n), func(b *testing.B) {
					round, meta, err := plugins.SyntheticRound(ctx, s, n)
					if err != nil {
						b.Fatal(err)
					}
					roundPath := filepath.Join(tmp, "round.json")
					os.WriteFile(roundPath, round, 0o600)
					// The native side is timed before and after the Wasm loop and averaged, so that a
					// change in the machine's load during the run weighs on both sides alike.
					native := func(minTime string) float64 {
						out, err := exec.CommandContext(ctx, nat.Argv[0], "bench", "--round", roundPath, "--min-time", minTime).Output()
						if err != nil {
							b.Fatal(err)
						}
						var res struct {
							NsPerCall float64 `json:"ns_per_call"`
						}
						if err := json.Unmarshal(out, &res); err != nil || res.NsPerCall <= 0 {
							b.Fatalf("native bench printed %q", out)
						}
						return res.NsPerCall
					}
					before := native("500ms")
					if _, err := s.Score(ctx, round, meta); err != nil {
						b.Fatal(err)
					}
					var call time.Duration
					var gas uint64
					wasmMin, callMin := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
					b.ResetTimer()
					for range b.N {
						t0 := time.Now()
						res, err := s.Score(ctx, round, meta)
						if err != nil {
							b.Fatal(err)
						}
						wasmMin = min(wasmMin, time.Since(t0))
						callMin = min(callMin, res.Call)
						call += res.Call
						gas = res.GasUsed
					}
					b.StopTimer()
					nativeNs := (before + native("500ms")) / 2
					// The fastest of several short native runs (3 calls each) against the fastest
					// Wasm call: an estimate of the ratio on an idle machine.
					nativeMin := math.Inf(1)
					for range 8 {
						nativeMin = min(nativeMin, native("1ns"))
					}
					b.ReportMetric(float64(wasmMin.Nanoseconds())/nativeMin, "ratio-min")
					b.ReportMetric(float64(callMin.Nanoseconds())/nativeMin, "call-ratio-min")
					b.ReportMetric(float64(gas), "gas/op")
					wasmNs := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
					b.ReportMetric(nativeNs, "native-ns/op")
					b.ReportMetric(float64(call.Nanoseconds())/float64(b.N), "call-ns/op")
					b.ReportMetric(wasmNs/nativeNs, "ratio")
				})
			}
		})
	}
}

// ExampleCLanguage builds the C port of the quality example and prepares its native twin.
func ExampleCLanguage() {
	ctx := context.Background()
	lang := plugins.CLanguage()
	if !lang.Detect("examples/scorers/quality-c") {
		return
	}
	if err := lang.BuildWasm(ctx, "examples/scorers/quality-c", "quality-c", "quality-c.wasm"); err != nil {
		fmt.Println(err) // c toolchain missing: … (apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32)
		return
	}
	nat, err := lang.Native(ctx, "examples/scorers/quality-c", os.TempDir())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(nat.Argv[0], "bench --round ROUND.json --min-time 1s")
}

func TestCLanguage_KitRoundReader(t *testing.T) {
	lang := plugins.CLanguage()
	requireLang(t, lang)
	checkKitRoundReader(t, langBuild(t, lang, "../pdk/c/tests"))
}
