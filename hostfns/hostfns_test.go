package hostfns

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// mem is a byte-slice Memory for unit tests.
type mem []byte

func (m mem) Read(off, n uint32) ([]byte, bool) {
	if uint64(off)+uint64(n) > uint64(len(m)) {
		return nil, false
	}
	return m[off : off+n], true
}
func (m mem) Write(off uint32, v []byte) bool {
	b, ok := m.Read(off, uint32(len(v)))
	if ok {
		copy(b, v)
	}
	return ok
}
func (m mem) ReadUint32Le(off uint32) (uint32, bool) {
	b, ok := m.Read(off, 4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b), true
}
func (m mem) WriteUint32Le(off, v uint32) bool {
	return m.Write(off, binary.LittleEndian.AppendUint32(nil, v))
}
func (m mem) WriteUint64Le(off uint32, v uint64) bool {
	return m.Write(off, binary.LittleEndian.AppendUint64(nil, v))
}

func call(t *testing.T, env *Env, m mem, module, name string, args ...uint64) (uint64, error) {
	t.Helper()
	f, ok := Lookup(module, name)
	if !ok {
		t.Fatalf("no %s.%s", module, name)
	}
	stack := make([]uint64, max(len(args), 1))
	copy(stack, args)
	err := f.Call(env, m, stack)
	return stack[0], err
}

func TestClockTimeGet(t *testing.T) {
	env := NewEnv(1_700_000_000_000_000_000, [32]byte{}, nil)
	m := make(mem, 64)
	tests := []struct {
		name  string
		clock uint64
		want  uint64
		errno uint64
	}{
		{"realtime is the block time", clockRealtime, 1_700_000_000_000_000_000, errnoSuccess},
		{"realtime stays pinned", clockRealtime, 1_700_000_000_000_000_000, errnoSuccess},
		{"monotonic starts at one step", clockMonotonic, monoStep, errnoSuccess},
		{"monotonic advances per read", clockMonotonic, 2 * monoStep, errnoSuccess},
		{"unknown clock", 9, 0, errnoInval},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errno, err := call(t, env, m, ModuleWASI, "clock_time_get", tc.clock, 0, 8)
			if err != nil || errno != tc.errno {
				t.Fatalf("errno %d err %v, want %d", errno, err, tc.errno)
			}
			if tc.errno == errnoSuccess && binary.LittleEndian.Uint64(m[8:]) != tc.want {
				t.Fatalf("time %d, want %d", binary.LittleEndian.Uint64(m[8:]), tc.want)
			}
		})
	}
	if errno, _ := call(t, env, m, ModuleWASI, "clock_time_get", clockRealtime, 0, 60); errno != errnoFault {
		t.Fatalf("out-of-range result pointer gave errno %d", errno)
	}
}

func TestRandomGet(t *testing.T) {
	read := func(seed byte) []byte {
		env := NewEnv(0, [32]byte{seed}, nil)
		m := make(mem, 64)
		if errno, err := call(t, env, m, ModuleWASI, "random_get", 0, 32); errno != 0 || err != nil {
			t.Fatal(errno, err)
		}
		if errno, _ := call(t, env, m, ModuleWASI, "random_get", 32, 32); errno != 0 {
			t.Fatal(errno)
		}
		return m
	}
	a, b, c := read(1), read(1), read(2)
	if string(a) != string(b) {
		t.Fatal("same seed, different bytes")
	}
	if string(a) == string(c) || string(a[:32]) == string(a[32:]) {
		t.Fatal("random_get does not depend on the seed or repeats itself")
	}
	env := NewEnv(0, [32]byte{}, nil)
	if errno, _ := call(t, env, make(mem, 8), ModuleWASI, "random_get", 0, 16); errno != errnoFault {
		t.Fatalf("out of range: errno %d", errno)
	}
}

