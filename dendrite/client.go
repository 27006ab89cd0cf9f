package dendrite

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"

	"github.com/subnetd/subnetd/wallet"
)

// Status codes a Response can carry besides the axon's own HTTP status. The synthetic ones follow
// the SDK dendrite's mapping of client-side failures.
const (
	StatusOK              = http.StatusOK                    // 200: the miner answered
	StatusTimeout         = http.StatusRequestTimeout        // 408: per-request or overall deadline passed
	StatusTooLarge        = http.StatusRequestEntityTooLarge // 413: the answer exceeded MaxResponseBytes
	StatusUnparseable     = http.StatusUnprocessableEntity   // 422: a 200 whose body is not a JSON object
	StatusInternal        = http.StatusInternalServerError   // 500: any other client-side failure
	StatusUnavailable     = http.StatusServiceUnavailable    // 503: connection refused or reset, axon not serving
	defaultMaxRespBytes   = 8 << 20
	defaultMaxRespHeaders = 64 << 10
)

// ErrBadRequest is wrapped by Query and QueryMany when the request itself is invalid (before any
// miner is contacted).
var ErrBadRequest = errors.New("invalid dendrite request")

// Target is one miner's axon, as the metagraph lists it.
type Target struct {
	// UID is the miner's uid on the subnet; carried through to the Response.
	UID uint16
	// IP is the axon's IPv4 or IPv6 address.
	IP string
	// Port is the axon's TCP port.
	Port int
	// Hotkey is the miner's SS58 hotkey; it is part of the signed message.
	Hotkey string
}

// Request is one synapse to send.
type Request struct {
	// Synapse is the synapse class name; it becomes the URL path (POST /<Synapse>).
	Synapse string
	// Body is a JSON object with the subnet's own fields; nil means {}.
	Body json.RawMessage
	// Timeout bounds each miner's request and is sent to the axon; 0 means DefaultTimeout (12 s).
	Timeout time.Duration
	// RequiredHashFields are the fields covered by the body hash, as the synapse class declares
	// them; most subnets declare none.
	RequiredHashFields []string
	// InputObjFields, when not nil, limits the bt_header_input_obj_<field> headers to these fields (the
	// synapse's required pydantic fields). Nil sends one for every non-null body field, which suits
	// fields of plain types; name the required ones when an optional field holds a nested model.
	InputObjFields []string
}

// Response is one miner's outcome.
type Response struct {
	// Target is the axon that was queried.
	Target Target
	// Status is the HTTP status of the axon's answer, or a synthetic code for client-side failures:
	// 408 timeout, 413 answer too large, 422 unparseable answer, 503 connection refused or reset,
	// 500 anything else. Only 200 means the miner answered.
	Status int
	// Message is the axon's status message or a description of the client-side failure.
	Message string
	// Latency is the wall time from sending to having read the whole answer (or failing).
	Latency time.Duration
	// Body is the miner's synapse JSON without the Synapse base fields (name, timeout, total_size,
	// header_size, dendrite, axon, computed_body_hash); nil unless Status is 200.
	Body json.RawMessage
	// Err is the underlying error for a synthetic status; nil when the axon answered.
	Err error
}

// Options tune a Client; zero values take the defaults.
type Options struct {
	// MaxResponseBytes caps an answer's body; a larger answer is cut off as 413. Default 8 MiB.
	MaxResponseBytes int64
	// MaxResponseHeaderBytes caps an answer's headers. Default 64 KiB.
	MaxResponseHeaderBytes int64
	// MaxConcurrency caps requests in flight in QueryMany. Default 1024.
	MaxConcurrency int
	// MaxIdleConnsPerHost is how many idle keep-alive connections to keep per axon. Default 2.
	MaxIdleConnsPerHost int
	// ExternalIP, when set, is sent as bt_header_dendrite_ip.
	ExternalIP string
	// UUID overrides the dendrite uuid (default: a fresh version-1 UUID, as the SDK uses).
	UUID string
	// Now overrides the clock used for nonces (tests only).
	Now func() time.Time
}

// Client is a dendrite: it signs synapse requests with a hotkey and sends them to axons over one
// shared HTTP transport, so connections to the same miner are reused across rounds. It is safe for
// concurrent use.
type Client struct {
	kp        *wallet.Keypair
	uuid      string
	opts      Options
	transport *http.Transport
	http      *http.Client
	lastNonce atomic.Int64
}

