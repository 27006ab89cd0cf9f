package hostfns

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// cmdEnv is an Env serving a command with two files under /scorer.
func cmdEnv(t *testing.T) *Env {
	t.Helper()
	fs, err := NewFS(map[string][]byte{"main.py": []byte("print(1)\n"), "lib/a.txt": []byte("abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	env := NewEnv(0, [32]byte{}, nil)
	env.SetCommand(&Command{Args: []string{"py", "x"}, Environ: []string{"A=1"}, Stdin: []byte("hello"),
		MaxStdout: 8, Files: fs, FilesDir: "/scorer"})
	return env
}

// open opens path relative to fd 3 with the given flags and returns errno and the new fd.
func open(t *testing.T, env *Env, m mem, path string, oflags, rights, fdflags uint64) (uint64, uint32) {
	t.Helper()
	copy(m[1024:], path)
	errno, err := call(t, env, m, ModuleWASI, "path_open", 3, 0, 1024, uint64(len(path)), oflags, rights, 0, fdflags, 8)
	if err != nil {
		t.Fatal(err)
	}
	return errno, binary.LittleEndian.Uint32(m[8:])
}

func TestPathOpen(t *testing.T) {
	tests := []struct {
		path           string
		oflags, rights uint64
		fdflags        uint64
		want           uint64
	}{
		{"main.py", 0, rightFdRead, 0, errnoSuccess},
		{"./lib/../main.py", 0, rightFdRead, 0, errnoSuccess},
		{"lib", oflagDir, 0, 0, errnoSuccess},
		{"main.py", oflagDir, 0, 0, errnoNotdir},
		{"main.py/", 0, 0, 0, errnoNotdir},
		{"missing", 0, rightFdRead, 0, errnoNoent},
		{"..", 0, 0, 0, errnoNotcapable},
		{"../etc/passwd", 0, 0, 0, errnoNotcapable},
		{"lib/../../etc/passwd", 0, 0, 0, errnoNotcapable},
		{"/etc/passwd", 0, 0, 0, errnoNotcapable},
		{"main.py\x00", 0, 0, 0, errnoNotcapable},
		{"new.txt", oflagCreat, rightFdWrite, 0, errnoRofs},
		{"main.py", oflagTrunc, 0, 0, errnoRofs},
		{"main.py", oflagCreat | oflagExcl, 0, 0, errnoExist},
		{"main.py", 0, rightFdWrite, 0, errnoRofs},
		{"main.py", 0, 0, fdflagAppend, errnoRofs},
		{strings.Repeat("a/", 3000), 0, 0, 0, errnoNametoolong},
	}
	for _, tc := range tests {
		env := cmdEnv(t)
		m := make(mem, 16<<10)
		if errno, _ := open(t, env, m, tc.path, tc.oflags, tc.rights, tc.fdflags); errno != tc.want {
			t.Errorf("path_open(%.40q) = errno %d, want %d", tc.path, errno, tc.want)
		}
	}
}

func TestFdRead_filesAndStdin(t *testing.T) {
	env := cmdEnv(t)
	m := make(mem, 4096)
	errno, fd := open(t, env, m, "lib/a.txt", 0, rightFdRead, 0)
	if errno != 0 || fd < 4 {
		t.Fatalf("open: errno %d fd %d", errno, fd)
	}
	// One iovec of 4 bytes at 100, read twice: "abcd", then "ef".
	binary.LittleEndian.PutUint32(m[16:], 100)
	binary.LittleEndian.PutUint32(m[20:], 4)
	for _, want := range []string{"abcd", "ef", ""} {
		if errno, _ := call(t, env, m, ModuleWASI, "fd_read", uint64(fd), 16, 1, 24); errno != 0 {
			t.Fatalf("fd_read errno %d", errno)
		}
		n := binary.LittleEndian.Uint32(m[24:])
		if got := string(m[100 : 100+n]); got != want {
			t.Fatalf("read %q, want %q", got, want)
		}
	}
	if errno, _ := call(t, env, m, ModuleWASI, "fd_pread", uint64(fd), 16, 1, 3, 24); errno != 0 || string(m[100:100+binary.LittleEndian.Uint32(m[24:])]) != "def" {
		t.Fatalf("fd_pread errno %d read %q", errno, m[100:103])
	}
	if errno, _ := call(t, env, m, ModuleWASI, "fd_seek", uint64(fd), ^uint64(0), 2, 32); errno != 0 || binary.LittleEndian.Uint64(m[32:]) != 5 {
		t.Fatalf("fd_seek end-1: errno %d pos %d", errno, binary.LittleEndian.Uint64(m[32:]))
	}
	if errno, _ := call(t, env, m, ModuleWASI, "fd_seek", uint64(fd), ^uint64(9), 1, 32); errno != errnoInval {
		t.Fatalf("fd_seek before 0: errno %d", errno)
	}
	if errno, _ := call(t, env, m, ModuleWASI, "fd_write", uint64(fd), 16, 1, 24); errno != errnoBadf {
		t.Fatalf("fd_write on a file: errno %d", errno)
	}
	if errno, _ := call(t, env, m, ModuleWASI, "fd_close", uint64(fd)); errno != 0 {
		t.Fatalf("close: %d", errno)
	}
	if errno, _ := call(t, env, m, ModuleWASI, "fd_read", uint64(fd), 16, 1, 24); errno != errnoBadf {
		t.Fatalf("read after close: errno %d", errno)
	}
	// stdin: "hell", "o".
	for _, want := range []string{"hell", "o", ""} {
		call(t, env, m, ModuleWASI, "fd_read", 0, 16, 1, 24)
		if got := string(m[100 : 100+binary.LittleEndian.Uint32(m[24:])]); got != want {
			t.Fatalf("stdin read %q, want %q", got, want)
		}
	}
	// The iovec array or a buffer outside memory is EFAULT, not a host panic.
	binary.LittleEndian.PutUint32(m[16:], 5000)
	if errno, _ := call(t, env, m, ModuleWASI, "fd_read", 0, 16, 1, 24); errno != errnoFault {
		t.Fatalf("bad buffer: errno %d", errno)
	}
}

func TestFdReaddir(t *testing.T) {
	env := cmdEnv(t)
	m := make(mem, 4096)
	if errno, _ := call(t, env, m, ModuleWASI, "fd_readdir", 3, 100, 1000, 0, 8); errno != 0 {
		t.Fatalf("errno %d", errno)
	}
	used := binary.LittleEndian.Uint32(m[8:])
	var names []string
	for off := uint32(100); off < 100+used; {
		n := binary.LittleEndian.Uint32(m[off+16:])
		names = append(names, string(m[off+24:off+24+n]))
		off += 24 + n
	}
	if strings.Join(names, ",") != "lib,main.py" {
		t.Fatalf("entries %q", names)
	}
	// Resuming at cookie 1 lists the second entry only; a small buffer is filled and cut.
	call(t, env, m, ModuleWASI, "fd_readdir", 3, 100, 1000, 1, 8)
	if used := binary.LittleEndian.Uint32(m[8:]); used != 24+7 {
		t.Fatalf("cookie 1: %d bytes", used)
	}
	call(t, env, m, ModuleWASI, "fd_readdir", 3, 100, 10, 0, 8)
	if used := binary.LittleEndian.Uint32(m[8:]); used != 10 {
		t.Fatalf("small buffer: %d bytes", used)
	}
}

func TestPrestatArgsEnviron(t *testing.T) {
	env := cmdEnv(t)
	m := make(mem, 4096)
	if errno, _ := call(t, env, m, ModuleWASI, "fd_prestat_get", 3, 8); errno != 0 || m[8] != 0 || binary.LittleEndian.Uint32(m[12:]) != 7 {
		t.Fatalf("prestat 3: errno %d %v", errno, m[8:16])
	}
	if errno, _ := call(t, env, m, ModuleWASI, "fd_prestat_dir_name", 3, 100, 7); errno != 0 || string(m[100:107]) != "/scorer" {
		t.Fatalf("dir name: errno %d %q", errno, m[100:107])
	}
	if errno, _ := call(t, env, m, ModuleWASI, "fd_prestat_get", 4, 8); errno != errnoBadf {
		t.Fatalf("prestat 4: errno %d", errno)
	}
	call(t, env, m, ModuleWASI, "args_sizes_get", 0, 4)
	if binary.LittleEndian.Uint32(m[0:]) != 2 || binary.LittleEndian.Uint32(m[4:]) != 5 {
		t.Fatalf("args sizes %v", m[:8])
	}
	call(t, env, m, ModuleWASI, "args_get", 200, 300)
	if p := binary.LittleEndian.Uint32(m[204:]); p != 303 || string(m[300:305]) != "py\x00x\x00" {
		t.Fatalf("argv[1] at %d, buf %q", p, m[300:305])
	}
	call(t, env, m, ModuleWASI, "environ_sizes_get", 0, 4)
	if binary.LittleEndian.Uint32(m[0:]) != 1 || binary.LittleEndian.Uint32(m[4:]) != 4 {
		t.Fatalf("environ sizes %v", m[:8])
	}
}

func TestFdWrite_stdoutCap(t *testing.T) {
	env := cmdEnv(t)
	m := make(mem, 4096)
	copy(m[100:], "12345")
	binary.LittleEndian.PutUint32(m[16:], 100)
	binary.LittleEndian.PutUint32(m[20:], 5)
	if _, err := call(t, env, m, ModuleWASI, "fd_write", 1, 16, 1, 24); err != nil {
		t.Fatal(err)
	}
	if _, err := call(t, env, m, ModuleWASI, "fd_write", 1, 16, 1, 24); !errors.Is(err, ErrStdoutTooLarge) {
		t.Fatalf("past the cap: %v", err)
	}
	if string(env.Stdout()) != "12345" || len(env.Log.Lines()) != 0 {
		t.Fatalf("stdout %q, logs %v", env.Stdout(), env.Log.Lines())
	}
}

func TestNewFS(t *testing.T) {
	for _, files := range []map[string][]byte{{"../a": nil}, {"/a": nil}, {"a/./b": nil}, {"a": nil, "a/b": nil}, {"": nil}} {
		if _, err := NewFS(files); err == nil {
			t.Errorf("NewFS(%v) accepted", files)
		}
	}
}
