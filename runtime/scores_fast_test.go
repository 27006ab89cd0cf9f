package runtime

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// sameValidation checks that ValidateScores (fast path first) gives exactly what the general
// path gives: the same Scores and state, or the same error.
func sameValidation(t *testing.T, out []byte, uids []uint16, maxState int) {
	t.Helper()
	got, gotErr := ValidateScores(out, uids, maxState)
	want, wantErr := validateScores(out, uids, maxState)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
		t.Fatalf("message %q:\nfast  %+v, %v\nslow  %+v, %v", out, got, gotErr, want, wantErr)
	}
}

// randomScores writes a Scores message the way a kit might, with random spacing, key order,
// number forms and state; some entries break a rule.
func randomScores(r *rand.Rand, uids []uint16) []byte {
	sp := func() string { return []string{"", "", " ", "\n  ", "\t"}[r.IntN(5)] }
	var b strings.Builder
	b.WriteString(sp() + "{" + sp())
	state := func() {
		st := make([]byte, r.IntN(40))
		for i := range st {
			st[i] = byte(r.Uint32())
		}
		fmt.Fprintf(&b, `"state"%s:%s%q`, sp(), sp(), base64.StdEncoding.EncodeToString(st))
	}
	if r.IntN(3) == 0 {
		state()
		b.WriteString("," + sp())
	}
	b.WriteString(`"scores"` + sp() + ":" + sp() + "[")
	n := r.IntN(len(uids) + 2)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString("," + sp())
		}
		u := uids[r.IntN(len(uids))]
		if r.IntN(50) == 0 {
			u = 9999 // not in the round
		}
		var score string
		switch r.IntN(8) {
		case 0:
			score = strconv.FormatFloat(r.Float64(), 'e', -1, 64)
		case 1:
			score = strconv.Itoa(r.IntN(100))
		case 2:
			score = "-0"
		case 3:
			score = []string{"-1", "1e400", "NaN", `"1"`, "1.", "01", "0.5E+3", "2E-3"}[r.IntN(8)]
		default:
			score = strconv.FormatFloat(r.Float64()*100, 'g', -1, 64)
		}
		uid := strconv.Itoa(int(u))
		if r.IntN(60) == 0 {
			uid = []string{"-1", "1.0", "65536", `"3"`, "007", "1e2"}[r.IntN(6)]
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, `{"uid"%s:%s%s,%s"score":%s}`, sp(), sp(), uid, sp(), score)
		} else {
			fmt.Fprintf(&b, `{%s"score":%s%s,"uid":%s%s}`, sp(), sp(), score, uid, sp())
		}
	}
	b.WriteString(sp() + "]")
	if r.IntN(3) == 0 {
		b.WriteString("," + sp())
		state()
	}
	b.WriteString(sp() + "}" + sp())
	return []byte(b.String())
}

// mutate damages a message the ways a buggy or hostile scorer might.
func mutate(r *rand.Rand, m []byte) []byte {
	m = bytes.Clone(m)
	switch r.IntN(8) {
	case 0:
		if len(m) > 0 {
			const junk = "{}[],:\"\\0aZ \x00\xff"
			m[r.IntN(len(m))] = junk[r.IntN(len(junk))]
		}
	case 1:
		m = m[:r.IntN(len(m)+1)]
	case 2:
		m = bytes.Replace(m, []byte(`"uid"`), []byte(`"UID"`), 1)
	case 3:
		m = bytes.Replace(m, []byte(`"scores"`), []byte(`"extra":1,"scores"`), 1)
	case 4:
		m = bytes.Replace(m, []byte(`"score":`), []byte(`"score":1,"score":`), 1)
	case 5:
		m = append(m, `{"scores":[]}`...)
	case 6:
		m = bytes.Replace(m, []byte(`"state":"`), []byte(`"state":"\u0041`), 1)
	case 7:
		m = bytes.Replace(m, []byte(`[`), []byte(`null,"scores":[`), 1)
	}
	return m
}

func TestValidateScores_fastPathEqualsGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 20000; k++ {
		uids := make([]uint16, 1+r.IntN(12))
		for i := range uids {
			uids[i] = uint16(r.IntN(300))
		}
		m := randomScores(r, uids)
		maxState := []int{1 << 20, 10}[r.IntN(2)]
		sameValidation(t, m, uids, maxState)
		sameValidation(t, mutate(r, m), uids, maxState)
	}
	for _, m := range []string{
		``, `{}`, `[]`, `null`, `{"scores":null}`, `{"scores":[]}`, `{"scores":[],"state":""}`, `{"scores":[],"state":null}`,
		`{"scores":[{"uid":1,"score":0.5}]}`, `{"scores":[{"uid":1,"score":0.5},{"uid":1,"score":0.5}]}`,
		`{"scores":[{"uid":1,"score":0.5}],"scores":[{"uid":2,"score":1}]}`, `{"Scores":[{"uid":1,"score":0.5}]}`,
		`{"scores":[{"uid":1}]}`, `{"scores":[{"score":1}]}`, `{"scores":[{"uid":1,"score":NaN}]}`,
		`{"scores":[{"uid":1,"score":1}],"state":"AAAA"}`, `{"scores":[{"uid":1,"score":1}],"state":"AAA"}`,
		`{"scores":[{"uid":2,"score":1},{"uid":1,"score":2}]} `, `{"scores":[{"uid":1,"score":1}]}x`,
		`{"scores":[{"uid":1,"score":1e308},{"uid":2,"score":4.9e-324}]}`,
	} {
		sameValidation(t, []byte(m), []uint16{1, 2}, 2)
	}
}

func FuzzValidateScores_fastPath(f *testing.F) {
	f.Add([]byte(`{"scores":[{"uid":1,"score":0.5}],"state":"AAAA"}`))
	f.Add([]byte(`{"scores":[{"score":1,"uid":2},{"uid":1,"score":-0}]}`))
	f.Add([]byte(`{"scores":[{"uid":1,"score":1}],"scores":[]}`))
	f.Fuzz(func(t *testing.T, m []byte) {
		sameValidation(t, m, []uint16{0, 1, 2, 3, math.MaxUint16}, 64)
	})
}

// BenchmarkValidateScores: the fast path against the general one on a 4096-miner Scores message
// with a 250 KB state, as the quality scorer writes.
func BenchmarkValidateScores(b *testing.B) {
	uids := make([]uint16, 4096)
	var m bytes.Buffer
	m.WriteString(`{"scores":[`)
	for i := range uids {
		uids[i] = uint16(i)
		if i > 0 {
			m.WriteByte(',')
		}
		fmt.Fprintf(&m, `{"uid":%d,"score":%s}`, i, strconv.FormatFloat(float64(i)/4096*0.987654321, 'g', -1, 64))
	}
	st := bytes.Repeat([]byte("state of a miner, an ema: 0.123456789;"), 4096)
	fmt.Fprintf(&m, `],"state":%q}`, base64.StdEncoding.EncodeToString(st))
	msg := m.Bytes()
	var fast, slow float64
	b.Run("general", func(b *testing.B) {
		for b.Loop() {
			if _, err := validateScores(msg, uids, 1<<20); err != nil {
				b.Fatal(err)
			}
		}
		slow = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			if _, ok := fastScores(msg, uids, 1<<20); !ok {
				b.Fatal("fast path refused the message")
			}
		}
		fast = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		if slow > 0 {
			b.ReportMetric(slow/fast, "x-vs-general")
		}
	})
}
