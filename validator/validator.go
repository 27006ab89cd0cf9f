package validator

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Validator runs many subnets for one hotkey in one process: each subnet has its own goroutine,
// runtime (limits) and dendrite client, so one failing or slow subnet never delays another.
type Validator struct {
	subnets []*Subnet
	poll    time.Duration
	log     *slog.Logger
}

// New returns a Validator over subnets that polls the chain every poll interval.
func New(subnets []*Subnet, poll time.Duration, log *slog.Logger) *Validator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Validator{subnets: subnets, poll: poll, log: log}
}

// Subnets returns the validator's subnets.
func (v *Validator) Subnets() []*Subnet { return v.subnets }

// Subnet returns the subnet with netuid, or nil.
func (v *Validator) Subnet(netuid uint16) *Subnet {
	for _, s := range v.subnets {
		if s.Netuid() == netuid {
			return s
		}
	}
	return nil
}

// Run runs every subnet until ctx ends, then waits for each to finish its round in flight (so
// that round is recorded) and returns. A subnet without a scorer is an error before anything runs.
func (v *Validator) Run(ctx context.Context) error {
	for _, s := range v.subnets {
		if s.Current() == nil {
			return fmt.Errorf("subnet %d: %w", s.Netuid(), ErrNoScorer)
		}
	}
	var wg sync.WaitGroup
	for _, s := range v.subnets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					s.markLoop(LoopStopped, fmt.Sprintf("panic: %v", r))
					v.log.Error("subnet loop panicked; it is stopped, the others keep running", "netuid", s.Netuid(), "panic", fmt.Sprint(r))
				}
			}()
			err := s.Run(ctx, v.poll)
			if err != nil {
				v.log.Error("subnet loop stopped", "netuid", s.Netuid(), "err", err)
				s.markLoop(LoopStopped, err.Error())
				return
			}
			s.markLoop(LoopStopped, "")
		}()
	}
	wg.Wait()
	return nil
}

// Close releases every subnet.
func (v *Validator) Close(ctx context.Context) error {
	var first error
	for _, s := range v.subnets {
		if err := s.Close(ctx); err != nil && first == nil {
			first = err
		}
	}
	return first
}
