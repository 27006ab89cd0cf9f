package validator

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/records"
	"github.com/subnetd/subnetd/wallet"
)

// Daemon is `subnetd run`: a Validator over every configured subnet, the records database, the
// package watchers, and an HTTP server with /metrics (Prometheus), /healthz and the
// authenticated admin endpoint POST /admin/scorers.
type Daemon struct {
	cfg     *Config
	chain   chain.Chain
	db      *records.DB
	v       *Validator
	rts     *Runtimes // shared by the subnets of equal engine and limits
	log     *slog.Logger
	reg     *prometheus.Registry
	pins    map[uint16][]plugins.PublicKey
	follow  map[uint16]*PinFollower // subnets with scorer: chain
	token   []byte
	started time.Time

	listenMu sync.Mutex
	addr     string
}

// NewDaemon opens the records, prepares every subnet and loads its scorer. The chain and the
// key are the caller's (chain/subtensor, or the devnet adapter).
func NewDaemon(ctx context.Context, cfg *Config, ch chain.Chain, key *wallet.Keypair, log *slog.Logger) (*Daemon, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Daemon{cfg: cfg, chain: ch, log: log, reg: prometheus.NewRegistry(), pins: map[uint16][]plugins.PublicKey{},
		follow: map[uint16]*PinFollower{}, rts: NewRuntimes(0), started: time.Now()}
	d.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := NewMetrics(d.reg)
	if cfg.AdminTokenFile != "" {
		b, err := os.ReadFile(cfg.Path(cfg.AdminTokenFile))
		if err != nil {
			return nil, fmt.Errorf("admin token: %w", err)
		}
		d.token = []byte(strings.TrimSpace(string(b)))
		if len(d.token) < 16 {
			return nil, fmt.Errorf("%w: the admin token in %s is shorter than 16 characters", ErrConfig, cfg.AdminTokenFile)
		}
	}
	db, err := records.Open(ctx, cfg.Path(cfg.Records)) // ParseConfig filled the defaults
	if err != nil {
		return nil, err
	}
	d.db = db
	cacheDir := cfg.Path(cfg.CacheDir)
	var subs []*Subnet
	fail := func(err error) (*Daemon, error) {
		for _, s := range subs {
			s.Close(ctx)
		}
		d.rts.Close(ctx)
		db.Close()
		return nil, err
	}
	for _, e := range cfg.Subnets {
		for _, k := range e.PublisherKeys {
			pk, _ := plugins.ParsePublicKey(k) // checked by Validate
			d.pins[e.Netuid] = append(d.pins[e.Netuid], pk)
		}
		s, err := NewSubnet(ctx, cfg.subnetConfig(e), SubnetDeps{Chain: ch, Key: key, Records: db, Logger: log,
			Metrics: metrics, CacheDir: cacheDir, Runtimes: d.rts})
		if err != nil {
			return fail(err)
		}
		subs = append(subs, s)
		if e.Scorer == ScorerChain {
			f, err := d.newFollower(s, e)
			if err != nil {
				return fail(fmt.Errorf("subnet %d: %w", e.Netuid, err))
			}
			sc, err := f.LoadInitial(ctx)
			if err != nil {
				return fail(fmt.Errorf("subnet %d: %w", e.Netuid, err))
			}
			d.follow[e.Netuid] = f
			st := f.Status()
			log.Info("scorer loaded from the pin on chain", "netuid", e.Netuid, "scorer", sc.Name, "version", sc.Version, "sha256", sc.SHA256,
				"publisher", st.Publisher, "pin_block", st.Block, "url", st.URL)
			continue
		}
		sc, err := d.loadInitial(ctx, s, cfg.Path(e.Scorer))
		if err != nil {
			return fail(fmt.Errorf("subnet %d: %w", e.Netuid, err))
		}
		s.SetScorer(sc)
		log.Info("scorer loaded", "netuid", e.Netuid, "scorer", sc.Name, "version", sc.Version, "sha256", sc.SHA256)
	}
	d.v = New(subs, cfg.Poll, log)
	return d, nil
}

