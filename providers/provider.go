package providers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"sync"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// Errors a Features call wraps, so callers can tell them apart.
var (
	// ErrNotRunning: the provider's process is not up (starting, or restarting after a crash).
	ErrNotRunning = errors.New("provider not running")
	// ErrTimeout: the call passed its deadline.
	ErrTimeout = errors.New("provider timed out")
	// ErrTooLarge: the answer was over the provider's max_bytes.
	ErrTooLarge = errors.New("provider answer too large")
	// ErrClosed: the provider was closed.
	ErrClosed = errors.New("provider closed")
)

// State is a provider's life-cycle state, as /healthz shows it.
type State string

// The states.
const (
	StateStarting   State = "starting"   // first start in progress
	StateRunning    State = "running"    // process up (or remote address configured)
	StateRestarting State = "restarting" // waiting out the back-off after a crash or failed start
	StateStopped    State = "stopped"    // closed
)

// Status is a provider's state for health reports.
type Status struct {
	Name      string `json:"name"`
	State     State  `json:"state"`
	Remote    bool   `json:"remote,omitempty"`
	Restarts  int    `json:"restarts"`
	LastError string `json:"last_error,omitempty"`
}

// Restart back-off: doubled after each failure from minBackoff up to maxBackoff, reset once a
// process has stayed up for stableAfter. A process that times out maxTimeouts calls in a row is
// killed and restarted (a hung provider must not cost every later round its deadline).
const (
	minBackoff  = 250 * time.Millisecond
	maxBackoff  = 30 * time.Second
	stableAfter = time.Minute
	maxTimeouts = 3
	exitPoll    = 100 * time.Millisecond
	pingEvery   = 20 // health checks every pingEvery polls (2 s)
)

// Provider is one running feature provider: a plugin process that subnetd started and keeps
// alive, or a gRPC server at an address. Features may be called concurrently.
type Provider struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	state    State
	cli      *client        // nil while not running
	proc     *plugin.Client // the current process (managed providers)
	conn     *grpc.ClientConn
	restarts int
	lastErr  string
	timeouts int
	running  chan struct{} // closed when the state becomes running; replaced on restart

	stop chan struct{}
	done chan struct{}
}

// Start validates cfg and starts the provider: for a command, a supervisor that launches the
// process, checks its handshake and restarts it with back-off when it dies; for an address, a
// gRPC connection (dialled lazily by gRPC). It does not wait for the process: use Ready.
// log receives the provider's stderr as log lines (rate-limited) and its life-cycle events.
func Start(cfg Config, log *slog.Logger) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Provider{cfg: cfg, log: log.With("provider", cfg.Name), state: StateStarting,
		running: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	if cfg.Address != "" {
		conn, err := grpc.NewClient(cfg.Address, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			return nil, fmt.Errorf("provider %s: address %s: %w", cfg.Name, cfg.Address, err)
		}
		p.conn, p.cli, p.state = conn, &client{conn: conn}, StateRunning
		close(p.running)
		close(p.done)
		return p, nil
	}
	go p.supervise()
	return p, nil
}

// Name returns the provider's configured name.
func (p *Provider) Name() string { return p.cfg.Name }

// Config returns the provider's configuration with defaults applied.
func (p *Provider) Config() Config { return p.cfg }

// Status reports the provider's state.
func (p *Provider) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Status{Name: p.cfg.Name, State: p.state, Remote: p.cfg.Address != "", Restarts: p.restarts, LastError: p.lastErr}
}

// Ready waits until the provider is running, or ctx ends.
func (p *Provider) Ready(ctx context.Context) error {
	p.mu.Lock()
	ch, st := p.running, p.state
	p.mu.Unlock()
	if st == StateStopped {
		return fmt.Errorf("provider %s: %w", p.cfg.Name, ErrClosed)
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		s := p.Status()
		return fmt.Errorf("provider %s: %w (%s%s)", p.cfg.Name, ctx.Err(), s.State, lastErrSuffix(s.LastError))
	}
}

