package plugins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Lang is the language of a scorer project: the value of `plugin new --lang` and of bench's
// "lang" field.
type Lang string

const (
	// LangGo is a Go scorer built with pdk/go (a directory of .go files in a Go module).
	LangGo Lang = "go"
	// LangAssemblyScript is an AssemblyScript scorer built with @subnetd/pdk (asconfig.json, or
	// a package.json depending on assemblyscript).
	LangAssemblyScript Lang = "assemblyscript"
)

// ErrUnknownLang is returned by LanguageNamed for a name no language of this build answers to.
var ErrUnknownLang = errors.New("unknown scorer language")

// LangNames are the five languages `plugin new --lang` documents, in the order the docs list
// them. A build may know fewer (Languages says which).
var LangNames = []Lang{LangGo, LangAssemblyScript, LangPython, LangRust, LangC}

// Languages returns every language this build knows, in detection order: the languages with
// a specific marker file first (Python's scorer.py, Rust's Cargo.toml, C's kit header,
// AssemblyScript's asconfig.json or package.json), Go last, since any directory with .go files
// looks like a Go project (AssemblyScript projects may hold a Go twin, for instance).
func Languages() []Language {
	return []Language{PythonLanguage(), RustLanguage(), CLanguage(), AssemblyScriptLanguage(), GoLanguage()}
}

// LanguageFor returns the language of the project in dir (the first of Languages whose
// Detect accepts it), or ErrNotAScorer naming what each language looks for.
func LanguageFor(dir string) (Language, error) {
	for _, l := range Languages() {
		if l.Detect(dir) {
			return l, nil
		}
	}
	return nil, fmt.Errorf("%s: %w: no scorer source of a known language (%s)", dir, ErrNotAScorer, markers())
}

// markers lists what each known language's Detect looks for.
func markers() string {
	var m []string
	for _, l := range Languages() {
		switch l.Name() {
		case LangGo:
			m = append(m, "go: .go files")
		case LangAssemblyScript:
			m = append(m, "assemblyscript: asconfig.json or a package.json depending on assemblyscript")
		case LangPython:
			m = append(m, "python: scorer.py")
		case LangRust:
			m = append(m, "rust: Cargo.toml")
		case LangC:
			m = append(m, "c: a .c file using subnetd.h")
		default:
			m = append(m, string(l.Name()))
		}
	}
	return strings.Join(m, "; ")
}

// LanguageNamed returns the language called name ("as" and "ts" are accepted for
// assemblyscript), or ErrUnknownLang listing the ones this build knows.
func LanguageNamed(name string) (Language, error) {
	n := Lang(strings.ToLower(strings.TrimSpace(name)))
	if n == "as" || n == "ts" || n == "typescript" {
		n = LangAssemblyScript
	}
	var known []string
	for _, l := range Languages() {
		if l.Name() == n {
			return l, nil
		}
		known = append(known, string(l.Name()))
	}
	for _, d := range LangNames {
		if d == n {
			return nil, fmt.Errorf("language %q: %w: this subnetd build does not include it yet (it knows %s)", name, ErrUnknownLang, strings.Join(known, ", "))
		}
	}
	return nil, fmt.Errorf("language %q: %w: want one of %s", name, ErrUnknownLang, strings.Join(known, ", "))
}

// DetectLang tells which language the project in dir is written in (see LanguageFor).
func DetectLang(dir string) (Lang, error) {
	l, err := LanguageFor(dir)
	if err != nil {
		return "", err
	}
	return l.Name(), nil
}

// Installer is implemented by a Language that can fetch what a project needs (a pinned
// compiler, an interpreter) ahead of its first build. `plugin new` calls it so that a project
// is ready offline afterwards; BuildWasm fetches the same things on demand when they are missing.
type Installer interface {
	// Install fetches the project's pinned toolchain pieces into dir (or a cache), writing
	// one line per step, and the tools' own output, to log.
	Install(ctx context.Context, dir string, log io.Writer) error
}
