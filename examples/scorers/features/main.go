// Command features is an example subnetd scorer that uses feature providers
// (docs/PROVIDERS.md): the "similarity" provider measures how close each miner's text answer is
// to the reference (outside the sandbox, where a model would run), the "length" provider counts
// its words, and this scorer decides, deterministically, what those measurements are worth:
//
//	score = answered × (0.8 × similarity + 0.2 × speed) × brevity
//
// where similarity is the provider's value clamped to [0, 1] (0 when the provider said nothing:
// a scorer must decide what a missing feature means, and here it means "no evidence"), speed is
// 500/(500+latency_ms), and brevity halves the score of an answer over 200 words. It keeps no
// state. examples/configs/providers.yaml runs it on the devnet with both example providers.
//
// Build it with `subnetd plugin build examples/scorers/features`.
package main

import (
	"encoding/json"

	pdk "github.com/subnetd/subnetd/pdk/go"
)

const (
	halfScoreMs = 500.0
	maxWords    = 200
)

func init() { pdk.Register(pdk.Scorer{Score: Score}) }

// Score rates each miner from its status, latency and the providers' features.
func Score(r pdk.Round) (pdk.Scores, error) {
	out := pdk.Scores{Scores: make([]pdk.Score, 0, len(r.Miners))}
	for _, m := range r.Miners {
		out.Scores = append(out.Scores, pdk.Score{UID: m.UID, Score: score(m)})
	}
	return out, nil
}

func score(m pdk.Miner) float64 {
	if m.Status != 200 || len(m.Response) == 0 || string(m.Response) == "null" {
		return 0
	}
	var sim struct {
		Similarity float64 `json:"similarity"`
	}
	if f := m.Features["similarity"]; len(f) > 0 {
		_ = json.Unmarshal(f, &sim) // null or another shape: no evidence
	}
	s := min(max(sim.Similarity, 0), 1)
	lat := max(m.LatencyMs, 0)
	speed := halfScoreMs / (halfScoreMs + lat)
	v := float64(0.8*s) + float64(0.2*speed)
	var length struct {
		Words int `json:"words"`
	}
	if f := m.Features["length"]; len(f) > 0 {
		_ = json.Unmarshal(f, &length)
	}
	if length.Words > maxWords {
		v /= 2
	}
	return v
}

func main() { pdk.Main() }
