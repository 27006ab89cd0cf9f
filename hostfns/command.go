package hostfns

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// ErrStdoutTooLarge stops a command scorer that wrote more to stdout than its output cap.
var ErrStdoutTooLarge = errors.New("stdout exceeds the output cap")

// Command is what a WASI command scorer sees beyond the clock and randomness: its arguments,
// environment, stdin, a stdout captured as its output, and one read-only directory.
type Command struct {
	// Args is argv, Args[0] the program name.
	Args []string
	// Environ holds KEY=VALUE entries.
	Environ []string
	// Stdin is what fd 0 reads.
	Stdin []byte
	// MaxStdout caps what the program may write to fd 1; past it the call stops with ErrStdoutTooLarge.
	MaxStdout int
	// Files is the read-only tree preopened at FilesDir (fd 3); nil means no preopen.
	Files *FS
	// FilesDir is the absolute guest path of the preopened directory.
	FilesDir string
}

// maxOpenFiles bounds the descriptor table of one instance.
const maxOpenFiles = 256

// maxGuestPath bounds a path a guest passes in.
const maxGuestPath = 4096

// FS is an immutable in-memory file tree: regular files and the directories their paths
// imply. It is shared by every instance of a scorer and never changes.
type FS struct {
	nodes map[string]*fsNode // by clean relative path; "." is the root
}

type fsNode struct {
	ino      uint64
	dir      bool
	data     []byte
	children []string // sorted names (directories only)
}

// NewFS builds an FS from slash-separated relative paths. It refuses unclean paths and a
// path that is both a file and a directory.
func NewFS(files map[string][]byte) (*FS, error) {
	fs := &FS{nodes: map[string]*fsNode{".": {dir: true}}}
	paths := slices.Sorted(func(yield func(string) bool) {
		for p := range files {
			if !yield(p) {
				return
			}
		}
	})
	for _, p := range paths {
		if p == "" || path.IsAbs(p) || path.Clean(p) != p || p == "." || p == ".." || strings.HasPrefix(p, "../") {
			return nil, fmt.Errorf("file path %q is not a clean relative path", p)
		}
		if n, ok := fs.nodes[p]; ok && n.dir {
			return nil, fmt.Errorf("file path %q is also a directory", p)
		}
		fs.nodes[p] = &fsNode{data: files[p]}
		child := p
		for {
			parent := path.Dir(child)
			pn, ok := fs.nodes[parent]
			if ok && !pn.dir {
				return nil, fmt.Errorf("file path %q is also a directory of %q", parent, p)
			}
			if !ok {
				pn = &fsNode{dir: true}
				fs.nodes[parent] = pn
			}
			name := path.Base(child)
			if !slices.Contains(pn.children, name) {
				pn.children = append(pn.children, name)
			}
			if ok || parent == "." {
				break
			}
			child = parent
		}
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for p := range fs.nodes {
			if !yield(p) {
				return
			}
		}
	})
	for i, k := range keys {
		n := fs.nodes[k]
		n.ino = uint64(i + 1)
		slices.Sort(n.children)
	}
	return fs, nil
}

// openFile is one entry of an instance's descriptor table.
type openFile struct {
	path    string // relative to the FS root
	node    *fsNode
	pos     int64
	preopen bool
}

// cmdState is the per-instance state of a command: stdin position, stdout, descriptors.
type cmdState struct {
	cmd    *Command
	stdin  int64
	stdout []byte
	fds    map[uint32]*openFile
	nextFD uint32
	argBuf []byte
	envBuf []byte
}

// SetCommand makes env serve a WASI command: args, environ, stdin, captured stdout and the
// preopened directory. Without it the WASI subset behaves as for a reactor (no args, no
// descriptors but stdout and stderr as log lines).
func (env *Env) SetCommand(c *Command) {
	s := &cmdState{cmd: c, fds: map[uint32]*openFile{}, nextFD: 4}
	if c.Files != nil {
		s.fds[3] = &openFile{path: ".", node: c.Files.nodes["."], preopen: true}
	}
	for _, a := range c.Args {
		s.argBuf = append(append(s.argBuf, a...), 0)
	}
	for _, e := range c.Environ {
		s.envBuf = append(append(s.envBuf, e...), 0)
	}
	env.cmd = s
}

