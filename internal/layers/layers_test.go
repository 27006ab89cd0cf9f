package layers

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/subnetd/subnetd/"

// mayImport is docs/ARCHITECTURE.md's table: the subnetd packages each package may import. A
// package under P/internal/ counts as part of P, and P may import its own subtree. "*" is anything.
var mayImport = map[string][]string{
	"cmd/subnetd":           {"*"},
	"internal/demo":         {"validator", "plugins", "records", "runtime", "chain/devnet", "internal/miner", "wallet"},
	"validator":             {"runtime", "plugins", "records", "dendrite", "weights", "yuma", "chain", "chain/timelock", "wallet", "providers"},
	"providers":             {},
	"records":               {"runtime", "chain", "weights", "hostfns"},
	"report":                {"records"},
	"audit":                 {"records", "chain", "plugins", "yuma"},
	"plugins":               {"runtime", "wallet", "pdk/assemblyscript", "pdk/python", "pdk/rust", "pdk/c", "pdk"},
	"runtime":               {"hostfns"},
	"hostfns":               {},
	"pdk/go":                {},
	"pdk/python":            {},
	"pdk/rust":              {},
	"pdk/c":                 {},
	"pdk":                   {},
	"pdk/assemblyscript":    {"runtime"},
	"weights":               {},
	"yuma":                  {"yuma/fixed"},
	"yuma/fixed":            {},
	"chain/devnet/scenario": {"chain/devnet", "yuma/fixed"},
	"chain/devnet":          {"chain", "chain/timelock", "yuma", "yuma/fixed", "wallet"},
	"chain/subtensor":       {"chain", "internal/scale"},
	"chain/timelock":        {"internal/scale"},
	"chain":                 {"internal/scale", "internal/ss58"},
	"dendrite":              {"wallet"},
	"internal/miner":        {"dendrite", "wallet"},
	"wallet":                {"internal/scale", "internal/ss58"},
	"internal/ss58":         {},
	"internal/scale":        {},
	"internal/testvectors":  {},
	"internal/layers":       {},
}

// owner is the table row a package belongs to: itself, or the package whose internal/ holds it.
func owner(pkg string) string {
	if i := strings.Index(pkg, "/internal/"); i >= 0 {
		return pkg[:i]
	}
	return pkg
}

// allowed reports whether from may import to; test says the import is in a _test.go file, where
// any package of the module may be used (integration tests), but never examples/ or the CLI.
func allowed(from, to string, test bool) bool {
	if strings.HasPrefix(to, "examples/") || (strings.HasPrefix(to, "cmd/") && owner(from) != owner(to)) {
		return false
	}
	if test {
		return true
	}
	row := owner(from)
	if row == owner(to) || strings.HasPrefix(to, row+"/") {
		return true // its own subtree
	}
	if strings.HasPrefix(row, "examples/") {
		// Examples use public packages and the example miner, never the product's internals.
		return !strings.Contains(to, "internal/") || to == "internal/miner"
	}
	rules := mayImport[row]
	return slices.Contains(rules, "*") || slices.Contains(rules, to)
}

func TestImports_followTheArchitectureTable(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root: %v", err)
	}
	ctx := build.Default
	ctx.GOOS, ctx.GOARCH = "linux", "amd64"
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
			return filepath.SkipDir
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		pkg, err := ctx.ImportDir(path, 0)
		if err != nil {
			return nil // no Go files for this platform, or guest-only code
		}
		if _, ok := mayImport[owner(rel)]; !ok && !strings.HasPrefix(rel, "examples/") {
			t.Errorf("package %s is not in docs/ARCHITECTURE.md's table (add it there and here)", rel)
			return nil
		}
		checked++
		check := func(imports []string, test bool) {
			for _, imp := range imports {
				to, ok := strings.CutPrefix(imp, module)
				if !ok || to == rel {
					continue
				}
				if !allowed(rel, to, test) {
					kind := "imports"
					if test {
						kind = "tests import"
					}
					t.Errorf("%s %s %s, which docs/ARCHITECTURE.md does not allow", rel, kind, to)
				}
			}
		}
		check(pkg.Imports, false)
		check(append(slices.Clone(pkg.TestImports), pkg.XTestImports...), true)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked %d packages; the walk missed the module", checked)
	}
}

// TestAllowed pins the rule's edge cases.
func TestAllowed(t *testing.T) {
	tests := []struct {
		from, to string
		test     bool
		want     bool
	}{
		{"yuma", "chain", false, false},
		{"yuma", "yuma/fixed", false, true},
		{"runtime/internal/meter", "runtime/internal/wasmbin", false, true},
		{"runtime", "runtime/internal/meter", false, true},
		{"chain", "wallet", false, false},
		{"validator", "chain/devnet", false, false},
		{"validator", "chain/devnet", true, true},
		{"validator", "examples/miner", true, false},
		{"cmd/subnetd", "examples/scorers/latency", false, false},
		{"cmd/subnetd", "internal/demo", false, true},
		{"examples/miner/cmd/miner", "internal/miner", false, true},
		{"examples/miner/cmd/miner", "internal/demo", false, false},
		{"internal/demo", "chain/subtensor", false, false},
	}
	for _, tt := range tests {
		if got := allowed(tt.from, tt.to, tt.test); got != tt.want {
			t.Errorf("allowed(%s → %s, test %v) = %v, want %v", tt.from, tt.to, tt.test, got, tt.want)
		}
	}
}
