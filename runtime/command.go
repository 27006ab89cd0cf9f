package runtime

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/subnetd/subnetd/hostfns"
	"github.com/subnetd/subnetd/runtime/internal/wasmbin"
)

// CommandSpec is how the host runs a command scorer; stored as JSON in the module's custom
// section "subnetd.command" (docs/ABI.md, "The command form").
type CommandSpec struct {
	// Args is argv; Args[0] is the program name. The host appends the call name: "score" or "challenge".
	Args []string `json:"args"`
	// Env holds KEY=VALUE entries, after the host's fixed ones (SUBNETD_ABI=1, SUBNETD_CALL=score|challenge).
	Env []string `json:"env"`
	// Challenge reports that the program serves the challenge call.
	Challenge bool `json:"challenge"`
	// FilesDir is the guest path of the read-only directory holding the files section; default "/scorer".
	FilesDir string `json:"files_dir"`
}

// The custom sections of a command scorer.
const (
	// SectionCommand holds the CommandSpec as JSON.
	SectionCommand = "subnetd.command"
	// SectionFiles holds the program's files as a deterministic ustar archive: regular files
	// only, sorted by path, mode 0444, uid/gid 0, mtime 0, no user or group names.
	SectionFiles = "subnetd.files"
)

// DefaultFilesDir is where the files section appears when CommandSpec.FilesDir is empty.
const DefaultFilesDir = "/scorer"

// The program's environment entries the host sets before CommandSpec.Env.
const (
	envABI  = "SUBNETD_ABI"
	envCall = "SUBNETD_CALL"
)

// Bounds of a command spec and its files, checked by PackCommand and by screening.
const (
	maxCommandArgs  = 256
	maxCommandBytes = 64 << 10 // the spec's JSON
	maxFiles        = 4096
	maxPathBytes    = 1024
)

// PackCommand returns module with spec and files (path -> bytes, slash-separated relative
// paths) appended as the two custom sections, replacing any earlier ones. Same inputs, same bytes.
func PackCommand(module []byte, spec CommandSpec, files map[string][]byte) ([]byte, error) {
	if err := spec.check(); err != nil {
		return nil, fmt.Errorf("pack command: %w", err)
	}
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("pack command: spec: %w", err)
	}
	archive, err := packFiles(files)
	if err != nil {
		return nil, fmt.Errorf("pack command: %w", err)
	}
	out, err := filterSections(module, func(id byte, name string) bool {
		return id != 0 || (name != SectionCommand && name != SectionFiles)
	})
	if err != nil {
		return nil, fmt.Errorf("pack command: %w", err)
	}
	out = appendCustomSection(out, SectionCommand, js)
	out = appendCustomSection(out, SectionFiles, archive)
	return out, nil
}

// StripCustomSections returns the module without custom sections (names, DWARF, producers,
// and the command sections). The code is unchanged, byte for byte.
func StripCustomSections(module []byte) ([]byte, error) {
	out, err := filterSections(module, func(id byte, _ string) bool { return id != 0 })
	if err != nil {
		return nil, fmt.Errorf("strip custom sections: %w", err)
	}
	return out, nil
}

// filterSections copies the header and every section keep accepts (name is a custom
// section's name, empty for the others).
func filterSections(module []byte, keep func(id byte, name string) bool) ([]byte, error) {
	r := wasmbin.Reader{B: module}
	head, err := r.Bytes(8)
	if err != nil || string(head) != "\x00asm\x01\x00\x00\x00" {
		return nil, fmt.Errorf("%w: no WebAssembly version 1 header", ErrMalformed)
	}
	out := make([]byte, 0, len(module))
	out = append(out, head...)
	for !r.Done() {
		start := r.Off
		id, err := r.Byte()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		size, err := r.U32()
		if err != nil {
			return nil, fmt.Errorf("%w: section %d size: %v", ErrMalformed, id, err)
		}
		body, err := r.Bytes(int(size))
		if err != nil {
			return nil, fmt.Errorf("%w: section %d is cut short", ErrMalformed, id)
		}
		name := ""
		if id == 0 {
			br := wasmbin.Reader{B: body}
			if name, err = br.Name(); err != nil {
				return nil, fmt.Errorf("%w: custom section name: %v", ErrMalformed, err)
			}
		}
		if keep(id, name) {
			out = append(out, module[start:r.Off]...)
		}
	}
	return out, nil
}

// customSections returns the payload of every custom section named in want (the last one wins).
func customSections(module []byte, want ...string) (map[string][]byte, error) {
	got := map[string][]byte{}
	r := wasmbin.Reader{B: module}
	if _, err := r.Bytes(8); err != nil {
		return nil, err
	}
	for !r.Done() {
		id, body, err := r.Section()
		if err != nil {
			return nil, err
		}
		if id != 0 {
			continue
		}
		br := wasmbin.Reader{B: body}
		name, err := br.Name()
		if err != nil {
			return nil, err
		}
		if slices.Contains(want, name) {
			got[name] = body[br.Off:]
		}
	}
	return got, nil
}

func appendCustomSection(module []byte, name string, payload []byte) []byte {
	var body []byte
	body = appendULEB(body, uint64(len(name)))
	body = append(body, name...)
	body = append(body, payload...)
	module = append(module, 0)
	module = appendULEB(module, uint64(len(body)))
	return append(module, body...)
}

func appendULEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// check validates a spec: what PackCommand refuses and screening refuses alike.
func (s CommandSpec) check() error {
	if len(s.Args) == 0 || s.Args[0] == "" {
		return errors.New("command spec: args is empty (args[0] is the program name)")
	}
	if len(s.Args)+len(s.Env) > maxCommandArgs {
		return fmt.Errorf("command spec: %d args and env entries, limit %d", len(s.Args)+len(s.Env), maxCommandArgs)
	}
	for i, a := range s.Args {
		if strings.IndexByte(a, 0) >= 0 {
			return fmt.Errorf("command spec: args[%d] contains a NUL byte", i)
		}
	}
	for i, e := range s.Env {
		k, _, ok := strings.Cut(e, "=")
		if !ok || k == "" || strings.IndexByte(e, 0) >= 0 {
			return fmt.Errorf("command spec: env[%d] %q is not KEY=VALUE", i, e)
		}
		if k == envABI || k == envCall {
			return fmt.Errorf("command spec: env[%d] sets %s, which the host sets", i, k)
		}
	}
	if s.FilesDir != "" {
		if !path.IsAbs(s.FilesDir) || path.Clean(s.FilesDir) != s.FilesDir || s.FilesDir == "/" || len(s.FilesDir) > maxPathBytes {
			return fmt.Errorf("command spec: files_dir %q is not a clean absolute path below /", s.FilesDir)
		}
	}
	return nil
}

// filesDir is the guest path of the files directory.
func (s CommandSpec) filesDir() string {
	if s.FilesDir == "" {
		return DefaultFilesDir
	}
	return s.FilesDir
}

// checkFilePath refuses paths that are not clean, relative and slash-separated.
func checkFilePath(p string) error {
	switch {
	case p == "" || len(p) > maxPathBytes:
		return fmt.Errorf("file path %q is empty or longer than %d bytes", p, maxPathBytes)
	case path.IsAbs(p) || path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../"):
		return fmt.Errorf("file path %q is not a clean relative path", p)
	case strings.ContainsAny(p, "\\\x00"):
		return fmt.Errorf("file path %q contains a backslash or NUL", p)
	}
	return nil
}

// packFiles writes files as the deterministic archive of SectionFiles.
func packFiles(files map[string][]byte) ([]byte, error) {
	if len(files) > maxFiles {
		return nil, fmt.Errorf("%d files, limit %d", len(files), maxFiles)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		if err := checkFilePath(p); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for i := 1; i < len(paths); i++ {
		if strings.HasPrefix(paths[i], paths[i-1]+"/") {
			return nil, fmt.Errorf("file path %q is also a directory of %q", paths[i-1], paths[i])
		}
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, p := range paths {
		h := &tar.Header{
			Typeflag: tar.TypeReg, Name: p, Size: int64(len(files[p])), Mode: 0o444,
			ModTime: time.Unix(0, 0), Format: tar.FormatUSTAR,
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("file %s: %w", p, err)
		}
		if _, err := tw.Write(files[p]); err != nil {
			return nil, fmt.Errorf("file %s: %w", p, err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unpackFiles reads a SectionFiles archive; every entry must be a regular file under a clean
// relative path, listed once.
func unpackFiles(archive []byte) (map[string][]byte, error) {
	files := map[string][]byte{}
	if len(archive) == 0 {
		return files, nil
	}
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, fmt.Errorf("archive: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			return nil, fmt.Errorf("archive entry %q is not a regular file", h.Name)
		}
		if err := checkFilePath(h.Name); err != nil {
			return nil, fmt.Errorf("archive: %w", err)
		}
		if _, dup := files[h.Name]; dup {
			return nil, fmt.Errorf("archive lists %q twice", h.Name)
		}
		if len(files) >= maxFiles {
			return nil, fmt.Errorf("archive has more than %d files", maxFiles)
		}
		if h.Size < 0 || h.Size > int64(len(archive)) {
			return nil, fmt.Errorf("archive entry %q claims %d bytes", h.Name, h.Size)
		}
		data := make([]byte, h.Size)
		if _, err := io.ReadFull(tr, data); err != nil {
			return nil, fmt.Errorf("archive entry %q: %w", h.Name, err)
		}
		files[h.Name] = data
	}
}

// command is a screened command scorer's spec and file tree.
type command struct {
	spec  CommandSpec
	files *hostfns.FS
}

// parseCommand reads and checks a command scorer's two sections.
func parseCommand(module []byte) (*command, error) {
	secs, err := customSections(module, SectionCommand, SectionFiles)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	js, ok := secs[SectionCommand]
	if !ok {
		return nil, fmt.Errorf("%w: custom section %q (a WASI command scorer needs its command spec; see runtime.PackCommand)", ErrMissingCommand, SectionCommand)
	}
	if len(js) > maxCommandBytes {
		return nil, fmt.Errorf("%w: section %q is %d bytes, limit %d", ErrBadCommand, SectionCommand, len(js), maxCommandBytes)
	}
	var spec CommandSpec
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%w: section %q: %v", ErrBadCommand, SectionCommand, err)
	}
	if err := spec.check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCommand, err)
	}
	files, err := unpackFiles(secs[SectionFiles])
	if err != nil {
		return nil, fmt.Errorf("%w: section %q: %v", ErrBadCommand, SectionFiles, err)
	}
	fs, err := hostfns.NewFS(files)
	if err != nil {
		return nil, fmt.Errorf("%w: section %q: %v", ErrBadCommand, SectionFiles, err)
	}
	return &command{spec: spec, files: fs}, nil
}

// argv and environ of one call.
func (c *command) argv(call string) []string { return append(slices.Clone(c.spec.Args), call) }

func (c *command) environ(call string) []string {
	return append([]string{envABI + "=1", envCall + "=" + call}, c.spec.Env...)
}
