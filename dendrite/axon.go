package dendrite

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/subnetd/subnetd/wallet"
)

// AxonRequest is what the axon's hooks and handlers see of one request.
type AxonRequest struct {
	// Synapse is the synapse name from the URL path.
	Synapse string
	// Caller is the dendrite's SS58 hotkey. In Blacklist it is only claimed (checked afterwards, as
	// in the SDK); in Priority and handlers its signature has been verified.
	Caller string
	// CallerUUID is the dendrite's uuid.
	CallerUUID string
	// Nonce is the dendrite's nonce.
	Nonce int64
	// Timeout is the synapse timeout the dendrite sent (capped at AxonConfig.MaxTimeout).
	Timeout time.Duration
	// RemoteAddr is the peer's address.
	RemoteAddr string
	// Body is the synapse JSON without its base fields; nil in Blacklist and Priority (the body is
	// read only after the caller is verified).
	Body json.RawMessage
}

// Handler answers a synapse: it gets the request and returns a JSON object whose fields are merged
// over the request's (the SDK's "fill in the synapse and return it"). ctx ends at the synapse
// timeout. An error becomes a 500 answer with the error's text.
type Handler func(ctx context.Context, req *AxonRequest) (json.RawMessage, error)

// Synapse registers one synapse type on an Axon.
type Synapse struct {
	// Name is the synapse class name and URL path.
	Name string
	// RequiredHashFields are the body fields covered by the body hash.
	RequiredHashFields []string
	// Handler answers it.
	Handler Handler
}

// AxonConfig configures an Axon; zero values take the defaults.
type AxonConfig struct {
	// Keypair is the axon's hotkey: the signed message must name it.
	Keypair *wallet.Keypair
	// Blacklist, when set, runs before verification and refuses a request with 403 and the reason.
	Blacklist func(ctx context.Context, req *AxonRequest) (blocked bool, reason string)
	// Priority, when set with MaxConcurrent, orders waiting requests: higher first.
	Priority func(ctx context.Context, req *AxonRequest) float64
	// MaxConcurrent caps handlers running at once (0: no cap). Requests beyond it wait, by priority,
	// until their timeout (408) or until MaxQueue are waiting (503).
	MaxConcurrent int
	// MaxQueue caps waiting requests when MaxConcurrent is set. Default 1024.
	MaxQueue int
	// MaxRequestBytes caps a request body (413). Default 4 MiB.
	MaxRequestBytes int64
	// MaxTimeout caps the timeout a dendrite may claim, for the nonce window and the handler
	// deadline. Default 10 minutes.
	MaxTimeout time.Duration
	// ExternalIP and ExternalPort are reported in bt_header_axon_ip/port; informational.
	ExternalIP   string
	ExternalPort int
	// Now overrides the clock for the nonce window (tests only).
	Now func() time.Time
}

// Axon is the server side of the synapse protocol: it checks the path, headers, blacklist, nonce,
// signature and body hash, then runs the synapse's handler and answers with the synapse JSON and the
// bt_header_axon_* headers. It is an http.Handler; Serve runs it with hardened server timeouts.
type Axon struct {
	cfg      AxonConfig
	uuid     string
	mu       sync.Mutex
	synapses map[string]Synapse
	nonces   map[string]int64
	inserts  int
	gate     *gate
}

