// Package report turns round records into one self-contained HTML page of charts: each miner's
// score, weight and previewed incentive over rounds, the validator's trust and dividends, round
// outcomes and scorer versions on a timeline, gas and round time, and the miners who gained and
// lost most.
//
// The page makes no network request: charts are inline SVG drawn with gonum.org/v1/plot (heat
// maps as PNG images inside the SVG). Long histories are downsampled, never cut: the rounds are
// split into at most 600 consecutive buckets (one per pixel column) and each chart draws a
// bucket's mean, with its min..max range as a band; the page says so. The database is opened
// read-only, so a report never changes it and may be written while the daemon runs.
package report

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"html/template"
	"os"
	"path/filepath"
	"strconv"
)

// Options say what to report and where.
type Options struct {
	// Records is the records database (records.db).
	Records string
	// Out is the directory the page is written to (created if needed).
	Out string
	// Filter selects subnet and blocks.
	Filter Filter
}

// Write reads the records opts names and writes Out/index.html; it returns the page's path.
func Write(ctx context.Context, opts Options) (string, error) {
	if opts.Records == "" {
		return "", fmt.Errorf("report: no records database given")
	}
	if opts.Out == "" {
		return "", fmt.Errorf("report: no output directory given")
	}
	hs, err := Load(ctx, opts.Records, opts.Filter)
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	var b bytes.Buffer
	if err := Render(ctx, &b, opts.Records, hs); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	path := filepath.Join(opts.Out, "index.html")
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	return path, nil
}

//go:embed page.html.tmpl
var pageTmpl string

var page = template.Must(template.New("page").Funcs(template.FuncMap{
	"num":   num,
	"u16":   func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) },
	"short": short,
}).Parse(pageTmpl))

// num prints v exactly (the shortest form that reads back as the same float64), so the page's
// numbers are the records' numbers.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// view is what the template reads.
type view struct {
	Source   string
	Cols     int
	Sections []sectionView
}

type sectionView struct {
	*section
	Rounds, Miners, PerBucket   int
	FromBlock, ToBlock          uint64
	Downsampled                 bool
	ScoreLines, WeightLines     template.HTML
	IncentiveLines              template.HTML
	ScoreHeat, WeightHeat       template.HTML
	IncentiveHeat               template.HTML
	ScoreMax, WeightMax, IncMax float64
	Validator, OutcomeChart     template.HTML
	Gas, Time                   template.HTML
	HasPreview                  bool
	Legend                      []legendEntry
	AllLines                    bool
}

// Render writes the page for hs (as Load returns them) to b; source names the records on the page.
func Render(ctx context.Context, b *bytes.Buffer, source string, hs []*History) error {
	v := view{Source: source, Cols: cols}
	for _, h := range hs {
		if err := ctx.Err(); err != nil {
			return err
		}
		sv, err := renderSection(newSection(h, cols))
		if err != nil {
			return fmt.Errorf("subnet %d, validator %s: %w", h.Netuid, h.Hotkey, err)
		}
		v.Sections = append(v.Sections, sv)
	}
	return page.Execute(b, v)
}

func renderSection(s *section) (sectionView, error) {
	n := len(s.H.Rounds)
	sv := sectionView{section: s, Rounds: n, Miners: len(s.UIDs), Downsampled: s.Buckets.Downsampled(),
		PerBucket: (n + s.Buckets.Len() - 1) / s.Buckets.Len(),
		FromBlock: s.H.Rounds[0].Block, ToBlock: s.H.Rounds[n-1].Block}
	sv.Legend = s.legend()
	sv.AllLines = len(sv.Legend) == len(s.UIDs)
	for _, r := range s.H.Rounds {
		sv.HasPreview = sv.HasPreview || r.HasPreview
	}
	var err error
	str := func(dst *template.HTML, f func() (string, error)) {
		if err != nil {
			return
		}
		var out string
		out, err = f()
		*dst = template.HTML(out) // produced by gonum's SVG canvas from numbers and our own labels
	}
	heat := func(dst *template.HTML, max *float64, m metric, title string) {
		str(dst, func() (string, error) {
			out, vmax, err := heatMap(s, m, title)
			*max = vmax
			return out, err
		})
	}
	str(&sv.ScoreLines, func() (string, error) { return minerLines(s, mScore, "Score per miner", "score") })
	heat(&sv.ScoreHeat, &sv.ScoreMax, mScore, "Score, every miner")
	str(&sv.WeightLines, func() (string, error) { return minerLines(s, mWeight, "Emitted weight per miner", "u16 weight") })
	heat(&sv.WeightHeat, &sv.WeightMax, mWeight, "Emitted weight, every miner")
	if sv.HasPreview {
		str(&sv.IncentiveLines, func() (string, error) {
			return minerLines(s, mIncentive, "Previewed incentive per miner (Yuma)", "incentive")
		})
		heat(&sv.IncentiveHeat, &sv.IncMax, mIncentive, "Previewed incentive, every miner")
		str(&sv.Validator, func() (string, error) { return validatorChart(s) })
	}
	str(&sv.OutcomeChart, func() (string, error) { return outcomeChart(s) })
	str(&sv.Gas, func() (string, error) {
		return scalarChart(s, s.Gas, "Gas per round", "gas", "gas used", lineColors[4])
	})
	str(&sv.Time, func() (string, error) {
		return scalarChart(s, s.WallMs, "Round time (query miners, score, submit)", "ms", "round time", lineColors[5])
	})
	return sv, err
}
