package plugins

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/subnetd/subnetd/runtime"
)

// Fetching a pinned package. The pin's URL names either a package directory (https://, http://
// or file://: DIR/manifest.json, DIR/<module named by the manifest>, DIR/manifest.sig when
// present) or an archive holding those files (a URL ending in .tar.gz, .tgz or .zip). Every
// file is read under a size cap and the whole fetch under a time bound. The manifest's bytes are
// checked against the pinned sha256 before anything else is read or parsed, then the module
// against the manifest (ParsePackage); acceptance (signature, limits, screening, self-tests) is
// the caller's (plugins.Accept, through the validator's Subnet.Reload). A verified package is
// kept in the cache directory under the manifest's sha256, so a restart does not fetch it again;
// nothing is written outside that directory.

// Sentinel errors of Fetch: each refusal wraps one, so a caller can name the reason.
var (
	// ErrPinMismatch: the manifest's bytes do not hash to the pinned sha256.
	ErrPinMismatch = errors.New("manifest does not match the pinned sha256")
	// ErrFetchTooLarge: a file (or the archive) is larger than its cap.
	ErrFetchTooLarge = errors.New("package file too large")
	// ErrFetchFailed: a file could not be fetched (unreachable host, HTTP error status, missing
	// file, overall time exceeded). Worth retrying later.
	ErrFetchFailed = errors.New("package fetch failed")
	// ErrFetchRedirect: an HTTP redirect to another scheme, or too many redirects.
	ErrFetchRedirect = errors.New("package fetch redirected elsewhere")
	// ErrBadArchive: the archive is malformed, or holds an entry that is not one of the
	// package's files (a traversing, absolute or extra path, a link, a device).
	ErrBadArchive = errors.New("bad package archive")
)

// Default caps of FetchOptions.
const (
	// DefaultFetchManifestBytes caps manifest.json (self-test vectors included).
	DefaultFetchManifestBytes = 4 << 20
	// DefaultFetchSignatureBytes caps manifest.sig.
	DefaultFetchSignatureBytes = 64 << 10
	// DefaultFetchTimeout bounds one whole fetch.
	DefaultFetchTimeout = 2 * time.Minute
	// maxRedirects is how many same-scheme redirects a fetch follows.
	maxRedirects = 5
)

// FetchOptions bound a fetch.
type FetchOptions struct {
	// CacheDir keeps verified packages, one directory per manifest sha256 (required).
	CacheDir string
	// MaxManifestBytes caps manifest.json (default DefaultFetchManifestBytes).
	MaxManifestBytes int64
	// MaxModuleBytes caps the module (default runtime.DefaultLimits().MaxModuleBytes: give the
	// subnet's runtime limit).
	MaxModuleBytes int64
	// MaxSignatureBytes caps manifest.sig (default DefaultFetchSignatureBytes).
	MaxSignatureBytes int64
	// Timeout bounds the whole fetch (default DefaultFetchTimeout).
	Timeout time.Duration
	// Client is the HTTP client (default: http.DefaultTransport). Its CheckRedirect is
	// replaced by one that refuses a change of scheme and more than 5 redirects.
	Client *http.Client
}

func (o FetchOptions) withDefaults() FetchOptions {
	if o.MaxManifestBytes <= 0 {
		o.MaxManifestBytes = DefaultFetchManifestBytes
	}
	if o.MaxModuleBytes <= 0 {
		o.MaxModuleBytes = int64(runtime.DefaultLimits().MaxModuleBytes)
	}
	if o.MaxSignatureBytes <= 0 {
		o.MaxSignatureBytes = DefaultFetchSignatureBytes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultFetchTimeout
	}
	c := http.Client{}
	if o.Client != nil {
		c = *o.Client
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("%w: more than %d redirects", ErrFetchRedirect, maxRedirects)
		}
		if req.URL.Scheme != via[0].URL.Scheme {
			return fmt.Errorf("%w: %s redirects to %s", ErrFetchRedirect, via[0].URL.Redacted(), req.URL.Redacted())
		}
		return nil
	}
	o.Client = &c
	return o
}