func TestFdWrite(t *testing.T) {
	env := NewEnv(0, [32]byte{}, NewLogBuffer(LogLimits{MaxLines: 3, MaxLineBytes: 8}))
	m := make(mem, 256)
	write := func(fd uint64, s string) uint64 {
		copy(m[100:], s)
		binary.LittleEndian.PutUint32(m[0:], 100)
		binary.LittleEndian.PutUint32(m[4:], uint32(len(s)))
		errno, err := call(t, env, m, ModuleWASI, "fd_write", fd, 0, 1, 16)
		if err != nil {
			t.Fatal(err)
		}
		if errno == 0 && binary.LittleEndian.Uint32(m[16:]) != uint32(len(s)) {
			t.Fatalf("nwritten %d, want %d", binary.LittleEndian.Uint32(m[16:]), len(s))
		}
		return errno
	}
	write(1, "hel")
	write(1, "lo\nthis line is long\n")
	write(2, "err\x1b[31m")
	if errno := write(3, "file"); errno != errnoBadf {
		t.Fatalf("fd 3: errno %d, want EBADF", errno)
	}
	write(1, "a\nb\nc\n")
	lines := env.Log.Lines()
	want := []LogLine{
		{Level: 1, Source: "stdout", Text: "hello"},
		{Level: 1, Source: "stdout", Text: "this lin", Truncated: true},
		{Level: 1, Source: "stdout", Text: "a"},
	}
	if len(lines) != 3 {
		t.Fatalf("lines %+v", lines)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Fatalf("line %d = %+v, want %+v", i, lines[i], want[i])
		}
	}
	// "b", "c" and the unterminated stderr line are dropped past MaxLines.
	if env.Log.Dropped() != 3 {
		t.Fatalf("dropped %d, want 3", env.Log.Dropped())
	}
}

func TestSubnetdAbort(t *testing.T) {
	env := NewEnv(0, [32]byte{}, nil)
	m := make(mem, 64)
	copy(m, "bad\ninput")
	_, err := call(t, env, m, ModuleSubnetd, "abort", 0, 9)
	var ae *AbortError
	if !errors.As(err, &ae) || !errors.Is(err, ErrAbort) || strings.Contains(ae.Message, "\n") {
		t.Fatalf("abort error = %v", err)
	}
	if _, err := call(t, env, m, ModuleSubnetd, "abort", 60, 9); !errors.Is(err, ErrAbort) {
		t.Fatalf("out-of-range abort = %v", err)
	}
	if _, err := call(t, env, m, ModuleWASI, "proc_exit", 4); !errors.Is(err, ErrExit) || !strings.Contains(err.Error(), "status 4") {
		t.Fatalf("proc_exit = %v", err)
	}
}

func TestPollOneoff(t *testing.T) {
	env := NewEnv(0, [32]byte{}, nil)
	m := make(mem, 256)
	// One relative clock subscription of 5 ms, one fd_read subscription.
	binary.LittleEndian.PutUint64(m[0:], 77) // userdata
	m[8] = 0                                 // clock
	binary.LittleEndian.PutUint64(m[24:], 5_000_000)
	binary.LittleEndian.PutUint64(m[48:], 78)
	m[56] = 1 // fd_read
	errno, err := call(t, env, m, ModuleWASI, "poll_oneoff", 0, 128, 2, 250)
	if errno != 0 || err != nil {
		t.Fatal(errno, err)
	}
	if binary.LittleEndian.Uint64(m[128:]) != 77 || binary.LittleEndian.Uint64(m[160:]) != 78 || m[160+8] != errnoBadf {
		t.Fatalf("events % x", m[128:192])
	}
	if env.mono != 5_000_000 {
		t.Fatalf("monotonic clock at %d after a 5ms sleep", env.mono)
	}
}

func TestFuncs_noFilesNoEnv(t *testing.T) {
	env := NewEnv(0, [32]byte{}, nil)
	m := make(mem, 64)
	m[0], m[4] = 9, 9
	if errno, _ := call(t, env, m, ModuleWASI, "environ_sizes_get", 0, 4); errno != 0 || m[0] != 0 || m[4] != 0 {
		t.Fatal("environment not empty")
	}
	for _, name := range []string{"path_open", "fd_read", "fd_prestat_get", "sock_accept", "fd_close"} {
		f, _ := Lookup(ModuleWASI, name)
		stack := make([]uint64, len(f.Params))
		if err := f.Call(env, m, stack); err != nil || stack[0] == 0 {
			t.Fatalf("%s answered %d, %v; want an errno", name, stack[0], err)
		}
	}
	if _, ok := Lookup(ModuleWASI, "thread_spawn"); ok {
		t.Fatal("thread_spawn must not be served")
	}
}

