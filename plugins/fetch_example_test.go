package plugins_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/subnetd/subnetd/plugins"
)

// A validator follows a pin: Fetch checks the manifest against the pinned sha256, then the
// module against the manifest, and keeps the package in the cache (plugins.Accept comes next).
func ExampleFetch() {
	tmp, _ := os.MkdirTemp("", "fetch-example")
	defer os.RemoveAll(tmp)

	// A package as the owner serves it (here a directory, reached by a file:// URL).
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	m, _ := json.Marshal(plugins.Manifest{Name: "demo", Version: "1.0.0", Netuid: 7, ABI: 1,
		SHA256: fmt.Sprintf("%x", sha256.Sum256(wasm))})
	pkgDir := filepath.Join(tmp, "demo-1.0.0")
	if err := plugins.WritePackage(pkgDir, m, wasm, nil, "demo.wasm"); err != nil {
		fmt.Println(err)
		return
	}
	p, err := plugins.ReadPackage(pkgDir)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The pin the owner publishes (plugin publish), as the validator reads it from chain.
	pin, _ := plugins.PinOf(p, "file://"+filepath.ToSlash(pkgDir))
	fields, _ := pin.Fields()
	read, _ := plugins.ParsePin(fields)

	got, err := plugins.Fetch(context.Background(), read, plugins.FetchOptions{CacheDir: filepath.Join(tmp, "cache")})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.Manifest.Name, got.Manifest.Version, got.Dir == filepath.Join(tmp, "cache", fmt.Sprintf("%x", pin.SHA256)))
	// Output: demo 1.0.0 true
}