// Stdout returns what a command wrote to fd 1.
func (env *Env) Stdout() []byte {
	if env.cmd == nil {
		return nil
	}
	return env.cmd.stdout
}

// WASI errnos of the file functions.
const (
	errnoExist       = 20
	errnoIsdir       = 31
	errnoMfile       = 33
	errnoNametoolong = 37
	errnoNoent       = 44
	errnoNotdir      = 54
	errnoRofs        = 69
	errnoSpipe       = 70
)

// WASI file types.
const (
	filetypeCharDevice = 2
	filetypeDirectory  = 3
	filetypeRegular    = 4
)

// WASI rights the read-only descriptors carry.
const (
	rightFdRead           = 1 << 1
	rightFdSeek           = 1 << 2
	rightFdTell           = 1 << 5
	rightFdWrite          = 1 << 6
	rightPathOpen         = 1 << 13
	rightFdReaddir        = 1 << 14
	rightPathFilestatGet  = 1 << 18
	rightFdFilestatGet    = 1 << 21
	fileRights            = rightFdRead | rightFdSeek | rightFdTell | rightFdFilestatGet
	dirRights             = rightPathOpen | rightFdReaddir | rightPathFilestatGet | rightFdFilestatGet
	oflagCreat, oflagDir  = 1, 2
	oflagExcl, oflagTrunc = 4, 8
	fdflagAppend          = 1
)

// listSizes serves args_sizes_get and environ_sizes_get for a command.
func listSizes(mem Memory, stack []uint64, n int, buf []byte) uint32 {
	if !mem.WriteUint32Le(uint32(stack[0]), uint32(n)) || !mem.WriteUint32Le(uint32(stack[1]), uint32(len(buf))) {
		return errnoFault
	}
	return errnoSuccess
}

// listGet serves args_get and environ_get: n pointers into a copy of buf (NUL-separated).
func listGet(mem Memory, stack []uint64, buf []byte) uint32 {
	ptrs, base := uint32(stack[0]), uint32(stack[1])
	if !mem.Write(base, buf) {
		return errnoFault
	}
	off := uint32(0)
	for k := 0; off < uint32(len(buf)); k++ {
		if !mem.WriteUint32Le(ptrs+4*uint32(k), base+off) {
			return errnoFault
		}
		for buf[off] != 0 {
			off++
		}
		off++
	}
	return errnoSuccess
}

func argsSizesGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	if env.cmd == nil {
		return writeTwoZeros(env, mem, stack)
	}
	return listSizes(mem, stack, len(env.cmd.cmd.Args), env.cmd.argBuf), nil
}

func argsGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	if env.cmd == nil {
		return errnoSuccess, nil
	}
	return listGet(mem, stack, env.cmd.argBuf), nil
}

func environSizesGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	if env.cmd == nil {
		return writeTwoZeros(env, mem, stack)
	}
	return listSizes(mem, stack, len(env.cmd.cmd.Environ), env.cmd.envBuf), nil
}

func environGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	if env.cmd == nil {
		return errnoSuccess, nil
	}
	return listGet(mem, stack, env.cmd.envBuf), nil
}

// iovecs calls f on each guest buffer of an iovec array until f stops early; it returns the
// total f reports and false when the array or a buffer is outside guest memory.
func iovecs(mem Memory, iovs, n uint32, f func([]byte) (int, bool)) (uint32, bool) {
	var total uint32
	for k := uint32(0); k < n; k++ {
		base, ok1 := mem.ReadUint32Le(iovs + 8*k)
		size, ok2 := mem.ReadUint32Le(iovs + 8*k + 4)
		if !ok1 || !ok2 {
			return 0, false
		}
		p, ok := mem.Read(base, size)
		if !ok {
			return 0, false
		}
		m, more := f(p)
		total += uint32(m)
		if !more {
			break
		}
	}
	return total, true
}

