package main

import (
	"encoding/json"
	"fmt"
	"testing"

	pdk "github.com/subnetd/subnetd/pdk/go"
)

func sumRound(t testing.TB, answers []string, state []byte) pdk.Round {
	t.Helper()
	c, err := Challenge(pdk.ChallengeRequest{Seed: "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"})
	if err != nil {
		t.Fatal(err)
	}
	r := pdk.Round{Challenge: c.Body, State: state}
	for i, a := range answers {
		m := pdk.Miner{UID: uint16(i), Hotkey: fmt.Sprintf("hk%d", i), Status: 200, Response: json.RawMessage(a)}
		if a == "" {
			m.Status, m.Response = 408, nil
		}
		r.Miners = append(r.Miners, m)
	}
	return r
}

func TestChallenge(t *testing.T) {
	a, _ := Challenge(pdk.ChallengeRequest{Seed: "0x01020304050607080910"})
	b, _ := Challenge(pdk.ChallengeRequest{Seed: "0x01020304050607080910"})
	c, _ := Challenge(pdk.ChallengeRequest{Seed: "0xff020304050607080910"})
	if string(a.Body) != string(b.Body) || string(a.Body) == string(c.Body) || a.Synapse != Synapse {
		t.Fatalf("challenge must follow the seed: %s %s %s", a.Body, b.Body, c.Body)
	}
	if _, err := Challenge(pdk.ChallengeRequest{Seed: "zz"}); err == nil {
		t.Fatal("bad seed accepted")
	}
}

func TestScore(t *testing.T) {
	r := sumRound(t, nil, nil)
	var task Task
	if err := json.Unmarshal(r.Challenge, &task); err != nil {
		t.Fatal(err)
	}
	want := 0.0
	for _, v := range task.Numbers {
		want += v
	}
	answers := []string{
		fmt.Sprintf(`{"answer":%v}`, want),      // exact
		fmt.Sprintf(`{"answer":%v}`, want*1.01), // 1% off
		fmt.Sprintf(`{"answer":%v}`, want*1.5),  // way off
		`{"answer":"many"}`,                     // not a number
		``,                                      // timed out
	}
	s, err := Score(sumRound(t, answers, nil))
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint16]float64{}
	for _, sc := range s.Scores {
		got[sc.UID] = sc.Score
	}
	if got[0] != 1 || !(got[0] > got[1] && got[1] > got[2] && got[2] > got[3]) || got[3] != 0 || got[4] != 0 {
		t.Fatalf("scores %v: exact > close > wrong > garbage = timeout = 0", got)
	}
	// With state, a miner that was perfect last round and wrong now keeps part of its history.
	s2, err := Score(sumRound(t, []string{`{"answer":0}`}, s.State))
	if err != nil {
		t.Fatal(err)
	}
	if v := s2.Scores[0].Score; v <= 0 || v >= 1 {
		t.Fatalf("EMA after one good and one bad round = %v", v)
	}
	if _, err := Score(pdk.Round{}); err == nil {
		t.Fatal("a round without challenge must fail")
	}
}