// New returns a Client signing with kp.
func New(kp *wallet.Keypair, opts Options) (*Client, error) {
	if kp == nil {
		return nil, errors.New("new dendrite: nil keypair")
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = defaultMaxRespBytes
	}
	if opts.MaxResponseHeaderBytes <= 0 {
		opts.MaxResponseHeaderBytes = defaultMaxRespHeaders
	}
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = 1024
	}
	if opts.MaxIdleConnsPerHost <= 0 {
		opts.MaxIdleConnsPerHost = 2
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.UUID == "" {
		u, err := uuid.NewUUID()
		if err != nil {
			u = uuid.New()
		}
		opts.UUID = u.String()
	}
	t := &http.Transport{
		Proxy:                  nil, // miners are reached directly, as the SDK's aiohttp session does
		DialContext:            (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:           0, // no global limit; per host below
		MaxIdleConnsPerHost:    opts.MaxIdleConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: opts.MaxResponseHeaderBytes,
		DisableCompression:     true,
		ForceAttemptHTTP2:      false,
	}
	c := &Client{
		kp:        kp,
		uuid:      opts.UUID,
		opts:      opts,
		transport: t,
		http: &http.Client{
			Transport:     t,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	return c, nil
}

// UUID returns the dendrite uuid sent with every request.
func (c *Client) UUID() string { return c.uuid }

// Hotkey returns the signing hotkey's SS58 address.
func (c *Client) Hotkey() string { return c.kp.SS58() }

// Close drops idle connections.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

// nextNonce returns time.Now in nanoseconds, forced strictly above every nonce issued before, so
// back-to-back requests to one axon never trip its monotonic rule.
func (c *Client) nextNonce() int64 {
	now := c.opts.Now().UnixNano()
	for {
		last := c.lastNonce.Load()
		n := max(now, last+1)
		if c.lastNonce.CompareAndSwap(last, n) {
			return n
		}
	}
}

// prepared is a validated request shared by every target of a fan-out.
type prepared struct {
	req      Request
	body     object
	bodyHash string
	timeout  time.Duration
}

func prepare(req Request) (*prepared, error) {
	if !ValidSynapseName(req.Synapse) {
		return nil, fmt.Errorf("%w: synapse name %q is not a class name", ErrBadRequest, req.Synapse)
	}
	raw := req.Body
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: body: %w", ErrBadRequest, err)
	}
	for _, m := range obj {
		if baseFields[m.Key] {
			return nil, fmt.Errorf("%w: body field %q is reserved for the synapse header", ErrBadRequest, m.Key)
		}
	}
	for _, f := range req.RequiredHashFields {
		if _, ok := obj.get(f); !ok {
			return nil, fmt.Errorf("%w: required hash field %q is not in the body", ErrBadRequest, f)
		}
	}
	hash, err := BodyHash(raw, req.RequiredHashFields)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &prepared{req: req, body: obj, bodyHash: hash, timeout: timeout}, nil
}

// Query sends one synapse to one axon. The error is non-nil only when the request itself is invalid;
// every failure of the miner is a Response status.
func (c *Client) Query(ctx context.Context, t Target, req Request) (Response, error) {
	p, err := prepare(req)
	if err != nil {
		return Response{}, err
	}
	return c.send(ctx, t, p), nil
}

// QueryMany sends the same synapse to every target concurrently (at most MaxConcurrency at once) and
// returns one Response per target, in the order given. Each request has req.Timeout; ctx's deadline
// bounds the whole fan-out, and a request it cuts short reports 408. One miner's failure, slowness
// or misbehaviour affects only its own Response.
func (c *Client) QueryMany(ctx context.Context, targets []Target, req Request) ([]Response, error) {
	p, err := prepare(req)
	if err != nil {
		return nil, err
	}
	out := make([]Response, len(targets))
	sem := make(chan struct{}, c.opts.MaxConcurrency)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = Response{Target: t, Status: StatusTimeout, Message: "overall deadline passed before sending", Err: ctx.Err()}
				return
			}
			out[i] = c.send(ctx, t, p)
			<-sem
		}()
	}
	wg.Wait()
	return out, nil
}

// terminalInfo is the SDK's TerminalInfo as it appears in a synapse body.
type terminalInfo struct {
	StatusCode    *int     `json:"status_code"`
	StatusMessage *string  `json:"status_message"`
	ProcessTime   *float64 `json:"process_time"`
	IP            *string  `json:"ip"`
	Port          *int     `json:"port"`
	Version       *int     `json:"version"`
	Nonce         *int64   `json:"nonce"`
	UUID          *string  `json:"uuid"`
	Hotkey        *string  `json:"hotkey"`
	Signature     *string  `json:"signature"`
}