// newFollower prepares the pin follower of a subnet with `scorer: chain`.
func (d *Daemon) newFollower(s *Subnet, e SubnetEntry) (*PinFollower, error) {
	opts := PinOptions{Every: e.PinEvery, Poll: d.cfg.Poll, Keys: d.pins[e.Netuid],
		Fetch: plugins.FetchOptions{CacheDir: d.cfg.Path(d.cfg.Packages)}}
	if e.Publisher != "" {
		pub, err := chain.ParseAccountID(e.Publisher)
		if err != nil {
			return nil, fmt.Errorf("%w: publisher %q: %v", ErrConfig, e.Publisher, err)
		}
		opts.Publisher = &pub
	}
	return NewPinFollower(s, d.chain, opts), nil
}

// Follower returns the pin follower of a subnet with `scorer: chain` (nil for other subnets).
func (d *Daemon) Follower(netuid uint16) *PinFollower { return d.follow[netuid] }

// loadInitial loads a subnet's configured scorer: a package directory (checked like a hot
// reload: signature, limits, self-tests) or a bare .wasm file (allowed only without pinned keys).
func (d *Daemon) loadInitial(ctx context.Context, s *Subnet, path string) (*Scorer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("scorer: %w", err)
	}
	if st.IsDir() {
		p, err := plugins.ReadPackage(path)
		if err != nil {
			return nil, err
		}
		sc, err := s.accept(ctx, p, d.pins[s.Netuid()])
		if err != nil {
			return nil, fmt.Errorf("scorer %s: %w", path, err)
		}
		return sc, nil
	}
	if len(d.pins[s.Netuid()]) > 0 {
		return nil, fmt.Errorf("scorer %s is a bare module but publisher keys are pinned: give a signed package: %w", path, plugins.ErrUnsigned)
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scorer: %w", err)
	}
	name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	return s.LoadScorer(ctx, name, "file", wasm)
}

// Validator returns the daemon's validator.
func (d *Daemon) Validator() *Validator { return d.v }

// Records returns the daemon's records database.
func (d *Daemon) Records() *records.DB { return d.db }

// Addr returns the HTTP server's address once it listens ("" before, or without one).
func (d *Daemon) Addr() string {
	d.listenMu.Lock()
	defer d.listenMu.Unlock()
	return d.addr
}

// Run runs until ctx ends: the HTTP server, a watcher per subnet with a watch directory, a pin
// follower per subnet with `scorer: chain`, and every subnet loop. On shutdown it lets each subnet finish and record its round in flight,
// stops the HTTP server gracefully and closes the records.
func (d *Daemon) Run(ctx context.Context) error {
	var srv *http.Server
	if d.cfg.Listen != "" {
		ln, err := net.Listen("tcp", d.cfg.Listen)
		if err != nil {
			return fmt.Errorf("listen %s: %w", d.cfg.Listen, err)
		}
		d.listenMu.Lock()
		d.addr = ln.Addr().String()
		d.listenMu.Unlock()
		srv = &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.log.Error("http server stopped", "err", err)
			}
		}()
		d.log.Info("http listening", "addr", d.addr, "metrics", "/metrics", "health", "/healthz", "admin", d.token != nil)
	}
	var wg sync.WaitGroup
	for _, f := range d.follow {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.Run(ctx)
		}()
	}
	for _, e := range d.cfg.Subnets {
		if e.Watch == "" {
			continue
		}
		s := d.v.Subnet(e.Netuid)
		w := plugins.NewWatcher(d.cfg.Path(e.Watch), 0)
		w.Skip()
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := w.Run(ctx, func(dir string, p *plugins.Package, err error) {
				if err == nil {
					_ = s.Reload(ctx, p, d.pins[s.Netuid()]) // logs and counts a refusal itself
				} else {
					s.log.Warn("scorer package unreadable", "dir", dir, "err", err)
				}
			})
			if err != nil {
				d.log.Error("package watcher stopped", "netuid", s.Netuid(), "err", err)
			}
		}()
	}
	err := d.v.Run(ctx)
	wg.Wait()
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		srv.Shutdown(sctx)
		cancel()
	}
	return err
}

