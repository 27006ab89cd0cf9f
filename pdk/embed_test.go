package pdk

import (
	"os"
	"path/filepath"
	"testing"
)

// TestGoKitFiles checks the embedded copy is exactly pdk/go's non-test sources.
func TestGoKitFiles(t *testing.T) {
	files, err := GoKitFiles()
	if err != nil {
		t.Fatal(err)
	}
	disk, _ := filepath.Glob("go/*.go")
	n := 0
	for _, p := range disk {
		if filepath.Ext(p) == ".go" && !isTest(p) {
			n++
			want, _ := os.ReadFile(p)
			if got := files["pdk/"+filepath.ToSlash(p)]; string(got) != string(want) {
				t.Errorf("%s: embedded copy differs from the file", p)
			}
		}
	}
	if n == 0 || len(files) != n {
		t.Fatalf("embedded %d files, pdk/go has %d non-test files", len(files), n)
	}
	for p := range files {
		if isTest(p) {
			t.Errorf("test file %s embedded", p)
		}
	}
}

func isTest(p string) bool { return len(p) > 8 && p[len(p)-8:] == "_test.go" }
