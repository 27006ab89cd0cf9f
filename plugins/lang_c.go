package plugins

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	cpdk "github.com/subnetd/subnetd/pdk/c"
)

// A C scorer is a directory of .c files, one of which includes the kit's header subnetd.h and
// ends with SUBNETD_SCORE(fn) (and optionally SUBNETD_CHALLENGE(fn)). plugin build compiles
// every .c file with clang for wasm32-wasi as a reactor, together with the kit's subnetd.c:
// the project's own copy when it has one (plugin new writes it), else the copy this binary
// carries. docs/scorers-c.md is the author's guide.

// cInstall is what Toolchain asks for when clang cannot build a WASI reactor.
const cInstall = "apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32"

// cFlags are the compiler flags of both builds: optimised, and no fused multiply-add, so that
// float results are the same on every machine and in both builds.
var cFlags = []string{"-O2", "-ffp-contract=off", "-std=gnu11"}

// cLang is the Language of C scorers.
type cLang struct{}

// CLanguage returns the Language of C scorers (.c files using pdk/c's subnetd.h).
func CLanguage() Language { return cLang{} }

func (cLang) Name() Lang { return LangC }

var cIncludeRE = regexp.MustCompile(`(?m)^\s*#\s*include\s*["<]subnetd\.h[">]`)

// cSources returns the project's .c files, sorted.
func cSources(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, "*.c"))
	sort.Strings(m)
	return m
}

// Detect reports a C project: a .c file in dir includes subnetd.h.
func (cLang) Detect(dir string) bool {
	for _, f := range cSources(dir) {
		if b, err := os.ReadFile(f); err == nil && cIncludeRE.Match(b) {
			return true
		}
	}
	return false
}

// findClang returns clang, checking that it links a WASI reactor (wasm-ld, wasi-libc and the
// compiler-rt builtins for wasm32 are all needed for that).
func findClang(ctx context.Context) (string, error) {
	clang, err := exec.LookPath("clang")
	if err != nil {
		return "", fmt.Errorf("c toolchain missing: no clang on PATH (%s): %w", cInstall, ErrNoToolchain)
	}
	tmp, err := os.MkdirTemp("", "subnetd-clang-check")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	src := filepath.Join(tmp, "check.c")
	os.WriteFile(src, []byte("#include <stdlib.h>\n#include <stdio.h>\n__attribute__((export_name(\"f\"))) int f(int n) { char b[32]; snprintf(b, sizeof b, \"%g\", n * 0.5); return (int)strtod(b, 0) + (int)(long)malloc(n); }\n"), 0o600)
	cmd := exec.CommandContext(ctx, clang, "--target=wasm32-wasi", "-mexec-model=reactor", "-O2", "-o", filepath.Join(tmp, "check.wasm"), src)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		last := strings.TrimSpace(out.String())
		if i := strings.LastIndex(last, "\n"); i >= 0 {
			last = last[i+1:]
		}
		return "", fmt.Errorf("c toolchain missing: %s cannot build for wasm32-wasi (%s): %s: %w", clang, cInstall, last, ErrNoToolchain)
	}
	return clang, nil
}

// Toolchain checks that clang builds a WASI reactor.
func (cLang) Toolchain(ctx context.Context, dir string) error {
	_, err := findClang(ctx)
	return err
}

// cBuildArgs returns the compiler's sources and include flags for the project in abs: its .c
// files, and the kit's subnetd.c unless the project has its own, written into kitDir.
func cBuildArgs(abs, kitDir string) ([]string, error) {
	var srcs []string
	own := false
	for _, f := range cSources(abs) {
		srcs = append(srcs, filepath.Base(f))
		if filepath.Base(f) == cpdk.Source {
			own = true
		}
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("%s: no .c files: %w", abs, ErrNotAScorer)
	}
	if own {
		return srcs, nil
	}
	for _, n := range []string{cpdk.Header, cpdk.Source} {
		b, err := cpdk.Kit.ReadFile("kit/" + n)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(kitDir, 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(kitDir, n), b, 0o644); err != nil {
			return nil, err
		}
	}
	// The project's own subnetd.h, if any, wins: a quoted include searches the source's
	// directory first.
	return append(srcs, filepath.Join(kitDir, cpdk.Source), "-I", kitDir, "-ffile-prefix-map="+kitDir+"=subnetd-pdk"), nil
}

