package python

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// TestPins checks that the install script pins the same package version and sha256 as the
// constants plugin build checks, and that the embedded kit is subnetd.py as it is on disk.
func TestPins(t *testing.T) {
	script, err := os.ReadFile("../../scripts/install-python-wasi.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"version=" + Version + "\n", "sha256=" + WasmSHA256 + "\n", NPMPackage + "@$version"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("scripts/install-python-wasi.sh does not contain %q", want)
		}
	}
	disk, err := os.ReadFile(ModuleName)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(disk, Module) {
		t.Fatal("embedded kit differs from subnetd.py")
	}
}
