package providers

import (
	"context"
	"sync"
	"time"
)

// Outcome is one provider's part of a round.
type Outcome struct {
	// Provider is the provider's name.
	Provider string
	// Features are the validated features; nil when the call failed.
	Features Features
	// Err says why the call failed (nil on success); it names the provider.
	Err error
	// Latency is the call's wall time.
	Latency time.Duration
}

// Collect calls every provider concurrently with the same Round and uids and returns their
// outcomes in the order of ps. One provider's failure never affects another's outcome.
func Collect(ctx context.Context, ps []*Provider, round []byte, uids []uint16) []Outcome {
	out := make([]Outcome, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.Now()
			f, err := p.Features(ctx, round, uids)
			out[i] = Outcome{Provider: p.Name(), Features: f, Err: err, Latency: time.Since(t)}
		}()
	}
	wg.Wait()
	return out
}
