package main

import (
	"encoding/json"
	"testing"

	pdk "github.com/subnetd/subnetd/pdk/go"
)

func TestScore(t *testing.T) {
	f := func(s string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	ok := json.RawMessage(`{"answer":"x"}`)
	for _, tc := range []struct {
		name string
		m    pdk.Miner
		want float64
	}{
		{"exact and instant", pdk.Miner{Status: 200, Response: ok, Features: f(`{"similarity":{"similarity":1},"length":{"words":3}}`)}, 1},
		{"no features", pdk.Miner{Status: 200, Response: ok}, 0.2},
		{"provider failed", pdk.Miner{Status: 200, Response: ok, Features: f(`{"similarity":null,"length":null}`)}, 0.2},
		{"slow", pdk.Miner{Status: 200, LatencyMs: 500, Response: ok, Features: f(`{"similarity":{"similarity":0.5}}`)}, 0.5},
		{"too long", pdk.Miner{Status: 200, Response: ok, Features: f(`{"similarity":{"similarity":1},"length":{"words":201}}`)}, 0.5},
		{"out of range similarity", pdk.Miner{Status: 200, Response: ok, Features: f(`{"similarity":{"similarity":7}}`)}, 1},
		{"timed out", pdk.Miner{Status: 408, Features: f(`{"similarity":{"similarity":1}}`)}, 0},
	} {
		if got := score(tc.m); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
