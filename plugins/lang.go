package plugins

import (
	"context"
	"errors"
)

// Language is one language the authoring commands (plugin new, build, test, bench, pack) know.
// Each language lives in its own file (lang_go.go, lang_assemblyscript.go, lang_python.go,
// lang_rust.go, lang_c.go) and is listed by Languages; the commands dispatch through this
// interface only, so adding a language never touches another one's code.
type Language interface {
	// Name is the value of `plugin new --lang` and of bench's "lang" field.
	Name() Lang
	// Detect reports whether dir holds a project of this language (by its marker files:
	// scorer.py, Cargo.toml, a .c file with the kit's header, asconfig.json, .go files).
	Detect(dir string) bool
	// Toolchain checks that what Build needs is installed. Its error is one line saying
	// exactly what to install (wrapping ErrNoToolchain), e.g.
	// "rust toolchain missing: apt-get install rustc cargo libstd-rust-dev-wasm32".
	Toolchain(ctx context.Context, dir string) error
	// BuildWasm builds the scorer in dir (whose name is name) to the Wasm module out.
	// The same sources and toolchain give the same bytes on every machine.
	BuildWasm(ctx context.Context, dir, name, out string) error
	// Native prepares the native counterpart of the scorer in dir for plugin bench, building
	// into tmp when it needs a build.
	Native(ctx context.Context, dir, tmp string) (Native, error)
	// New writes a fresh project named name into the empty directory dir. The project passes
	// `subnetd plugin test dir` at once, with nothing but the subnetd binary and this
	// language's toolchain installed: everything the kit needs is carried by the binary.
	New(ctx context.Context, dir, name string) error
}

// NativeProtocol is how plugin bench talks to a native counterpart.
type NativeProtocol int

const (
	// NativeBench is pdk/go's protocol (pdk.Main): `ARGV... score --round FILE` prints the
	// Scores JSON and a newline; `ARGV... bench --round FILE --min-time D` times the scorer
	// call in-process and prints {"iterations":N,"ns_per_call":T}.
	NativeBench NativeProtocol = iota
	// NativeCommand is a command scorer's protocol: `ARGV... score` reads the Round on stdin
	// and writes the Scores on stdout. Bench times whole processes, start-up included, as the
	// Wasm side starts its interpreter in every fresh instance too.
	NativeCommand
)

// Native is a scorer's native counterpart: the same program (or, for AssemblyScript, the same
// algorithm in Go) built or run natively.
type Native struct {
	// Argv starts it; the protocol's arguments are appended.
	Argv []string
	// Dir is the working directory (empty: the current one).
	Dir string
	// Protocol says how to run it.
	Protocol NativeProtocol
	// SameAlgorithm is true when the counterpart is another program implementing the same
	// algorithm (AssemblyScript's Go twin): bench then first checks both give the same Scores.
	SameAlgorithm bool
}

// ErrNoToolchain is wrapped by Language.Toolchain when a language's toolchain is missing.
var ErrNoToolchain = errors.New("toolchain not installed")

const (
	// LangPython is a Python scorer (scorer.py and the pdk/python kit) built into a command
	// scorer: CPython for WASI with the program's files inside the module.
	LangPython Lang = "python"
	// LangRust is a Rust scorer (a Cargo crate using pdk/rust) built for wasm32-wasi as a reactor.
	LangRust Lang = "rust"
	// LangC is a C scorer (pdk/c's subnetd.h and subnetd.c) built with clang for wasm32-wasi.
	LangC Lang = "c"
)
