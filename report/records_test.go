package report

// The tests build their databases with the records API, here in one place (so the shape of a
// record is known to one test file, as records.go is the one file that reads it).

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/subnetd/subnetd/records"
)

// stored is a round in the stored format (the export's field names), so the tests do not depend
// on how records types its documents in Go: asRecord turns it into a records.Round.
type stored struct {
	Netuid          uint16          `json:"netuid"`
	Block           uint64          `json:"block"`
	BlockHash       string          `json:"block_hash"`
	Seed            string          `json:"seed"`
	ValidatorUID    uint16          `json:"validator_uid"`
	ValidatorHotkey string          `json:"validator_hotkey"`
	Scorer          string          `json:"scorer"`
	ScorerVersion   string          `json:"scorer_version,omitempty"`
	ModuleSHA256    string          `json:"module_sha256"`
	Engine          string          `json:"engine"`
	EngineVersion   string          `json:"engine_version"`
	Limits          json.RawMessage `json:"limits"`
	Synapse         string          `json:"synapse"`
	RoundBytes      []byte          `json:"round_bytes"`
	ScoresBytes     []byte          `json:"scores_bytes,omitempty"`
	Error           string          `json:"error,omitempty"`
	Miners          int             `json:"miners"`
	Answered        int             `json:"answered"`
	Weights         json.RawMessage `json:"weights,omitempty"`
	Preview         json.RawMessage `json:"preview,omitempty"`
	TxError         string          `json:"tx_error,omitempty"`
	GasUsed         uint64          `json:"gas_used,omitempty"`
	StartedMs       int64           `json:"started_ms"`
	FinishedMs      int64           `json:"finished_ms"`
}

func (s *stored) asRecord() *records.Round {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	var r records.Round
	if err := json.Unmarshal(b, &r); err != nil {
		panic(err)
	}
	return &r
}

// spec describes a synthetic history.
type spec struct {
	Netuid  uint16
	Hotkey  string
	Rounds  int
	Miners  int
	Block0  uint64
	Seed    uint64
	Preview bool
}

// want is what the test knows it wrote for one round.
type want struct {
	Block     uint64
	Outcome   Outcome
	Scores    []float64 // by uid; nil when the scorer failed
	Weights   []uint16  // by uid; nil when none emitted
	Incentive []float64 // by uid; nil without preview
	VTrust    float64
	Dividends float64
	Gas       uint64
}

