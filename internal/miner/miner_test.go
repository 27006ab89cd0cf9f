package miner

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/subnetd/subnetd/dendrite"
	"github.com/subnetd/subnetd/wallet"
)

func key(t *testing.T, uri string) *wallet.Keypair {
	t.Helper()
	kp, err := wallet.FromURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func TestDefaultAnswer(t *testing.T) {
	tests := []struct {
		name    string
		quality float64
		body    string
		want    any
	}{
		{"exact sum", 1, `{"task":"sum","numbers":[1.5,2.25,-0.75],"id":"a"}`, 3.0},
		{"poor sum", 0.5, `{"task":"sum","numbers":[10,30],"id":"a"}`, 42.0},
		{"text exact", 1, `{"prompt":"say hi","reference":"hello there good friend"}`, "hello there good friend"},
		{"text half", 0.5, `{"prompt":"say hi","reference":"hello there good friend"}`, "lorem there lorem friend"},
		{"unknown task", 1, `{"ping":1}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := DefaultAnswer(tt.quality)(context.Background(), "SumTask", json.RawMessage(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			var in map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			json.Unmarshal([]byte(tt.body), &in)
			for k, v := range in {
				if _, ok := got[k]; !ok {
					t.Errorf("challenge field %q not echoed (%v)", k, v)
				}
			}
			if f, ok := tt.want.(float64); ok {
				if g, _ := got["answer"].(float64); math.Abs(g-f) > 1e-9 {
					t.Fatalf("answer %v, want %v", got["answer"], f)
				}
				return
			}
			if got["answer"] != tt.want {
				t.Fatalf("answer %v, want %v", got["answer"], tt.want)
			}
		})
	}
	if _, err := DefaultAnswer(1)(context.Background(), "SumTask", json.RawMessage(`{"task":"sum","numbers":"x"}`)); err == nil {
		t.Fatal("bad numbers accepted")
	}
}

// TestProfiles runs one miner of each profile and queries them as a validator would.
func TestProfiles(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	uris := map[string]string{"good": "//Bob", "bad": "//Charlie", "slow": "//Dave", "dead": "//Eve"}
	names := []string{"good", "bad", "slow", "dead"}
	var targets []dendrite.Target
	for i, name := range names {
		cfg, err := Profile(name, key(t, uris[name]))
		if err != nil {
			t.Fatal(err)
		}
		if name == "slow" {
			cfg.Latency = 1500 * time.Millisecond // beyond the 1 s timeout below
		}
		m, err := Start(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		targets = append(targets, m.Target(uint16(i)))
	}
	d, err := dendrite.New(key(t, "//Alice"), dendrite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	body := json.RawMessage(`{"task":"sum","id":"r1","numbers":[100,200,300]}`)
	resps, err := d.QueryMany(ctx, targets, dendrite.Request{Synapse: "SumTask", Body: body, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	answer := func(r dendrite.Response) float64 {
		var a struct{ Answer float64 }
		json.Unmarshal(r.Body, &a)
		return a.Answer
	}
	if r := resps[0]; r.Status != 200 || answer(r) != 600 {
		t.Errorf("good: %d %s", r.Status, r.Body)
	}
	if r := resps[1]; r.Status != 200 || math.Abs(answer(r)-648) > 1e-9 {
		t.Errorf("bad: %d %s", r.Status, r.Body)
	}
	if r := resps[2]; r.Status != 408 {
		t.Errorf("slow: %d %s", r.Status, r.Message)
	}
	if r := resps[3]; r.Status != 503 {
		t.Errorf("dead: %d %s", r.Status, r.Message)
	}
	// Any served synapse works for a latency scorer; an unserved one is 404.
	ping, _ := d.Query(ctx, targets[0], dendrite.Request{Synapse: "Ping", Timeout: time.Second})
	other, _ := d.Query(ctx, targets[0], dendrite.Request{Synapse: "Other", Timeout: time.Second})
	if ping.Status != 200 || other.Status != 404 {
		t.Errorf("ping %d, other %d", ping.Status, other.Status)
	}
}

func TestProfile_unknown(t *testing.T) {
	if _, err := Profile("zombie", key(t, "//Bob")); err == nil {
		t.Fatal("unknown profile accepted")
	}
	if _, err := Start(context.Background(), Config{Keypair: key(t, "//Bob"), Quality: 2}); err == nil {
		t.Fatal("quality 2 accepted")
	}
}
