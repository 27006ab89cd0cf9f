package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Chart geometry. cols is the number of buckets (one per pixel column of the plotting area).
const (
	chartW = 9 * vg.Inch
	chartH = 3 * vg.Inch
	cols   = 600
)

// lineColors are the colours of highlighted miners (Tableau 10 and two more).
var lineColors = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255}, {0, 0, 128, 255}, {128, 0, 0, 255},
}

var (
	markerColor = color.RGBA{110, 110, 110, 255}
	missing     = color.RGBA{225, 225, 225, 255}
)

// blockTicks labels the x axis with whole block numbers.
type blockTicks struct{}

func (blockTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatInt(int64(math.Round(ticks[i].Value)), 10)
		}
	}
	return ticks
}

// uidTicks labels a uid axis with whole uids only.
type uidTicks struct{}

func (uidTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value == math.Trunc(t.Value) {
			out = append(out, plot.Tick{Value: t.Value, Label: t.Label})
		}
	}
	if len(out) == 0 {
		for v := math.Ceil(lo); v <= hi; v++ {
			out = append(out, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
		}
	}
	return out
}

func newPlot(title, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "block"
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = blockTicks{}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	return p
}

// svg renders p as an SVG element (without the XML prologue, ready to inline in HTML).
func svg(p *plot.Plot) (string, error) {
	c := vgsvg.New(chartW, chartH)
	p.Draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		return "", fmt.Errorf("render %q: %w", p.Title.Text, err)
	}
	s := b.String()
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	// A heat map's raster must fill its data rectangle, not keep the image's aspect ratio.
	s = strings.ReplaceAll(s, "<image ", `<image preserveAspectRatio="none" `)
	return s, nil
}

// segments splits a bucketed series at buckets without a value, so a line shows the gap.
func segments(x []float64, st []Stat, val func(Stat) float64) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	for i, s := range st {
		if s.N == 0 {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
			continue
		}
		cur = append(cur, plotter.XY{X: x[i], Y: val(s)})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// addSeries draws a bucketed series: its mean as a line and, where a bucket holds several
// rounds, its min..max range as a light band behind it.
func addSeries(p *plot.Plot, x []float64, st []Stat, name string, c color.Color, band bool) error {
	segs := segments(x, st, func(s Stat) float64 { return s.Mean })
	if band {
		his := segments(x, st, func(s Stat) float64 { return s.Max })
		los := segments(x, st, func(s Stat) float64 { return s.Min })
		for k := range his {
			if len(his[k]) < 2 {
				continue
			}
			poly := append(plotter.XYs{}, his[k]...)
			for i := len(los[k]) - 1; i >= 0; i-- {
				poly = append(poly, los[k][i])
			}
			pg, err := plotter.NewPolygon(poly)
			if err != nil {
				return fmt.Errorf("band %s: %w", name, err)
			}
			r, g, b, _ := c.RGBA()
			pg.Color = color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), 45}
			pg.LineStyle.Width = 0
			p.Add(pg)
		}
	}
	for i, seg := range segs {
		l, err := plotter.NewLine(seg)
		if err != nil {
			return fmt.Errorf("line %s: %w", name, err)
		}
		l.LineStyle.Color = c
		l.LineStyle.Width = vg.Points(1.2)
		p.Add(l)
		if i == 0 && name != "" {
			p.Legend.Add(name, l)
		}
	}
	if len(segs) == 1 && len(segs[0]) == 1 {
		sc, err := plotter.NewScatter(segs[0])
		if err == nil {
			sc.GlyphStyle.Color = c
			sc.GlyphStyle.Shape = draw.CircleGlyph{}
			p.Add(sc)
		}
	}
	return nil
}

// addChanges draws a dashed vertical line where the scorer version changed (not at the first
// round), labelled when label is set.
func addChanges(p *plot.Plot, s *section, ylo, yhi float64, label bool) error {
	for _, c := range s.Changes[1:] {
		x := float64(c.Block)
		l, err := plotter.NewLine(plotter.XYs{{X: x, Y: ylo}, {X: x, Y: yhi}})
		if err != nil {
			return fmt.Errorf("version marker: %w", err)
		}
		l.LineStyle.Color = markerColor
		l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		if label {
			lb, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: yhi}}, Labels: []string{" " + c.Label}})
			if err != nil {
				return fmt.Errorf("version label: %w", err)
			}
			p.Add(lb)
		}
	}
	return nil
}

// yRange returns the range of a set of bucketed series (0..1 when empty).
func yRange(sts ...[]Stat) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, st := range sts {
		for _, s := range st {
			if s.N > 0 {
				lo, hi = math.Min(lo, s.Min), math.Max(hi, s.Max)
			}
		}
	}
	if math.IsInf(lo, 0) {
		return 0, 1
	}
	if hi == lo {
		hi = lo + 1
	}
	return lo, hi
}

// legendEntry is one highlighted miner's colour, for the legend under its charts.
type legendEntry struct {
	UID   uint16
	Color string
}

// legend returns the colours minerLines gives the highlighted miners.
func (s *section) legend() []legendEntry {
	var out []legendEntry
	for k, i := range s.highlighted() {
		c := lineColors[k%len(lineColors)]
		out = append(out, legendEntry{s.UIDs[i], fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)})
	}
	return out
}

