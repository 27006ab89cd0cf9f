package plugins_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/runtime"
)

// TestPack_examplesPinnable packs every example scorer, pins the package at a file:// URL,
// fetches it back through the pin (checked against the pinned hash) and puts it through the
// validator's acceptance policy: each example can be published and followed. A language whose
// toolchain is missing is skipped, saying what to install. It builds every example (about 3
// minutes on a loaded 2-core machine), so -short skips it.
func TestPack_examplesPinnable(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds every example scorer (minutes)")
	}
	dirs, err := filepath.Glob("../examples/scorers/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no example scorers (%v)", err)
	}
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			lang, err := plugins.LanguageFor(dir)
			if err != nil {
				t.Fatal(err)
			}
			requireLang(t, lang)
			ctx := context.Background()
			tmp := t.TempDir()
			out, m, err := plugins.Pack(ctx, dir, plugins.PackOptions{Version: "0.0.1", Netuid: 3, Out: filepath.Join(tmp, "pkg")})
			if err != nil {
				t.Fatal(err)
			}
			p, err := plugins.ReadPackage(out)
			if err != nil {
				t.Fatal(err)
			}
			pin, err := plugins.PinOf(p, "file://"+filepath.ToSlash(out))
			if err != nil {
				t.Fatal(err)
			}
			got, err := plugins.Fetch(ctx, pin, plugins.FetchOptions{CacheDir: filepath.Join(tmp, "cache")})
			if err != nil {
				t.Fatal(err)
			}
			if got.Manifest.SHA256 != m.SHA256 {
				t.Fatalf("fetched module %s, packed %s", got.Manifest.SHA256, m.SHA256)
			}
			rt, err := runtime.New(ctx, runtime.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close(ctx)
			netuid := uint16(3)
			acc, err := plugins.Accept(ctx, got, plugins.Policy{Netuid: &netuid}, plugins.RuntimeLoader(rt))
			if err != nil {
				t.Fatal(err)
			}
			acc.Scorer.Close(ctx)
			if acc.SelfTests == 0 {
				t.Fatal("the package carries no self-test")
			}
		})
	}
}
