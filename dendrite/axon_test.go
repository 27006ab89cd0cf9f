package dendrite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/subnetd/subnetd/wallet"
)

func devKey(t testing.TB, uri string) *wallet.Keypair {
	t.Helper()
	kp, err := wallet.FromURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// startAxon serves ax on a loopback port until the test ends and returns its Target.
func startAxon(t testing.TB, ax *Axon) Target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = ax.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return Target{UID: 1, IP: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Hotkey: ax.Hotkey()}
}

// echoAxon answers "Sum" with the sum of "numbers", "Echo" with the body, "Slow" after a delay,
// "Fail" with an error, and "Big" with a large answer.
func echoAxon(t testing.TB, cfg AxonConfig) (*Axon, Target) {
	t.Helper()
	if cfg.Keypair == nil {
		cfg.Keypair = devKey(t, "//Bob")
	}
	ax, err := NewAxon(cfg)
	if err != nil {
		t.Fatal(err)
	}
	must := func(s Synapse) {
		if err := ax.Attach(s); err != nil {
			t.Fatal(err)
		}
	}
	must(Synapse{Name: "Sum", RequiredHashFields: []string{"numbers"}, Handler: func(_ context.Context, r *AxonRequest) (json.RawMessage, error) {
		var in struct{ Numbers []float64 }
		if err := json.Unmarshal(r.Body, &in); err != nil {
			return nil, err
		}
		s := 0.0
		for _, n := range in.Numbers {
			s += n
		}
		return json.Marshal(map[string]any{"answer": s, "caller": r.Caller})
	}})
	must(Synapse{Name: "Echo", Handler: func(_ context.Context, r *AxonRequest) (json.RawMessage, error) { return nil, nil }})
	must(Synapse{Name: "Slow", Handler: func(ctx context.Context, r *AxonRequest) (json.RawMessage, error) {
		select {
		case <-time.After(2 * time.Second):
			return json.RawMessage(`{"late":true}`), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}})
	must(Synapse{Name: "Fail", Handler: func(context.Context, *AxonRequest) (json.RawMessage, error) {
		return nil, errors.New("model crashed")
	}})
	must(Synapse{Name: "Big", Handler: func(context.Context, *AxonRequest) (json.RawMessage, error) {
		return json.Marshal(map[string]string{"blob": strings.Repeat("x", 64<<10)})
	}})
	return ax, startAxon(t, ax)
}

func newClient(t testing.TB, opts Options) *Client {
	t.Helper()
	c, err := New(devKey(t, "//Alice"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestClient_Query(t *testing.T) {
	_, target := echoAxon(t, AxonConfig{})
	c := newClient(t, Options{})
	ctx := context.Background()
	resp, err := c.Query(ctx, target, Request{Synapse: "Sum", Body: json.RawMessage(`{"task":"sum","numbers":[1,2.5,-3],"id":"q1"}`), RequiredHashFields: []string{"numbers"}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.Err != nil || resp.Message != "Success" {
		t.Fatalf("resp = %+v", resp)
	}
	var got map[string]any
	if err := json.Unmarshal(resp.Body, &got); err != nil {
		t.Fatal(err)
	}
	if got["answer"] != 0.5 || got["task"] != "sum" || got["id"] != "q1" || got["caller"] != c.Hotkey() {
		t.Fatalf("body = %s", resp.Body)
	}
	for f := range baseFields {
		if _, ok := got[f]; ok {
			t.Errorf("base field %q leaked into the body: %s", f, resp.Body)
		}
	}
	if resp.Latency <= 0 || resp.Target != target {
		t.Fatalf("latency %v target %+v", resp.Latency, resp.Target)
	}
	// A second query reuses the connection and passes the monotonic nonce rule.
	resp2, _ := c.Query(ctx, target, Request{Synapse: "Echo", Body: json.RawMessage(`{"x":[1,{"y":null}]}`)})
	if resp2.Status != 200 || string(resp2.Body) != `{"x":[1,{"y":null}]}` {
		t.Fatalf("echo = %d %s %v", resp2.Status, resp2.Body, resp2.Err)
	}
}

func TestClient_Query_badRequest(t *testing.T) {
	c := newClient(t, Options{})
	tgt := Target{IP: "127.0.0.1", Port: 1, Hotkey: "x"}
	for _, req := range []Request{
		{Synapse: "bad/name"},
		{Synapse: ""},
		{Synapse: "S", Body: json.RawMessage(`[1]`)},
		{Synapse: "S", Body: json.RawMessage(`{"timeout":1}`)},
		{Synapse: "S", Body: json.RawMessage(`{}`), RequiredHashFields: []string{"absent"}},
	} {
		if _, err := c.Query(context.Background(), tgt, req); !errors.Is(err, ErrBadRequest) {
			t.Errorf("Query(%+v) err = %v", req, err)
		}
	}
}

// tamper lets a test rewrite each outgoing request.
type tamper struct {
	base http.RoundTripper
	fn   func(*http.Request)
}

func (tp tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	tp.fn(r)
	return tp.base.RoundTrip(r)
}

func withTamper(c *Client, fn func(*http.Request)) {
	c.http.Transport = tamper{base: c.transport, fn: fn}
}

func setBody(r *http.Request, b []byte) {
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
}

func TestAxon_refusals(t *testing.T) {
	var blocked sync.Map
	ax, target := echoAxon(t, AxonConfig{
		MaxRequestBytes: 4 << 10,
		Blacklist: func(_ context.Context, r *AxonRequest) (bool, string) {
			_, ok := blocked.Load(r.Caller)
			return ok, "unknown hotkey"
		},
	})
	sumBody := json.RawMessage(`{"numbers":[1,2]}`)
	sum := Request{Synapse: "Sum", Body: sumBody, RequiredHashFields: []string{"numbers"}, Timeout: 3 * time.Second}
	tests := []struct {
		name   string
		opts   Options
		target func(Target) Target
		req    Request
		tamper func(*http.Request)
		setup  func(c *Client)
		status int
		msg    string
	}{
		{name: "unknown synapse", req: Request{Synapse: "Nope"}, status: 404, msg: "not found"},
		{name: "tampered signature", req: sum, status: 401, msg: "Signature mismatch", tamper: func(r *http.Request) {
			sig := r.Header[hDendriteSig][0]
			b, _ := hex.DecodeString(sig[2:])
			b[3] ^= 0x40
			r.Header[hDendriteSig] = []string{"0x" + hex.EncodeToString(b)}
		}},
		{name: "missing signature", req: sum, status: 401, msg: "missing signature", tamper: func(r *http.Request) { delete(r.Header, hDendriteSig) }},
		{name: "missing nonce", req: sum, status: 401, msg: "missing nonce", tamper: func(r *http.Request) { delete(r.Header, hDendriteNonce) }},
		{name: "malformed nonce", req: sum, status: 400, msg: "invalid nonce", tamper: func(r *http.Request) { r.Header[hDendriteNonce] = []string{"12x"} }},
		{name: "signed for another axon", req: sum, status: 401, msg: "Signature mismatch",
			target: func(t Target) Target { t.Hotkey = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y"; return t }},
		{name: "stale nonce", req: sum, status: 401, msg: "Nonce is too old",
			opts: Options{Now: func() time.Time { return time.Now().Add(-10 * time.Second) }}},
		{name: "wrong body hash (body changed after signing)", req: sum, status: 400, msg: "body hash mismatch", tamper: func(r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			setBody(r, bytes.Replace(b, []byte(`[1,2]`), []byte(`[1,3]`), 1))
		}},
		{name: "header hash rewritten", req: sum, status: 401, msg: "Signature mismatch", tamper: func(r *http.Request) {
			r.Header[hBodyHash] = []string{EmptyBodyHash}
		}},
		{name: "invalid json body", req: Request{Synapse: "Echo"}, status: 400, msg: "not a synapse JSON object", tamper: func(r *http.Request) { setBody(r, []byte(`{"a":`)) }},
		{name: "oversized request", req: Request{Synapse: "Echo", Body: json.RawMessage(`{"blob":"` + strings.Repeat("y", 8<<10) + `"}`)}, status: 413},
		{name: "handler error", req: Request{Synapse: "Fail"}, status: 500, msg: "model crashed"},
		{name: "blacklisted", req: Request{Synapse: "Echo"}, status: 403, msg: "unknown hotkey", setup: func(c *Client) { blocked.Store(c.Hotkey(), true) }},
		{name: "bad dendrite hotkey", req: Request{Synapse: "Echo"}, status: 401, msg: "dendrite hotkey", tamper: func(r *http.Request) { r.Header[hDendriteHotkey] = []string{"5notanaddress"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, tt.opts)
			if tt.tamper != nil {
				withTamper(c, tt.tamper)
			}
			if tt.setup != nil {
				tt.setup(c)
			}
			tg := target
			if tt.target != nil {
				tg = tt.target(tg)
			}
			resp, err := c.Query(context.Background(), tg, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.status || !strings.Contains(resp.Message, tt.msg) || resp.Body != nil {
				t.Fatalf("got %d %q body %s, want %d containing %q", resp.Status, resp.Message, resp.Body, tt.status, tt.msg)
			}
		})
	}
	_ = ax
}

func TestAxon_replay(t *testing.T) {
	_, target := echoAxon(t, AxonConfig{})
	c := newClient(t, Options{})
	var captured *http.Request
	var capturedBody []byte
	withTamper(c, func(r *http.Request) {
		capturedBody, _ = io.ReadAll(r.Body)
		setBody(r, capturedBody)
		captured = r.Clone(context.Background())
	})
	resp, _ := c.Query(context.Background(), target, Request{Synapse: "Echo", Body: json.RawMessage(`{"a":1}`)})
	if resp.Status != 200 {
		t.Fatalf("first: %+v", resp)
	}
	// Send the very same bytes again: same nonce for the same hotkey:uuid.
	replay := func() *http.Response {
		setBody(captured, capturedBody)
		captured.RequestURI = ""
		r, err := http.DefaultTransport.RoundTrip(captured)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		io.Copy(io.Discard, r.Body)
		return r
	}
	if r := replay(); r.StatusCode != 401 {
		t.Fatalf("replay answered %d", r.StatusCode)
	}
	// An older nonce than the last processed one (still inside the window) is refused too.
	old := captured.Header[hDendriteNonce][0]
	n, _ := strconv.ParseInt(old, 10, 64)
	msgOld := SignatureMessage(n-1, c.Hotkey(), target.Hotkey, c.UUID(), EmptyBodyHash)
	sig, _ := c.kp.Sign([]byte(msgOld))
	captured.Header[hDendriteNonce] = []string{strconv.FormatInt(n-1, 10)}
	captured.Header[hDendriteSig] = []string{"0x" + hex.EncodeToString(sig)}
	if r := replay(); r.StatusCode != 401 {
		t.Fatalf("older nonce answered %d", r.StatusCode)
	}
	// A fresh, newer nonce from the same dendrite works.
	withTamper(c, func(*http.Request) {})
	if resp, _ := c.Query(context.Background(), target, Request{Synapse: "Echo"}); resp.Status != 200 {
		t.Fatalf("fresh nonce: %+v", resp)
	}
}

func TestAxon_headersCaseInsensitive(t *testing.T) {
	_, target := echoAxon(t, AxonConfig{})
	for _, style := range []string{"upper", "canonical"} {
		c := newClient(t, Options{})
		withTamper(c, func(r *http.Request) {
			h := http.Header{}
			for k, v := range r.Header {
				if style == "upper" {
					h[strings.ToUpper(k)] = v
				} else {
					h.Set(k, v[0])
				}
			}
			r.Header = h
		})
		resp, _ := c.Query(context.Background(), target, Request{Synapse: "Sum", Body: json.RawMessage(`{"numbers":[2]}`), RequiredHashFields: []string{"numbers"}})
		if resp.Status != 200 {
			t.Fatalf("%s headers: %d %s", style, resp.Status, resp.Message)
		}
	}
}

func TestAxon_responseHeaders(t *testing.T) {
	ax, target := echoAxon(t, AxonConfig{})
	c := newClient(t, Options{})
	var hdr http.Header
	c.http.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := c.transport.RoundTrip(r)
		if err == nil {
			hdr = resp.Header
		}
		return resp, err
	})
	resp, _ := c.Query(context.Background(), target, Request{Synapse: "Echo"})
	if resp.Status != 200 {
		t.Fatal(resp)
	}
	if headerGet(hdr, hAxonStatusCode) != "200" || headerGet(hdr, hAxonHotkey) != ax.Hotkey() || headerGet(hdr, hDendriteHotkey) != c.Hotkey() {
		t.Fatalf("headers %v", hdr)
	}
	n, _ := strconv.ParseInt(headerGet(hdr, hAxonNonce), 10, 64)
	sig, _ := hex.DecodeString(strings.TrimPrefix(headerGet(hdr, hAxonSignature), "0x"))
	msg := AxonSignatureMessage(n, c.Hotkey(), ax.Hotkey(), headerGet(hdr, hAxonUUID))
	if !wallet.Verify(ax.cfg.Keypair.PublicKey(), []byte(msg), sig) {
		t.Fatal("axon signature does not verify")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestClient_wireFormat reads the raw bytes the client sends, as a Python axon would see them.
func TestClient_wireFormat(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	raw := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 64<<10)
		var all []byte
		for !bytes.Contains(all, []byte(`"x":"y"}`)) {
			n, err := conn.Read(buf)
			all = append(all, buf[:n]...)
			if err != nil {
				break
			}
		}
		raw <- string(all)
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
	}()
	c := newClient(t, Options{})
	tg := Target{IP: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Hotkey: devKey(t, "//Bob").SS58()}
	resp, _ := c.Query(context.Background(), tg, Request{Synapse: "Dummy", Body: json.RawMessage(`{"n":3,"m":{"k":1},"x":"y"}`),
		Timeout: 2 * time.Second, InputObjFields: []string{"n", "x"}})
	if resp.Status != 200 {
		t.Fatalf("resp %+v", resp)
	}
	req := <-raw
	for _, want := range []string{
		"POST /Dummy HTTP/1.1\r\n", "\r\nbt_header_dendrite_signature: 0x", "\r\nbt_header_dendrite_nonce: ",
		"\r\nbt_header_dendrite_version: 10002000\r\n", "\r\nbt_header_axon_hotkey: " + tg.Hotkey + "\r\n",
		"\r\ncomputed_body_hash: " + EmptyBodyHash + "\r\n", "\r\ntimeout: 2.0\r\n", "\r\nname: Dummy\r\n",
		"\r\nbt_header_input_obj_n: MA==\r\n", "\r\nbt_header_input_obj_x: IiI=\r\n",
		`{"name":"Dummy","timeout":2.0,`, `"computed_body_hash":"` + EmptyBodyHash + `","n":3,"m":{"k":1},"x":"y"}`,
	} {
		if !strings.Contains(req, want) {
			t.Errorf("raw request lacks %q:\n%s", want, req)
		}
	}
	if strings.Contains(req, "bt_header_input_obj_m") {
		t.Errorf("input_obj header sent for a field outside InputObjFields:\n%s", req)
	}
}

func TestGate_priority(t *testing.T) {
	g := newGate(1, 10)
	ctx := context.Background()
	if err := g.acquire(ctx, 0); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []float64
	var wg sync.WaitGroup
	for i, p := range []float64{1, 5, 3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := g.acquire(ctx, p); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, p)
			mu.Unlock()
			g.release()
		}()
		for { // wait until queued, so arrival order is fixed
			g.mu.Lock()
			n := len(g.waiters)
			g.mu.Unlock()
			if n == i+1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	g.release()
	wg.Wait()
	if len(order) != 3 || order[0] != 5 || order[1] != 3 || order[2] != 1 {
		t.Fatalf("admission order %v, want [5 3 1]", order)
	}
	// A full queue refuses with 503; a waiter whose deadline passes gets 408.
	g2 := newGate(1, 1)
	_ = g2.acquire(ctx, 0)
	short, cancel := context.WithCancel(ctx)
	errCh := make(chan *axonError, 1)
	go func() { errCh <- g2.acquire(short, 0) }()
	for {
		g2.mu.Lock()
		n := len(g2.waiters)
		g2.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := g2.acquire(ctx, 9); err == nil || err.status != 503 {
		t.Fatalf("full queue: %v", err)
	}
	cancel() // the waiter's deadline passes
	if err := <-errCh; err == nil || err.status != 408 {
		t.Fatalf("deadline while waiting: %v", err)
	}
}

// TestAxon_slowRequestBody: a client that trickles its body is cut off at the synapse timeout.
func TestAxon_slowRequestBody(t *testing.T) {
	_, target := echoAxon(t, AxonConfig{})
	c := newClient(t, Options{})
	// Capture a validly signed request, then replay its headers by hand with a stalled body.
	var hdr http.Header
	var body []byte
	c.http.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		hdr = r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
		return nil, errors.New("captured")
	})
	c.Query(context.Background(), target, Request{Synapse: "Echo", Body: json.RawMessage(`{"a":1}`), Timeout: 500 * time.Millisecond})
	conn, err := net.Dial("tcp", net.JoinHostPort(target.IP, strconv.Itoa(target.Port)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var raw bytes.Buffer
	raw.WriteString("POST /Echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n")
	for k, v := range hdr {
		raw.WriteString(k + ": " + v[0] + "\r\n")
	}
	raw.WriteString("\r\n")
	raw.Write(body[:len(body)-1]) // withhold the last byte
	if _, err := conn.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer from the axon: %v", err)
	}
	if resp.StatusCode != 408 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Fatalf("the axon waited %v for a body with a 500ms timeout", el)
	}
}
