package validator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/subnetd/subnetd/chain"
	"github.com/subnetd/subnetd/plugins"
	"github.com/subnetd/subnetd/providers"
	"github.com/subnetd/subnetd/runtime"
	"github.com/subnetd/subnetd/wallet"
)

// ErrConfig: the daemon's configuration is invalid.
var ErrConfig = errors.New("invalid config")

// Defaults of the daemon configuration. They are defined here and nowhere else: ParseConfig fills
// every field left empty, docs/OPERATIONS.md lists them, and the per-miner timeout, scorer limits
// and engine take the defaults of dendrite and runtime (DefaultTimeout, zero Limits fields, "").
const (
	// DefaultRecords is the records database, relative to the config file.
	DefaultRecords = "subnetd-data/records.db"
	// DefaultPackages keeps scorer packages fetched from on-chain pins, relative to the config file.
	DefaultPackages = "subnetd-data/packages"
	// DefaultPinEvery is how often, in blocks, a subnet with `scorer: chain` re-reads its pin.
	DefaultPinEvery uint64 = 5
	// DefaultPoll is how often each subnet loop reads the chain: a sixth of Bittensor's 12 s block.
	DefaultPoll = 2 * time.Second
	// DefaultLogLevel and DefaultLogFormat configure log/slog.
	DefaultLogLevel, DefaultLogFormat = "info", "text"
	// DefaultDevnetBlockTime is the embedded chain's block interval.
	DefaultDevnetBlockTime = time.Second
	// DefaultDevnetTempo is the tempo of every embedded subnet.
	DefaultDevnetTempo uint16 = 20
	// DefaultDevnetStakeTAO is the validator's stake on the embedded chain, in TAO.
	DefaultDevnetStakeTAO uint64 = 1000
)

// DefaultDevnetMiners are the example miner profiles of the embedded chain: 4 good, 2 bad, 1 slow,
// 1 dead.
func DefaultDevnetMiners() []string {
	return []string{"good", "good", "good", "good", "bad", "bad", "slow", "dead"}
}

// DefaultCacheDir is where compiled scorers are kept: subnetd/compiled in the user cache
// directory, or "" (no disk cache) when the system has none.
func DefaultCacheDir() string {
	uc, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(uc, "subnetd", "compiled")
}

// ScorerChain is the `scorer` value that follows the scorer package pinned on chain (a
// directory named "chain" is written "./chain").
const ScorerChain = "chain"

// Config is subnetd.yaml, the daemon's configuration (docs/OPERATIONS.md describes every field).
type Config struct {
	// Chain says which chain to validate on.
	Chain ChainConfig `yaml:"chain"`
	// Wallet is the validator's hotkey.
	Wallet WalletConfig `yaml:"wallet"`
	// Records is the records database (default DefaultRecords).
	Records string `yaml:"records"`
	// CacheDir keeps compiled scorers (default DefaultCacheDir()).
	CacheDir string `yaml:"cache_dir"`
	// Packages keeps the scorer packages fetched from on-chain pins, one directory per manifest
	// sha256 (default DefaultPackages).
	Packages string `yaml:"packages"`
	// Listen is the HTTP address of /metrics, /healthz and /admin (empty: no HTTP server).
	Listen string `yaml:"listen"`
	// AdminTokenFile holds the bearer token of the admin endpoint (empty: admin endpoint off).
	AdminTokenFile string `yaml:"admin_token_file"`
	// Poll is how often each subnet loop reads the chain (default DefaultPoll, 2s).
	Poll time.Duration `yaml:"poll"`
	// Log configures structured logs.
	Log LogConfig `yaml:"log"`
	// Defaults apply to every subnet unless it overrides them.
	Defaults SubnetDefaults `yaml:"defaults"`
	// Subnets are the subnets to validate.
	Subnets []SubnetEntry `yaml:"subnets"`

	dir string // the config file's directory: relative paths are relative to it
}

// ChainConfig selects the chain.
type ChainConfig struct {
	// Endpoint is a subtensor node's WebSocket URL (ws://, wss://), or "devnet" for the embedded chain.
	Endpoint string `yaml:"endpoint"`
	// Devnet configures the embedded chain when Endpoint is "devnet".
	Devnet DevnetConfig `yaml:"devnet"`
}

// DevnetConfig is the embedded chain of `chain: {endpoint: devnet}`: every configured subnet is
// created, the validator is registered and staked, and example miners serve on loopback.
type DevnetConfig struct {
	// BlockTime is the block interval (default DefaultDevnetBlockTime, 1s).
	BlockTime time.Duration `yaml:"block_time"`
	// Tempo is every subnet's tempo (default DefaultDevnetTempo, 20).
	Tempo uint16 `yaml:"tempo"`
	// Miners lists example miner profiles: good, fair, bad, slow, dead (default DefaultDevnetMiners()).
	Miners []string `yaml:"miners"`
	// StakeTAO is the validator's stake (default DefaultDevnetStakeTAO, 1000).
	StakeTAO uint64 `yaml:"stake"`
}