// Fetch returns the package pin names, verified against it: from the cache when it is there,
// else fetched from the pin's URL and then kept in the cache. See the sentinel errors for the
// refusals; ErrFetchFailed is the one worth retrying.
func Fetch(ctx context.Context, pin Pin, opts FetchOptions) (*Package, error) {
	if opts.CacheDir == "" {
		return nil, errors.New("fetch package: no cache directory")
	}
	if err := pin.check(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	sum := hex.EncodeToString(pin.SHA256[:])
	dir := filepath.Join(opts.CacheDir, sum)
	if p, err := readCached(dir, pin, opts); err == nil {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	src, err := newSource(ctx, pin.URL, opts)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", pin.URL, err)
	}
	p, err := fetchFrom(ctx, src, pin, opts)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, ErrFetchFailed) {
			err = fmt.Errorf("%w: %w", ErrFetchFailed, err)
		}
		return nil, fmt.Errorf("fetch %s: %w", pin.URL, err)
	}
	if err := writeCached(opts.CacheDir, dir, p); err != nil {
		return nil, fmt.Errorf("fetch %s: cache: %w", pin.URL, err)
	}
	p.Dir = dir
	return p, nil
}

// FetchManifest returns only the manifest a pin names, checked against the pin and validated
// (what an auditor needs to learn the pinned module's sha256), under the same bounds, transports
// and refusals as Fetch; nothing is cached (opts.CacheDir may be empty).
func FetchManifest(ctx context.Context, pin Pin, opts FetchOptions) (*Manifest, error) {
	if err := pin.check(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	src, err := newSource(ctx, pin.URL, opts)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", pin.URL, err)
	}
	m, _, err := fetchManifest(ctx, src, pin, opts)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", pin.URL, err)
	}
	return m, nil
}

// fetchManifest reads the manifest from src and checks it against the pin before decoding it.
func fetchManifest(ctx context.Context, src source, pin Pin, opts FetchOptions) (*Manifest, []byte, error) {
	mb, err := src.get(ctx, ManifestFile, opts.MaxManifestBytes)
	if err != nil {
		return nil, nil, err
	}
	if got := sha256.Sum256(mb); got != pin.SHA256 {
		return nil, nil, fmt.Errorf("%w: %s hashes to %x, the pin says %x", ErrPinMismatch, ManifestFile, got, pin.SHA256)
	}
	var m Manifest
	if err := decodeManifest(mb, &m); err != nil {
		return nil, nil, err
	}
	return &m, mb, nil
}

// fetchFrom reads the manifest, checks it against the pin, then the module and the signature.
func fetchFrom(ctx context.Context, src source, pin Pin, opts FetchOptions) (*Package, error) {
	m, mb, err := fetchManifest(ctx, src, pin, opts)
	if err != nil {
		return nil, err
	}
	if a, ok := src.(archiveFiles); ok {
		for name := range a {
			if name != ManifestFile && name != SignatureFile && name != m.ModuleFile() {
				return nil, fmt.Errorf("%w: extra file %q (the manifest names module %q)", ErrBadArchive, name, m.ModuleFile())
			}
		}
	}
	wasm, err := src.get(ctx, m.ModuleFile(), opts.MaxModuleBytes)
	if err != nil {
		return nil, err
	}
	sig, err := src.get(ctx, SignatureFile, opts.MaxSignatureBytes)
	if errors.Is(err, errNotFound) {
		sig, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParsePackage(mb, wasm, sig)
}

// decodeManifest parses and validates manifest bytes as ParsePackage does, before the module
// it names is fetched.
func decodeManifest(mb []byte, m *Manifest) error {
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(m); err != nil {
		return fmt.Errorf("%w: %v", ErrBadManifest, err)
	}
	return m.Validate()
}

// errNotFound: the file does not exist at the source (only manifest.sig may be missing).
var errNotFound = fmt.Errorf("%w: not found", ErrFetchFailed)

// source serves a package's files by name.
type source interface {
	get(ctx context.Context, name string, limit int64) ([]byte, error)
}

func newSource(ctx context.Context, raw string, opts FetchOptions) (source, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPin, err)
	}
	var base source
	lower := strings.ToLower(u.Path)
	isArchive := strings.HasSuffix(lower, ".tar.gz") || strings.HasSuffix(lower, ".tgz") || strings.HasSuffix(lower, ".zip")
	switch u.Scheme {
	case "file":
		base = fileSource{dir: filepath.FromSlash(u.Path)}
	case "http", "https":
		base = &httpSource{base: u, client: opts.Client}
	default:
		return nil, fmt.Errorf("%w: URL scheme %q", ErrBadPin, u.Scheme)
	}
	if !isArchive {
		return base, nil
	}
	limit := opts.MaxManifestBytes + opts.MaxModuleBytes + opts.MaxSignatureBytes + 64<<10
	b, err := base.get(ctx, "", limit)
	if err != nil {
		return nil, err
	}
	files, err := unpack(b, lower, opts)
	if err != nil {
		return nil, err
	}
	return files, nil
}

