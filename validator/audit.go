package validator

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/weights"
)

// weightsDoc is the weights field of a round record.
type weightsDoc struct {
	UIDs    []uint16       `json:"uids"`
	Weights []uint16       `json:"weights"`
	Params  weights.Params `json:"params"`
	Error   string         `json:"error,omitempty"`
}

// CheckWeights is a records.ReplayOptions.Check: it recomputes the weights of a round from its
// Scores bytes and the recorded subnet parameters exactly as the round did (every uid
// 0..n-1, 0 for a uid the scorer left out, the SDK's pipeline) and reports any difference from
// the recorded weights. Rounds without weights (the scorer failed) pass.
func CheckWeights(r *records.Round, scores []byte) []string {
	if len(r.Weights) == 0 {
		return nil
	}
	var doc weightsDoc
	if err := json.Unmarshal(r.Weights, &doc); err != nil {
		return []string{"weights: recorded document unreadable: " + err.Error()}
	}
	var sm struct {
		Scores []struct {
			UID   uint16  `json:"uid"`
			Score float64 `json:"score"`
		} `json:"scores"`
	}
	if err := json.Unmarshal(scores, &sm); err != nil {
		return []string{"weights: scores unreadable: " + err.Error()}
	}
	n := doc.Params.NumNeurons
	ids := make([]int64, n)
	dense := make([]float64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	for _, s := range sm.Scores {
		if int(s.UID) < n {
			dense[s.UID] = s.Score
		}
	}
	em, err := weights.Compute(ids, dense, doc.Params)
	if err != nil {
		if doc.Error != "" {
			return nil // the round could not emit either
		}
		return []string{"weights: recomputing failed: " + err.Error()}
	}
	if doc.Error != "" {
		return []string{"weights: the round recorded no weights (" + doc.Error + ") but they compute now"}
	}
	if !slices.Equal(em.UIDs, doc.UIDs) || !slices.Equal(em.Weights, doc.Weights) {
		return []string{fmt.Sprintf("weights: recorded uids %v weights %v, the scores give uids %v weights %v", doc.UIDs, doc.Weights, em.UIDs, em.Weights)}
	}
	return nil
}
