package validator

import (
	"fmt"
	"slices"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/weights"
)

// Emission is what a round emits from its scores.
type Emission struct {
	// UIDs are every uid of the subnet (0..n-1) and Dense their scores, 0 for a uid the scorer
	// left out.
	UIDs  []uint16
	Dense []float64
	// Emitted are the weights to submit (empty when Err is set).
	Emitted weights.Emitted
	// Record is the round record's weights document.
	Record records.Weights
	// Err is why no weights could be computed (the round then submits nothing).
	Err error
}

// EmitParams are the weight-processing parameters of a subnet as its metagraph gives them.
func EmitParams(mg *chain.Metagraph) weights.Params {
	return weights.Params{NumNeurons: len(mg.Neurons), MinAllowedWeights: int(mg.Hyperparams.MinAllowedWeights),
		MaxWeightLimit: weights.LimitFromU16(mg.Hyperparams.MaxWeightsLimit)}
}

// Emit turns a round's validated scores into the weights it emits: every uid 0..n-1 of the
// subnet scored (0 for a uid the scorer left out) and run through the SDK's pipeline with p. A
// round calls it, and replay calls it again through CheckWeights, so what an auditor checks is
// the code that ran.
func Emit(sc runtime.Scores, p weights.Params) Emission {
	n := p.NumNeurons
	uids := make([]uint16, n)
	ids := make([]int64, n)
	for i := range uids {
		uids[i] = uint16(i)
		ids[i] = int64(i)
	}
	dense := sc.Dense(uids)
	em, err := weights.Compute(ids, dense, p)
	e := Emission{UIDs: uids, Dense: dense, Record: records.Weights{UIDs: em.UIDs, Weights: em.Weights, Params: p}}
	if err != nil {
		e.Err = fmt.Errorf("weights: %w", err)
		e.Record.Error = err.Error()
		return e
	}
	e.Emitted = em
	return e
}

// Call is what a round submits for the emission: its weights as a weights call.
func (e Emission) Call(netuid uint16, mecid uint8, versionKey uint64) chain.WeightsCall {
	return chain.WeightsCall{Netuid: netuid, Mecid: mecid, UIDs: e.Emitted.UIDs, Values: e.Emitted.Weights, VersionKey: versionKey}
}

// CheckWeights is a records.ReplayOptions.Check: it runs Emit on the replayed scores with the
// recorded subnet parameters and reports any difference from the weights the round recorded.
// Rounds without weights (the scorer failed) pass.
func CheckWeights(r *records.Round, scores runtime.Scores) []string {
	if r.Weights == nil {
		return nil
	}
	rec := r.Weights
	e := Emit(scores, rec.Params)
	switch {
	case e.Err != nil && rec.Error != "":
		return nil // the round could not emit either
	case e.Err != nil:
		return []string{"weights: recomputing failed: " + e.Err.Error()}
	case rec.Error != "":
		return []string{"weights: the round recorded no weights (" + rec.Error + ") but they compute now"}
	case !slices.Equal(e.Record.UIDs, rec.UIDs) || !slices.Equal(e.Record.Weights, rec.Weights):
		return []string{fmt.Sprintf("weights: recorded uids %v weights %v, the scores give uids %v weights %v", rec.UIDs, rec.Weights, e.Record.UIDs, e.Record.Weights)}
	}
	return nil
}
