// Command hostile is a test scorer that misbehaves on request: the Round's challenge names the
// misbehaviour ({"mode":"loop"}). It speaks the raw ABI without the PDK so it can return
// anything at all. Built by the runtime tests; never shipped.
package main

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"time"
	"unsafe"
)

var in, out []byte

//go:wasmimport subnetd log
func hostLog(level int32, ptr unsafe.Pointer, size uint32)

//go:wasmimport subnetd abort
func hostAbort(ptr unsafe.Pointer, size uint32)

//go:wasmexport subnetd_alloc
func alloc(size int32) unsafe.Pointer {
	in = make([]byte, size+1)
	return unsafe.Pointer(&in[0])
}

type round struct {
	Challenge struct {
		Mode string `json:"mode"`
	} `json:"challenge"`
	Miners []struct {
		UID int `json:"uid"`
	} `json:"miners"`
}

var sink [][]byte

//go:noinline
func recurse(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	return recurse(n+1) + int(pad[3])
}

//go:wasmexport subnetd_score
func score(ptr unsafe.Pointer, size int32) int64 {
	var r round
	if err := json.Unmarshal(unsafe.Slice((*byte)(ptr), size), &r); err != nil {
		return text("bad round: " + err.Error())
	}
	first := 0
	if len(r.Miners) > 0 {
		first = r.Miners[0].UID
	}
	switch r.Challenge.Mode {
	case "loop":
		for {
		}
	case "recurse":
		return int64(recurse(0))
	case "trap":
		var p *int
		return int64(*p)
	case "membomb":
		for {
			sink = append(sink, make([]byte, 1<<20))
		}
	case "hugealloc":
		sink = append(sink, make([]byte, 1<<30))
		return text(`{"scores":[]}`)
	case "bigout":
		return int64(uintptr(unsafe.Pointer(&in[0])))<<32 | 64<<20
	case "oob":
		return int64(0x7fff0000)<<32 | 4096
	case "malformed":
		return text(`{"scores":[{"uid":`)
	case "nan":
		return text(fmt.Sprintf(`{"scores":[{"uid":%d,"score":NaN}]}`, first))
	case "inf":
		return text(fmt.Sprintf(`{"scores":[{"uid":%d,"score":1e999}]}`, first))
	case "neg":
		return text(fmt.Sprintf(`{"scores":[{"uid":%d,"score":-0.5}]}`, first))
	case "unknown":
		return text(`{"scores":[{"uid":60000,"score":1}]}`)
	case "dup":
		return text(fmt.Sprintf(`{"scores":[{"uid":%d,"score":1},{"uid":%d,"score":2}]}`, first, first))
	case "logflood":
		line := []byte(strings.Repeat("x", 5000))
		for i := 0; i < 100000; i++ {
			hostLog(1, unsafe.Pointer(&line[0]), uint32(len(line)))
			fmt.Println("stdout line", i)
		}
		return text(`{"scores":[]}`)
	case "abort":
		msg := []byte("cannot score this round")
		hostAbort(unsafe.Pointer(&msg[0]), uint32(len(msg)))
		return 0
	case "exit":
		os.Exit(3)
	case "clock":
		// Reads the clock and random numbers; the host pins both, so the output is stable.
		now := time.Now()
		t0 := time.Now()
		time.Sleep(10 * time.Millisecond)
		el := time.Since(t0)
		var rb [8]byte
		_, _ = rand.Read(rb[:])
		m := map[int]int{}
		for i := 0; i < 32; i++ {
			m[i] = i
		}
		order := 0
		for k := range m {
			order = order*31 + k
		}
		return text(fmt.Sprintf(`{"scores":[{"uid":%d,"score":%d}],"state":"%s"}`, first, now.UnixMilli()%1000,
			b64(fmt.Sprintf("%d|%d|%x|%d|%d", now.UnixNano(), el, rb, rand.Int63(), order))))
	}
	return text(fmt.Sprintf(`{"scores":[{"uid":%d,"score":1}]}`, first))
}

func b64(s string) string {
	b, _ := json.Marshal([]byte(s))
	return string(b[1 : len(b)-1])
}

func text(s string) int64 {
	out = []byte(s)
	return int64(uintptr(unsafe.Pointer(&out[0])))<<32 | int64(len(out))
}

func main() {}
