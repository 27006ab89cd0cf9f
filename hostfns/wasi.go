package hostfns

import (
	"encoding/binary"
	"maps"
	"slices"
)

// WASI preview 1 errno values this subset answers with.
const (
	errnoSuccess    = 0
	errnoBadf       = 8
	errnoFault      = 21
	errnoInval      = 28
	errnoNosys      = 52
	errnoNotcapable = 76
)

// WASI clock ids.
const (
	clockRealtime         = 0
	clockMonotonic        = 1
	clockProcessCPUTimeID = 2
	clockThreadCPUTimeID  = 3
)

// maxRandomBytes caps one random_get call, so a guest cannot make the host allocate without bound.
const maxRandomBytes = 1 << 20

// wasiFuncs is the deterministic WASI subset. Every preview 1 function is present, so any
// toolchain's imports resolve; only clocks, random, stdout/stderr, poll (clock sleeps),
// sched_yield, proc_exit and the empty args/environ do something. Files, directories and
// sockets answer EBADF or ENOTCAPABLE, exactly as a process with no preopened directory.
func wasiFuncs() []Func {
	i, l := I32, I64
	fs := []Func{
		wasi("args_get", []ValType{i, i}, argsGet),
		wasi("args_sizes_get", []ValType{i, i}, argsSizesGet),
		wasi("environ_get", []ValType{i, i}, environGet),
		wasi("environ_sizes_get", []ValType{i, i}, environSizesGet),
		wasi("clock_res_get", []ValType{i, i}, clockResGet),
		wasi("clock_time_get", []ValType{i, l, i}, clockTimeGet),
		wasi("fd_write", []ValType{i, i, i, i}, fdWrite),
		wasi("fd_fdstat_get", []ValType{i, i}, fdFdstatGet),
		wasi("poll_oneoff", []ValType{i, i, i, i}, pollOneoff),
		wasi("random_get", []ValType{i, i}, randomGet),
		wasi("sched_yield", nil, func(*Env, Memory, []uint64) (uint32, error) { return errnoSuccess, nil }),
		{Module: ModuleWASI, Name: "proc_exit", Params: []ValType{i}, Call: procExit},
		wasi("proc_raise", []ValType{i}, answer(errnoNosys)),
		// The read-only directory and stdin of a command (EBADF for a reactor, which has neither).
		wasi("fd_close", []ValType{i}, fdClose),
		wasi("fd_filestat_get", []ValType{i, i}, fdFilestatGet),
		wasi("fd_pread", []ValType{i, i, i, l, i}, fdPread),
		wasi("fd_prestat_get", []ValType{i, i}, fdPrestatGet),
		wasi("fd_prestat_dir_name", []ValType{i, i, i}, fdPrestatDirName),
		wasi("fd_read", []ValType{i, i, i, i}, fdRead),
		wasi("fd_readdir", []ValType{i, i, i, l, i}, fdReaddir),
		wasi("fd_seek", []ValType{i, l, i, i}, fdSeek),
		wasi("fd_tell", []ValType{i, i}, fdTell),
		wasi("path_filestat_get", []ValType{i, i, i, i, i}, pathFilestatGet),
		wasi("path_open", []ValType{i, i, i, i, i, l, l, i, i}, pathOpen),
		wasi("fd_advise", []ValType{i, l, l, i}, fdAdvise),
		wasi("path_readlink", []ValType{i, i, i, i, i, i}, pathReadlink),
	}
	// Everything that would change a file: EROFS on a command's descriptor, else no such descriptor.
	badf := map[string][]ValType{
		"fd_allocate":             {i, l, l},
		"fd_datasync":             {i},
		"fd_fdstat_set_flags":     {i, i},
		"fd_fdstat_set_rights":    {i, l, l},
		"fd_filestat_set_size":    {i, l},
		"fd_filestat_set_times":   {i, l, l, i},
		"fd_pwrite":               {i, i, i, l, i},
		"fd_renumber":             {i, i},
		"fd_sync":                 {i},
		"path_create_directory":   {i, i, i},
		"path_filestat_set_times": {i, i, i, i, l, l, i},
		"path_link":               {i, i, i, i, i, i, i},
		"path_remove_directory":   {i, i, i},
		"path_rename":             {i, i, i, i, i, i},
		"path_symlink":            {i, i, i, i, i},
		"path_unlink_file":        {i, i, i},
	}
	for _, name := range sortedKeys(badf) {
		fs = append(fs, wasi(name, badf[name], readOnly))
	}
	// Sockets: not a capability a scorer has.
	sock := map[string][]ValType{
		"sock_accept":   {i, i, i},
		"sock_recv":     {i, i, i, i, i, i},
		"sock_send":     {i, i, i, i, i},
		"sock_shutdown": {i, i},
	}
	for _, name := range sortedKeys(sock) {
		fs = append(fs, wasi(name, sock[name], answer(errnoNotcapable)))
	}
	return fs
}

// wasi builds a preview 1 function returning an errno (i32).
func wasi(name string, params []ValType, body func(env *Env, mem Memory, stack []uint64) (uint32, error)) Func {
	return Func{
		Module: ModuleWASI, Name: name, Params: params, Results: []ValType{I32},
		Call: func(env *Env, mem Memory, stack []uint64) error {
			errno, err := body(env, mem, stack)
			stack[0] = uint64(errno)
			return err
		},
	}
}

