package plugins_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// TestKits_acceptFeatures: the quality scorer in each of the five languages gives the same Scores
// and state for a Round whose miners carry providers' features (ABI v1's additive field) as for the
// same Round without them: every kit reads past the field.
func TestKits_acceptFeatures(t *testing.T) {
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	for _, ex := range []string{"quality", "quality-as", "quality-py", "quality-rs", "quality-c"} {
		t.Run(ex, func(t *testing.T) {
			dir := filepath.Join("..", "examples", "scorers", ex)
			lang, err := plugins.LanguageFor(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := lang.Toolchain(ctx, dir); errors.Is(err, plugins.ErrNoToolchain) {
				t.Skipf("%s toolchain missing: %v", lang.Name(), err)
			}
			out := filepath.Join(t.TempDir(), ex+".wasm")
			if err := lang.BuildWasm(ctx, dir, ex, out); err != nil {
				t.Fatal(err)
			}
			wasm, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			s, err := rt.Load(ctx, ex, wasm)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close(ctx)
			plain, pmeta, err := plugins.SyntheticRound(ctx, s, 24)
			if err != nil {
				t.Fatal(err)
			}
			r, err := runtime.DecodeRound(plain)
			if err != nil {
				t.Fatal(err)
			}
			for i := range r.Miners {
				r.Miners[i].Features = map[string]json.RawMessage{
					"answer": json.RawMessage(fmt.Sprintf(`{"answer":%d,"nested":[{"deep":{"x":[1,"two",null]}}],"text":"ß\"\\u00e9"}`, i)),
					"failed": nil,
				}
			}
			withF, meta, err := r.Encode()
			if err != nil {
				t.Fatal(err)
			}
			a, err := s.Score(ctx, plain, pmeta)
			if err != nil {
				t.Fatal(err)
			}
			b, err := s.Score(ctx, withF, meta)
			if err != nil {
				t.Fatalf("with features: %v", err)
			}
			if string(a.Output) != string(b.Output) {
				t.Fatalf("features changed the output:\n without %s\n with    %s", a.Output, b.Output)
			}
		})
	}
}