// BuildWasm compiles the project's .c files and the kit with `clang --target=wasm32-wasi -O2
// -mexec-model=reactor -mbulk-memory -ffp-contract=off` to out; the module is screened against ABI v1. Source
// paths are mapped, so the module does not depend on where the project lies.
func (cLang) BuildWasm(ctx context.Context, dir, name, out string) error {
	clang, err := findClang(ctx)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	tmp, err := os.MkdirTemp("", "subnetd-c-build")
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	defer os.RemoveAll(tmp)
	srcs, err := cBuildArgs(abs, filepath.Join(tmp, "kit"))
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	// Bulk memory (in ABI v1) turns memcpy and memset into single instructions.
	args := append([]string{"--target=wasm32-wasi", "-mexec-model=reactor", "-mbulk-memory"}, cFlags...)
	args = append(args, "-ffile-prefix-map="+abs+"=.", "-o", out)
	args = append(args, srcs...)
	cmd := exec.CommandContext(ctx, clang, args...)
	cmd.Dir = abs
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build %s: clang: %w: %s", name, err, strings.TrimSpace(output.String()))
	}
	if _, err := ScreenFile(out); err != nil {
		return fmt.Errorf("build %s: %w (a C scorer ends with SUBNETD_SCORE(fn))", name, err)
	}
	return nil
}

// Native compiles the same files for the host (clang, -O2, -lm) into tmp: SUBNETD_SCORE then
// defines a main serving pdk.Main's bench protocol.
func (cLang) Native(ctx context.Context, dir, tmp string) (Native, error) {
	cc, err := exec.LookPath("clang")
	if err != nil {
		if cc, err = exec.LookPath("cc"); err != nil {
			return Native{}, fmt.Errorf("native c: no clang or cc on PATH (apt-get install clang): %w", ErrNoToolchain)
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Native{}, err
	}
	srcs, err := cBuildArgs(abs, filepath.Join(tmp, "c-kit"))
	if err != nil {
		return Native{}, fmt.Errorf("native c: %w", err)
	}
	bin := filepath.Join(tmp, "c-native")
	args := append(append([]string{}, cFlags...), "-o", bin)
	args = append(append(args, srcs...), "-lm")
	cmd := exec.CommandContext(ctx, cc, args...)
	cmd.Dir = abs
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return Native{}, fmt.Errorf("native c: %s: %w: %s", cc, err, strings.TrimSpace(output.String()))
	}
	return Native{Argv: []string{bin}, Protocol: NativeBench}, nil
}

// New writes a C project: scorer.c (rewards miners that answer, and answer fast), subnetd.h and
// subnetd.c (the kit, from this binary), the fixtures, README.md and .gitignore.
func (cLang) New(ctx context.Context, dir, name string) error {
	files, err := starterFixtures()
	if err != nil {
		return fmt.Errorf("new %s: %w", name, err)
	}
	for _, n := range []string{cpdk.Header, cpdk.Source} {
		b, err := cpdk.Kit.ReadFile("kit/" + n)
		if err != nil {
			return fmt.Errorf("new %s: %w", name, err)
		}
		files[n] = string(b)
	}
	files["scorer.c"] = fmt.Sprintf(cNewScorer, name)
	files["README.md"] = fmt.Sprintf(cNewReadme, name)
	files[".gitignore"] = "*.wasm\ndist/\n"
	if err := writeProjectFiles(dir, files); err != nil {
		return fmt.Errorf("new %s: %w", name, err)
	}
	return nil
}

const cNewScorer = `/* %[1]s: a subnetd scorer that rewards miners that answer, and answer fast.
 *
 * Build it with 'subnetd plugin build .'; test it with 'subnetd plugin test .'. */
#include "subnetd.h"

/* score gives every miner that answered (status 200, a response other than null)
 * 1/(1 + latency in seconds), and 0 to the others. It returns NULL, or why the round fails. */
static const char *score(const sd_round *r, sd_scores *out) {
    for (size_t i = 0; i < r->n_miners; i++) {
        const sd_miner *m = &r->miners[i];
        double q = 0;
        if (m->status == 200 && m->response.n > 0 && !sd_json_is_null(m->response))
            q = 1 / (1 + m->latency_ms / 1000);
        sd_scores_add(out, m->uid, q);
    }
    return NULL;
}

SUBNETD_SCORE(score)
`

const cNewReadme = "# %[1]s\n\n" + `A subnetd scorer written in C: scorer.c turns a Round (what every miner answered) into Scores
with the subnetd kit (subnetd.h and subnetd.c, copied here). plugin build compiles every .c
file with clang for wasm32-wasi (` + "`apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32`" + `).
docs/scorers-c.md in the subnetd repository is the guide.

    subnetd plugin test .            # build, then check every fixtures/*.round.json
    subnetd plugin build .           # -> %[1]s.wasm
    subnetd plugin bench .           # against the same files built natively
    subnetd score --plugin %[1]s.wasm --round fixtures/basic.round.json
    subnetd plugin pack . --version 0.1.0 --netuid 1

fixtures/NAME.round.json is a Round; fixtures/NAME.scores.json the Scores the scorer must
return for it (NAME.error.txt instead: a text the round's error must contain).
`
