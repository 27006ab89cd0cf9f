package plugins

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testPackage is a package's three files and its pin's hash. Fetch does not run the module, so
// any bytes do; ParsePackage checks them against the manifest's sha256.
type testPackage struct {
	manifest, wasm, sig []byte
	sum                 [32]byte
}

func newTestPackage(t *testing.T, version string) testPackage {
	t.Helper()
	wasm := []byte("\x00asm\x01\x00\x00\x00 module of version " + version)
	m := Manifest{Name: "demo", Version: version, Netuid: 7, ABI: 1, Module: "demo.wasm", SHA256: sha256Hex(wasm)}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	sig, err := json.Marshal(SignEd25519(ed25519.NewKeyFromSeed(make([]byte, 32)), mb))
	if err != nil {
		t.Fatal(err)
	}
	return testPackage{manifest: mb, wasm: wasm, sig: sig, sum: sha256.Sum256(mb)}
}

func (p testPackage) files() map[string][]byte {
	return map[string][]byte{ManifestFile: p.manifest, "demo.wasm": p.wasm, SignatureFile: p.sig}
}

func (p testPackage) writeDir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range p.files() {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type entry struct {
	name string
	body []byte
	typ  byte // tar type flag (0: regular)
}

func tarGz(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		switch e.typ {
		case tar.TypeDir:
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		case tar.TypeSymlink:
			h.Typeflag, h.Size, h.Linkname = tar.TypeSymlink, 0, "/etc/passwd"
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(e.body)
		}
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func zipOf(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.body)
	}
	zw.Close()
	return buf.Bytes()
}

func (p testPackage) entries(prefix string) []entry {
	return []entry{{prefix + ManifestFile, p.manifest, 0}, {prefix + "demo.wasm", p.wasm, 0}, {prefix + SignatureFile, p.sig, 0}}
}

// onlyCache checks that root holds nothing but the cache directory (nothing was written
// outside it).
func onlyCache(t *testing.T, root string) {
	t.Helper()
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "cache" && e.Name() != "src" {
			t.Fatalf("%s was written outside the cache directory", e.Name())
		}
	}
}

