// Command quality is an example subnetd scorer that checks the miners' work. Its challenge is a
// summing task derived from the round's seed, so every validator of the round asks the same
// question and an auditor can recompute it; each miner's answer is compared with the exact sum,
// and the score is an exponential moving average of answer quality kept in the scorer's state.
//
// Build it with `subnetd plugin build examples/scorers/quality`.
package main

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	pdk "github.com/subnetd/subnetd/pdk/go"
)

const (
	// Synapse is the synapse name miners serve for this scorer.
	Synapse = "SumTask"
	// taskLen is how many numbers each task holds.
	taskLen = 16
	// alpha is the weight of this round in the quality average.
	alpha = 0.3
	// timeoutMs is the per-miner deadline the challenge asks for.
	timeoutMs = 12000
)

func init() { pdk.Register(pdk.Scorer{Score: Score, Challenge: Challenge}) }

// Task is the challenge body sent to every miner.
type Task struct {
	Task    string    `json:"task"`
	ID      string    `json:"id"`
	Numbers []float64 `json:"numbers"`
}

// answer is the part of a miner's response the scorer reads.
type answer struct {
	Answer *float64 `json:"answer"`
}

// past is one miner's quality history, keyed by hotkey so a re-registered uid starts fresh.
type past struct {
	UID    uint16  `json:"uid"`
	Hotkey string  `json:"hotkey"`
	EMA    float64 `json:"ema"`
}

// Challenge derives this round's task from the round seed: the same seed gives the same task.
func Challenge(req pdk.ChallengeRequest) (pdk.Challenge, error) {
	t, err := taskFromSeed(req.Seed)
	if err != nil {
		return pdk.Challenge{}, err
	}
	body, err := json.Marshal(t)
	if err != nil {
		return pdk.Challenge{}, err
	}
	return pdk.Challenge{Synapse: Synapse, Body: body, TimeoutMs: timeoutMs}, nil
}

// taskFromSeed expands the 32-byte seed into taskLen numbers in [0, 1000) with two decimals,
// with a splitmix64 sequence (fully specified, so other languages can reproduce it).
func taskFromSeed(seedHex string) (Task, error) {
	seed, err := hex.DecodeString(strings.TrimPrefix(seedHex, "0x"))
	if err != nil || len(seed) < 8 {
		return Task{}, fmt.Errorf("quality: round seed %q is not hex of at least 8 bytes", seedHex)
	}
	x := binary.LittleEndian.Uint64(seed)
	t := Task{Task: "sum", ID: hex.EncodeToString(seed[:8]), Numbers: make([]float64, taskLen)}
	for i := range t.Numbers {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		t.Numbers[i] = float64(z%100000) / 100
	}
	return t, nil
}

// Score compares each answer with the exact sum of the task the round sent. Quality is
// exp(-relative error × 20): an exact answer scores 1, 5% off scores about 0.37, no answer 0.
func Score(r pdk.Round) (pdk.Scores, error) {
	var t Task
	if len(r.Challenge) == 0 || string(r.Challenge) == "null" {
		return pdk.Scores{}, errors.New("quality: the round carries no challenge")
	}
	if err := json.Unmarshal(r.Challenge, &t); err != nil || t.Task != "sum" {
		return pdk.Scores{}, fmt.Errorf("quality: challenge is not a sum task: %v", err)
	}
	want := 0.0
	for _, v := range t.Numbers {
		want += v
	}
	prev := map[uint16]past{}
	if len(r.State) > 0 {
		var ps []past
		if err := json.Unmarshal(r.State, &ps); err != nil {
			pdk.Log(pdk.LevelWarn, "quality: state unreadable, starting fresh: "+err.Error())
		}
		for _, p := range ps {
			prev[p.UID] = p
		}
	}
	out := pdk.Scores{Scores: make([]pdk.Score, 0, len(r.Miners))}
	next := make([]past, 0, len(r.Miners))
	for _, m := range r.Miners {
		q := quality(m, want)
		ema := q
		if p, ok := prev[m.UID]; ok && p.Hotkey == m.Hotkey {
			ema = alpha*q + (1-alpha)*p.EMA
		}
		next = append(next, past{UID: m.UID, Hotkey: m.Hotkey, EMA: ema})
		out.Scores = append(out.Scores, pdk.Score{UID: m.UID, Score: ema})
	}
	sort.Slice(next, func(i, j int) bool { return next[i].UID < next[j].UID })
	st, err := json.Marshal(next)
	if err != nil {
		return pdk.Scores{}, err
	}
	out.State = st
	return out, nil
}

// quality rates one miner's answer against the exact sum.
func quality(m pdk.Miner, want float64) float64 {
	if m.Status != 200 || len(m.Response) == 0 {
		return 0
	}
	var a answer
	if err := json.Unmarshal(m.Response, &a); err != nil || a.Answer == nil {
		return 0
	}
	got := *a.Answer
	if math.IsNaN(got) || math.IsInf(got, 0) {
		return 0
	}
	rel := math.Abs(got-want) / math.Max(1, math.Abs(want))
	return math.Exp(-20 * rel)
}

func main() { pdk.Main() }
