package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// YumaDir returns the shared/testdata/yuma directory, found by walking up
// from the working directory (the package directory under go test), or
// skips the test with a clear message when no checkout of shared/ is nearby.
func YumaDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Skipf("shared/testdata not found: %v", err)
	}
	for {
		cand := filepath.Join(dir, "shared", "testdata", "yuma")
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("shared/testdata/yuma not found in any parent directory (expected ../shared next to the repo); skipping vector tests")
		}
		dir = parent
	}
}