// minerLines draws metric m of the highlighted miners (bucket means); the legend is the page's.
func minerLines(s *section, m metric, title, ylabel string) (string, error) {
	p := newPlot(title, ylabel)
	var sts [][]Stat
	for k, i := range s.highlighted() {
		st := s.Buckets.Reduce(s.Series[m][i])
		sts = append(sts, st)
		if err := addSeries(p, s.X, st, "", lineColors[k%len(lineColors)], s.Buckets.Downsampled()); err != nil {
			return "", err
		}
	}
	lo, hi := yRange(sts...)
	if err := addChanges(p, s, math.Min(lo, 0), hi, false); err != nil {
		return "", err
	}
	return svg(p)
}

// heatMap draws metric m of every miner as a raster: one row per uid, one column per bucket,
// the colour the bucket's mean (light grey: no value).
func heatMap(s *section, m metric, title string) (string, float64, error) {
	if len(s.UIDs) == 0 {
		return "", 0, nil
	}
	lo, hi := int(s.UIDs[0]), int(s.UIDs[len(s.UIDs)-1])
	rows := hi - lo + 1
	means := make([][]Stat, len(s.UIDs))
	vmax := 0.0
	for i := range s.UIDs {
		means[i] = s.Buckets.Reduce(s.Series[m][i])
		for _, st := range means[i] {
			if st.N > 0 {
				vmax = math.Max(vmax, st.Mean)
			}
		}
	}
	// The colour map, sampled once into a lookup table: 256 levels are more than the eye tells
	// apart, and a cell then costs an index instead of a colour-space conversion.
	cm := moreland.Kindlmann()
	cm.SetMin(0)
	cm.SetMax(1)
	var lut [256]color.Color
	for i := range lut {
		c, err := cm.At(0.05 + 0.8*float64(i)/255) // stop short of white, the page's background
		if err != nil {
			return "", 0, fmt.Errorf("heat map %s: colour map: %w", title, err)
		}
		lut[i] = c
	}
	scale := 0.0
	if vmax > 0 {
		scale = 255 / vmax
	}
	img := image.NewRGBA(image.Rect(0, 0, s.Buckets.Len(), rows))
	for y := range rows {
		for x := range s.Buckets.Len() {
			img.Set(x, y, missing)
		}
	}
	for i, u := range s.UIDs {
		y := rows - 1 - (int(u) - lo)
		for x, st := range means[i] {
			if st.N == 0 {
				continue
			}
			img.Set(x, y, lut[int(math.Round(math.Max(0, math.Min(st.Mean*scale, 255))))])
		}
	}
	p := newPlot(title, "uid")
	p.Y.Tick.Marker = uidTicks{}
	// Each column is centred on its bucket's x: the image reaches half a column past the ends.
	x0, x1 := s.X[0], s.X[len(s.X)-1]
	half := 0.5
	if len(s.X) > 1 {
		half = (x1 - x0) / float64(len(s.X)-1) / 2
	}
	x0, x1 = x0-half, x1+half
	p.Add(plotter.NewImage(img, x0, float64(lo)-0.5, x1, float64(hi)+0.5))
	p.Legend.Top = false
	out, err := svg(p)
	return out, vmax, err
}

// validatorChart draws the validator's trust and dividends from the preview.
func validatorChart(s *section) (string, error) {
	p := newPlot("Validator trust and dividends (Yuma preview)", "fraction of u16 max")
	vt, dv := s.Buckets.Reduce(s.VTrust), s.Buckets.Reduce(s.Div)
	band := s.Buckets.Downsampled()
	if err := addSeries(p, s.X, vt, "validator trust", lineColors[0], band); err != nil {
		return "", err
	}
	if err := addSeries(p, s.X, dv, "dividends", lineColors[1], band); err != nil {
		return "", err
	}
	lo, hi := yRange(vt, dv)
	if err := addChanges(p, s, math.Min(lo, 0), hi, false); err != nil {
		return "", err
	}
	return svg(p)
}

// scalarChart draws one per-round series (gas, time) with its min..max band.
func scalarChart(s *section, v []float64, title, ylabel, name string, c color.Color) (string, error) {
	p := newPlot(title, ylabel)
	st := s.Buckets.Reduce(v)
	if err := addSeries(p, s.X, st, name, c, s.Buckets.Downsampled()); err != nil {
		return "", err
	}
	lo, hi := yRange(st)
	if err := addChanges(p, s, math.Min(lo, 0), hi, false); err != nil {
		return "", err
	}
	return svg(p)
}

// outcomeChart is the round-outcome timeline: a mark in the row of each outcome in every
// bucket where it occurred, and the scorer versions as labelled markers.
func outcomeChart(s *section) (string, error) {
	p := newPlot("Round outcomes and scorer versions", "")
	names := []string{"ok", "scorer error", "chain error"}
	colors := []color.Color{color.RGBA{44, 160, 44, 255}, color.RGBA{214, 39, 40, 255}, color.RGBA{255, 127, 14, 255}}
	for o := range 3 {
		v := make([]float64, len(s.H.Rounds))
		for r, rp := range s.H.Rounds {
			v[r] = math.NaN()
			if int(rp.Outcome) == o {
				v[r] = float64(o)
			}
		}
		var xys plotter.XYs
		for i, st := range s.Buckets.Reduce(v) {
			if st.N > 0 {
				xys = append(xys, plotter.XY{X: s.X[i], Y: float64(o)})
			}
		}
		if len(xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return "", fmt.Errorf("outcomes: %w", err)
		}
		sc.GlyphStyle.Color = colors[o]
		sc.GlyphStyle.Shape = draw.BoxGlyph{}
		sc.GlyphStyle.Radius = vg.Points(2)
		p.Add(sc)
	}
	p.NominalY(names...)
	p.Y.Min, p.Y.Max = -0.5, 3
	if err := addChanges(p, s, -0.5, 2.6, true); err != nil {
		return "", err
	}
	return svg(p)
}
