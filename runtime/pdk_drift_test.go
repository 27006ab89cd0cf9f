package runtime_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	pdk "github.com/subnetd/subnetd/pdk/go"
	"github.com/subnetd/subnetd/runtime"
)

// The runtime is the source of ABI v1's messages: it encodes the Round and ChallengeRequest
// and validates Scores and Challenge. pdk/go keeps its own copies (a guest must not link the
// host), so these tests fail when the two drift: the version, a field, a JSON name or a type.

func TestPDK_ABIVersion(t *testing.T) {
	if pdk.ABIVersion != runtime.ABIVersion {
		t.Fatalf("pdk/go ABIVersion %d, runtime %d", pdk.ABIVersion, runtime.ABIVersion)
	}
}

// fullRound sets every field, so a field one side lacks shows up.
func fullRound() runtime.Round {
	r := runtime.Round{Netuid: 7, Block: 99, BlockHash: "0xab", BlockTimeMs: 1_700_000_000_123,
		Validator: runtime.Validator{UID: 2, Hotkey: "5V"}, Challenge: json.RawMessage(`{"q":1}`),
		Miners: []runtime.Miner{{UID: 4, Hotkey: "5M", Stake: 1.5, Status: 200, LatencyMs: 12.25, Response: json.RawMessage(`{"a":2}`)}},
		State:  []byte("state\x00bytes")}
	for i := range r.Seed {
		r.Seed[i] = byte(i * 7)
	}
	return r
}

// roundTrip decodes the host's message into the kit's type, refusing unknown fields, and
// encodes it again: the kit must see every field and write the same JSON (with subset, at
// least the host's fields: pdk.ChallengeRequest reuses pdk.Miner, whose other fields are zero).
func roundTrip(t *testing.T, msg []byte, into any, subset bool) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		t.Fatalf("pdk/go cannot read the host's %T: %v", into, err)
	}
	again, err := json.Marshal(into)
	if err != nil {
		t.Fatal(err)
	}
	var a, b any
	if json.Unmarshal(msg, &a) != nil || json.Unmarshal(again, &b) != nil || !(reflect.DeepEqual(a, b) || subset && contains(b, a)) {
		t.Fatalf("%T drifted:\nhost: %s\npdk:  %s", into, msg, again)
	}
}

func TestPDK_Round(t *testing.T) {
	msg, _, err := fullRound().Encode()
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, msg, &pdk.Round{}, false)
}

// The kit decodes the Round without reflection; what the scorer sees must be what
// encoding/json gives on the host's messages, with and without feature providers.
func TestPDK_RoundDecoder(t *testing.T) {
	withFeatures := fullRound()
	withFeatures.Miners = append(withFeatures.Miners, runtime.Miner{UID: 9, Hotkey: "5N", Status: 408,
		Features: map[string]json.RawMessage{"geo": json.RawMessage(`{"cc":"FR"}`), "down": nil}})
	for _, r := range []runtime.Round{fullRound(), withFeatures, {}} {
		msg, _, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		var want, got pdk.Round
		if err := json.Unmarshal(msg, &want); err != nil {
			t.Fatal(err)
		}
		capture := pdk.Scorer{Score: func(r pdk.Round) (pdk.Scores, error) { got = r; return pdk.Scores{}, nil }}
		if _, err := pdk.ScoreJSON(capture, msg); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("pdk/go decoded %s\nas   %#v\nwant %#v", msg, got, want)
		}
	}
}

func TestPDK_ChallengeRequest(t *testing.T) {
	msg, _, err := fullRound().EncodeChallengeRequest()
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, msg, &pdk.ChallengeRequest{}, true)
}

func TestPDK_ScoresAndChallenge(t *testing.T) {
	out, err := json.Marshal(pdk.Scores{Scores: []pdk.Score{{UID: 4, Score: 0.5}}, State: []byte("next")})
	if err != nil {
		t.Fatal(err)
	}
	sc, err := runtime.ValidateScores(out, []uint16{4}, 1<<10)
	if err != nil || len(sc.Scores) != 1 || sc.Scores[0] != (runtime.Score{UID: 4, Score: 0.5}) || string(sc.State) != "next" {
		t.Fatalf("host read the kit's Scores as %+v, %v", sc, err)
	}
	out, err = json.Marshal(pdk.Challenge{Synapse: "Ping", Body: json.RawMessage(`{"n":1}`), TimeoutMs: 250})
	if err != nil {
		t.Fatal(err)
	}
	c, err := runtime.ParseChallenge(out)
	if err != nil || c.Synapse != "Ping" || string(c.Body) != `{"n":1}` || c.TimeoutMs != 250 {
		t.Fatalf("host read the kit's Challenge as %+v, %v", c, err)
	}
	// Same JSON fields, names and kinds, both ways.
	for _, p := range [][2]any{{pdk.Scores{}, runtime.Scores{}}, {pdk.Score{}, runtime.Score{}}, {pdk.Challenge{}, runtime.Challenge{}},
		{pdk.Validator{}, runtime.Validator{}}, {pdk.Miner{}, runtime.Miner{}}} {
		if a, b := jsonFields(reflect.TypeOf(p[0])), jsonFields(reflect.TypeOf(p[1])); !slices.Equal(a, b) {
			t.Errorf("%T fields %v, %T fields %v", p[0], a, p[1], b)
		}
	}
}

// jsonFields lists a struct's JSON fields as "tag:kind".
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		k := f.Type.Kind().String()
		if f.Type.Kind() == reflect.Slice {
			k += " of " + f.Type.Elem().Kind().String()
		}
		out = append(out, f.Tag.Get("json")+":"+k)
	}
	slices.Sort(out)
	return out
}

// contains reports whether every object key of sub is in super with a value super contains.
func contains(super, sub any) bool {
	switch s := sub.(type) {
	case map[string]any:
		m, ok := super.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range s {
			if w, ok := m[k]; !ok || !contains(w, v) {
				return false
			}
		}
		return true
	case []any:
		l, ok := super.([]any)
		if !ok || len(l) != len(s) {
			return false
		}
		for i := range s {
			if !contains(l[i], s[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(super, sub)
}
