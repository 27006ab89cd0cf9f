package providers

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Defaults for Config's zero fields.
const (
	// DefaultTimeout bounds one Features call.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxBytes caps one Features answer.
	DefaultMaxBytes = 16 << 20
)

// ErrConfig is wrapped by Config.Validate's errors.
var ErrConfig = errors.New("invalid provider config")

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Config is one provider of a subnet (subnets[].providers[] in the daemon config).
type Config struct {
	// Name keys the provider's features in each miner's "features" object; 1-64 of [a-z0-9_-].
	Name string `yaml:"name" json:"name"`
	// Command starts the provider as a managed plugin process (argv; no shell).
	Command []string `yaml:"command,omitempty" json:"command,omitempty"`
	// Address reaches a provider already running elsewhere (host:port of its gRPC server)
	// instead of starting one. Exactly one of Command and Address is set.
	Address string `yaml:"address,omitempty" json:"address,omitempty"`
	// Timeout bounds one call (default DefaultTimeout).
	Timeout time.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
	// MaxBytes caps one answer (default DefaultMaxBytes).
	MaxBytes int `yaml:"max_bytes,omitempty" json:"max_bytes,omitempty"`
	// Dir is the working directory of a started provider (empty: the current one). The daemon
	// sets it to its config file's directory, so relative paths in Command are relative to it.
	Dir string `yaml:"-" json:"-"`
}

// WithDefaults returns c with zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	return c
}

// Validate checks the name and that exactly one of Command and Address is given.
func (c Config) Validate() error {
	if !nameRE.MatchString(c.Name) {
		return fmt.Errorf("%w: name %q must be 1-64 of [a-z0-9_-], starting with a letter or digit", ErrConfig, c.Name)
	}
	switch {
	case len(c.Command) == 0 && c.Address == "":
		return fmt.Errorf("%w: provider %s: set command (argv to start it) or address (host:port of a running one)", ErrConfig, c.Name)
	case len(c.Command) > 0 && c.Address != "":
		return fmt.Errorf("%w: provider %s: command and address are exclusive", ErrConfig, c.Name)
	case len(c.Command) > 0 && c.Command[0] == "":
		return fmt.Errorf("%w: provider %s: empty program name in command", ErrConfig, c.Name)
	case c.Timeout < 0 || c.MaxBytes < 0:
		return fmt.Errorf("%w: provider %s: negative timeout or max_bytes", ErrConfig, c.Name)
	}
	return nil
}
