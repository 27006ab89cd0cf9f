// Package testvectors locates the repository's test oracles (testdata/ at the module root:
// the SDK weight cases, subtensor's Yuma vectors, the drand timelock vectors). It is the one
// place tests find them; the files are part of the repository, so a missing file is a failure,
// never a skip.
package testvectors

import (
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"
)

// Root returns the absolute path of the repository's testdata directory.
func Root() string {
	_, file, _, ok := goruntime.Caller(0)
	if !ok {
		return filepath.Join("..", "..", "testdata")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata")
}

// Path returns the path of testdata/rel (slash-separated) and fails the test when it is absent.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(), filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test vectors: %v (testdata/ is part of the repository)", err)
	}
	return p
}

// Read returns the bytes of testdata/rel and fails the test when it cannot be read.
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(t, rel))
	if err != nil {
		t.Fatalf("test vectors: %v", err)
	}
	return b
}
