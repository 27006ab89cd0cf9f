package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/runtime"
)

func TestScreen(t *testing.T) {
	valid := rawScorer(`{"scores":[]}`, nil)
	tests := []struct {
		name string
		wasm []byte
		want error  // nil: accepted
		msg  string // substring of the error
	}{
		{name: "hand-written scorer", wasm: valid},
		{name: "not wasm", wasm: []byte("#!/bin/sh\necho hi\n"), want: runtime.ErrMalformed, msg: "magic"},
		{name: "empty", wasm: nil, want: runtime.ErrMalformed},
		{name: "truncated", wasm: valid[:len(valid)-7], want: runtime.ErrMalformed, msg: "cut short"},
		{name: "wrong version", wasm: append([]byte("\x00asm\x02\x00\x00\x00"), valid[8:]...), want: runtime.ErrMalformed, msg: "version"},
		{name: "50 MB module", wasm: append(bytes.Clone(valid), section(0, append(str("pad"), make([]byte, 50<<20)...))...), want: runtime.ErrModuleTooLarge, msg: "limit 16777216"},
		{name: "forbidden import", wasm: rawScorer(`{}`, func(m *wmod) {
			m.importFunc("env", "socket", m.typ(nil, []byte{i32}))
		}), want: runtime.ErrForbiddenImport, msg: "env.socket"},
		{name: "wasi import with wrong signature", wasm: rawScorer(`{}`, func(m *wmod) {
			m.importFunc("wasi_snapshot_preview1", "fd_write", m.typ([]byte{i32}, []byte{i32}))
		}), want: runtime.ErrForbiddenImport, msg: "fd_write imported as (i32) -> (i32)"},
		{name: "unknown wasi function", wasm: rawScorer(`{}`, func(m *wmod) {
			m.importFunc("wasi_snapshot_preview1", "thread_spawn", m.typ([]byte{i32}, []byte{i32}))
		}), want: runtime.ErrForbiddenImport, msg: "thread_spawn"},
		{name: "memory import", wasm: rawScorer(`{}`, func(m *wmod) {
			m.imports = append(m.imports, append(append(str("env"), str("memory")...), 0x02, 0x00, 0x01))
		}), want: runtime.ErrForbiddenImport, msg: "memory env.memory"},
		{name: "missing score", wasm: rawScorer(`{}`, func(m *wmod) { m.exports = m.exports[:2] }), want: runtime.ErrMissingExport, msg: "subnetd_score"},
		{name: "missing memory", wasm: rawScorer(`{}`, func(m *wmod) { m.exports = m.exports[1:] }), want: runtime.ErrMissingExport, msg: `"memory"`},
		{name: "mistyped score", wasm: rawScorer(`{}`, func(m *wmod) {
			m.exports[2] = append(append(str("subnetd_score"), 0), uleb(0)...) // alloc's (i32)->(i32)
		}), want: runtime.ErrExportType, msg: "subnetd_score"},
		{name: "shared memory", wasm: rawScorer(`{}`, func(m *wmod) { m.memory = []byte{0x03, 0x01, 0x10} }), want: runtime.ErrThreads, msg: "shared"},
		{name: "v128 in a signature", wasm: rawScorer(`{}`, func(m *wmod) { m.typ([]byte{v128}, nil) }), want: runtime.ErrSIMD, msg: "v128"},
		{name: "huge initial memory", wasm: rawScorer(`{}`, func(m *wmod) { m.memory = []byte{0x00, 0xd0, 0x0f} }), want: runtime.ErrMemoryTooLarge, msg: "2000 initial pages, limit 1024"},
		{name: "huge maximum memory", wasm: rawScorer(`{}`, func(m *wmod) { m.memory = []byte{0x01, 0x01, 0x80, 0x80, 0x04} }), want: runtime.ErrMemoryTooLarge, msg: "maximum of 65536"},
		{name: "data segments past the bytes", wasm: rawScorer(`{}`, func(m *wmod) {
			m.data, m.extra = nil, section(11, uleb(1<<32-1))
		}), want: runtime.ErrMalformed, msg: "4294967295 data segments, limit 100000"},
		{name: "data segment longer than its bytes", wasm: rawScorer(`{}`, func(m *wmod) {
			m.data = [][]byte{append([]byte{0x01}, uleb(1<<32-1)...)} // passive, 4 GiB
		}), want: runtime.ErrMalformed, msg: "data segment 0"},
		{name: "tables past the bytes", wasm: rawScorer(`{}`, func(m *wmod) { m.tables = uleb(1<<32 - 1) }), want: runtime.ErrMalformed, msg: "section 4: table 0"},
		{name: "too many tables", wasm: rawScorer(`{}`, func(m *wmod) {
			m.tables = vec(slices.Repeat([][]byte{{0x70, 0x00, 0x00}}, runtime.MaxTables+1))
		}), want: runtime.ErrTableTooLarge, msg: "9 tables, limit 8"},
		{name: "huge initial table", wasm: rawScorer(`{}`, func(m *wmod) {
			m.table = append([]byte{0x70, 0x00}, uleb(runtime.MaxTableEntries+1)...)
		}), want: runtime.ErrTableTooLarge, msg: "1048577 initial entries, limit 1048576"},
		{name: "too many functions", wasm: rawScorer(`{}`, func(m *wmod) {
			m.funcs = append(m.funcs, make([]uint32, runtime.MaxFunctions)...) // types only: screening stops there
		}), want: runtime.ErrTooMany, msg: "100002 functions, limit 100000"},
		{name: "too many globals", wasm: rawScorer(`{}`, func(m *wmod) {
			m.globals = slices.Repeat([][]byte{{i32, 0x00, 0x41, 0x00, 0x0b}}, runtime.MaxGlobals+1)
		}), want: runtime.ErrTooMany, msg: "100001 globals, limit 100000"},
		{name: "too many locals", wasm: rawScorer(`{}`, func(m *wmod) {
			// 21 functions of 49,000 i64 locals each: 1,029,000 in all (each within the meter's 50,000).
			for range 21 {
				m.funcs = append(m.funcs, 0)
				body := append(append([]byte{0x01}, uleb(49_000)...), i64, 0x0b)
				m.codes = append(m.codes, append(uleb(uint64(len(body))), body...))
			}
		}), want: runtime.ErrTooMany, msg: "1029000 locals in all, limit 1000000"},
		{name: "too many types", wasm: rawScorer(`{}`, func(m *wmod) {
			m.types = append(m.types, slices.Repeat([][]byte{functype(nil, nil)}, runtime.MaxTypes)...)
		}), want: runtime.ErrTooMany, msg: "100002 types, limit 100000"},
		{name: "too many exports", wasm: rawScorer(`{}`, func(m *wmod) {
			for i := range runtime.MaxExports {
				m.export(fmt.Sprintf("e%d", i), 0, 0)
			}
		}), want: runtime.ErrTooMany, msg: "100003 exports, limit 100000"},
		{name: "several causes at once", wasm: rawScorer(`{}`, func(m *wmod) {
			m.importFunc("env", "now", m.typ(nil, []byte{i64}))
			m.exports = m.exports[:1]
		}), want: runtime.ErrForbiddenImport, msg: "subnetd_alloc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := runtime.Screen(tc.wasm, runtime.Limits{})
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Screen: %v", err)
				}
				if info.SHA256 == "" || info.Size != len(tc.wasm) {
					t.Fatalf("info = %+v", info)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(err, runtime.ErrInvalidModule) {
				t.Fatalf("Screen error = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q should name %q on one line", err, tc.msg)
			}
		})
	}
}

