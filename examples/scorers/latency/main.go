// Command latency is an example subnetd scorer: it rewards miners that answer at all (HTTP 200
// with a JSON body) and answer fast. It has no challenge of its own: the subnet's config gives the
// synapse and body. It keeps per-miner availability as state, an exponential moving average over
// rounds, so one lucky answer does not outweigh a history of timeouts.
//
// Build it with `subnetd plugin build examples/scorers/latency`.
package main

import (
	"encoding/json"
	"sort"

	pdk "github.com/subnetd/subnetd/pdk/go"
)

const (
	// halfScoreMs is the latency at which the speed factor halves.
	halfScoreMs = 500.0
	// alpha is the weight of this round in the availability average.
	alpha = 0.25
)

func init() { pdk.Register(pdk.Scorer{Score: Score}) }

// avail is one miner's availability history, keyed by hotkey so a re-registered uid starts fresh.
type avail struct {
	UID    uint16  `json:"uid"`
	Hotkey string  `json:"hotkey"`
	EMA    float64 `json:"ema"`
}

// Score rates each miner as availability × speed, where availability is the moving average of
// "answered with status 200 and a JSON body" and speed is halfScoreMs/(halfScoreMs+latency).
func Score(r pdk.Round) (pdk.Scores, error) {
	prev := map[uint16]avail{}
	if len(r.State) > 0 {
		var past []avail
		if err := json.Unmarshal(r.State, &past); err != nil {
			pdk.Log(pdk.LevelWarn, "latency: state unreadable, starting fresh: "+err.Error())
		}
		for _, a := range past {
			prev[a.UID] = a
		}
	}
	out := pdk.Scores{Scores: make([]pdk.Score, 0, len(r.Miners))}
	next := make([]avail, 0, len(r.Miners))
	for _, m := range r.Miners {
		up := 0.0
		if answered(m) {
			up = 1
		}
		ema := up
		if p, ok := prev[m.UID]; ok && p.Hotkey == m.Hotkey {
			ema = alpha*up + (1-alpha)*p.EMA
		}
		next = append(next, avail{UID: m.UID, Hotkey: m.Hotkey, EMA: ema})
		speed := 0.0
		if up == 1 {
			lat := m.LatencyMs
			if lat < 0 {
				lat = 0
			}
			speed = halfScoreMs / (halfScoreMs + lat)
		}
		out.Scores = append(out.Scores, pdk.Score{UID: m.UID, Score: ema * speed})
	}
	sort.Slice(next, func(i, j int) bool { return next[i].UID < next[j].UID })
	st, err := json.Marshal(next)
	if err != nil {
		return pdk.Scores{}, err
	}
	out.State = st
	return out, nil
}

// answered reports whether the miner gave a usable answer.
func answered(m pdk.Miner) bool {
	return m.Status == 200 && len(m.Response) > 0 && string(m.Response) != "null"
}

func main() { pdk.Main() }
