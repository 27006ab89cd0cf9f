package yuma

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/subnetd/subnetd/yuma/internal/baseline"
)

// toBaseline copies in into the baseline package's types (the same fields).
func toBaseline(in *Input) *baseline.Input {
	cells := func(c []Cell) []baseline.Cell {
		if c == nil {
			return nil
		}
		out := make([]baseline.Cell, len(c))
		for k, x := range c {
			out[k] = baseline.Cell{UID: x.UID, Value: x.Value}
		}
		return out
	}
	b := &baseline.Input{
		Block: in.Block, LastStepBlock: in.LastStepBlock, HasOwner: in.HasOwner, OwnerUID: in.OwnerUID,
		CommitReveal: in.CommitReveal, RaoEmission: in.RaoEmission, Params: baseline.Params(in.Params),
		Neurons: make([]baseline.Neuron, len(in.Neurons)),
	}
	for i, nr := range in.Neurons {
		b.Neurons[i] = baseline.Neuron{
			AlphaStake: nr.AlphaStake, TaoStake: nr.TaoStake, BlockAtRegistration: nr.BlockAtRegistration,
			LastUpdate: nr.LastUpdate, ValidatorPermit: nr.ValidatorPermit, CommitBlock: nr.CommitBlock,
			Weights: cells(nr.Weights), Bonds: cells(nr.Bonds),
		}
	}
	return b
}

// fromBaseline copies a baseline Output into this package's type.
func fromBaseline(o *baseline.Output) *Output {
	out := &Output{
		Active: o.Active, ValidatorPermit: o.ValidatorPermit,
		Consensus: o.Consensus, Incentive: o.Incentive, Dividends: o.Dividends,
		ValidatorTrust: o.ValidatorTrust, StakeWeight: o.StakeWeight,
		Emission: o.Emission, ServerEmission: o.ServerEmission, ValidatorEmission: o.ValidatorEmission,
		Stake: o.Stake, Fixed: FixedTerms(o.Fixed), Bonds: make([][]Cell, len(o.Bonds)),
	}
	for i, row := range o.Bonds {
		if row == nil {
			continue
		}
		out.Bonds[i] = make([]Cell, len(row))
		for k, c := range row {
			out.Bonds[i][k] = Cell{UID: c.UID, Value: c.Value}
		}
	}
	return out
}

// baselineEpoch runs the frozen previous implementation on in.
func baselineEpoch(t testing.TB, in *Input, workers int) *Output {
	t.Helper()
	o, err := baseline.EpochWorkers(toBaseline(in), workers)
	if err != nil {
		t.Fatal(err)
	}
	return fromBaseline(o)
}

// TestEpoch_Baseline is the before/after harness: the current epoch and the
// frozen previous implementation (yuma/internal/baseline) must agree bit for
// bit on thousands of random subnets, three chained epochs each, with 1 and 3
// workers, and on the benchmark inputs of both models, dense and sparse, up
// to n = 4096 (n = 256 with -short), bonds penalty 1, 0.3 and 0, two chained
// epochs each. YUMA_BASELINE_CASES sets the number of random subnets (2 000
// by default, 200 with -short) and YUMA_BASELINE_SEED their seed.
func TestEpoch_Baseline(t *testing.T) {
	cases := 2000
	if testing.Short() {
		cases = 200
	}
	if s := os.Getenv("YUMA_BASELINE_CASES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("YUMA_BASELINE_CASES=%q: %v", s, err)
		}
		cases = v
	}
	seed := uint64(29)
	if s := os.Getenv("YUMA_BASELINE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("YUMA_BASELINE_SEED=%q: %v", s, err)
		}
		seed = v
	}
	r := rand.New(rand.NewPCG(seed, 7))
	for k := 0; k < cases; k++ {
		in := randomSubnet(r)
		for step := 0; step < 3; step++ {
			want := baselineEpoch(t, in, 1)
			for _, workers := range []int{1, 3} {
				got, err := epoch(in, workers)
				if err != nil {
					t.Fatal(err)
				}
				if f := diffOutputs(got, want); f != "" {
					t.Fatalf("seed %d case %d epoch %d (n=%d, %d workers): %s differs from the baseline",
						seed, k, step, len(in.Neurons), workers, f)
				}
			}
			nextEpoch(in, want, uint64(1+r.IntN(200)))
		}
	}
	sizes := []struct{ n, v int }{{256, 64}, {1024, 128}, {4096, 256}}
	if testing.Short() {
		sizes = sizes[:1] // the race run; the full run takes them all
	}
	for _, sz := range sizes {
		for _, yuma3 := range []bool{false, true} {
			for _, dense := range []bool{true, false} {
				for _, penalty := range []uint16{65535, 20000, 0} {
					in := benchInput(sz.n, sz.v, dense, yuma3)
					in.Params.BondsPenalty = penalty
					for step := 0; step < 2; step++ {
						want := baselineEpoch(t, in, 2)
						for _, workers := range []int{1, 2} {
							got, err := epoch(in, workers)
							if err != nil {
								t.Fatal(err)
							}
							if f := diffOutputs(got, want); f != "" {
								t.Fatalf("bench input n=%d v=%d yuma3=%v dense=%v penalty=%d epoch %d (%d workers): %s differs from the baseline",
									sz.n, sz.v, yuma3, dense, penalty, step, workers, f)
							}
						}
						nextEpoch(in, want, 360)
					}
				}
			}
		}
	}
}