// WalletConfig names the validator's hotkey the Bittensor way (PATH/NAME/hotkeys/HOTKEY), or a
// development secret URI (//Alice) for the devnet.
type WalletConfig struct {
	// Path is the wallets directory (default wallet.DefaultWalletPath when URI is empty).
	Path   string `yaml:"path"`
	Name   string `yaml:"name"`
	Hotkey string `yaml:"hotkey"`
	// URI is a substrate secret URI; for development chains only.
	URI string `yaml:"uri"`
}

// LogConfig configures log/slog.
type LogConfig struct {
	// Level is debug, info, warn or error (default DefaultLogLevel).
	Level string `yaml:"level"`
	// Format is json or text (default DefaultLogFormat).
	Format string `yaml:"format"`
}

// SubnetDefaults are the settings every subnet inherits.
type SubnetDefaults struct {
	Limits   runtime.Limits `yaml:"limits"`
	Timeout  time.Duration  `yaml:"timeout"`
	Interval uint64         `yaml:"interval"`
	Engine   string         `yaml:"engine"`
}

// SubnetEntry is one subnet of the config.
type SubnetEntry struct {
	Netuid uint16 `yaml:"netuid"`
	Mecid  uint8  `yaml:"mecid"`
	// Scorer is a scorer package directory (manifest.json + module), a .wasm file, or
	// ScorerChain: the package pinned on chain by the subnet owner (or by Publisher).
	Scorer string `yaml:"scorer"`
	// Publisher, with `scorer: chain`, is the SS58 hotkey whose pin to follow instead of the
	// subnet owner's.
	Publisher string `yaml:"publisher"`
	// PinEvery, with `scorer: chain`, is how often the pin is re-read, in blocks (default
	// DefaultPinEvery).
	PinEvery uint64 `yaml:"pin_every"`
	// Watch is a directory watched for new package versions (hot reload); optional.
	Watch string `yaml:"watch"`
	// PublisherKeys are the pinned keys packages must be signed with ("ed25519:0x…",
	// "sr25519:0x…" or "sr25519:SS58"); empty accepts unsigned packages.
	PublisherKeys []string `yaml:"publisher_keys"`
	// Synapse and Body are the challenge when the scorer has none.
	Synapse string `yaml:"synapse"`
	Body    any    `yaml:"body"`
	// Timeout, Interval, VersionKey, Limits and Engine override the defaults.
	Timeout    time.Duration   `yaml:"timeout"`
	Interval   uint64          `yaml:"interval"`
	VersionKey uint64          `yaml:"version_key"`
	Limits     *runtime.Limits `yaml:"limits"`
	Engine     string          `yaml:"engine"`
	// QueryAll puts non-serving neurons in the Round too (status 503).
	QueryAll bool `yaml:"query_all"`
	// Providers are the subnet's feature providers (docs/PROVIDERS.md): each miner of the Round
	// carries their features. A provider's command runs in the config file's directory.
	Providers []providers.Config `yaml:"providers"`
}

// LoadConfig reads and checks a YAML config file. Unknown fields are errors.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	cfg, err := ParseConfig(b)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	cfg.dir = filepath.Dir(path)
	return cfg, nil
}

// ParseConfig parses and checks YAML config bytes, and fills every field left empty with its
// default (see DefaultPoll and the other Default* names).
func ParseConfig(b []byte) (*Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.applyDefaults()
	return &cfg, nil
}

// applyDefaults fills every field left empty with its default.
func (c *Config) applyDefaults() {
	if c.Records == "" {
		c.Records = DefaultRecords
	}
	if c.CacheDir == "" {
		c.CacheDir = DefaultCacheDir()
	}
	if c.Packages == "" {
		c.Packages = DefaultPackages
	}
	for i := range c.Subnets {
		if s := &c.Subnets[i]; s.Scorer == ScorerChain && s.PinEvery == 0 {
			s.PinEvery = DefaultPinEvery
		}
	}
	if c.Poll <= 0 {
		c.Poll = DefaultPoll
	}
	if c.Log.Level == "" {
		c.Log.Level = DefaultLogLevel
	}
	if c.Log.Format == "" {
		c.Log.Format = DefaultLogFormat
	}
	if c.Wallet.URI == "" && c.Wallet.Path == "" {
		c.Wallet.Path = wallet.DefaultWalletPath
	}
	if c.Chain.Endpoint == "devnet" {
		dv := &c.Chain.Devnet
		if dv.BlockTime <= 0 {
			dv.BlockTime = DefaultDevnetBlockTime
		}
		if dv.Tempo == 0 {
			dv.Tempo = DefaultDevnetTempo
		}
		if dv.StakeTAO == 0 {
			dv.StakeTAO = DefaultDevnetStakeTAO
		}
		if len(dv.Miners) == 0 {
			dv.Miners = DefaultDevnetMiners()
		}
	}
}