func TestFetch_HTTP(t *testing.T) {
	pkg := newTestPackage(t, "1.0.0")
	src := filepath.Join(t.TempDir(), "pkg")
	pkg.writeDir(t, src)
	var hits atomic.Int32
	srv := httptest.NewServer(http.StripPrefix("/scorers/demo/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.FileServer(http.Dir(src)).ServeHTTP(w, r)
	})))
	defer srv.Close()
	root := t.TempDir()
	cache := filepath.Join(root, "cache")
	pin := Pin{SHA256: pkg.sum, URL: srv.URL + "/scorers/demo/"}
	p, err := Fetch(context.Background(), pin, FetchOptions{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if p.Manifest.Version != "1.0.0" || !bytes.Equal(p.Wasm, pkg.wasm) || p.Signature == nil || !bytes.Equal(p.ManifestBytes, pkg.manifest) {
		t.Fatalf("package %+v", p.Manifest)
	}
	if hits.Load() != 3 {
		t.Fatalf("%d requests, want 3 (manifest, module, signature)", hits.Load())
	}
	// A restart finds it in the cache, even with the server gone.
	srv.Close()
	p2, err := Fetch(context.Background(), pin, FetchOptions{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p2.ManifestBytes, pkg.manifest) || p2.Dir != filepath.Join(cache, fmt.Sprintf("%x", pkg.sum)) {
		t.Fatalf("cached package in %s", p2.Dir)
	}
	// A damaged cache entry is not trusted: it is fetched again (here: the server is gone).
	if err := os.WriteFile(filepath.Join(p2.Dir, "demo.wasm"), []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Fetch(context.Background(), pin, FetchOptions{CacheDir: cache}); !errors.Is(err, ErrFetchFailed) {
		t.Fatalf("damaged cache entry: err = %v, want ErrFetchFailed", err)
	}
	onlyCache(t, root)
}

func TestFetch_refused(t *testing.T) {
	good := newTestPackage(t, "1.0.0")
	other := newTestPackage(t, "2.0.0")
	slowBody := make(chan struct{})
	defer close(slowBody)
	mux := http.NewServeMux()
	serve := func(prefix string, files map[string][]byte) {
		mux.HandleFunc("GET /"+prefix+"/{file}", func(w http.ResponseWriter, r *http.Request) {
			b, ok := files[r.PathValue("file")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Write(b)
		})
	}
	serve("good", good.files())
	serve("mismatch", other.files()) // the pin says good's manifest
	serve("badmodule", map[string][]byte{ManifestFile: good.manifest, "demo.wasm": other.wasm})
	serve("nosig", map[string][]byte{ManifestFile: good.manifest, "demo.wasm": good.wasm})
	serve("nomodule", map[string][]byte{ManifestFile: good.manifest})
	mux.HandleFunc("GET /huge/{file}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("file") == ManifestFile {
			w.Write(good.manifest)
			return
		}
		w.Header().Set("Content-Type", "application/wasm")
		for i := 0; i < 64; i++ { // chunked: no Content-Length to refuse early
			w.Write(make([]byte, 1024))
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("GET /slow/{file}", func(w http.ResponseWriter, r *http.Request) {
		w.Write(good.manifest[:10])
		w.(http.Flusher).Flush()
		select {
		case <-slowBody:
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("GET /error/{file}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	})
	mux.HandleFunc("GET /toftp/{file}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	})
	mux.HandleFunc("GET /loop/{file}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	gone := httptest.NewServer(mux)
	gone.Close()

	tests := []struct {
		name string
		url  string
		opts FetchOptions
		want error
	}{
		{"good", srv.URL + "/good", FetchOptions{}, nil},
		{"unsigned", srv.URL + "/nosig/", FetchOptions{}, nil},
		{"content does not match the pin", srv.URL + "/mismatch/", FetchOptions{}, ErrPinMismatch},
		{"module does not match the manifest", srv.URL + "/badmodule/", FetchOptions{}, ErrHashMismatch},
		{"module missing", srv.URL + "/nomodule/", FetchOptions{}, ErrFetchFailed},
		{"nowhere (404)", srv.URL + "/nothing/", FetchOptions{}, ErrFetchFailed},
		{"nowhere (no server)", gone.URL + "/good/", FetchOptions{}, ErrFetchFailed},
		{"HTTP 503", srv.URL + "/error/", FetchOptions{}, ErrFetchFailed},
		{"oversized module", srv.URL + "/huge/", FetchOptions{MaxModuleBytes: 32 << 10}, ErrFetchTooLarge},
		{"oversized manifest", srv.URL + "/good/", FetchOptions{MaxManifestBytes: 16}, ErrFetchTooLarge},
		{"slow download", srv.URL + "/slow/", FetchOptions{Timeout: 300 * time.Millisecond}, context.DeadlineExceeded},
		{"redirect to file://", srv.URL + "/toftp/", FetchOptions{}, ErrFetchRedirect},
		{"redirect loop", srv.URL + "/loop/", FetchOptions{}, ErrFetchRedirect},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tc.opts.CacheDir = filepath.Join(root, "cache")
			start := time.Now()
			p, err := Fetch(context.Background(), Pin{SHA256: good.sum, URL: tc.url}, tc.opts)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if p.Manifest.Version != "1.0.0" {
					t.Fatalf("version %s", p.Manifest.Version)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if errors.Is(err, context.DeadlineExceeded) && (!errors.Is(err, ErrFetchFailed) || time.Since(start) > 5*time.Second) {
				t.Fatalf("slow download: %v after %s", err, time.Since(start))
			}
			if ents, _ := os.ReadDir(tc.opts.CacheDir); len(ents) != 0 {
				t.Fatalf("a refused package left %d entries in the cache", len(ents))
			}
			onlyCache(t, root)
		})
	}
}

func TestFetch_archive(t *testing.T) {
	pkg := newTestPackage(t, "1.0.0")
	flat := pkg.entries("")
	under := append([]entry{{"pkg-1.0.0/", nil, tar.TypeDir}}, pkg.entries("pkg-1.0.0/")...)
	tests := []struct {
		name    string
		file    string
		archive func(t *testing.T) []byte
		want    error
	}{
		{"tar.gz flat", "p.tar.gz", func(t *testing.T) []byte { return tarGz(t, flat) }, nil},
		{"tgz under one directory", "p.tgz", func(t *testing.T) []byte { return tarGz(t, under) }, nil},
		{"zip flat", "p.zip", func(t *testing.T) []byte { return zipOf(t, flat) }, nil},
		{"zip under one directory", "p.zip", func(t *testing.T) []byte { return zipOf(t, pkg.entries("d/")) }, nil},
		{"traversal", "p.tar.gz", func(t *testing.T) []byte {
			return tarGz(t, append([]entry{{"../evil.wasm", []byte("x"), 0}}, flat...))
		}, ErrBadArchive},
		{"traversal inside", "p.tar.gz", func(t *testing.T) []byte { return tarGz(t, append(flat, entry{"d/../../x", []byte("x"), 0})) }, ErrBadArchive},
		{"absolute", "p.tar.gz", func(t *testing.T) []byte { return tarGz(t, append(flat, entry{"/tmp/evil", []byte("x"), 0})) }, ErrBadArchive},
		{"zip traversal", "p.zip", func(t *testing.T) []byte { return zipOf(t, append(flat, entry{"../../evil", []byte("x"), 0})) }, ErrBadArchive},
		{"extra file", "p.tar.gz", func(t *testing.T) []byte { return tarGz(t, append(flat, entry{"README", []byte("x"), 0})) }, ErrBadArchive},
		{"extra module", "p.tar.gz", func(t *testing.T) []byte {
			return tarGz(t, []entry{flat[0], flat[1], {"other.wasm", []byte("x"), 0}})
		}, ErrBadArchive},
		{"nested directory", "p.tar.gz", func(t *testing.T) []byte { return tarGz(t, pkg.entries("a/b/")) }, ErrBadArchive},
		{"two directories", "p.tar.gz", func(t *testing.T) []byte {
			return tarGz(t, []entry{{"a/" + ManifestFile, pkg.manifest, 0}, {"b/demo.wasm", pkg.wasm, 0}})
		}, ErrBadArchive},
		{"symlink", "p.tar.gz", func(t *testing.T) []byte { return tarGz(t, append(flat, entry{"link", nil, tar.TypeSymlink})) }, ErrBadArchive},
		{"not an archive", "p.tar.gz", func(t *testing.T) []byte { return []byte("not gzip") }, ErrBadArchive},
		{"oversized entry", "p.tar.gz", func(t *testing.T) []byte {
			return tarGz(t, []entry{flat[0], {"demo.wasm", make([]byte, 64<<10), 0}})
		}, ErrFetchTooLarge},
		{"manifest of another package", "p.tar.gz", func(t *testing.T) []byte {
			o := newTestPackage(t, "9")
			return tarGz(t, o.entries(""))
		}, ErrPinMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			b := tc.archive(t)
			srcDir := filepath.Join(root, "src")
			os.MkdirAll(srcDir, 0o755)
			if err := os.WriteFile(filepath.Join(srcDir, tc.file), b, 0o644); err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(http.FileServer(http.Dir(srcDir)))
			defer srv.Close()
			for _, u := range []string{srv.URL + "/" + tc.file, "file://" + filepath.ToSlash(filepath.Join(srcDir, tc.file))} {
				cache := filepath.Join(root, "cache")
				p, err := Fetch(context.Background(), Pin{SHA256: pkg.sum, URL: u}, FetchOptions{CacheDir: cache, MaxModuleBytes: 32 << 10})
				if tc.want == nil {
					if err != nil {
						t.Fatalf("%s: %v", u, err)
					}
					if !bytes.Equal(p.Wasm, pkg.wasm) || p.Signature == nil {
						t.Fatalf("%s: package %+v", u, p.Manifest)
					}
					os.RemoveAll(cache) // fetch again from the next URL
					continue
				}
				if !errors.Is(err, tc.want) {
					t.Fatalf("%s: err = %v, want %v", u, err, tc.want)
				}
				if !strings.Contains(err.Error(), u) {
					t.Fatalf("the error does not name the URL: %v", err)
				}
			}
			onlyCache(t, root)
			if _, err := os.Stat(filepath.Join(root, "..", "evil.wasm")); err == nil {
				t.Fatal("an archive entry was written outside")
			}
		})
	}
}

func TestFetch_file(t *testing.T) {
	pkg := newTestPackage(t, "1.0.0")
	root := t.TempDir()
	src := filepath.Join(root, "src", "demo-1.0.0")
	pkg.writeDir(t, src)
	cache := filepath.Join(root, "cache")
	p, err := Fetch(context.Background(), Pin{SHA256: pkg.sum, URL: "file://" + filepath.ToSlash(src)}, FetchOptions{CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	if p.Manifest.Version != "1.0.0" || p.Signature == nil {
		t.Fatalf("package %+v", p.Manifest)
	}
	// The module is a directory, not a file: refused (no hang, nothing read).
	os.Remove(filepath.Join(src, "demo.wasm"))
	os.Mkdir(filepath.Join(src, "demo.wasm"), 0o755)
	os.RemoveAll(cache)
	if _, err := Fetch(context.Background(), Pin{SHA256: pkg.sum, URL: "file://" + filepath.ToSlash(src)}, FetchOptions{CacheDir: cache}); !errors.Is(err, ErrFetchFailed) {
		t.Fatalf("err = %v, want ErrFetchFailed", err)
	}
	onlyCache(t, root)
}

// TestFetchManifest: only the manifest is read, checked against the pin before it is decoded,
// under Fetch's bounds and transports; nothing is written.
func TestFetchManifest(t *testing.T) {
	pkg := newTestPackage(t, "2.0.0")
	src := filepath.Join(t.TempDir(), "pkg")
	pkg.writeDir(t, src)
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/big/" + ManifestFile:
			w.Write(bytes.Repeat([]byte(" "), DefaultFetchManifestBytes+1))
		default:
			http.StripPrefix("/pkg/", http.FileServer(http.Dir(src))).ServeHTTP(w, r)
		}
	}))
	defer srv.Close()
	other := newTestPackage(t, "3.0.0")
	for _, tt := range []struct {
		name string
		pin  Pin
		err  error
	}{
		{"http directory", Pin{SHA256: pkg.sum, URL: srv.URL + "/pkg/"}, nil},
		{"file directory", Pin{SHA256: pkg.sum, URL: "file://" + src}, nil},
		{"another package's hash", Pin{SHA256: other.sum, URL: srv.URL + "/pkg/"}, ErrPinMismatch},
		{"nothing there", Pin{SHA256: pkg.sum, URL: srv.URL + "/gone/"}, ErrFetchFailed},
		{"oversized manifest", Pin{SHA256: pkg.sum, URL: srv.URL + "/big/"}, ErrFetchTooLarge},
		{"unknown scheme", Pin{SHA256: pkg.sum, URL: "ftp://example.org/pkg/"}, ErrBadPin},
	} {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			paths = nil
			mu.Unlock()
			m, err := FetchManifest(context.Background(), tt.pin, FetchOptions{})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Version != "2.0.0" || m.SHA256 != sha256Hex(pkg.wasm) {
				t.Fatalf("manifest %+v", m)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, p := range paths {
				if !strings.HasSuffix(p, "/"+ManifestFile) {
					t.Fatalf("fetched %s: only the manifest should be read", p)
				}
			}
		})
	}
}