// readLimited reads r to its end, failing with ErrFetchTooLarge past limit bytes.
func readLimited(r io.Reader, limit int64, what string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrFetchFailed, what, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrFetchTooLarge, what, limit)
	}
	return b, nil
}

// fileSource reads a package directory (or, with name "", the archive file itself).
type fileSource struct{ dir string }

func (s fileSource) get(_ context.Context, name string, limit int64) ([]byte, error) {
	p := s.dir
	if name != "" {
		p = filepath.Join(s.dir, name)
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", errNotFound, p)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetchFailed, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetchFailed, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrFetchFailed, p)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, the cap is %d", ErrFetchTooLarge, p, st.Size(), limit)
	}
	return readLimited(f, limit, p)
}

// httpSource GETs files under a package directory URL (or, with name "", the URL itself).
type httpSource struct {
	base   *url.URL
	client *http.Client
}

func (s *httpSource) get(ctx context.Context, name string, limit int64) ([]byte, error) {
	u := *s.base
	if name != "" {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/" + name
		u.RawPath = ""
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFetchFailed, err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		if errors.Is(err, ErrFetchRedirect) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrFetchFailed, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%w: %s: 404", errNotFound, u.Redacted())
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%w: %s: HTTP %s", ErrFetchFailed, u.Redacted(), resp.Status)
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, the cap is %d", ErrFetchTooLarge, u.Redacted(), resp.ContentLength, limit)
	}
	return readLimited(resp.Body, limit, u.Redacted())
}

// archiveFiles are an archive's package files by name.
type archiveFiles map[string][]byte

func (a archiveFiles) get(_ context.Context, name string, limit int64) ([]byte, error) {
	b, ok := a[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s is not in the archive", errNotFound, name)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, the cap is %d", ErrFetchTooLarge, name, len(b), limit)
	}
	return b, nil
}

