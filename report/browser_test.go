package report

import (
	"bytes"
	"context"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium returns the headless browser's path, or skips the test saying what to install.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH: apt-get install chromium")
	return ""
}

// browse opens page in headless chromium, takes a screenshot to shot and returns the console
// lines the page produced (chromium logs every console message, errors included, as CONSOLE).
func browse(t *testing.T, bin, page, shot string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+t.TempDir(), "--enable-logging=stderr", "--v=0", "--hide-scrollbars",
		"--window-size=1280,2600", "--screenshot="+shot, "file://"+page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	var console []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	return console
}

// inked measures a screenshot: the share of pixels that are not background white, and how many
// pixels carry the first line colour (a drawn chart series).
func inked(t *testing.T, shot string) (share float64, series int) {
	t.Helper()
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	ink, total := 0, 0
	near := func(a, b uint8) bool { return int(a) >= int(b)-20 && int(a) <= int(b)+20 }
	want := lineColors[0]
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			total++
			if c.R < 245 || c.G < 245 || c.B < 245 {
				ink++
			}
			if near(c.R, want.R) && near(c.G, want.G) && near(c.B, want.B) {
				series++
			}
		}
	}
	return float64(ink) / float64(total), series
}

// TestBrowser_RendersReport opens a report in headless chromium: it must log nothing to the
// console (the page has no script, so any message is an error or a blocked load) and its
// screenshot must show drawn charts. Set REPORT_SCREENSHOT_DIR to keep the screenshot.
func TestBrowser_RendersReport(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "records.db")
	buildDB(t, db, spec{Netuid: 7, Hotkey: "5Validator", Rounds: 900, Miners: 40, Block0: 1000, Seed: 9, Preview: true})
	page, err := Write(context.Background(), Options{Records: db, Out: filepath.Join(dir, "report")})
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "report.png")
	if console := browse(t, bin, page, shot); len(console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(console, "\n"))
	}
	share, series := inked(t, shot)
	t.Logf("screenshot: %.1f%% of pixels drawn, %d pixels of the first series' colour", 100*share, series)
	if share < 0.03 || series < 200 {
		t.Errorf("screenshot looks blank: %.1f%% drawn, %d series pixels", 100*share, series)
	}
	if keep := os.Getenv("REPORT_SCREENSHOT_DIR"); keep != "" {
		b, _ := os.ReadFile(shot)
		if err := os.WriteFile(filepath.Join(keep, "report.png"), b, 0o644); err != nil {
			t.Error(err)
		}
	}
}

// TestBrowser_CheckCatchesFailures shows the check can fail: a page with a script error is
// caught by the console check, a blank page by the screenshot check.
func TestBrowser_CheckCatchesFailures(t *testing.T) {
	bin := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "bad.html")
	os.WriteFile(page, []byte(`<!DOCTYPE html><html><body><p>x</p><script>nosuch()</script></body></html>`), 0o644)
	shot := filepath.Join(dir, "bad.png")
	console := browse(t, bin, page, shot)
	if len(console) == 0 {
		t.Error("a script error was not seen on the console")
	}
	if share, series := inked(t, shot); share >= 0.03 || series >= 200 {
		t.Errorf("a near-blank page passed the screenshot check: %.1f%%, %d", 100*share, series)
	}
}
