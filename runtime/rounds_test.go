package runtime_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/subnetd/subnetd/runtime"
)

// randomRound draws a Round: miner count, uids, stakes, statuses, latencies, answers, seed,
// block time, and for the quality scorer a challenge answered with a spread of right and
// wrong sums.
func randomRound(r *rand.Rand, challenge json.RawMessage) runtime.Round {
	rd := runtime.Round{Netuid: uint16(r.IntN(64)), Block: r.Uint64N(1 << 40), BlockHash: fmt.Sprintf("0x%064x", r.Uint64()),
		BlockTimeMs: 1_600_000_000_000 + r.Int64N(1<<36), Challenge: challenge,
		Validator: runtime.Validator{UID: uint16(r.IntN(256)), Hotkey: "5V"}}
	for i := range rd.Seed {
		rd.Seed[i] = byte(r.Uint32())
	}
	n := r.IntN(200)
	used := map[uint16]bool{}
	for len(rd.Miners) < n {
		uid := uint16(r.IntN(1024))
		if used[uid] {
			continue
		}
		used[uid] = true
		m := runtime.Miner{UID: uid, Hotkey: fmt.Sprintf("5M%d", uid), Stake: r.Float64() * 1e4,
			Status: []int{200, 200, 200, 408, 503}[r.IntN(5)], LatencyMs: r.Float64() * 12000}
		switch r.IntN(4) {
		case 0:
			m.Response = nil
		case 1:
			m.Response = json.RawMessage(fmt.Sprintf(`{"answer":%g}`, r.NormFloat64()*1e3))
		case 2:
			m.Response = json.RawMessage(`{"answer":"not a number"}`)
		default:
			m.Response = json.RawMessage(fmt.Sprintf(`{"answer":%d}`, r.IntN(100)))
		}
		rd.Miners = append(rd.Miners, m)
	}
	if r.IntN(3) == 0 {
		rd.State = []byte(fmt.Sprintf(`{"ema":{"%d":%g}}`, r.IntN(1024), r.Float64()))
	}
	return rd
}