// unpack reads an archive's entries into memory: at most three regular files (manifest.json,
// manifest.sig and the module, which fetchFrom checks against the manifest), at the top or all
// under one directory, each under its cap. Anything else is refused.
func unpack(b []byte, name string, opts FetchOptions) (archiveFiles, error) {
	files := archiveFiles{}
	prefix := "" // the one top directory every entry is under, if any ("pkg/")
	add := func(entry string, regular, isDir bool, size int64, open func() (io.Reader, error)) error {
		clean, err := entryName(entry)
		if err != nil {
			return err
		}
		if isDir {
			if strings.Contains(clean, "/") || (prefix != "" && prefix != clean+"/") || len(files) > 0 {
				return fmt.Errorf("%w: directory %q (a package archive holds its files at the top or under one directory)", ErrBadArchive, entry)
			}
			prefix = clean + "/"
			return nil
		}
		if !regular {
			return fmt.Errorf("%w: %q is not a regular file", ErrBadArchive, entry)
		}
		dir, base := path.Split(clean)
		if dir != "" {
			if prefix == "" && len(files) == 0 && !strings.Contains(strings.TrimSuffix(dir, "/"), "/") {
				prefix = dir
			}
			if dir != prefix {
				return fmt.Errorf("%w: extra path %q", ErrBadArchive, entry)
			}
		} else if prefix != "" {
			return fmt.Errorf("%w: extra path %q", ErrBadArchive, entry)
		}
		limit := opts.MaxModuleBytes // the module: any other name, checked against the manifest
		switch base {
		case ManifestFile:
			limit = opts.MaxManifestBytes
		case SignatureFile:
			limit = opts.MaxSignatureBytes
		}
		if _, dup := files[base]; dup {
			return fmt.Errorf("%w: %q appears twice", ErrBadArchive, entry)
		}
		if len(files) == 3 {
			return fmt.Errorf("%w: extra file %q (a package is manifest.json, the module and manifest.sig)", ErrBadArchive, entry)
		}
		if size > limit {
			return fmt.Errorf("%w: %s is %d bytes, the cap is %d", ErrFetchTooLarge, entry, size, limit)
		}
		r, err := open()
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadArchive, entry, err)
		}
		data, err := readLimited(r, limit, entry)
		if err != nil {
			if errors.Is(err, ErrFetchTooLarge) {
				return err
			}
			return fmt.Errorf("%w: %s: %w", ErrBadArchive, entry, err)
		}
		files[base] = data
		return nil
	}
	if strings.HasSuffix(name, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadArchive, err)
		}
		for _, f := range zr.File {
			mode := f.Mode()
			err := add(f.Name, mode.IsRegular(), mode.IsDir(), int64(f.UncompressedSize64), func() (io.Reader, error) { return f.Open() })
			if err != nil {
				return nil, err
			}
		}
		return files, nil
	}
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadArchive, err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadArchive, err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		regular := h.Typeflag == tar.TypeReg
		err = add(h.Name, regular, h.Typeflag == tar.TypeDir, h.Size, func() (io.Reader, error) { return tr, nil })
		if err != nil {
			return nil, err
		}
	}
	return files, nil
}

// entryName cleans an archive entry's name, refusing absolute and traversing paths.
func entryName(name string) (string, error) {
	if name == "" || strings.Contains(name, "\\") || strings.HasPrefix(name, "/") || filepath.IsAbs(name) || strings.Contains(name, ":") {
		return "", fmt.Errorf("%w: absolute or odd path %q", ErrBadArchive, name)
	}
	trimmed := strings.TrimSuffix(strings.TrimPrefix(name, "./"), "/")
	for _, part := range strings.Split(trimmed, "/") {
		if part == ".." {
			return "", fmt.Errorf("%w: path %q leaves the archive", ErrBadArchive, name)
		}
	}
	clean := path.Clean(trimmed)
	if clean == "." || clean == "" {
		return "", fmt.Errorf("%w: empty path %q", ErrBadArchive, name)
	}
	return clean, nil
}

// readCached reads a cached package and checks it against the pin again.
func readCached(dir string, pin Pin, opts FetchOptions) (*Package, error) {
	p, err := fetchFrom(context.Background(), fileSource{dir: dir}, pin, opts)
	if err != nil {
		return nil, err
	}
	p.Dir = dir
	return p, nil
}

// writeCached writes p into a temporary directory under cacheDir and renames it to dir, so a
// cache entry is complete or absent.
func writeCached(cacheDir, dir string, p *Package) error {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(cacheDir, ".fetch-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := WritePackage(tmp, p.ManifestBytes, p.Wasm, p.Signature, p.Manifest.ModuleFile()); err != nil {
		return err
	}
	_ = os.RemoveAll(dir) // a damaged entry readCached refused
	return os.Rename(tmp, dir)
}