// synth makes the records of s and what each one holds. Miner i has a quality that drifts, so
// some gain and some lose; every 37th round the scorer fails, every 53rd the chain refuses; the
// scorer's version changes halfway.
func synth(s spec) ([]*records.Round, []want) {
	rng := rand.New(rand.NewPCG(s.Seed, 7))
	q := make([]float64, s.Miners)
	drift := make([]float64, s.Miners)
	for i := range q {
		q[i] = rng.Float64()
		drift[i] = (rng.Float64() - 0.5) / float64(s.Rounds)
	}
	var rs []*records.Round
	var ws []want
	for r := range s.Rounds {
		block := s.Block0 + uint64(r)*10
		version, module := "1.0.0", strings.Repeat("a", 64)
		if r >= s.Rounds/2 {
			version, module = "1.1.0", strings.Repeat("b", 64)
		}
		var round strings.Builder
		fmt.Fprintf(&round, `{"abi":1,"netuid":%d,"block":%d,"miners":[`, s.Netuid, block)
		for i := range s.Miners {
			if i > 0 {
				round.WriteByte(',')
			}
			fmt.Fprintf(&round, `{"uid":%d,"hotkey":"5Miner%042d","stake":%d,"status":200,"latency_ms":%.1f,"response":{"answer":"%08x"}}`,
				i, i, i%7, 100+rng.Float64()*50, rng.Uint32())
		}
		round.WriteString(`]}`)
		rec := &stored{Netuid: s.Netuid, Block: block, BlockHash: "0x00", Seed: "0x00",
			ValidatorUID: 0, ValidatorHotkey: s.Hotkey, Scorer: "quality", ScorerVersion: version,
			ModuleSHA256: module, Engine: "wazero", EngineVersion: "test", Limits: json.RawMessage(`{}`),
			Synapse: "Q", RoundBytes: []byte(round.String()), Miners: s.Miners, Answered: s.Miners,
			GasUsed: uint64(1000 + 3*r + s.Miners), StartedMs: int64(r) * 1000, FinishedMs: int64(r)*1000 + 40 + int64(r%9)}
		w := want{Block: block, Gas: rec.GasUsed}
		switch {
		case r%37 == 36:
			rec.Error = "score: out of gas"
			w.Outcome = OutcomeScorerError
			rs, ws = append(rs, rec.asRecord()), append(ws, w)
			continue
		case r%53 == 52:
			rec.TxError = "chain: Custom error: SettingWeightsTooFast"
			w.Outcome = OutcomeChainError
		}
		w.Scores = make([]float64, s.Miners)
		var sc strings.Builder
		sc.WriteString(`{"scores":[`)
		max := 0.0
		for i := range s.Miners {
			v := math.Max(0, q[i]+drift[i]*float64(r)+(rng.Float64()-0.5)*0.05)
			w.Scores[i] = v
			max = math.Max(max, v)
			if i > 0 {
				sc.WriteByte(',')
			}
			b, _ := json.Marshal(v)
			fmt.Fprintf(&sc, `{"uid":%d,"score":%s}`, i, b)
		}
		sc.WriteString(`]}`)
		rec.ScoresBytes = []byte(sc.String())
		w.Weights = make([]uint16, s.Miners)
		wd := struct {
			UIDs    []uint16 `json:"uids"`
			Weights []uint16 `json:"weights"`
		}{}
		for i, v := range w.Scores {
			w.Weights[i] = uint16(math.Round(v / max * 65535))
			if w.Weights[i] > 0 {
				wd.UIDs = append(wd.UIDs, uint16(i))
				wd.Weights = append(wd.Weights, w.Weights[i])
			}
		}
		rec.Weights, _ = json.Marshal(wd)
		if s.Preview {
			type uf struct {
				UID   uint16  `json:"uid"`
				Value float64 `json:"value"`
			}
			pv := struct {
				Block          uint64  `json:"block"`
				ValidatorTrust float64 `json:"validator_trust"`
				Dividends      float64 `json:"dividends"`
				Incentive      []uf    `json:"incentive"`
			}{Block: block, ValidatorTrust: float64(60000+r%5000) / 65535, Dividends: float64(30000+r%3000) / 65535}
			sum := 0.0
			for _, v := range w.Weights {
				sum += float64(v)
			}
			w.Incentive = make([]float64, s.Miners)
			for i, v := range w.Weights {
				w.Incentive[i] = math.Floor(float64(v)/sum*65535) / 65535
				if w.Incentive[i] > 0 {
					pv.Incentive = append(pv.Incentive, uf{uint16(i), w.Incentive[i]})
				}
			}
			w.VTrust, w.Dividends = pv.ValidatorTrust, pv.Dividends
			rec.Preview, _ = json.Marshal(pv)
		}
		rs, ws = append(rs, rec.asRecord()), append(ws, w)
	}
	return rs, ws
}

// buildDB writes the histories into a new records database at path: small ones round by round
// with Append (as the daemon does), large ones in imported batches.
func buildDB(tb testing.TB, path string, specs ...spec) [][]want {
	tb.Helper()
	ctx := context.Background()
	db, err := records.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	for _, m := range []string{"a", "b"} {
		// The modules' bytes; the records name them by a fixed sha256, as a test needs no real Wasm.
		set := &records.Set{Modules: map[string]records.Module{strings.Repeat(m, 64): {SHA256: strings.Repeat(m, 64), Name: "quality", Wasm: []byte("\x00asm" + m)}}}
		if err := db.Import(ctx, set); err != nil {
			tb.Fatal(err)
		}
	}
	var all [][]want
	var id int64
	for _, s := range specs {
		rs, ws := synth(s)
		all = append(all, ws)
		if len(rs) <= 200 {
			for _, r := range rs {
				if err := db.Append(ctx, r); err != nil {
					tb.Fatal(err)
				}
				id = r.ID
			}
			continue
		}
		const batch = 500
		for lo := 0; lo < len(rs); lo += batch {
			set := &records.Set{Modules: map[string]records.Module{}}
			for _, r := range rs[lo:min(lo+batch, len(rs))] {
				id++
				r.ID = id
				r.Seal()
				set.Rounds = append(set.Rounds, r)
			}
			if err := db.Import(ctx, set); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return all
}
