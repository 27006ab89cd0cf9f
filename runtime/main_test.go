package runtime_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/subnetd/subnetd/plugins"
)

// wasmDir holds the scorers the tests build once: the two examples and the hostile test scorer.
var wasmDir string

func TestMain(m *testing.M) {
	if os.Getenv("SUBNETD_TEST_CHILD") != "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "subnetd-runtime-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	wasmDir = dir
	for name, src := range map[string]string{
		"latency": "../examples/scorers/latency",
		"quality": "../examples/scorers/quality",
		"hostile": "testdata/hostile",
	} {
		if _, err := plugins.Build(context.Background(), src, plugins.TargetWasm, filepath.Join(dir, name+".wasm")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	// The hostile scorer (no kit) with the subnetd_preinit export added (testdata/preinit), built
	// as plugins.Build does, so its start-up may run once at load. The Go kit exports it itself,
	// so the quality and latency examples are pre-initialised as built.
	for name, src := range map[string]string{
		"hostile-preinit": "testdata/hostile",
	} {
		if err := buildWithPreinit(src, filepath.Join(dir, name+".wasm")); err != nil {
			fmt.Fprintf(os.Stderr, "build %s: %v\n", name, err)
			os.Exit(1)
		}
	}
	// The WASI command scorer: a plain Go program built for wasip1.
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "command.wasm"), "./testdata/command")
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build testdata/command: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cacheDir is the compilation cache the tests share, so each module compiles cold only once.
func cacheDir() string {
	dir := wasmDir
	if dir == "" {
		dir = os.Getenv("SUBNETD_TEST_WASM_DIR")
	}
	return filepath.Join(dir, "cache")
}

// wasmFile returns the bytes of a scorer built by TestMain.
func wasmFile(t testing.TB, name string) []byte {
	t.Helper()
	dir := wasmDir
	if dir == "" {
		dir = os.Getenv("SUBNETD_TEST_WASM_DIR")
	}
	b, err := os.ReadFile(filepath.Join(dir, name+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// buildWithPreinit builds the Go scorer in src for wasip1 with testdata/preinit/export.go added
// to its package through an overlay.
func buildWithPreinit(src, out string) error {
	absSrc, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	export, err := filepath.Abs("testdata/preinit/export.go")
	if err != nil {
		return err
	}
	overlay := filepath.Join(filepath.Dir(out), filepath.Base(out)+".overlay.json")
	js := fmt.Sprintf(`{"Replace":{%q:%q}}`, filepath.Join(absSrc, "zz_subnetd_preinit.go"), export)
	if err := os.WriteFile(overlay, []byte(js), 0o644); err != nil {
		return err
	}
	build := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-overlay", overlay, "-o", out, ".")
	build.Dir = absSrc
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, b)
	}
	return nil
}
