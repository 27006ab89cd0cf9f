package yuma

import (
	"math/rand/v2"
	"testing"

	"github.com/subnetd/subnetd/yuma/fixed"
)

// TestWeightedMedianColsClip_MatchesClipTrustRanks holds the clip's sums
// taken in the median's column blocks (clipFused: clipColumn, and
// clipTrustRows for the rows without stake) to clipTrustRanks on the same
// matrix: the same trust for every row and the same ranks, bit for bit,
// with one and several workers. The cases reach both of clipColumn's paths:
// a consensus strictly between 0 and 1, a consensus of 0 (columns nobody
// weights) and a consensus of 1 (every voter's whole weight on one column).
func TestWeightedMedianColsClip_MatchesClipTrustRanks(t *testing.T) {
	tests := []struct {
		name          string
		n, voters     int
		zeroCols      int  // the first zeroCols columns get weight 0 from everyone
		allOnColumn0  bool // every voter puts its whole weight on column 0
		idleWithRows  int  // rows after the voters with weights but no stake
		unevenWeights bool // a few voters with much larger weights
	}{
		{name: "dense", n: 300, voters: 40},
		{name: "zero columns", n: 300, voters: 40, zeroCols: 7},
		{name: "rows without stake", n: 300, voters: 40, idleWithRows: 5},
		{name: "uneven", n: 257, voters: 33, unevenWeights: true, idleWithRows: 2},
		{name: "consensus one", n: 200, voters: 20, allOnColumn0: true},
	}
	for seed, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(seed), 77))
			n := tt.n
			w := make(sparse, n)
			stake := make([]fx, n)
			for i := 0; i < tt.voters+tt.idleWithRows; i++ {
				if i < tt.voters {
					stake[i] = fixed.FromU64(1 + r.Uint64N(1000))
				}
				row := make([]Cell, 0, n)
				for j := 0; j < n; j++ {
					v := uint16(r.IntN(65536))
					switch {
					case tt.allOnColumn0 && j == 0:
						v = 65535
					case tt.allOnColumn0 || j < tt.zeroCols:
						v = 0
					case tt.unevenWeights && i%7 == 0:
						v = 60000 + uint16(r.IntN(5536))
					}
					row = append(row, Cell{uint16(j), v})
				}
				w[i] = normalisedRow(row)
			}
			normalize(stake)
			majority := fixed.U16Proportion(32767)
			wantTrust, wantRanks := clipTrustRanks(w, weightedMedianCols(stake, w, nil, n, majority, 1), stake, nil, n, newPar(1))
			for _, workers := range []int{1, 3} {
				cf := &clipFused{stake: stake, plain: true}
				c := weightedMedianColsClip(stake, w, nil, n, majority, workers, cf)
				if !cf.done {
					t.Fatalf("workers=%d: the dense blocked path did not take the clip's sums", workers)
				}
				clipTrustRows(w, stake, c, cf.trust)
				for i := range wantTrust {
					if cf.trust[i] != wantTrust[i] {
						t.Fatalf("workers=%d: trust[%d] = %v, clipTrustRanks gives %v", workers, i, cf.trust[i], wantTrust[i])
					}
				}
				for j := range wantRanks {
					if cf.ranks[j] != wantRanks[j] {
						t.Fatalf("workers=%d: ranks[%d] = %v, clipTrustRanks gives %v", workers, j, cf.ranks[j], wantRanks[j])
					}
				}
				if tt.allOnColumn0 && c[0] != fixed.One {
					t.Fatalf("consensus of column 0 = %v, want 1", c[0])
				}
			}
		})
	}
}

// normalisedRow is a stored weights row normalised as the epoch reads it
// (every uid registered long before the row's update, no owner).
func normalisedRow(row []Cell) []entry {
	out := make([]entry, len(row))
	var total uint64
	for _, c := range row {
		total += uint64(c.Value)
	}
	for k, c := range row {
		out[k] = entry{c.UID, fixed.FromU16(c.Value).SafeDiv(fixed.FromU64(total))}
	}
	return out
}

// TestLastRows_Literal holds the last passes' row functions of both bond
// models (lastRowPacked, yuma3RowPacked: their leaf loops and the entries
// left to them one at a time) to the literal per-entry computation with the
// divisors: EMA values from tiny to above 1/2 (which leave the quick paths),
// column sums from 0 to large, incentives from 0 to 1.
func TestLastRows_Literal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 64
	for trial := 0; trial < 300; trial++ {
		val := func() fx {
			switch r.IntN(6) {
			case 0:
				return fx(r.Int64N(1 << 33)) // up to 2: beyond every quick path
			case 1:
				return fx(1<<31 + r.Int64N(1<<31)) // [1/2, 1)
			default:
				return fx(1 + r.Int64N(1<<24))
			}
		}
		emaSum, maxima, inc := make([]fx, n), make([]fx, n), make([]fx, n)
		for j := range n {
			switch r.IntN(8) {
			case 0: // a column without sum: divOrKeep keeps the value
			case 1:
				emaSum[j] = 1
			default:
				emaSum[j] = fx(1<<20 + r.Int64N(1<<34))
			}
			maxima[j] = fx(r.Int64N(1 << 33))
			inc[j] = fx(r.Int64N(1<<32 + 1))
		}
		emaDiv, up := columnDivisors(emaSum, 1<<20), columnDivisors(maxima, 1<<20)
		last, last3 := make([]lastCol, n), make([]lastCol, n)
		for j := range n {
			last[j] = newLastCol(&emaDiv[j], &up[j], inc[j])
			last3[j] = newLastCol(&emaDiv[j], nil, inc[j])
		}
		var row []entry
		for j := range n {
			if r.IntN(4) > 0 {
				row = append(row, entry{uint16(j), val()})
			}
		}
		cells, cells3 := make([]Cell, len(row)), make([]Cell, len(row))
		got, got3 := lastRowPacked(row, last, emaDiv, up, cells), yuma3RowPacked(row, last3, emaDiv, cells3)
		var want, want3 fx
		for k, e := range row {
			v := emaDiv[e.col].divOrKeep(e.val)
			want = want.Add(inc[e.col].Mul(v))
			if c := (Cell{UID: e.col, Value: fixed.ProportionToU16(up[e.col].divOrKeep(v))}); cells[k] != c {
				t.Fatalf("trial %d entry %d: stored bond %v, want %v", trial, k, cells[k], c)
			}
			want3 = want3.Add(v.Mul(inc[e.col]))
			if c := (Cell{UID: e.col, Value: fixed.ProportionToU16(e.val)}); cells3[k] != c {
				t.Fatalf("trial %d entry %d: Yuma3 stored bond %v, want %v", trial, k, cells3[k], c)
			}
		}
		if got != want || got3 != want3 {
			t.Fatalf("trial %d: dividends %v and %v, want %v and %v", trial, got, got3, want, want3)
		}
	}
}
