package report

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/subnetd/subnetd/records"
)

// large is the history the quality bar names: 10,000 rounds of 256 miners.
var large = spec{Netuid: 4, Hotkey: "5Large", Rounds: 10000, Miners: 256, Block0: 100000, Seed: 42, Preview: true}

// maxPageBytes bounds the page of a large history: it must stay small enough to open and mail.
const maxPageBytes = 4 << 20

// TestWrite_LargeHistory: 10,000 rounds × 256 miners give a small page that says how it was
// downsampled, with the numbers of the last round exact and every round counted.
func TestWrite_LargeHistory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 10,000-round database; run without -short")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "records.db")
	wants := buildDB(t, db, large)
	page, err := Write(context.Background(), Options{Records: db, Out: filepath.Join(dir, "out")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(db)
	t.Logf("database %d MB, page %d kB", st.Size()>>20, len(b)>>10)
	if len(b) > maxPageBytes {
		t.Errorf("page is %d bytes, want at most %d", len(b), maxPageBytes)
	}
	html := string(b)
	checkSection(t, sectionOf(t, html, large.Netuid), wants[0], true)
	// 10,000 rounds in 600 columns: 16 or 17 rounds per point, said on the page.
	if !strings.Contains(html, "up to 17 (mean; band = min..max)") {
		t.Error("the page does not say how it downsampled")
	}
}

// BenchmarkWrite_LargeHistory reports the time to write the report of 10,000 rounds × 256
// miners against the baseline of only reading those records (records.DB.Each) in the same run.
func BenchmarkWrite_LargeHistory(b *testing.B) {
	dir := b.TempDir()
	db := filepath.Join(dir, "records.db")
	buildDB(b, db, large)
	ctx := context.Background()
	var read, write time.Duration
	var pageBytes int
	n := 0
	for b.Loop() {
		t0 := time.Now()
		r, err := records.OpenReadOnly(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		rounds := 0
		if err := r.Each(ctx, func(*records.Round) error { rounds++; return nil }); err != nil {
			b.Fatal(err)
		}
		r.Close()
		t1 := time.Now()
		page, err := Write(ctx, Options{Records: db, Out: filepath.Join(dir, "out")})
		if err != nil {
			b.Fatal(err)
		}
		write += time.Since(t1)
		read += t1.Sub(t0)
		st, _ := os.Stat(page)
		pageBytes = int(st.Size())
		n++
	}
	b.ReportMetric(read.Seconds()/float64(n), "read_s")
	b.ReportMetric(write.Seconds()/float64(n), "report_s")
	b.ReportMetric(write.Seconds()/read.Seconds(), "report/read")
	b.ReportMetric(float64(pageBytes), "page_bytes")
}