// fdRead reads stdin (fd 0) or an open file.
func fdRead(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, iovs, n, outN := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	var src []byte
	var pos *int64
	switch {
	case fd == 0:
		src, pos = env.cmd.cmd.Stdin, &env.cmd.stdin
	default:
		f, errno := env.cmd.file(fd)
		if errno != errnoSuccess {
			return errno, nil
		}
		src, pos = f.node.data, &f.pos
	}
	total, ok := iovecs(mem, iovs, n, func(p []byte) (int, bool) {
		if *pos >= int64(len(src)) {
			return 0, false
		}
		m := copy(p, src[*pos:])
		*pos += int64(m)
		return m, m == len(p)
	})
	if !ok {
		return errnoFault, nil
	}
	if !mem.WriteUint32Le(outN, total) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

// fdPread reads an open file at an offset, leaving its position alone.
func fdPread(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, iovs, n, off, outN := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), stack[3], uint32(stack[4])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	if fd == 0 {
		return errnoSpipe, nil
	}
	f, errno := env.cmd.file(fd)
	if errno != errnoSuccess {
		return errno, nil
	}
	pos := int64(min(off, uint64(len(f.node.data))))
	total, ok := iovecs(mem, iovs, n, func(p []byte) (int, bool) {
		m := copy(p, f.node.data[pos:])
		pos += int64(m)
		return m, m == len(p)
	})
	if !ok {
		return errnoFault, nil
	}
	if !mem.WriteUint32Le(outN, total) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

// file returns an open regular file.
func (s *cmdState) file(fd uint32) (*openFile, uint32) {
	f, ok := s.fds[fd]
	switch {
	case !ok:
		return nil, errnoBadf
	case f.node.dir:
		return nil, errnoIsdir
	}
	return f, errnoSuccess
}

func fdSeek(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, off, whence, out := uint32(stack[0]), int64(stack[1]), uint32(stack[2]), uint32(stack[3])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	if fd <= 2 {
		return errnoSpipe, nil
	}
	f, errno := env.cmd.file(fd)
	if errno != errnoSuccess {
		return errno, nil
	}
	var base int64
	switch whence {
	case 0:
	case 1:
		base = f.pos
	case 2:
		base = int64(len(f.node.data))
	default:
		return errnoInval, nil
	}
	np := base + off
	if np < 0 || (off > 0 && np < base) {
		return errnoInval, nil
	}
	f.pos = np
	if !mem.WriteUint64Le(out, uint64(np)) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

func fdTell(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, out := uint32(stack[0]), uint32(stack[1])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	if fd <= 2 {
		return errnoSpipe, nil
	}
	f, errno := env.cmd.file(fd)
	if errno != errnoSuccess {
		return errno, nil
	}
	if !mem.WriteUint64Le(out, uint64(f.pos)) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

func fdClose(env *Env, _ Memory, stack []uint64) (uint32, error) {
	fd := uint32(stack[0])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	if fd <= 2 {
		return errnoSuccess, nil
	}
	if _, ok := env.cmd.fds[fd]; !ok {
		return errnoBadf, nil
	}
	delete(env.cmd.fds, fd)
	return errnoSuccess, nil
}

// fdPrestatGet describes the one preopened directory, fd 3.
func fdPrestatGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, out := uint32(stack[0]), uint32(stack[1])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	f, ok := env.cmd.fds[fd]
	if !ok || !f.preopen {
		return errnoBadf, nil
	}
	b := make([]byte, 8) // tag 0 (directory), then the name's length
	b[4], b[5], b[6], b[7] = byte(len(env.cmd.cmd.FilesDir)), byte(len(env.cmd.cmd.FilesDir)>>8), byte(len(env.cmd.cmd.FilesDir)>>16), byte(len(env.cmd.cmd.FilesDir)>>24)
	if !mem.Write(out, b) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

func fdPrestatDirName(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, ptr, n := uint32(stack[0]), uint32(stack[1]), uint32(stack[2])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	f, ok := env.cmd.fds[fd]
	if !ok || !f.preopen {
		return errnoBadf, nil
	}
	name := env.cmd.cmd.FilesDir
	if int(n) < len(name) {
		return errnoNametoolong, nil
	}
	if !mem.Write(ptr, []byte(name)) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

// fdFdstatGetCmd describes a command's descriptors.
func fdFdstatGetCmd(env *Env, mem Memory, fd, out uint32) uint32 {
	stat := make([]byte, 24)
	switch fd {
	case 0:
		stat[0] = filetypeCharDevice
		putU64(stat[8:], rightFdRead)
	case 1, 2:
		stat[0] = filetypeCharDevice
		putU64(stat[8:], rightFdWrite)
	default:
		f, ok := env.cmd.fds[fd]
		if !ok {
			return errnoBadf
		}
		if f.node.dir {
			stat[0] = filetypeDirectory
			putU64(stat[8:], dirRights)
			putU64(stat[16:], dirRights|fileRights)
		} else {
			stat[0] = filetypeRegular
			putU64(stat[8:], fileRights)
		}
	}
	if !mem.Write(out, stat) {
		return errnoFault
	}
	return errnoSuccess
}

func putU64(b []byte, v uint64) {
	for i := range 8 {
		b[i] = byte(v >> (8 * i))
	}
}

// filestat writes the 64-byte filestat of n (or of a character device when n is nil).
func filestat(mem Memory, out uint32, n *fsNode) uint32 {
	st := make([]byte, 64)
	switch {
	case n == nil:
		st[16] = filetypeCharDevice
	case n.dir:
		putU64(st[8:], n.ino)
		st[16] = filetypeDirectory
	default:
		putU64(st[8:], n.ino)
		st[16] = filetypeRegular
		putU64(st[32:], uint64(len(n.data)))
	}
	putU64(st[24:], 1) // nlink; times stay 0 (the epoch), as in the archive
	if !mem.Write(out, st) {
		return errnoFault
	}
	return errnoSuccess
}

func fdFilestatGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, out := uint32(stack[0]), uint32(stack[1])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	if fd <= 2 {
		return filestat(mem, out, nil), nil
	}
	f, ok := env.cmd.fds[fd]
	if !ok {
		return errnoBadf, nil
	}
	return filestat(mem, out, f.node), nil
}

// resolve looks up a guest path relative to the directory open at fd. Absolute paths and
// paths that climb above the preopened root are refused (ENOTCAPABLE); nothing else exists.
func (s *cmdState) resolve(mem Memory, fd, ptr, n uint32) (string, *fsNode, uint32) {
	d, ok := s.fds[fd]
	if !ok {
		return "", nil, errnoBadf
	}
	if !d.node.dir {
		return "", nil, errnoNotdir
	}
	if n > maxGuestPath {
		return "", nil, errnoNametoolong
	}
	b, ok := mem.Read(ptr, n)
	if !ok {
		return "", nil, errnoFault
	}
	p := string(b)
	if strings.HasPrefix(p, "/") || strings.IndexByte(p, 0) >= 0 {
		return "", nil, errnoNotcapable
	}
	// Walk component by component so that "a/../.." cannot climb out even transiently.
	cur := d.path
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "", ".":
		case "..":
			if cur == "." {
				return "", nil, errnoNotcapable
			}
			cur = path.Dir(cur)
		default:
			cn, ok := s.cmd.Files.nodes[cur]
			if !ok {
				return "", nil, errnoNoent
			}
			if !cn.dir {
				return "", nil, errnoNotdir
			}
			cur = path.Join(cur, c)
		}
	}
	node, ok := s.cmd.Files.nodes[cur]
	if !ok {
		return cur, nil, errnoNoent
	}
	if strings.HasSuffix(p, "/") && !node.dir {
		return cur, nil, errnoNotdir
	}
	return cur, node, errnoSuccess
}

func pathFilestatGet(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, ptr, n, out := uint32(stack[0]), uint32(stack[2]), uint32(stack[3]), uint32(stack[4])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	_, node, errno := env.cmd.resolve(mem, fd, ptr, n)
	if errno != errnoSuccess {
		return errno, nil
	}
	return filestat(mem, out, node), nil
}

// pathOpen opens a file or directory read-only. Creating, truncating, appending or asking
// for the write right fails: the directory is read-only.
func pathOpen(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, ptr, n := uint32(stack[0]), uint32(stack[2]), uint32(stack[3])
	oflags, rights, fdflags, out := uint32(stack[4]), stack[5], uint32(stack[7]), uint32(stack[8])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	p, node, errno := env.cmd.resolve(mem, fd, ptr, n)
	switch {
	case errno == errnoNoent && oflags&oflagCreat != 0:
		return errnoRofs, nil
	case errno != errnoSuccess:
		return errno, nil
	case oflags&oflagCreat != 0 && oflags&oflagExcl != 0:
		return errnoExist, nil
	case oflags&(oflagCreat|oflagTrunc) != 0 || fdflags&fdflagAppend != 0:
		return errnoRofs, nil
	case rights&rightFdWrite != 0:
		if node.dir {
			return errnoIsdir, nil
		}
		return errnoRofs, nil
	case oflags&oflagDir != 0 && !node.dir:
		return errnoNotdir, nil
	}
	if len(env.cmd.fds) >= maxOpenFiles {
		return errnoMfile, nil
	}
	nfd := env.cmd.nextFD
	for env.cmd.fds[nfd] != nil {
		nfd++
	}
	if !mem.WriteUint32Le(out, nfd) {
		return errnoFault, nil
	}
	env.cmd.fds[nfd] = &openFile{path: p, node: node}
	env.cmd.nextFD = nfd + 1
	return errnoSuccess, nil
}

// fdReaddir lists a directory: entries sorted by name, cookie k resumes after the k-th.
func fdReaddir(env *Env, mem Memory, stack []uint64) (uint32, error) {
	fd, buf, bufLen, cookie, outN := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), stack[3], uint32(stack[4])
	if env.cmd == nil {
		return errnoBadf, nil
	}
	f, ok := env.cmd.fds[fd]
	if !ok {
		return errnoBadf, nil
	}
	if !f.node.dir {
		return errnoNotdir, nil
	}
	if _, ok := mem.Read(buf, bufLen); !ok {
		return errnoFault, nil
	}
	used := uint32(0)
	kids := f.node.children
	for k := cookie; k < uint64(len(kids)) && used < bufLen; k++ {
		name := kids[k]
		child := env.cmd.cmd.Files.nodes[path.Join(f.path, name)]
		ent := make([]byte, 24, 24+len(name))
		putU64(ent[0:], k+1)
		putU64(ent[8:], child.ino)
		ent[16], ent[17], ent[18], ent[19] = byte(len(name)), byte(len(name)>>8), 0, 0
		ent[20] = filetypeRegular
		if child.dir {
			ent[20] = filetypeDirectory
		}
		ent = append(ent, name...)
		// A last entry that does not fit is cut: the guest sees a full buffer and asks again.
		m := min(uint32(len(ent)), bufLen-used)
		if !mem.Write(buf+used, ent[:m]) {
			return errnoFault, nil
		}
		used += m
	}
	if !mem.WriteUint32Le(outN, used) {
		return errnoFault, nil
	}
	return errnoSuccess, nil
}