// TestRuntime_Load_declaredCounts loads modules whose sections declare far more than they
// hold. wazero sets memory aside for every declared data segment and table before reading
// them: these few hundred bytes each made it ask for up to 256 GiB and killed the process
// ("fatal error: runtime: out of memory") before screening read those sections.
func TestRuntime_Load_declaredCounts(t *testing.T) {
	ctx := context.Background()
	bombs := map[string][]byte{
		"data segments": rawScorer(`{}`, func(m *wmod) { m.data, m.extra = nil, section(11, uleb(1<<32-1)) }),
		"data bytes":    rawScorer(`{}`, func(m *wmod) { m.data = [][]byte{append([]byte{0x01}, uleb(1<<32-1)...)} }),
		"tables":        rawScorer(`{}`, func(m *wmod) { m.tables = uleb(1<<32 - 1) }),
	}
	for _, eng := range benchEngines() {
		for name, wasm := range bombs {
			t.Run(fmt.Sprintf("%s/%s", eng, name), func(t *testing.T) {
				rt, err := runtime.New(ctx, runtime.Config{Engine: eng, CacheDir: t.TempDir()})
				if err != nil {
					t.Fatal(err)
				}
				defer rt.Close(ctx)
				if _, err := rt.Load(ctx, name, wasm); !errors.Is(err, runtime.ErrInvalidModule) {
					t.Fatalf("Load: %v, want ErrInvalidModule", err)
				}
			})
		}
	}
}

func TestRuntime_Load_refusesSIMDInstructions(t *testing.T) {
	// A v128.const inside a body passes the structural screen; the engine refuses it at compile.
	wasm := rawScorer(`{"scores":[]}`, func(m *wmod) {
		body := append([]byte{0xfd, 0x0c}, make([]byte, 16)...) // v128.const 0
		body = append(body, 0x1a)                               // drop
		m.fn(m.typ(nil, nil), body...)
	})
	ctx := context.Background()
	rt, err := runtime.New(ctx, runtime.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	_, err = rt.Load(ctx, "simd", wasm)
	if !errors.Is(err, runtime.ErrSIMD) && !errors.Is(err, runtime.ErrInvalidModule) {
		t.Fatalf("Load = %v, want a refusal", err)
	}
	if err == nil || !strings.Contains(err.Error(), "simd") {
		t.Fatalf("error %v should name the scorer", err)
	}
}

func FuzzScreen(f *testing.F) {
	f.Add(rawScorer(`{"scores":[]}`, nil))
	f.Add([]byte("\x00asm\x01\x00\x00\x00\x01\xff\xff\xff\xff\x0f"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = runtime.Screen(b, runtime.Limits{}) // must not panic
	})
}