// NewAxon returns an Axon with no synapses attached.
func NewAxon(cfg AxonConfig) (*Axon, error) {
	if cfg.Keypair == nil {
		return nil, errors.New("new axon: nil keypair")
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = 4 << 20
	}
	if cfg.MaxTimeout <= 0 {
		cfg.MaxTimeout = 10 * time.Minute
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = 1024
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &Axon{cfg: cfg, uuid: uuid.New().String(), synapses: map[string]Synapse{}, nonces: map[string]int64{}}
	if cfg.MaxConcurrent > 0 {
		a.gate = newGate(cfg.MaxConcurrent, cfg.MaxQueue)
	}
	return a, nil
}

// Attach registers a synapse. Attaching a name twice is an error.
func (a *Axon) Attach(s Synapse) error {
	if !ValidSynapseName(s.Name) {
		return fmt.Errorf("attach synapse %q: not a class name", s.Name)
	}
	if s.Handler == nil {
		return fmt.Errorf("attach synapse %s: nil handler", s.Name)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.synapses[s.Name]; ok {
		return fmt.Errorf("attach synapse %s: already attached", s.Name)
	}
	a.synapses[s.Name] = s
	return nil
}

// Hotkey returns the axon's SS58 hotkey.
func (a *Axon) Hotkey() string { return a.cfg.Keypair.SS58() }

// Serve answers requests on ln until ctx ends, then shuts down gracefully (5 s at most). The server
// bounds header size and the time to read headers, so slow or oversized clients cannot pin it.
func (a *Axon) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(sctx)
		case <-done:
		}
	}()
	err := srv.Serve(ln)
	close(done)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// axonError is a refusal with its HTTP status.
type axonError struct {
	status int
	msg    string
}

func (e *axonError) Error() string { return e.msg }

func refuse(status int, format string, args ...any) *axonError {
	return &axonError{status: status, msg: fmt.Sprintf(format, args...)}
}

