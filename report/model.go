package report

import (
	"math"
	"sort"
)

// metric is one per-miner series kind.
type metric int

const (
	mScore metric = iota
	mWeight
	mIncentive
	nMetrics
)

var metricNames = [nMetrics]string{"score", "weight", "incentive"}

// section is one validator on one subnet, ready to draw.
type section struct {
	H       *History
	Buckets Buckets
	// X is each bucket's x (the middle block of its rounds).
	X []float64
	// UIDs are every miner seen, ascending; Series[m][i][r] is miner UIDs[i]'s value of metric m
	// in round r (NaN when the round carries no such value).
	UIDs   []uint16
	Series [nMetrics][][]float64
	// Per-round validator series (NaN when absent).
	Gas, WallMs, VTrust, Div []float64
	Outcomes                 [3]int
	Changes                  []change
	Movers                   moverTables
	Latest                   *latest
}

// change is a scorer version taking over at a round.
type change struct {
	Round int
	Block uint64
	Label string
}

// mover is one miner's change of one metric over the range.
type mover struct {
	UID         uint16
	First, Last float64
	Delta       float64
}

// moverTables are the miners who gained and lost most.
type moverTables struct {
	Metric          string
	FromBlock       uint64
	ToBlock         uint64
	Gainers, Losers []mover
}

// latest is the last successful round's numbers, per miner.
type latest struct {
	Block, ID  uint64
	HasPreview bool
	VTrust     float64
	Dividends  float64
	Rows       []latestRow
}

type latestRow struct {
	UID                      uint16
	Score, Weight, Incentive float64
	HasScore, HasWeight      bool
}

// moversShown is how many gainers and losers the summary lists.
const moversShown = 10

func newSection(h *History, cols int) *section {
	n := len(h.Rounds)
	s := &section{H: h, Buckets: NewBuckets(n, cols)}
	s.X = make([]float64, s.Buckets.Len())
	for i := range s.X {
		lo, hi := s.Buckets.Bounds(i)
		s.X[i] = (float64(h.Rounds[lo].Block) + float64(h.Rounds[hi-1].Block)) / 2
	}
	seen := map[uint16]bool{}
	for _, r := range h.Rounds {
		for _, l := range [][]UIDValue{r.Scores, r.Weights, r.Incentive} {
			for _, v := range l {
				seen[v.UID] = true
			}
		}
	}
	for u := range seen {
		s.UIDs = append(s.UIDs, u)
	}
	sort.Slice(s.UIDs, func(i, j int) bool { return s.UIDs[i] < s.UIDs[j] })
	index := make(map[uint16]int, len(s.UIDs))
	for i, u := range s.UIDs {
		index[u] = i
	}
	for m := range s.Series {
		s.Series[m] = make([][]float64, len(s.UIDs))
		for i := range s.Series[m] {
			s.Series[m][i] = make([]float64, n)
		}
	}
	nan := math.NaN()
	s.Gas, s.WallMs, s.VTrust, s.Div = make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	prev := ""
	for r, p := range h.Rounds {
		s.Outcomes[p.Outcome]++
		label := p.Scorer + " " + p.Version
		if p.Version == "" {
			label = p.Scorer + " " + short(p.Module)
		}
		if id := p.Scorer + "\x00" + p.Version + "\x00" + p.Module; id != prev {
			s.Changes = append(s.Changes, change{Round: r, Block: p.Block, Label: label})
			prev = id
		}
		s.Gas[r] = float64(p.Gas)
		s.WallMs[r] = float64(p.WallMs)
		s.VTrust[r], s.Div[r] = nan, nan
		if p.HasPreview {
			s.VTrust[r], s.Div[r] = p.VTrust, p.Dividends
		}
		// A failed scorer leaves no scores; no emitted row leaves no weights; no preview leaves
		// no incentive: NaN. Where the document exists, a uid it leaves out is 0.
		fill := func(m metric, have bool, l []UIDValue) {
			for i := range s.UIDs {
				if have {
					s.Series[m][i][r] = 0
				} else {
					s.Series[m][i][r] = nan
				}
			}
			for _, v := range l {
				s.Series[m][index[v.UID]][r] = v.Value
			}
		}
		fill(mScore, p.Scores != nil, p.Scores)
		fill(mWeight, p.Weights != nil, p.Weights)
		fill(mIncentive, p.HasPreview, p.Incentive)
	}
	s.Movers = s.movers()
	s.Latest = s.latest()
	return s
}

// movers ranks miners by the change of the most telling metric present: incentive when the
// rounds carry a Yuma preview, else the emitted weight, else the score.
func (s *section) movers() moverTables {
	for _, m := range []metric{mIncentive, mWeight, mScore} {
		first, last := -1, -1
		for r := range s.H.Rounds {
			if len(s.UIDs) > 0 && !math.IsNaN(s.Series[m][0][r]) {
				if first < 0 {
					first = r
				}
				last = r
			}
		}
		if first < 0 {
			continue
		}
		t := moverTables{Metric: metricNames[m], FromBlock: s.H.Rounds[first].Block, ToBlock: s.H.Rounds[last].Block}
		all := make([]mover, len(s.UIDs))
		for i, u := range s.UIDs {
			a, b := s.Series[m][i][first], s.Series[m][i][last]
			all[i] = mover{UID: u, First: a, Last: b, Delta: b - a}
		}
		sort.SliceStable(all, func(i, j int) bool { return all[i].Delta > all[j].Delta })
		for _, v := range all {
			if v.Delta > 0 && len(t.Gainers) < moversShown {
				t.Gainers = append(t.Gainers, v)
			}
		}
		for i := len(all) - 1; i >= 0; i-- {
			if all[i].Delta < 0 && len(t.Losers) < moversShown {
				t.Losers = append(t.Losers, all[i])
			}
		}
		return t
	}
	return moverTables{}
}

// latest returns the last round that has scores, with every miner's values as recorded.
func (s *section) latest() *latest {
	for r := len(s.H.Rounds) - 1; r >= 0; r-- {
		p := s.H.Rounds[r]
		if p.Scores == nil {
			continue
		}
		l := &latest{Block: p.Block, ID: uint64(p.ID), HasPreview: p.HasPreview, VTrust: p.VTrust, Dividends: p.Dividends}
		for i, u := range s.UIDs {
			row := latestRow{UID: u}
			if v := s.Series[mScore][i][r]; !math.IsNaN(v) {
				row.Score, row.HasScore = v, true
			}
			if v := s.Series[mWeight][i][r]; !math.IsNaN(v) {
				row.Weight, row.HasWeight = v, true
			}
			if v := s.Series[mIncentive][i][r]; !math.IsNaN(v) {
				row.Incentive = v
			}
			l.Rows = append(l.Rows, row)
		}
		return l
	}
	return nil
}

// highlighted are the miners drawn as lines: every miner on a small subnet, else the gainers and
// losers of the summary (the heat maps show everyone).
func (s *section) highlighted() []int {
	const maxLines = 12
	var idx []int
	if len(s.UIDs) <= maxLines {
		for i := range s.UIDs {
			idx = append(idx, i)
		}
		return idx
	}
	pos := map[uint16]int{}
	for i, u := range s.UIDs {
		pos[u] = i
	}
	add := func(ms []mover, k int) {
		for _, m := range ms[:min(k, len(ms))] {
			idx = append(idx, pos[m.UID])
		}
	}
	add(s.Movers.Gainers, maxLines/2)
	add(s.Movers.Losers, maxLines/2)
	sort.Ints(idx)
	return idx
}

func short(sha string) string {
	if len(sha) > 8 {
		return sha[:8]
	}
	return sha
}