// Validate checks the config and names the first problem.
func (c *Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
	}
	if c.Chain.Endpoint == "" {
		return bad("chain.endpoint is required (a ws:// URL or \"devnet\")")
	}
	if c.Chain.Endpoint != "devnet" && !strings.HasPrefix(c.Chain.Endpoint, "ws://") && !strings.HasPrefix(c.Chain.Endpoint, "wss://") {
		return bad("chain.endpoint %q is neither a ws:// or wss:// URL nor \"devnet\"", c.Chain.Endpoint)
	}
	if c.Wallet.URI == "" && (c.Wallet.Name == "" || c.Wallet.Hotkey == "") {
		return bad("wallet needs name and hotkey (and path, default ~/.bittensor/wallets), or uri for a development chain")
	}
	if c.Wallet.URI != "" && c.Chain.Endpoint != "devnet" {
		return bad("wallet.uri is for development chains only; use a wallet file on %s", c.Chain.Endpoint)
	}
	for _, m := range c.Chain.Devnet.Miners {
		switch m {
		case "good", "fair", "bad", "slow", "dead":
		default:
			return bad("chain.devnet.miners: unknown profile %q (good, fair, bad, slow, dead)", m)
		}
	}
	if len(c.Subnets) == 0 {
		return bad("no subnets")
	}
	seen := map[uint16]bool{}
	for i, s := range c.Subnets {
		if seen[s.Netuid] {
			return bad("subnet %d listed twice", s.Netuid)
		}
		seen[s.Netuid] = true
		if s.Scorer == "" {
			return bad("subnets[%d] (netuid %d): scorer is required", i, s.Netuid)
		}
		if s.Scorer == ScorerChain {
			if s.Watch != "" {
				return bad("subnets[%d] (netuid %d): scorer: chain follows the pin on chain; drop watch (one source of scorer versions)", i, s.Netuid)
			}
			if s.Publisher != "" {
				if _, err := chain.ParseAccountID(s.Publisher); err != nil {
					return bad("subnets[%d] (netuid %d): publisher %q: %v", i, s.Netuid, s.Publisher, err)
				}
			}
		} else {
			if s.Publisher != "" {
				return bad("subnets[%d] (netuid %d): publisher is for scorer: chain (follow that hotkey's pin); scorer is %q", i, s.Netuid, s.Scorer)
			}
			if s.PinEvery != 0 {
				return bad("subnets[%d] (netuid %d): pin_every is for scorer: chain", i, s.Netuid)
			}
		}
		for _, k := range s.PublisherKeys {
			if _, err := plugins.ParsePublicKey(k); err != nil {
				return bad("subnets[%d] (netuid %d): %v", i, s.Netuid, err)
			}
		}
		if s.Body != nil {
			if _, err := json.Marshal(s.Body); err != nil {
				return bad("subnets[%d] (netuid %d): body: %v", i, s.Netuid, err)
			}
		}
		names := map[string]bool{}
		for j, p := range s.Providers {
			if err := p.Validate(); err != nil {
				return bad("subnets[%d] (netuid %d): providers[%d]: %v", i, s.Netuid, j, err)
			}
			if names[p.Name] {
				return bad("subnets[%d] (netuid %d): provider %q listed twice", i, s.Netuid, p.Name)
			}
			names[p.Name] = true
		}
	}
	return nil
}

// Path resolves a path of the config relative to the config file's directory.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "~") || c.dir == "" {
		return p
	}
	return filepath.Join(c.dir, p)
}

// subnetConfig turns an entry into a SubnetConfig with the defaults applied.
func (c *Config) subnetConfig(e SubnetEntry) SubnetConfig {
	sc := SubnetConfig{Netuid: e.Netuid, Mecid: e.Mecid, Synapse: e.Synapse, Timeout: e.Timeout, Interval: e.Interval,
		VersionKey: e.VersionKey, Limits: c.Defaults.Limits, Engine: runtime.Engine(e.Engine), QueryAll: e.QueryAll}
	if e.Body != nil {
		sc.Body, _ = json.Marshal(e.Body)
	}
	for _, p := range e.Providers {
		p.Dir = c.dir
		sc.Providers = append(sc.Providers, p)
	}
	if sc.Timeout == 0 {
		sc.Timeout = c.Defaults.Timeout
	}
	if sc.Interval == 0 {
		sc.Interval = c.Defaults.Interval
	}
	if e.Limits != nil {
		sc.Limits = *e.Limits
	}
	if sc.Engine == "" {
		sc.Engine = runtime.Engine(c.Defaults.Engine)
	}
	return sc
}
