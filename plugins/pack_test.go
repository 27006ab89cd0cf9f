package plugins_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/subnetd/subnetd/plugins"
)

// TestPack_Examples packs every example scorer (each language whose toolchain is present):
// each has scoring fixtures, and Pack puts the package through Accept before writing it, so
// every example is a package a validator accepts. The package read back verifies unpinned.
func TestPack_Examples(t *testing.T) {
	ctx := context.Background()
	dirs, err := filepath.Glob("../examples/scorers/*")
	if err != nil || len(dirs) < 3 {
		t.Fatalf("examples: %v %v", dirs, err)
	}
	cache := t.TempDir()
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			l, err := plugins.LanguageFor(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Toolchain(ctx, dir); err != nil {
				t.Skipf("%v", err)
			}
			out := filepath.Join(t.TempDir(), "pkg")
			got, m, err := plugins.Pack(ctx, dir, plugins.PackOptions{Version: "0.1.0", Netuid: 1, Out: out, CacheDir: cache})
			if err != nil {
				t.Fatal(err)
			}
			if got != out || len(m.SelfTests) == 0 || m.Limits == nil {
				t.Fatalf("packed %s: %+v", got, m)
			}
			p, err := plugins.ReadPackage(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Verify(nil); err != nil || p.Signature != nil {
				t.Fatalf("unsigned package: %v", err)
			}
			if _, err := os.Stat(filepath.Join(out, m.ModuleFile())); err != nil {
				t.Fatal(err)
			}
		})
	}
	// A project whose every fixture expects an error has no self-test to pack.
	dir := filepath.Join(t.TempDir(), "refuser")
	if err := plugins.GoLanguage().New(ctx, dir, "refuser"); err != nil {
		t.Fatal(err)
	}
	os.Rename(filepath.Join(dir, "fixtures", "basic.scores.json"), filepath.Join(dir, "fixtures", "basic.error.txt"))
	if _, _, err := plugins.Pack(ctx, dir, plugins.PackOptions{Version: "1"}); err == nil {
		t.Fatal("packed a project without a scoring fixture")
	}
}