func answer(errno uint32) func(*Env, Memory, []uint64) (uint32, error) {
	return func(*Env, Memory, []uint64) (uint32, error) { return errno, nil }
}

func sortedKeys(m map[string][]ValType) []string { return slices.Sorted(maps.Keys(m)) }

// writeTwoZeros serves args_sizes_get and environ_sizes_get: zero entries, zero bytes.
func writeTwoZeros(_ *Env, mem Memory, stack []uint64) (uint32, error) {
	if !mem.WriteUint32Le(uint32(stack[0]), 0) || !mem.WriteUint32Le(uint32(stack[1]), 0) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

func clockResGet(_ *Env, mem Memory, stack []uint64) (uint32, error) {
	id, out := uint32(stack[0]), uint32(stack[1])
	if id > clockThreadCPUTimeID {
		return errnoInval, nil
	}
	if !mem.WriteUint64Le(out, monoStep) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

// clockTimeGet: the realtime clock is the round's block time; the monotonic and CPU clocks
// start at zero and advance monoStep nanoseconds per read, so time "passes" identically on
// every run.
func clockTimeGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	id, out := uint32(stack[0]), uint32(stack[2])
	var v uint64
	switch id {
	case clockRealtime:
		env.use.Realtime = true
		v = uint64(env.BlockTimeNs)
	case clockMonotonic, clockProcessCPUTimeID, clockThreadCPUTimeID:
		env.mono += monoStep
		v = env.mono
	default:
		return errnoInval, nil
	}
	if !mem.WriteUint64Le(out, v) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

func randomGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	env.use.Random = true
	ptr, n := uint32(stack[0]), uint32(stack[1])
	if n > maxRandomBytes {
		return errnoInval, nil
	}
	buf, ok := mem.Read(ptr, n)
	if !ok {
		return errnoFault, nil
	}
	_, _ = env.rng.Read(buf)
	return errnoSuccess, nil
}

// fdWrite captures stdout and stderr as log lines; other descriptors do not exist.
func fdWrite(env *Env, mem Memory, stack []uint64) (uint32, error) {
	env.use.Output = true
	fd, iovs, iovsLen, outN := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if fd != 1 && fd != 2 {
		return errnoBadf, nil // stdin and the files are read-only; nothing else exists
	}
	var total uint32
	for k := uint32(0); k < iovsLen; k++ {
		base, ok1 := mem.ReadUint32Le(iovs + 8*k)
		size, ok2 := mem.ReadUint32Le(iovs + 8*k + 4)
		if !ok1 || !ok2 {
			return errnoFault, nil
		}
		p, ok := mem.Read(base, size)
		if !ok {
			return errnoFault, nil
		}
		if fd == 1 && env.cmd != nil {
			if err := env.cmd.writeStdout(p); err != nil {
				return errnoSuccess, err
			}
		} else {
			env.Log.write(int(fd), p)
		}
		total += size
	}
	if !mem.WriteUint32Le(outN, total) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

// fdFdstatGet describes stdout and stderr as write-only character devices; nothing else exists.
func fdFdstatGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, out := uint32(stack[0]), uint32(stack[1])
	if env.cmd != nil {
		return fdFdstatGetCmd(env, mem, fd, out), nil
	}
	if fd != 1 && fd != 2 {
		return errnoBadf, nil
	}
	stat := make([]byte, 24)
	stat[0] = 2      // filetype: character device
	stat[8] = 1 << 6 // rights_base: fd_write
	if !mem.Write(out, stat) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

// pollOneoff answers clock subscriptions at once, advancing the monotonic clock by the
// requested timeout (a sleep costs no wall time and is the same on every run); descriptor
// subscriptions get EBADF events.
func pollOneoff(env *Env, mem Memory, stack []uint64) (uint32, error) {
	in, out, nsubs, outN := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if nsubs == 0 {
		return errnoInval, nil
	}
	const subSize, evSize = 48, 32
	var advance uint64
	for k := uint32(0); k < nsubs; k++ {
		sub, ok := mem.Read(in+k*subSize, subSize)
		if !ok {
			return errnoFault, nil
		}
		ev := make([]byte, evSize)
		copy(ev[0:8], sub[0:8]) // userdata
		tag := sub[8]
		ev[10] = tag
		switch tag {
		case 0: // clock
			timeout := binary.LittleEndian.Uint64(sub[24:32])
			flags := binary.LittleEndian.Uint16(sub[40:42])
			if flags&1 == 1 { // absolute
				if timeout > env.mono {
					timeout -= env.mono
				} else {
					timeout = 0
				}
			}
			advance = max(advance, timeout)
		default: // fd_read, fd_write: no descriptors here
			ev[8] = errnoBadf
		}
		if !mem.Write(out+k*evSize, ev) {
			return errnoFault, nil
		}
	}
	env.mono += advance
	if !mem.WriteUint32Le(outN, nsubs) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

func procExit(env *Env, _ Memory, stack []uint64) error {
	env.use.Output = true
	return &ExitError{Code: uint32(stack[0])}
}