// readOnly answers a command's attempts to change the file tree: EROFS on a descriptor it
// has, EBADF otherwise (and EBADF for every descriptor of a reactor).
func readOnly(env *Env, _ Memory, stack []uint64) (uint32, error) {
	if env.cmd == nil {
		return errnoBadf, nil
	}
	if _, ok := env.cmd.fds[uint32(stack[0])]; ok {
		return errnoRofs, nil
	}
	return errnoBadf, nil
}

// writeStdout keeps what a command writes to fd 1, up to MaxStdout.
func (s *cmdState) writeStdout(p []byte) error {
	if len(s.stdout)+len(p) > s.cmd.MaxStdout {
		return fmt.Errorf("%w: more than %d bytes", ErrStdoutTooLarge, s.cmd.MaxStdout)
	}
	s.stdout = append(s.stdout, p...)
	return nil
}

// fdAdvise accepts advice on an open descriptor and ignores it.
func fdAdvise(env *Env, _ Memory, stack []uint64) (uint32, error) {
	if env.cmd == nil {
		return errnoBadf, nil
	}
	if _, ok := env.cmd.fds[uint32(stack[0])]; !ok {
		return errnoBadf, nil
	}
	return errnoSuccess, nil
}

// pathReadlink: there are no symbolic links, so an existing path is EINVAL (not a link).
func pathReadlink(env *Env, mem Memory, stack []uint64) (uint32, error) {
	if env.cmd == nil {
		return errnoBadf, nil
	}
	_, _, errno := env.cmd.resolve(mem, uint32(stack[0]), uint32(stack[1]), uint32(stack[2]))
	if errno != errnoSuccess {
		return errno, nil
	}
	return errnoInval, nil
}
