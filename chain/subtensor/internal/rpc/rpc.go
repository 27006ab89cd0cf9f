// Package rpc is a small JSON-RPC 2.0 client for Substrate nodes over WebSocket or HTTP: one owner per
// connection (calls are serialised), a deadline on every call, reconnection with exponential backoff,
// and the error's data field kept (Substrate puts the reason for an invalid transaction there).
package rpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// DefaultTimeout bounds a call whose context has no deadline.
const DefaultTimeout = 30 * time.Second

// Error is a JSON-RPC error object returned by the node.
type Error struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// Error returns "rpc error CODE: MESSAGE: DATA".
func (e *Error) Error() string {
	s := fmt.Sprintf("rpc error %d: %s", e.Code, e.Message)
	if len(e.Data) > 0 && string(e.Data) != "null" {
		s += ": " + string(e.Data)
	}
	return s
}

// ErrClosed is returned by calls on a closed client.
var ErrClosed = errors.New("rpc client closed")

// Client is a JSON-RPC client for one endpoint. It is safe for concurrent use; calls are serialised on
// the single connection it owns.
type Client struct {
	url    string
	ws     bool
	http   *http.Client
	dialer *websocket.Dialer

	mu     sync.Mutex
	conn   *websocket.Conn
	nextID uint64
	closed bool

	// MaxBackoff caps the wait between reconnection attempts.
	MaxBackoff time.Duration
}

// New returns a client for a ws://, wss://, http:// or https:// endpoint. It does not connect yet.
func New(endpoint string) (*Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("chain endpoint %q: %w", endpoint, err)
	}
	c := &Client{url: endpoint, MaxBackoff: 5 * time.Second}
	switch u.Scheme {
	case "ws", "wss":
		c.ws = true
		c.dialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 1 << 16, WriteBufferSize: 1 << 16}
	case "http", "https":
		c.http = &http.Client{}
	default:
		return nil, fmt.Errorf("chain endpoint %q: scheme must be ws, wss, http or https", endpoint)
	}
	return c, nil
}

// URL returns the endpoint.
func (c *Client) URL() string { return c.url }

// Close closes the connection; later calls fail with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.conn != nil {
		err := c.conn.Close()
		c.conn = nil
		return err
	}
	return nil
}

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	ID     *uint64         `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
	Method string          `json:"method"`
}

// Call invokes method with params and decodes the result into result (which may be nil). A call
// without a deadline gets DefaultTimeout. A transport failure closes the connection; the next call
// reconnects. Call never retries by itself: the caller decides whether a method is safe to repeat.
func (c *Client) Call(ctx context.Context, result any, method string, params ...any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	if params == nil {
		params = []any{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.nextID++
	req := request{JSONRPC: "2.0", ID: c.nextID, Method: method, Params: params}
	var resp *response
	var err error
	if c.ws {
		resp, err = c.callWS(ctx, req)
	} else {
		resp, err = c.callHTTP(ctx, req)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	if resp.Error != nil {
		return resp.Error
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(resp.Result, result); err != nil {
		return fmt.Errorf("%s: decode result: %w", method, err)
	}
	return nil
}

func (c *Client) callHTTP(ctx context.Context, req request) (*response, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hresp, err := c.http.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	var resp response
	if err := json.Unmarshal(data, &resp); err != nil {
		return nil, fmt.Errorf("http %d: not a JSON-RPC response: %.100q", hresp.StatusCode, data)
	}
	return &resp, nil
}

func (c *Client) callWS(ctx context.Context, req request) (*response, error) {
	if err := c.connectLocked(ctx); err != nil {
		return nil, err
	}
	dl, _ := ctx.Deadline()
	// The call's own connection: c.conn may be dropped (set to nil) while the call ends, and a
	// cancellation firing then must still reach the connection it was for.
	conn := c.conn
	stop := context.AfterFunc(ctx, func() {
		// Unblock a read when the context is cancelled before its deadline.
		_ = conn.SetReadDeadline(time.Now())
	})
	defer stop()
	_ = conn.SetWriteDeadline(dl)
	if err := conn.WriteJSON(req); err != nil {
		c.dropLocked()
		return nil, err
	}
	_ = conn.SetReadDeadline(dl)
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			// The answer may still arrive later: drop the connection so it cannot be mistaken for the
			// answer to another call.
			c.dropLocked()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() && !time.Now().Before(dl) {
				return nil, context.DeadlineExceeded // the read deadline is the context's
			}
			return nil, err
		}
		var resp response
		if err := json.Unmarshal(data, &resp); err != nil {
			continue
		}
		if resp.ID == nil || *resp.ID != req.ID {
			continue // a notification, or a stale answer
		}
		return &resp, nil
	}
}

func (c *Client) dropLocked() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}

// connectLocked dials until it succeeds or ctx ends, with exponential backoff.
func (c *Client) connectLocked(ctx context.Context) error {
	if c.conn != nil {
		return nil
	}
	wait := 100 * time.Millisecond
	var last error
	for {
		conn, _, err := c.dialer.DialContext(ctx, c.url, nil)
		if err == nil {
			conn.SetReadLimit(64 << 20)
			c.conn = conn
			return nil
		}
		last = err
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("connect %s: %w (last error: %v)", c.url, ctx.Err(), last)
		case <-t.C:
		}
		if wait *= 2; wait > c.MaxBackoff {
			wait = c.MaxBackoff
		}
	}
}

// IsTransport reports whether err is a failure to talk to the node (as opposed to an error answer
// from it).
func IsTransport(err error) bool {
	var e *Error
	return err != nil && !errors.As(err, &e) && !strings.Contains(err.Error(), "decode result")
}