// Close releases the subnets and closes the records database.
func (d *Daemon) Close(ctx context.Context) error {
	err := d.v.Close(ctx)
	if e := d.rts.Close(ctx); err == nil {
		err = e
	}
	if e := d.db.Close(); err == nil {
		err = e
	}
	return err
}

// Handler serves /metrics, /healthz and (with an admin token) POST /admin/scorers.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", d.health)
	if d.token != nil {
		mux.HandleFunc("POST /admin/scorers", d.adminScorer)
	}
	return mux
}

// health answers 200 when the chain answers and every subnet loop is live (starting or
// running), with every subnet's status; 503 otherwise: the status names the first problem (the
// chain, or a subnet whose loop stopped or stalled) and each subnet says whether it is live.
func (d *Daemon) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	out := struct {
		Status  string         `json:"status"`
		Block   uint64         `json:"block"`
		Uptime  string         `json:"uptime"`
		Error   string         `json:"error,omitempty"`
		Subnets []subnetHealth `json:"subnets"`
	}{Status: "ok", Uptime: time.Since(d.started).Round(time.Second).String(), Subnets: []subnetHealth{}}
	b, err := d.chain.CurrentBlock(ctx)
	code := http.StatusOK
	if err != nil {
		out.Status, out.Error, code = "chain unreachable", err.Error(), http.StatusServiceUnavailable
	}
	out.Block = b
	for _, s := range d.v.Subnets() {
		st := s.Status()
		h := subnetHealth{SubnetStatus: st}
		if f := d.follow[st.Netuid]; f != nil {
			ps := f.Status()
			h.Pin = &ps
		}
		out.Subnets = append(out.Subnets, h)
		if !st.Live && code == http.StatusOK {
			out.Status, code = "subnet "+st.State, http.StatusServiceUnavailable
			out.Error = fmt.Sprintf("subnet %d: loop %s", st.Netuid, st.State)
			if st.Error != "" {
				out.Error += ": " + st.Error
			}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(out)
}

// subnetHealth is a subnet's status in /healthz, with the pin it follows (scorer: chain).
type subnetHealth struct {
	SubnetStatus
	Pin *PinStatus `json:"pin,omitempty"`
}

// AdminPackage is the body of POST /admin/scorers: a scorer package in one JSON document.
type AdminPackage struct {
	// Manifest is manifest.json's exact bytes, as a JSON string (the signature covers these bytes).
	Manifest string `json:"manifest"`
	// Wasm is the module.
	Wasm []byte `json:"wasm"`
	// Signature is manifest.sig (optional).
	Signature *plugins.Signature `json:"signature,omitempty"`
}

// adminScorer receives a package, checks it exactly as a watched directory's would be
// checked, and offers it to its subnet. Bearer-token authenticated.
func (d *Daemon) adminScorer(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), d.token) != 1 {
		http.Error(w, "missing or wrong bearer token", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	var ap AdminPackage
	if err := json.Unmarshal(body, &ap); err != nil {
		http.Error(w, "body is not an admin package: "+err.Error(), http.StatusBadRequest)
		return
	}
	var sig []byte
	if ap.Signature != nil {
		sig, _ = json.Marshal(ap.Signature)
	}
	p, err := plugins.ParsePackage([]byte(ap.Manifest), ap.Wasm, sig)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s := d.v.Subnet(p.Manifest.Netuid)
	if s == nil {
		http.Error(w, fmt.Sprintf("this daemon does not validate subnet %d", p.Manifest.Netuid), http.StatusNotFound)
		return
	}
	if d.follow[s.Netuid()] != nil {
		http.Error(w, fmt.Sprintf("subnet %d follows the scorer pinned on chain (scorer: chain): publish the package with 'subnetd plugin publish' instead", s.Netuid()), http.StatusConflict)
		return
	}
	if err := s.Reload(r.Context(), p, d.pins[s.Netuid()]); err != nil {
		http.Error(w, err.Error(), http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"accepted": true, "netuid": p.Manifest.Netuid, "name": p.Manifest.Name,
		"version": p.Manifest.Version, "sha256": p.Manifest.SHA256, "applies": "at the next round boundary"})
}
