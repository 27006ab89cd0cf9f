package main

import (
	"encoding/json"
	"testing"

	pdk "github.com/subnetd/subnetd/pdk/go"
)

func TestScore(t *testing.T) {
	ok := json.RawMessage(`{"pong":true}`)
	r := pdk.Round{Miners: []pdk.Miner{
		{UID: 0, Hotkey: "a", Status: 200, LatencyMs: 50, Response: ok},
		{UID: 1, Hotkey: "b", Status: 200, LatencyMs: 900, Response: ok},
		{UID: 2, Hotkey: "c", Status: 408, LatencyMs: 12000},
		{UID: 3, Hotkey: "d", Status: 200, LatencyMs: 50, Response: json.RawMessage(`null`)},
	}}
	s, err := Score(r)
	if err != nil {
		t.Fatal(err)
	}
	sc := s.Scores
	if !(sc[0].Score > sc[1].Score && sc[1].Score > 0) || sc[2].Score != 0 || sc[3].Score != 0 {
		t.Fatalf("scores %+v: fast > slow > 0 = timeout = empty", sc)
	}
	// Next round everyone answers fast: the miner that timed out is still behind (availability EMA).
	for i := range r.Miners {
		r.Miners[i].Status, r.Miners[i].LatencyMs, r.Miners[i].Response = 200, 50, ok
	}
	r.State = s.State
	s2, err := Score(r)
	if err != nil {
		t.Fatal(err)
	}
	if !(s2.Scores[0].Score > s2.Scores[2].Score && s2.Scores[2].Score > 0) {
		t.Fatalf("scores %+v: history must count", s2.Scores)
	}
	// A re-registered uid (new hotkey) starts fresh.
	r.Miners[0].Hotkey = "new"
	s3, _ := Score(r)
	if s3.Scores[0].Score != 500.0/550.0 {
		t.Fatalf("new hotkey score %v", s3.Scores[0].Score)
	}
}