// TestEnv_Use: Use records exactly the functions whose answers follow the round (random_get,
// the realtime clock) and every kind of output, and the monotonic clock's reading.
func TestEnv_Use(t *testing.T) {
	tests := []struct {
		name   string
		module string
		fn     string
		args   []uint64
		want   Use
	}{
		{"random", ModuleWASI, "random_get", []uint64{0, 8}, Use{Random: true}},
		{"realtime", ModuleWASI, "clock_time_get", []uint64{clockRealtime, 1, 0}, Use{Realtime: true}},
		{"monotonic", ModuleWASI, "clock_time_get", []uint64{clockMonotonic, 1, 0}, Use{Monotonic: monoStep}},
		{"sleep", ModuleWASI, "poll_oneoff", nil, Use{Monotonic: 5000}},
		{"stdout", ModuleWASI, "fd_write", []uint64{1, 0, 0, 32}, Use{Output: true}},
		{"log", ModuleSubnetd, "log", []uint64{1, 0, 2}, Use{Output: true}},
		{"abort", ModuleSubnetd, "abort", []uint64{0, 2}, Use{Output: true}},
		{"exit", ModuleWASI, "proc_exit", []uint64{0}, Use{Output: true}},
		{"args", ModuleWASI, "args_sizes_get", []uint64{0, 4}, Use{}},
		{"fdstat", ModuleWASI, "fd_fdstat_get", []uint64{1, 0}, Use{}},
		{"resolution", ModuleWASI, "clock_res_get", []uint64{0, 0}, Use{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := NewEnv(7, [32]byte{1}, nil)
			m := make(mem, 128)
			args := tc.args
			if tc.fn == "poll_oneoff" {
				// One relative clock subscription of 5000 ns at 0, events at 64, count at 120.
				binary.LittleEndian.PutUint64(m[24:], 5000)
				args = []uint64{0, 64, 1, 120}
			}
			_, _ = call(t, env, m, tc.module, tc.fn, args...)
			if got := env.Use(); got != tc.want {
				t.Fatalf("Use() = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestEnv_BeginStartup: during a start-up the clock reads 0 and random_get draws from the
// all-zero seed; afterwards the round's stream starts from its beginning, as if the start-up
// had drawn nothing, and the monotonic clock runs on.
func TestEnv_BeginStartup(t *testing.T) {
	seed := [32]byte{9, 9, 9}
	read := func(env *Env, m mem, n uint64) []byte {
		if _, err := call(t, env, m, ModuleWASI, "random_get", 0, n); err != nil {
			t.Fatal(err)
		}
		return append([]byte(nil), m[:n]...)
	}
	m := make(mem, 64)
	plain := NewEnv(5e18, seed, nil)
	roundBytes := read(plain, m, 16)
	zero := NewEnv(0, StartupSeed, nil)
	startupBytes := read(zero, m, 16)

	env := NewEnv(5e18, seed, nil)
	env.BeginStartup()
	if got := read(env, m, 16); string(got) != string(startupBytes) {
		t.Fatalf("start-up random %x, want the zero seed's %x", got, startupBytes)
	}
	if _, err := call(t, env, m, ModuleWASI, "clock_time_get", clockRealtime, 1, 32); err != nil || binary.LittleEndian.Uint64(m[32:]) != 0 {
		t.Fatalf("start-up realtime %d (%v), want 0", binary.LittleEndian.Uint64(m[32:]), err)
	}
	_, _ = call(t, env, m, ModuleWASI, "clock_time_get", clockMonotonic, 1, 32)
	env.EndStartup()
	if got := read(env, m, 16); string(got) != string(roundBytes) {
		t.Fatalf("round random %x after the start-up, want %x", got, roundBytes)
	}
	if _, err := call(t, env, m, ModuleWASI, "clock_time_get", clockRealtime, 1, 32); err != nil || binary.LittleEndian.Uint64(m[32:]) != 5e18 {
		t.Fatalf("realtime %d after the start-up, want the block time", binary.LittleEndian.Uint64(m[32:]))
	}
	if u := env.Use(); u.Monotonic != monoStep {
		t.Fatalf("monotonic %d after the start-up, want %d", u.Monotonic, monoStep)
	}
}
