package report

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/subnetd/subnetd/records"
)

// sectionOf returns the HTML of the page's section for a subnet.
func sectionOf(t *testing.T, html string, netuid uint16) string {
	t.Helper()
	start := strings.Index(html, `<section data-netuid="`+strconv.Itoa(int(netuid))+`"`)
	if start < 0 {
		t.Fatalf("no section for subnet %d", netuid)
	}
	end := strings.Index(html[start:], "</section>")
	return html[start : start+end]
}

func cell(t *testing.T, sec, key string) string {
	t.Helper()
	m := regexp.MustCompile(`data-k="` + key + `">([^<]*)<`).FindStringSubmatch(sec)
	if m == nil {
		t.Fatalf("no %s on the page", key)
	}
	return m[1]
}

var latestRowRE = regexp.MustCompile(`<tr data-uid="(\d+)"><td>\d+</td><td data-k="score">([^<]*)</td><td data-k="weight">([^<]*)</td><td data-k="incentive">([^<]*)</td>`)

// checkSection compares a section's numbers with what was recorded.
func checkSection(t *testing.T, sec string, ws []want, preview bool) {
	t.Helper()
	var counts [3]int
	last := -1
	for i, w := range ws {
		counts[w.Outcome]++
		if w.Scores != nil {
			last = i
		}
	}
	for o, k := range []string{"ok", "scorer_error", "chain_error"} {
		if got := cell(t, sec, k); got != strconv.Itoa(counts[o]) {
			t.Errorf("%s rounds: page %s, recorded %d", k, got, counts[o])
		}
	}
	if got := cell(t, sec, "rounds"); got != strconv.Itoa(len(ws)) {
		t.Errorf("rounds: page %s, recorded %d", got, len(ws))
	}
	lw := ws[last]
	if !strings.Contains(sec, `data-block="`+strconv.FormatUint(lw.Block, 10)+`"`) {
		t.Errorf("last scored round is not block %d", lw.Block)
	}
	rows := latestRowRE.FindAllStringSubmatch(sec, -1)
	if len(rows) != len(lw.Scores) {
		t.Fatalf("latest table has %d miners, recorded %d", len(rows), len(lw.Scores))
	}
	for _, r := range rows {
		uid, _ := strconv.Atoi(r[1])
		score, err := strconv.ParseFloat(r[2], 64)
		if err != nil || score != lw.Scores[uid] {
			t.Errorf("uid %d score: page %q, recorded %v", uid, r[2], lw.Scores[uid])
		}
		if r[3] != strconv.Itoa(int(lw.Weights[uid])) {
			t.Errorf("uid %d weight: page %q, recorded %d", uid, r[3], lw.Weights[uid])
		}
		if preview {
			inc, err := strconv.ParseFloat(r[4], 64)
			if err != nil || inc != lw.Incentive[uid] {
				t.Errorf("uid %d incentive: page %q, recorded %v", uid, r[4], lw.Incentive[uid])
			}
		}
	}
	if preview {
		if got := cell(t, sec, "vtrust"); got != strconv.FormatFloat(lw.VTrust, 'g', -1, 64) {
			t.Errorf("validator trust: page %s, recorded %v", got, lw.VTrust)
		}
		if got := cell(t, sec, "dividends"); got != strconv.FormatFloat(lw.Dividends, 'g', -1, 64) {
			t.Errorf("dividends: page %s, recorded %v", got, lw.Dividends)
		}
	}
}

