package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// node is a JSON-RPC test server: "echo" returns its first param, "fail" returns a Substrate-style
// error with data, "hang" never answers, "bye" closes the connection (WebSocket) without answering.
func node(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	up := websocket.Upgrader{}
	answer := func(req request) (any, bool) {
		switch req.Method {
		case "echo":
			return map[string]any{"jsonrpc": "2.0", "id": req.ID, "result": req.Params[0]}, true
		case "fail":
			return map[string]any{"jsonrpc": "2.0", "id": req.ID, "error": map[string]any{
				"code": 1010, "message": "Invalid Transaction", "data": "Custom error: 6"}}, true
		}
		return nil, false
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			var req request
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
				http.Error(w, "bad", 400)
				return
			}
			resp, _ := answer(req)
			_ = json.NewEncoder(w).Encode(resp)
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		conns.Add(1)
		defer c.Close()
		for {
			var req request
			if err := c.ReadJSON(&req); err != nil {
				return
			}
			if req.Method == "bye" {
				return
			}
			// A notification first, to check the client skips it.
			_ = c.WriteJSON(map[string]any{"jsonrpc": "2.0", "method": "chain_newHead", "params": map[string]any{}})
			if resp, ok := answer(req); ok {
				_ = c.WriteJSON(resp)
			}
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &conns
}

func TestClient_Call(t *testing.T) {
	srv, _ := node(t)
	for _, scheme := range []string{"http", "ws"} {
		t.Run(scheme, func(t *testing.T) {
			c, err := New(scheme + strings.TrimPrefix(srv.URL, "http"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			var s string
			if err := c.Call(ctx, &s, "echo", "hello"); err != nil || s != "hello" {
				t.Fatalf("echo = %q, %v", s, err)
			}
			err = c.Call(ctx, nil, "fail")
			var re *Error
			if !errors.As(err, &re) || re.Code != 1010 || string(re.Data) != `"Custom error: 6"` || IsTransport(err) {
				t.Fatalf("fail = %v, want a 1010 error that keeps its data", err)
			}
		})
	}
}

func TestClient_Deadline(t *testing.T) {
	srv, _ := node(t)
	c, _ := New("ws" + strings.TrimPrefix(srv.URL, "http"))
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Call(ctx, nil, "hang")
	if !errors.Is(err, context.DeadlineExceeded) || !IsTransport(err) {
		t.Fatalf("hang = %v, want the deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("the deadline did not stop the call")
	}
	// The connection that may still deliver the late answer was dropped; the next call works.
	var s string
	if err := c.Call(context.Background(), &s, "echo", "again"); err != nil || s != "again" {
		t.Fatalf("after a timeout: %q, %v", s, err)
	}
}

func TestClient_Reconnect(t *testing.T) {
	srv, conns := node(t)
	c, _ := New("ws" + strings.TrimPrefix(srv.URL, "http"))
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Call(ctx, nil, "bye"); err == nil || !IsTransport(err) {
		t.Fatalf("bye = %v, want a transport error", err)
	}
	var s string
	if err := c.Call(ctx, &s, "echo", "x"); err != nil || s != "x" {
		t.Fatalf("after the server hung up: %q, %v", s, err)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2 (one redial)", n)
	}
}

func TestClient_DialBackoff(t *testing.T) {
	c, _ := New("ws://127.0.0.1:1") // nothing listens there
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := c.Call(ctx, nil, "echo", 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline after retries", err)
	}
	c.Close()
	if err := c.Call(context.Background(), nil, "echo", 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestNew(t *testing.T) {
	for _, bad := range []string{"ftp://x", "127.0.0.1:9944", "::"} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}