func (c *Client) send(ctx context.Context, t Target, p *prepared) Response {
	start := time.Now()
	resp := Response{Target: t}
	fail := func(status int, err error) Response {
		resp.Status, resp.Err, resp.Message = status, err, err.Error()
		resp.Latency = time.Since(start)
		return resp
	}
	ip := net.ParseIP(t.IP)
	if ip == nil || ip.IsUnspecified() || t.Port <= 0 || t.Port > 65535 {
		return fail(StatusUnavailable, fmt.Errorf("axon not serving: address %q port %d", t.IP, t.Port))
	}

	nonce := c.nextNonce()
	msg := SignatureMessage(nonce, c.kp.SS58(), t.Hotkey, c.uuid, p.bodyHash)
	sigBytes, err := c.kp.Sign([]byte(msg))
	if err != nil {
		return fail(StatusInternal, err)
	}
	sig := "0x" + hex.EncodeToString(sigBytes)

	timeoutSecs := PyFloatRepr(p.timeout.Seconds())
	version := Version
	hotkey, uid := c.kp.SS58(), c.uuid
	dend := terminalInfo{Version: &version, Nonce: &nonce, UUID: &uid, Hotkey: &hotkey, Signature: &sig}
	if c.opts.ExternalIP != "" {
		dend.IP = &c.opts.ExternalIP
	}
	axIP, axPort, axHotkey := t.IP, t.Port, t.Hotkey
	ax := terminalInfo{IP: &axIP, Port: &axPort, Hotkey: &axHotkey}
	dendJSON, _ := json.Marshal(dend)
	axJSON, _ := json.Marshal(ax)
	nameJSON, _ := json.Marshal(p.req.Synapse)
	hashJSON, _ := json.Marshal(p.bodyHash)
	body := make(object, 0, len(p.body)+7)
	body = append(body,
		member{"name", nameJSON},
		member{"timeout", json.RawMessage(timeoutSecs)},
		member{"total_size", json.RawMessage("0")},
		member{"header_size", json.RawMessage("0")},
		member{"dendrite", dendJSON},
		member{"axon", axJSON},
		member{"computed_body_hash", hashJSON},
	)
	body = append(body, p.body...)
	payload := body.encode()

	rctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	url := "http://" + net.JoinHostPort(t.IP, strconv.Itoa(t.Port)) + "/" + p.req.Synapse
	hreq, err := http.NewRequestWithContext(rctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return fail(StatusInternal, err)
	}
	h := hreq.Header
	set := func(k, v string) { h[k] = []string{v} } // exact lower-case names, as the SDK sends
	set("Content-Type", "application/json")
	set(hName, p.req.Synapse)
	set(hTimeout, timeoutSecs)
	set(hAxonIP, t.IP)
	set(hAxonPort, strconv.Itoa(t.Port))
	set(hAxonHotkey, t.Hotkey)
	if c.opts.ExternalIP != "" {
		set(hDendriteIP, c.opts.ExternalIP)
	}
	set(hDendriteVersion, strconv.Itoa(Version))
	set(hDendriteNonce, strconv.FormatInt(nonce, 10))
	set(hDendriteUUID, c.uuid)
	set(hDendriteHotkey, c.kp.SS58())
	set(hDendriteSig, sig)
	for _, m := range p.body {
		if p.req.InputObjFields != nil && !slices.Contains(p.req.InputObjFields, m.Key) {
			continue
		}
		if v, ok := emptyInputObj(m.Val); ok {
			set(hInputObjPrefix+m.Key, v)
		}
	}
	set(hBodyHash, p.bodyHash)
	set(hTotalSize, strconv.Itoa(len(payload)))
	set(hHeaderSize, "0")

	hresp, err := c.http.Do(hreq)
	if err != nil {
		return fail(classify(rctx, err))
	}
	defer hresp.Body.Close()
	resp.Status = hresp.StatusCode
	if hresp.ContentLength > c.opts.MaxResponseBytes {
		return fail(StatusTooLarge, fmt.Errorf("answer of %d bytes exceeds the %d-byte cap", hresp.ContentLength, c.opts.MaxResponseBytes))
	}
	data, err := io.ReadAll(io.LimitReader(hresp.Body, c.opts.MaxResponseBytes+1))
	if err != nil {
		return fail(classify(rctx, err))
	}
	if int64(len(data)) > c.opts.MaxResponseBytes {
		return fail(StatusTooLarge, fmt.Errorf("answer exceeds the %d-byte cap", c.opts.MaxResponseBytes))
	}
	resp.Latency = time.Since(start)
	resp.Message = headerGet(hresp.Header, hAxonStatusMsg)
	if hresp.StatusCode != http.StatusOK {
		var m struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &m) == nil && m.Message != "" {
			resp.Message = m.Message
		}
		if resp.Message == "" {
			resp.Message = http.StatusText(hresp.StatusCode)
		}
		return resp
	}
	obj, err := decodeObject(data)
	if err != nil {
		return fail(StatusUnparseable, fmt.Errorf("answer is not a synapse JSON object: %w", err))
	}
	resp.Body = obj.without(baseFields).encode()
	if resp.Message == "" {
		resp.Message = "Success"
	}
	return resp
}

// classify maps a client-side failure to the SDK dendrite's synthetic status.
func classify(ctx context.Context, err error) (int, error) {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), ctx.Err() != nil:
		return StatusTimeout, fmt.Errorf("timeout: %w", err)
	case errors.As(err, &ne) && ne.Timeout():
		return StatusTimeout, fmt.Errorf("timeout: %w", err)
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return StatusUnavailable, fmt.Errorf("connection failed: %w", err)
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return StatusUnavailable, fmt.Errorf("connection failed: %w", err)
	}
	return StatusInternal, err
}