func lastErrSuffix(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// Features sends the Round JSON (as the scorer sees it, without state) and returns the
// provider's features for uids, validated by ParseAnswer, within the provider's timeout and
// size cap. Every failure names the provider.
func (p *Provider) Features(ctx context.Context, round []byte, uids []uint16) (Features, error) {
	p.mu.Lock()
	cli, st, last := p.cli, p.state, p.lastErr
	p.mu.Unlock()
	if cli == nil {
		if st == StateStopped {
			return nil, fmt.Errorf("provider %s: %w", p.cfg.Name, ErrClosed)
		}
		return nil, fmt.Errorf("provider %s: %w (%s%s)", p.cfg.Name, ErrNotRunning, st, lastErrSuffix(last))
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	answer, err := cli.features(ctx, round, p.cfg.MaxBytes)
	if err != nil {
		err = p.classify(ctx, err)
		p.noteCall(err)
		return nil, fmt.Errorf("provider %s: %w", p.cfg.Name, err)
	}
	p.noteCall(nil)
	f, err := ParseAnswer(answer, uids)
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", p.cfg.Name, err)
	}
	return f, nil
}

// classify maps a gRPC failure onto the package's sentinels.
func (p *Provider) classify(ctx context.Context, err error) error {
	switch status.Code(err) {
	case codes.DeadlineExceeded:
		return fmt.Errorf("%w after %s", ErrTimeout, p.cfg.Timeout)
	case codes.ResourceExhausted:
		return fmt.Errorf("%w: over %d bytes", ErrTooLarge, p.cfg.MaxBytes)
	case codes.Unavailable:
		return fmt.Errorf("%w: %s", ErrNotRunning, status.Convert(err).Message())
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w after %s", ErrTimeout, p.cfg.Timeout)
	}
	if s, ok := status.FromError(err); ok {
		return fmt.Errorf("%s: %s", s.Code(), truncate(s.Message(), 300))
	}
	return err
}

// noteCall counts consecutive timeouts; past maxTimeouts a managed process is killed, and the
// supervisor restarts it.
func (p *Provider) noteCall(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !errors.Is(err, ErrTimeout) {
		p.timeouts = 0
		return
	}
	p.timeouts++
	if p.timeouts >= maxTimeouts && p.proc != nil {
		p.log.Warn("provider hung: killing it for a restart", "timeouts", p.timeouts)
		p.timeouts = 0
		go p.proc.Kill()
	}
}

// Close stops the provider (its process, for a managed one) and waits for the supervisor.
func (p *Provider) Close() error {
	p.mu.Lock()
	if p.state == StateStopped {
		p.mu.Unlock()
		return nil
	}
	p.state, p.cli = StateStopped, nil
	conn := p.conn
	p.mu.Unlock()
	if conn != nil {
		return conn.Close()
	}
	close(p.stop)
	<-p.done
	return nil
}

// supervise starts the process, waits for it to exit, and starts it again after a back-off,
// until Close.
func (p *Provider) supervise() {
	defer close(p.done)
	stderr := newLogWriter(p.log)
	defer stderr.flush()
	backoff := minBackoff
	for {
		started := time.Now()
		err := p.runOnce(stderr)
		if p.stopped() {
			return
		}
		if time.Since(started) >= stableAfter {
			backoff = minBackoff
		}
		p.mu.Lock()
		p.restarts++
		p.state, p.cli, p.proc = StateRestarting, nil, nil
		p.lastErr = truncate(err.Error(), 300)
		p.running = make(chan struct{})
		p.mu.Unlock()
		p.log.Warn("provider stopped; restarting", "err", err, "after", backoff)
		select {
		case <-p.stop:
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

func (p *Provider) stopped() bool {
	select {
	case <-p.stop:
		return true
	default:
		return false
	}
}

// runOnce starts one process, serves it until it exits or Close, and returns why it ended.
func (p *Provider) runOnce(stderr *logWriter) error {
	cmd := exec.Command(p.cfg.Command[0], p.cfg.Command[1:]...)
	cmd.Dir = p.cfg.Dir
	pc := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          plugin.PluginSet{PluginName: &grpcPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Stderr:           stderr,
		Logger:           hclog.New(&hclog.LoggerOptions{Level: hclog.Off}),
		StartTimeout:     30 * time.Second,
		Managed:          false,
	})
	defer pc.Kill()
	rpc, err := pc.Client()
	if err != nil {
		return fmt.Errorf("start %v: %w", p.cfg.Command, err)
	}
	raw, err := rpc.Dispense(PluginName)
	if err != nil {
		return fmt.Errorf("dispense: %w", err)
	}
	cli := raw.(client)
	p.mu.Lock()
	if p.state == StateStopped {
		p.mu.Unlock()
		return ErrClosed
	}
	p.state, p.cli, p.proc, p.lastErr, p.timeouts = StateRunning, &cli, pc, "", 0
	close(p.running)
	p.mu.Unlock()
	p.log.Info("provider running", "command", p.cfg.Command)
	t := time.NewTicker(exitPoll)
	defer t.Stop()
	for tick := 1; ; tick++ {
		select {
		case <-p.stop:
			return ErrClosed
		case <-t.C:
			if pc.Exited() {
				return errors.New("process exited")
			}
			if tick%pingEvery == 0 {
				if err := rpc.Ping(); err != nil {
					return fmt.Errorf("health check: %w", err)
				}
			}
		}
	}
}
