package plugins

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watcher finds new scorer package versions in a directory: the directory itself or any of
// its subdirectories holding a manifest.json (e.g. packages/quality-1.2.0/). It reacts to
// filesystem events (fsnotify) and rescans every poll interval as a backstop (network
// filesystems, missed events). Each distinct manifest (by content) is reported once; a package
// whose module is still being written (hash mismatch, missing module) is retried on later scans.
type Watcher struct {
	dir     string
	poll    time.Duration
	seen    map[string]string // package dir → fingerprint reported
	retried map[string]string // package dir → fingerprint whose error was already reported
}

// NewWatcher returns a watcher of dir that rescans every poll (default 2 s).
func NewWatcher(dir string, poll time.Duration) *Watcher {
	if poll <= 0 {
		poll = 2 * time.Second
	}
	return &Watcher{dir: dir, poll: poll, seen: map[string]string{}, retried: map[string]string{}}
}

// Skip marks the packages currently in the directory as seen without reporting them (a daemon
// that loaded its scorer at startup calls it so the same version is not offered again).
func (w *Watcher) Skip() {
	for _, d := range w.packageDirs() {
		if fp, err := fingerprint(d); err == nil {
			w.seen[d] = fp
		}
	}
}

// Scan reports every new or changed package once: fn gets the package, or the error that
// refused it.
func (w *Watcher) Scan(fn func(dir string, p *Package, err error)) {
	for _, d := range w.packageDirs() {
		fp, err := fingerprint(d)
		if err != nil || w.seen[d] == fp {
			continue
		}
		p, err := ReadPackage(d)
		if err != nil && retryable(err) {
			if w.retried[d] != fp {
				w.retried[d] = fp
				fn(d, nil, err)
			}
			continue
		}
		w.seen[d] = fp
		fn(d, p, err)
	}
}

// retryable reports errors a package still being copied in gives.
func retryable(err error) bool {
	return errors.Is(err, ErrHashMismatch) || errors.Is(err, os.ErrNotExist)
}

// Run scans now and then on every change and every poll interval until ctx ends.
func (w *Watcher) Run(ctx context.Context, fn func(dir string, p *Package, err error)) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", w.dir, err)
	}
	defer fw.Close()
	addAll := func() {
		_ = fw.Add(w.dir)
		ents, _ := os.ReadDir(w.dir)
		for _, e := range ents {
			if e.IsDir() {
				_ = fw.Add(filepath.Join(w.dir, e.Name()))
			}
		}
	}
	addAll()
	w.Scan(fn)
	t := time.NewTicker(w.poll)
	defer t.Stop()
	var debounce <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-fw.Events:
			if debounce == nil {
				debounce = time.After(100 * time.Millisecond)
			}
		case <-fw.Errors:
		case <-debounce:
			debounce = nil
			addAll()
			w.Scan(fn)
		case <-t.C:
			addAll()
			w.Scan(fn)
		}
	}
}

func (w *Watcher) packageDirs() []string {
	var dirs []string
	if _, err := os.Stat(filepath.Join(w.dir, ManifestFile)); err == nil {
		dirs = append(dirs, w.dir)
	}
	ents, err := os.ReadDir(w.dir)
	if err != nil {
		return dirs
	}
	for _, e := range ents {
		if !e.IsDir() || e.Name()[0] == '.' {
			continue
		}
		d := filepath.Join(w.dir, e.Name())
		if _, err := os.Stat(filepath.Join(d, ManifestFile)); err == nil {
			dirs = append(dirs, d)
		}
	}
	sort.Strings(dirs)
	return dirs
}

// fingerprint identifies a package's content: the manifest's and the signature's bytes.
func fingerprint(dir string) (string, error) {
	m, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return "", err
	}
	s, _ := os.ReadFile(filepath.Join(dir, SignatureFile))
	return sha256Hex(append(m, s...)), nil
}