func TestWrite_NumbersMatchRecords(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "records.db")
	specs := []spec{
		{Netuid: 1, Hotkey: "5Validator1", Rounds: 120, Miners: 6, Block0: 1000, Seed: 1, Preview: true},
		{Netuid: 3, Hotkey: "5Validator3", Rounds: 40, Miners: 4, Block0: 5000, Seed: 2},
	}
	wants := buildDB(t, db, specs...)
	path, err := Write(context.Background(), Options{Records: db, Out: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "out", "index.html") {
		t.Errorf("path %s", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	for i, s := range specs {
		checkSection(t, sectionOf(t, html, s.Netuid), wants[i], s.Preview)
	}
	// Movers: the top gainer's first and last incentive are the recorded ones.
	sec := sectionOf(t, html, 1)
	m := regexp.MustCompile(`<tr data-uid="(\d+)"><td>gained</td><td>\d+</td><td>([^<]*)</td><td>([^<]*)</td>`).FindStringSubmatch(sec)
	if m == nil {
		t.Fatal("no gainer listed")
	}
	uid, _ := strconv.Atoi(m[1])
	ws := wants[0]
	first, last := ws[0].Incentive[uid], ws[len(ws)-1].Incentive
	if ws[len(ws)-1].Incentive == nil {
		for i := len(ws) - 1; i >= 0; i-- {
			if ws[i].Incentive != nil {
				last = ws[i].Incentive
				break
			}
		}
	}
	if m[2] != strconv.FormatFloat(first, 'g', -1, 64) || m[3] != strconv.FormatFloat(last[uid], 'g', -1, 64) {
		t.Errorf("gainer uid %d: page %s → %s, recorded %v → %v", uid, m[2], m[3], first, last[uid])
	}
	for _, w := range []string{"Score per miner", "Emitted weight per miner", "Previewed incentive", "Validator trust",
		"Round outcomes", "Gas per round", "1.1.0"} {
		if !strings.Contains(html, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Contains(html, "http://") && !strings.Contains(html, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("page references a URL")
	}
	for _, bad := range []string{"<script", "src=\"http", "href=\"http", "@import", "url(http"} {
		if strings.Contains(html, bad) {
			t.Errorf("page is not self-contained: has %q", bad)
		}
	}
}

func TestWrite_Filter(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "records.db")
	buildDB(t, db,
		spec{Netuid: 1, Hotkey: "5V1", Rounds: 30, Miners: 3, Block0: 100, Seed: 1},
		spec{Netuid: 2, Hotkey: "5V2", Rounds: 30, Miners: 3, Block0: 100, Seed: 2})
	tests := []struct {
		name   string
		f      Filter
		rounds map[uint16]int
		err    error
	}{
		{"all", Filter{}, map[uint16]int{1: 30, 2: 30}, nil},
		{"netuid", Filter{Netuid: 2, HasNetuid: true}, map[uint16]int{2: 30}, nil},
		{"blocks", Filter{From: 150, To: 199}, map[uint16]int{1: 5, 2: 5}, nil},
		{"from only", Filter{From: 380}, map[uint16]int{1: 2, 2: 2}, nil},
		{"nothing", Filter{Netuid: 9, HasNetuid: true}, nil, ErrNoRounds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs, err := Load(context.Background(), db, tt.f)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v, want %v", err, tt.err)
			}
			got := map[uint16]int{}
			for _, h := range hs {
				got[h.Netuid] = len(h.Rounds)
			}
			if tt.err == nil && len(got) != len(tt.rounds) {
				t.Fatalf("subnets %v, want %v", got, tt.rounds)
			}
			for k, v := range tt.rounds {
				if got[k] != v {
					t.Errorf("subnet %d: %d rounds, want %d", k, got[k], v)
				}
			}
		})
	}
}

func TestWrite_BadDatabase(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	db, err := records.Open(context.Background(), empty)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a database, just some words that are long enough to matter\n"), 0o644)
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.db"), "no such file"},
		{"directory", dir, "not a regular file"},
		{"empty", empty, "no rounds recorded"},
		{"not sqlite", text, "records"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+tt.name)
			_, err := Write(context.Background(), Options{Records: tt.path, Out: out})
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err %v, want one line with %q", err, tt.want)
			}
			if _, err := os.Stat(filepath.Join(out, "index.html")); err == nil {
				t.Error("a page was written anyway")
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "nope.db")); err == nil {
		t.Error("reading a missing database created it")
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestWrite_ReadOnly: a report never changes the database, also while a writer appends to it.
func TestWrite_ReadOnly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "records.db")
	buildDB(t, path, spec{Netuid: 1, Hotkey: "5V", Rounds: 50, Miners: 5, Block0: 10, Seed: 3, Preview: true})
	before := fileSum(t, path)
	if _, err := Write(context.Background(), Options{Records: path, Out: filepath.Join(dir, "a")}); err != nil {
		t.Fatal(err)
	}
	if fileSum(t, path) != before {
		t.Fatal("writing a report changed the database file")
	}

	// The daemon writing: a writer appends rounds while reports are made.
	ctx := context.Background()
	w, err := records.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	more, _ := synth(spec{Netuid: 2, Hotkey: "5W", Rounds: 60, Miners: 5, Block0: 10, Seed: 4})
	var wg sync.WaitGroup
	wg.Add(1)
	var werr error
	go func() {
		defer wg.Done()
		for _, r := range more {
			if werr = w.Append(ctx, r); werr != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	for i := range 3 {
		hs, err := Load(ctx, path, Filter{})
		if err != nil {
			t.Fatalf("report %d while writing: %v", i, err)
		}
		if len(hs[0].Rounds) != 50 {
			t.Errorf("report %d: subnet 1 has %d rounds, want 50", i, len(hs[0].Rounds))
		}
	}
	wg.Wait()
	if werr != nil {
		t.Fatalf("writer failed while reports were read: %v", werr)
	}
	hs, err := Load(ctx, path, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 2 || len(hs[1].Rounds) != 60 {
		t.Fatalf("after writing: %d subnets, want the 60 new rounds visible", len(hs))
	}
	n, err := w.Count(ctx)
	if err != nil || n != 110 {
		t.Fatalf("count %d, %v; want 110", n, err)
	}
}

func TestBuckets_Reduce(t *testing.T) {
	nan := func() float64 { var z float64; return z / z }()
	tests := []struct {
		name string
		v    []float64
		cols int
		want []Stat
	}{
		{"one per bucket", []float64{1, 2}, 5, []Stat{{1, 1, 1, 1}, {2, 2, 2, 1}}},
		{"pairs", []float64{1, 3, 2, 6}, 2, []Stat{{1, 3, 2, 2}, {2, 6, 4, 2}}},
		{"uneven", []float64{1, 2, 3, 4, 5}, 2, []Stat{{1, 2, 1.5, 2}, {3, 5, 4, 3}}},
		{"nan skipped", []float64{nan, 4, 8, nan}, 2, []Stat{{4, 4, 4, 1}, {8, 8, 8, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuckets(len(tt.v), tt.cols)
			got := b.Reduce(tt.v)
			if len(got) != len(tt.want) {
				t.Fatalf("%d buckets, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("bucket %d: %+v, want %+v", i, got[i], tt.want[i])
				}
			}
			total := 0
			for i := range b.Len() {
				lo, hi := b.Bounds(i)
				total += hi - lo
			}
			if total != len(tt.v) {
				t.Errorf("buckets cover %d rounds, want %d", total, len(tt.v))
			}
		})
	}
	empty := NewBuckets(3, 1).Reduce([]float64{nan, nan, nan})
	if empty[0].N != 0 || empty[0].Mean == empty[0].Mean {
		t.Errorf("all-NaN bucket: %+v", empty[0])
	}
}

// TestLoad_OlderSchema reads a database written before schema versions (kept by the records
// package as test data) without changing it: in place when this build reads that schema, else
// through a migrated copy.
func TestLoad_OlderSchema(t *testing.T) {
	orig := filepath.Join("..", "records", "testdata", "v0-main-eb573ce.db")
	b, err := os.ReadFile(orig)
	if err != nil {
		t.Skipf("no old-release database here (%v)", err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	before := fileSum(t, path)
	hs, err := Load(context.Background(), path, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if fileSum(t, path) != before {
		t.Fatal("reading an old database changed it")
	}
	// Subnets 1-3, four rounds each; subnet 2's rounds ran out of gas twice (records/testdata/README.md).
	if len(hs) != 3 {
		t.Fatalf("%d subnets, want 3", len(hs))
	}
	for _, h := range hs {
		failed := 0
		for _, r := range h.Rounds {
			if r.Outcome == OutcomeScorerError {
				failed++
			}
		}
		want := 0
		if h.Netuid == 2 {
			want = 2
		}
		if len(h.Rounds) != 4 || failed != want {
			t.Errorf("subnet %d: %d rounds, %d scorer errors; want 4, %d", h.Netuid, len(h.Rounds), failed, want)
		}
	}
}

// TestWrite_EscapesRecordedText: names that come from scorer packages and the chain are text on
// the page, never markup.
func TestWrite_EscapesRecordedText(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "records.db")
	buildDB(t, path, spec{Netuid: 1, Hotkey: `5V"><img src=x onerror=alert(1)>`, Rounds: 3, Miners: 2, Block0: 10, Seed: 5})
	ctx := context.Background()
	db, err := records.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	r := (&stored{Netuid: 1, Block: 40, ValidatorHotkey: `5V"><img src=x onerror=alert(1)>`, Scorer: "<script>alert(1)</script>",
		ScorerVersion: "</svg><script>alert(2)</script>", ModuleSHA256: strings.Repeat("a", 64), Engine: "wazero",
		Limits: []byte(`{}`), RoundBytes: []byte(`{}`), ScoresBytes: []byte(`{"scores":[{"uid":0,"score":1}]}`)}).asRecord()
	if err := db.Append(ctx, r); err != nil {
		t.Fatal(err)
	}
	db.Close()
	page, err := Write(ctx, Options{Records: path, Out: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(page)
	for _, bad := range []string{"<script", "<img"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("recorded text became markup: page contains %q", bad)
		}
	}
	if !strings.Contains(string(b), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the scorer's name is not on the page as text")
	}
}