// ServeHTTP implements the axon's pipeline: path (400/404), headers (400), blacklist (403), nonce and
// signature (401), priority queue (408/503), body size (413), body JSON and hash (400), handler
// (408 on timeout, 500 on error), then 200 with the synapse JSON.
func (a *Axon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	axonNonce := a.cfg.Now().UnixNano()
	req := &AxonRequest{RemoteAddr: r.RemoteAddr}
	body, aerr := a.handle(w, r, req)
	status, msg := http.StatusOK, "Success"
	if aerr != nil {
		status, msg = aerr.status, aerr.msg
		body, _ = json.Marshal(map[string]string{"message": msg})
	}
	h := w.Header()
	set := func(k, v string) { h[k] = []string{v} }
	set("Content-Type", "application/json")
	set(hAxonStatusCode, strconv.Itoa(status))
	set(hAxonStatusMsg, msg)
	set(hAxonProcessTime, PyFloatRepr(time.Since(start).Seconds()))
	set(hAxonHotkey, a.cfg.Keypair.SS58())
	set(hAxonUUID, a.uuid)
	set(hAxonVersion, strconv.Itoa(Version))
	set(hAxonNonce, strconv.FormatInt(axonNonce, 10))
	if a.cfg.ExternalIP != "" {
		set(hAxonIP, a.cfg.ExternalIP)
		set(hAxonPort, strconv.Itoa(a.cfg.ExternalPort))
	}
	if req.Caller != "" {
		if sig, err := a.cfg.Keypair.Sign([]byte(AxonSignatureMessage(axonNonce, req.Caller, a.cfg.Keypair.SS58(), a.uuid))); err == nil {
			set(hAxonSignature, "0x"+hex.EncodeToString(sig))
		}
		set(hDendriteHotkey, req.Caller)
		set(hDendriteUUID, req.CallerUUID)
		set(hDendriteNonce, strconv.FormatInt(req.Nonce, 10))
	}
	if req.Synapse != "" {
		set(hName, req.Synapse)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func (a *Axon) handle(w http.ResponseWriter, r *http.Request, req *AxonRequest) ([]byte, *axonError) {
	// 1. Path → synapse.
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		return nil, refuse(http.StatusMethodNotAllowed, "method %s not allowed", r.Method)
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	if !ValidSynapseName(name) {
		return nil, refuse(http.StatusBadRequest, "cannot parse synapse name from path %q", r.URL.Path)
	}
	a.mu.Lock()
	syn, ok := a.synapses[name]
	a.mu.Unlock()
	if !ok {
		return nil, refuse(http.StatusNotFound, "synapse name '%s' not found; available: %s", name, strings.Join(a.names(), ", "))
	}
	req.Synapse = name

	// 2. Headers.
	hdr := r.Header
	req.Caller = headerGet(hdr, hDendriteHotkey)
	req.CallerUUID = headerGet(hdr, hDendriteUUID)
	req.Timeout = DefaultTimeout
	if ts := headerGet(hdr, hTimeout); ts != "" {
		secs, err := strconv.ParseFloat(ts, 64)
		if err != nil || math.IsNaN(secs) || secs <= 0 {
			return nil, refuse(http.StatusBadRequest, "invalid timeout header %q", ts)
		}
		req.Timeout = min(time.Duration(secs*float64(time.Second)), a.cfg.MaxTimeout)
	}
	nonceStr := headerGet(hdr, hDendriteNonce)
	if nonceStr != "" {
		n, err := strconv.ParseInt(nonceStr, 10, 64)
		if err != nil {
			return nil, refuse(http.StatusBadRequest, "invalid nonce header %q", nonceStr)
		}
		req.Nonce = n
	}

	// 3. Blacklist (before verification, as in the SDK).
	if a.cfg.Blacklist != nil {
		if blocked, reason := a.cfg.Blacklist(r.Context(), req); blocked {
			if reason == "" {
				reason = "blacklisted"
			}
			return nil, refuse(http.StatusForbidden, "Forbidden. Key is blacklisted: %s", reason)
		}
	}

	// 4. Verify nonce and signature.
	if err := a.verify(hdr, req, nonceStr); err != nil {
		return nil, err
	}

	// 5. Priority and concurrency.
	ctx, cancel := context.WithTimeout(r.Context(), req.Timeout)
	defer cancel()
	if a.gate != nil {
		prio := 0.0
		if a.cfg.Priority != nil {
			prio = a.cfg.Priority(ctx, req)
		}
		if err := a.gate.acquire(ctx, prio); err != nil {
			return nil, err
		}
		defer a.gate.release()
	}

	// 6. Body: size, JSON, hash. A read deadline stops a client that trickles its body.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(req.Timeout))
	data, err := io.ReadAll(io.LimitReader(r.Body, a.cfg.MaxRequestBytes+1))
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, refuse(http.StatusRequestTimeout, "timed out reading the request body")
		}
		return nil, refuse(http.StatusBadRequest, "reading the request body: %v", err)
	}
	if int64(len(data)) > a.cfg.MaxRequestBytes {
		return nil, refuse(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", a.cfg.MaxRequestBytes)
	}
	if len(data) == 0 {
		data = []byte("{}")
	}
	obj, err := decodeObject(data)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "request body is not a synapse JSON object: %v", err)
	}
	got, err := BodyHash(data, syn.RequiredHashFields)
	if err != nil {
		return nil, refuse(http.StatusBadRequest, "cannot compute the body hash: %v", err)
	}
	if want := headerGet(hdr, hBodyHash); got != want {
		return nil, refuse(http.StatusBadRequest, "body hash mismatch: the body hashes to %s, the computed_body_hash header says %q", got, want)
	}
	fields := obj.without(baseFields)
	req.Body = fields.encode()

	// 7. Handler, bounded by the synapse timeout.
	type result struct {
		out json.RawMessage
		err error
	}
	ch := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- result{err: fmt.Errorf("handler panicked: %v", p)}
			}
		}()
		out, err := syn.Handler(ctx, req)
		ch <- result{out, err}
	}()
	var res result
	select {
	case res = <-ch:
	case <-ctx.Done():
		return nil, refuse(http.StatusRequestTimeout, "handler exceeded the %s timeout", req.Timeout)
	}
	if res.err != nil {
		if errors.Is(res.err, context.DeadlineExceeded) {
			return nil, refuse(http.StatusRequestTimeout, "handler exceeded the %s timeout", req.Timeout)
		}
		return nil, refuse(http.StatusInternalServerError, "handler: %v", res.err)
	}
	if len(res.out) > 0 {
		outObj, err := decodeObject(res.out)
		if err != nil {
			return nil, refuse(http.StatusInternalServerError, "handler returned no JSON object: %v", err)
		}
		for _, m := range outObj {
			if !baseFields[m.Key] {
				obj = obj.set(m.Key, m.Val)
			}
		}
	}
	// The synapse as answered: the axon's view of its terminal info, status 200.
	code, okMsg := 200, "Success"
	axHotkey := a.cfg.Keypair.SS58()
	version := Version
	axInfo, _ := json.Marshal(terminalInfo{StatusCode: &code, StatusMessage: &okMsg, Hotkey: &axHotkey, UUID: &a.uuid, Version: &version})
	obj = obj.set("axon", axInfo)
	return obj.encode(), nil
}

