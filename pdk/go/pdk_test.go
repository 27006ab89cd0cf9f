package pdk

import (
	"errors"
	"strings"
	"testing"
)

func TestScoreJSON(t *testing.T) {
	echo := Scorer{Score: func(r Round) (Scores, error) {
		var s Scores
		for _, m := range r.Miners {
			s.Scores = append(s.Scores, Score{UID: m.UID, Score: m.LatencyMs})
		}
		s.State = append(r.State, 'x')
		return s, nil
	}}
	tests := []struct {
		name   string
		s      Scorer
		round  string
		want   string
		errSub string
	}{
		{name: "round trip", s: echo, round: `{"abi":1,"miners":[{"uid":3,"latency_ms":1.5,"response":{"a":1}}],"state":"YQ=="}`,
			want: `{"scores":[{"uid":3,"score":1.5}],"state":"YXg="}`},
		{name: "no miners", s: Scorer{Score: func(Round) (Scores, error) { return Scores{}, nil }}, round: `{"miners":[]}`, want: `{"scores":[]}`},
		{name: "bad json", s: echo, round: `{`, errSub: "decode round"},
		{name: "scorer error", s: Scorer{Score: func(Round) (Scores, error) { return Scores{}, errors.New("nope") }}, round: `{}`, errSub: "nope"},
		{name: "not registered", s: Scorer{}, round: `{}`, errSub: "no scorer registered"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := ScoreJSON(tc.s, []byte(tc.round))
			if tc.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errSub) {
					t.Fatalf("error %v, want %q", err, tc.errSub)
				}
				return
			}
			if err != nil || string(out) != tc.want {
				t.Fatalf("ScoreJSON = %s, %v; want %s", out, err, tc.want)
			}
		})
	}
}

func TestChallengeJSON(t *testing.T) {
	s := Scorer{Challenge: func(r ChallengeRequest) (Challenge, error) {
		return Challenge{Synapse: "Ping", Body: []byte(`{"n":` + string(rune('0'+len(r.Miners))) + `}`)}, nil
	}}
	out, err := ChallengeJSON(s, []byte(`{"miners":[{"uid":1},{"uid":2}]}`))
	if err != nil || string(out) != `{"synapse":"Ping","body":{"n":2}}` {
		t.Fatalf("ChallengeJSON = %s, %v", out, err)
	}
	if _, err := ChallengeJSON(Scorer{}, []byte(`{}`)); err == nil {
		t.Fatal("no Challenge function must fail")
	}
}
