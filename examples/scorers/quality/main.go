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
	// keep is the weight of the past, 1 - alpha, written out as the float64 nearest 0.7 so
	// that every port uses the same constant rather than its own arithmetic.
	keep = 0.7
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
			ema = float64(alpha*q) + float64(keep*p.EMA) // float64(): no fused multiply-add
		}
		next = append(next, past{UID: m.UID, Hotkey: m.Hotkey, EMA: ema})
		out.Scores = append(out.Scores, pdk.Score{UID: m.UID, Score: ema})
	}
	if !strictlyAscending(next) { // the Round lists uids ascending, so this is rare
		sort.Slice(next, func(i, j int) bool { return next[i].UID < next[j].UID })
	}
	st, err := encodeState(next)
	if err != nil {
		return pdk.Scores{}, err
	}
	out.State = st
	return out, nil
}

// appendUint16 appends u in decimal as strconv.AppendUint does, with the digits computed in
// place rather than by strconv's loop (a call and a table walk per pair of digits, which Go's
// Wasm code pays for dearly).
func appendUint16(b []byte, u uint16) []byte {
	switch {
	case u < 10:
		return append(b, byte('0'+u))
	case u < 100:
		return append(b, byte('0'+u/10), byte('0'+u%10))
	case u < 1000:
		return append(b, byte('0'+u/100), byte('0'+u/10%10), byte('0'+u%10))
	case u < 10000:
		return append(b, byte('0'+u/1000), byte('0'+u/100%10), byte('0'+u/10%10), byte('0'+u%10))
	}
	return append(b, byte('0'+u/10000), byte('0'+u/1000%10), byte('0'+u/100%10), byte('0'+u/10%10), byte('0'+u%10))
}

func strictlyAscending(ps []past) bool {
	for i := 1; i < len(ps); i++ {
		if ps[i-1].UID >= ps[i].UID {
			return false
		}
	}
	return true
}

// encodeState writes ps as json.Marshal does, without reflection (pdk's JSON helpers).
func encodeState(ps []past) ([]byte, error) {
	b := make([]byte, 0, 2+len(ps)*64)
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"uid":`...)
		b = appendUint16(b, p.UID)
		b = append(b, `,"hotkey":`...)
		b = pdk.AppendJSONString(b, p.Hotkey)
		b = append(b, `,"ema":`...)
		var err error
		if b, err = pdk.AppendJSONFloat(b, p.EMA); err != nil {
			return nil, err
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// quality rates one miner's answer against the exact sum. The answer is read as
// json.Unmarshal would read it into answer, without decoding the rest of the response.
func quality(m pdk.Miner, want float64) float64 {
	if m.Status != 200 || len(m.Response) == 0 {
		return 0
	}
	got, ok, err := pdk.Float64Field(m.Response, "answer")
	if err != nil || !ok {
		return 0
	}
	if math.IsNaN(got) || math.IsInf(got, 0) {
		return 0
	}
	rel := math.Abs(got-want) / math.Max(1, math.Abs(want))
	return expNeg(-20 * rel)
}

// Constants of expNeg, given by their bits so every language reads the same values.
var (
	log2e = math.Float64frombits(0x3ff71547652b82fe) // log2(e) rounded
	ln2Hi = math.Float64frombits(0x3fe62e42fee00000) // ln 2, high part (k*ln2Hi is exact for |k| < 2^11)
	ln2Lo = math.Float64frombits(0x3dea39ef35793c76) // ln 2 - ln2Hi
)

// expNeg returns e^x for x <= 0, computed with +, -, *, / and floor only, each rounded once
// (the float64() conversions forbid fused multiply-add), so the AssemblyScript port in
// examples/scorers/quality-as and this Go code give the same bits. Library exponentials may
// differ in the last bit between languages and even between CPUs (Go's math.Exp is assembly on
// amd64 and pure Go in Wasm).
//
//	k = floor(x·log2e + 1/2)                 e^x = 2^k · e^r
//	r = (x − k·ln2Hi) − k·ln2Lo              |r| ≤ 0.35
//	p = 1 + r(1 + r/2(1 + r/3(… (1 + r/14)))) Taylor series to r^14/14!, error < 2^-60
//	e^x = p · 2^k                            in two steps below 2^-1022, rounding once
func expNeg(x float64) float64 {
	if x < -745.5 {
		return 0 // below half the smallest float64
	}
	if x > 0 {
		x = 0 // callers pass x <= 0; clamp so the scaling below stays in range
	}
	k := math.Floor(float64(x*log2e) + 0.5)
	r := float64(x-float64(k*ln2Hi)) - float64(k*ln2Lo)
	p := 1.0
	for i := 14; i >= 1; i-- {
		p = 1 + float64(p*r)/float64(i)
	}
	if k < -1021 {
		return float64(p*math.Ldexp(1, int(k)+54)) * math.Ldexp(1, -54)
	}
	return p * math.Ldexp(1, int(k))
}

func main() { pdk.Main() }