// verify applies the nonce rules per hotkey:uuid and checks the signature, then records the nonce.
func (a *Axon) verify(hdr http.Header, req *AxonRequest, nonceStr string) *axonError {
	if nonceStr == "" {
		return refuse(http.StatusUnauthorized, "Not Verified with error: missing nonce")
	}
	if req.Caller == "" {
		return refuse(http.StatusUnauthorized, "Not Verified with error: missing dendrite hotkey")
	}
	pub, _, err := wallet.DecodeSS58(req.Caller)
	if err != nil {
		return refuse(http.StatusUnauthorized, "Not Verified with error: dendrite hotkey: %v", err)
	}
	sigHex := headerGet(hdr, hDendriteSig)
	if sigHex == "" {
		return refuse(http.StatusUnauthorized, "Not Verified with error: missing signature")
	}
	key := req.Caller + ":" + req.CallerUUID
	if err := a.checkNonce(key, req); err != nil {
		return err
	}
	sig, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(sigHex, "0x"), "0X"))
	if err != nil {
		return refuse(http.StatusUnauthorized, "Not Verified with error: signature is not hex")
	}
	msg := SignatureMessage(req.Nonce, req.Caller, a.cfg.Keypair.SS58(), req.CallerUUID, headerGet(hdr, hBodyHash))
	if !wallet.Verify(pub, []byte(msg), sig) && !wallet.Verify(pub, []byte("<Bytes>"+msg+"</Bytes>"), sig) {
		return refuse(http.StatusUnauthorized, "Not Verified with error: Signature mismatch with %s and %s", msg, sigHex)
	}
	// Re-check under the lock: a concurrent request may have stored a newer nonce meanwhile.
	if err := a.checkNonce(key, req); err != nil {
		return err
	}
	a.mu.Lock()
	a.nonces[key] = req.Nonce
	a.inserts++
	if a.inserts%4096 == 0 {
		a.pruneLocked()
	}
	a.mu.Unlock()
	return nil
}

// checkNonce: with no stored nonce for the key, the nonce must be newer than now - 4 s - timeout;
// with one, it must be greater than it.
func (a *Axon) checkNonce(key string, req *AxonRequest) *axonError {
	a.mu.Lock()
	stored, ok := a.nonces[key]
	a.mu.Unlock()
	if ok {
		if req.Nonce <= stored {
			return refuse(http.StatusUnauthorized, "Not Verified with error: Nonce is too old, a newer one was last processed")
		}
		return nil
	}
	now := a.cfg.Now().UnixNano()
	window := (nonceAllowedDelta + req.Timeout).Nanoseconds()
	if req.Nonce <= now-window {
		return refuse(http.StatusUnauthorized, "Not Verified with error: Nonce is too old: acceptable delta is %.2f seconds but request was %.2f seconds old",
			float64(window)/1e9, float64(now-req.Nonce)/1e9)
	}
	return nil
}

// pruneLocked drops stored nonces older than any window could accept (4 s + MaxTimeout): a replay
// of such a nonce fails the window check anyway, so forgetting them keeps memory bounded.
func (a *Axon) pruneLocked() {
	horizon := a.cfg.Now().UnixNano() - (nonceAllowedDelta + a.cfg.MaxTimeout).Nanoseconds()
	for k, n := range a.nonces {
		if n <= horizon {
			delete(a.nonces, k)
		}
	}
}

func (a *Axon) names() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, 0, len(a.synapses))
	for n := range a.synapses {
		out = append(out, n)
	}
	sortStrings(out)
	return out
}
