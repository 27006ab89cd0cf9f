package dendrite

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawMiner serves every connection on a loopback port with fn (a misbehaving HTTP server).
func rawMiner(t *testing.T, fn func(net.Conn)) Target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done); ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				// Read the request headers first, as a real server would.
				br := bufio.NewReader(conn)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				go func() { <-done; conn.Close() }()
				fn(conn)
			}()
		}
	}()
	return Target{IP: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Hotkey: "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"}
}

// closedPort returns a loopback port nobody listens on.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port
}

func TestClient_Query_failures(t *testing.T) {
	_, good := echoAxon(t, AxonConfig{})
	tests := []struct {
		name    string
		opts    Options
		target  Target
		req     Request
		status  int
		message string
	}{
		{"slow miner", Options{}, good, Request{Synapse: "Slow", Timeout: 200 * time.Millisecond}, 408, "timeout"},
		{"oversized answer", Options{MaxResponseBytes: 16 << 10}, good, Request{Synapse: "Big"}, 413, "cap"},
		{"connection refused", Options{}, Target{IP: "127.0.0.1", Port: closedPort(t), Hotkey: good.Hotkey}, Request{Synapse: "Echo"}, 503, "connection"},
		{"not serving", Options{}, Target{IP: "0.0.0.0", Port: 8091, Hotkey: good.Hotkey}, Request{Synapse: "Echo"}, 503, "not serving"},
		{"no address", Options{}, Target{Hotkey: good.Hotkey}, Request{Synapse: "Echo"}, 503, "not serving"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.opts)
			resp, err := c.Query(context.Background(), tt.target, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			// The slow miner's axon answers 408 itself at the same instant as the client gives up, so
			// either side may report it; the others are client-side outcomes with an error.
			if resp.Status != tt.status || !strings.Contains(resp.Message, tt.message) || resp.Body != nil || (resp.Err == nil && tt.name != "slow miner") {
				t.Fatalf("got %d %q %v, want %d containing %q", resp.Status, resp.Message, resp.Err, tt.status, tt.message)
			}
		})
	}
}

// maliciousMiners are servers that misbehave in the ways a validator must survive.
func maliciousMiners(t *testing.T) map[string]Target {
	return map[string]Target{
		"endless body": rawMiner(t, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":\"")
			chunk := []byte(strings.Repeat("z", 32<<10))
			for {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}),
		"gigantic headers": rawMiner(t, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\n")
			line := "X-Junk: " + strings.Repeat("j", 8<<10) + "\r\n"
			for range 512 {
				if _, err := io.WriteString(c, line); err != nil {
					return
				}
			}
		}),
		"invalid json": rawMiner(t, func(c net.Conn) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"answer\"")
		}),
		"slow loris": rawMiner(t, func(c net.Conn) {
			for _, b := range []byte("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{\"a\":1}") {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
		}),
		"silent":  rawMiner(t, func(c net.Conn) { io.Copy(io.Discard, c) }),
		"garbage": rawMiner(t, func(c net.Conn) { io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n") }),
	}
}

func TestClient_QueryMany_maliciousMiners(t *testing.T) {
	_, good1 := echoAxon(t, AxonConfig{})
	_, good2 := echoAxon(t, AxonConfig{Keypair: devKey(t, "//Charlie")})
	bad := maliciousMiners(t)
	targets := []Target{good1}
	var names []string
	for name, tg := range bad {
		tg.UID = uint16(len(targets))
		targets = append(targets, tg)
		names = append(names, name)
	}
	good2.UID = uint16(len(targets))
	targets = append(targets, good2)

	c := newClient(t, Options{MaxResponseBytes: 1 << 20, MaxResponseHeaderBytes: 32 << 10})
	req := Request{Synapse: "Sum", Body: json.RawMessage(`{"numbers":[1,2,3]}`), RequiredHashFields: []string{"numbers"}, Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	resps, err := c.QueryMany(ctx, targets, req)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != len(targets) {
		t.Fatalf("%d responses for %d targets", len(resps), len(targets))
	}
	for i, r := range resps {
		if r.Target != targets[i] {
			t.Fatalf("response %d is for %+v, want %+v", i, r.Target, targets[i])
		}
	}
	for _, i := range []int{0, len(targets) - 1} {
		if resps[i].Status != 200 || !strings.Contains(string(resps[i].Body), `"answer":6`) {
			t.Errorf("good miner %d: %d %s %v", i, resps[i].Status, resps[i].Body, resps[i].Err)
		}
	}
	want := map[string]int{"endless body": 413, "gigantic headers": 500, "invalid json": 422, "slow loris": 408, "silent": 408, "garbage": 500}
	for j, name := range names {
		r := resps[j+1]
		if r.Status != want[name] || r.Body != nil {
			t.Errorf("%s: status %d (%v), want %d", name, r.Status, r.Err, want[name])
		}
		if r.Latency > req.Timeout+2*time.Second {
			t.Errorf("%s held its request for %v, beyond the %v timeout", name, r.Latency, req.Timeout)
		}
	}
	// The whole fan-out is bounded by the per-request timeout, not by the misbehaving miners.
	if elapsed > req.Timeout+3*time.Second {
		t.Errorf("fan-out took %v with an %v per-request timeout", elapsed, req.Timeout)
	}
}

func TestClient_QueryMany_overallDeadline(t *testing.T) {
	_, slow := echoAxon(t, AxonConfig{})
	_, fast := echoAxon(t, AxonConfig{Keypair: devKey(t, "//Dave")})
	c := newClient(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	// Slow's handler takes 2 s and the per-request timeout is 10 s, so only the overall deadline
	// can end it. Echo on the fast miner answers at once.
	resps, err := c.QueryMany(ctx, []Target{slow, fast}, Request{Synapse: "Slow", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if resps[0].Status != 408 || resps[1].Status != 408 {
		t.Fatalf("statuses %d %d", resps[0].Status, resps[1].Status)
	}
	resps, _ = c.QueryMany(context.Background(), []Target{fast, slow}, Request{Synapse: "Echo"})
	if resps[0].Status != 200 || resps[1].Status != 200 {
		t.Fatalf("statuses after deadline %d %d", resps[0].Status, resps[1].Status)
	}
}

func TestClient_nonceMonotonic(t *testing.T) {
	fixed := time.Unix(1_700_000_000, 0)
	c := newClient(t, Options{Now: func() time.Time { return fixed }})
	a, b := c.nextNonce(), c.nextNonce()
	if a != fixed.UnixNano() || b != a+1 {
		t.Fatalf("nonces %d %d", a, b)
	}
}
