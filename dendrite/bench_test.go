package dendrite

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"
)

// benchMiners is the number of miners in one benchmark round.
const benchMiners = 256

// slowestDelay is the slowest miner's own answering time; the others answer faster.
const slowestDelay = 20 * time.Millisecond

func minerDelay(i int) time.Duration { return slowestDelay * time.Duration(i%8+1) / 8 }

// BenchmarkRound measures one signed fan-out round against 256 miners on loopback and reports the
// host's overhead beyond the slowest miner (round time minus that miner's 20 ms answering time) and
// the requests per second.
//
//   - stub-miners: miners are plain HTTP handlers that answer after their delay, so the figure is the
//     validator's own cost: signing 256 requests, sending, reading and parsing.
//   - axons: miners are full Axons that also verify every signature in this same process, so both
//     sides of the protocol share the machine's cores.
func BenchmarkRound(b *testing.B) {
	b.Run("stub-miners", func(b *testing.B) {
		hotkey := devKey(b, "//Bob").SS58()
		targets := make([]Target, benchMiners)
		for i := range targets {
			d := minerDelay(i)
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(d)
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"numbers":[1,2,3],"answer":6}`))
			})
			targets[i] = serveBench(b, h, hotkey)
			targets[i].UID = uint16(i)
		}
		runRound(b, targets)
	})
	b.Run("axons", func(b *testing.B) {
		kp := devKey(b, "//Bob")
		targets := make([]Target, benchMiners)
		for i := range targets {
			d := minerDelay(i)
			ax, err := NewAxon(AxonConfig{Keypair: kp})
			if err != nil {
				b.Fatal(err)
			}
			if err := ax.Attach(Synapse{Name: "Sum", RequiredHashFields: []string{"numbers"}, Handler: func(ctx context.Context, r *AxonRequest) (json.RawMessage, error) {
				time.Sleep(d)
				return json.RawMessage(`{"answer":6}`), nil
			}}); err != nil {
				b.Fatal(err)
			}
			targets[i] = startAxon(b, ax)
			targets[i].UID = uint16(i)
		}
		runRound(b, targets)
	})
}

func serveBench(b *testing.B, h http.Handler, hotkey string) Target {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return Target{IP: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Hotkey: hotkey}
}

func runRound(b *testing.B, targets []Target) {
	c, err := New(devKey(b, "//Alice"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	req := Request{Synapse: "Sum", Body: json.RawMessage(`{"task":"sum","numbers":[1,2,3]}`), RequiredHashFields: []string{"numbers"}, Timeout: 10 * time.Second}
	round := func() time.Duration {
		start := time.Now()
		resps, err := c.QueryMany(context.Background(), targets, req)
		el := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range resps {
			if r.Status != 200 {
				b.Fatalf("miner %d: %d %s", r.Target.UID, r.Status, r.Message)
			}
		}
		return el
	}
	// The baseline, measured in the same run: the same fan-out as bare unsigned HTTP POSTs over an
	// equally configured transport, so the ratio shows what the protocol adds to plain HTTP.
	plain := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, DisableCompression: true}}
	defer plain.CloseIdleConnections()
	payload := []byte(`{"task":"sum","numbers":[1,2,3]}`)
	plainRound := func() time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for _, t := range targets {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := plain.Post("http://"+net.JoinHostPort(t.IP, strconv.Itoa(t.Port))+"/Sum", "application/json", bytes.NewReader(payload))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	round() // warm: dial every miner once, as a validator's second round would find them
	plainRound()
	b.ResetTimer()
	var total, plainTotal time.Duration
	for range b.N {
		total += round()
		b.StopTimer()
		plainTotal += plainRound()
		b.StartTimer()
	}
	b.StopTimer()
	per := total / time.Duration(b.N)
	plainPer := plainTotal / time.Duration(b.N)
	overhead := per - slowestDelay
	b.ReportMetric(float64(overhead.Microseconds())/1000, "overhead-ms/round")
	b.ReportMetric(float64((plainPer-slowestDelay).Microseconds())/1000, "plain-http-overhead-ms/round")
	b.ReportMetric(float64(per)/float64(plainPer), "round/plain-http-round")
	b.ReportMetric(float64(len(targets))/per.Seconds(), "req/s")
}
