package assemblyscript_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/subnetd/subnetd/pdk/assemblyscript"
)

// The embedded kit is an npm package; its compiler version is pinned exactly.
func ExampleKit() {
	b, _ := assemblyscript.Kit.ReadFile("package.json")
	var p struct {
		Name            string
		DevDependencies map[string]string
	}
	_ = json.Unmarshal(b, &p)
	fmt.Println(p.Name, p.DevDependencies["assemblyscript"] == assemblyscript.ASCVersion)
	// Output: @subnetd/pdk true
}

// TestPinnedVersions checks that every AssemblyScript project in the repository and both lock
// files pin the compiler version the kit is tested with.
func TestPinnedVersions(t *testing.T) {
	for _, f := range []string{"package-lock.json", "../../examples/scorers/quality-as/package-lock.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var lock struct {
			Packages map[string]struct{ Version string } `json:"packages"`
		}
		if err := json.Unmarshal(b, &lock); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if v := lock.Packages["node_modules/assemblyscript"].Version; v != assemblyscript.ASCVersion {
			t.Errorf("%s locks assemblyscript %q, want %s", f, v, assemblyscript.ASCVersion)
		}
	}
	for _, f := range []string{"package.json", "../../examples/scorers/quality-as/package.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p struct{ DevDependencies map[string]string }
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if v := p.DevDependencies["assemblyscript"]; v != assemblyscript.ASCVersion {
			t.Errorf("%s asks for assemblyscript %q, want exactly %s", f, v, assemblyscript.ASCVersion)
		}
	}
}
