// Package miner is an example Bittensor miner built on the dendrite package's Axon. It answers the
// example scorers' challenges with a configurable quality and latency, so a demo network can run
// good, bad, slow and dead miners side by side; examples/miner/cmd/miner is its command.
//
// What a miner answers is an AnswerFunc: synapse body JSON in, response JSON out. DefaultAnswer
// echoes the challenge and adds an "answer" field computed per task:
//
//   - {"task":"sum","numbers":[…]}: the sum of numbers, made worse as Quality drops (the relative
//     error is (1-Quality)/10, always upwards, so results are reproducible);
//   - {"prompt":"…","reference":"…"}: the reference text, with a share (1-Quality) of its words
//     replaced by "lorem";
//   - anything else: "answer": null (enough for a latency/availability scorer, which only wants a
//     200 answer).
package miner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/subnetd/subnetd/dendrite"
	"github.com/subnetd/subnetd/wallet"
)

// DefaultSynapses are the synapse names a miner serves unless told otherwise: the quality scorer's
// SumTask and two generic names a subnet config can use with the latency scorer.
var DefaultSynapses = []string{"SumTask", "TextPrompt", "Ping"}

// AnswerFunc turns a synapse's body (the subnet's fields, as JSON) into the response fields (a JSON
// object merged over the request). It may block; ctx ends at the synapse timeout.
type AnswerFunc func(ctx context.Context, synapse string, body json.RawMessage) (json.RawMessage, error)

// Config describes one miner.
type Config struct {
	// Keypair is the miner's hotkey (required).
	Keypair *wallet.Keypair
	// Listen is the TCP address to listen on; default "127.0.0.1:0" (a free loopback port).
	Listen string
	// Synapses are the synapse names served; default DefaultSynapses.
	Synapses []string
	// Quality in [0, 1] controls DefaultAnswer: 1 answers exactly. Ignored when Answer is set.
	Quality float64
	// Latency is added before every answer (the "slow" knob).
	Latency time.Duration
	// Dead makes Start reserve an address and not serve it: queries get connection refused.
	Dead bool
	// Answer overrides DefaultAnswer(Quality).
	Answer AnswerFunc
	// Blacklist, when set, is the axon's blacklist hook (e.g. accept only known validators).
	Blacklist func(ctx context.Context, req *dendrite.AxonRequest) (bool, string)
}

// Profile returns the Config of a named miner profile, with kp as its hotkey:
//
//	good: exact answers, 10 ms
//	bad:  quality 0.2 (answers 8% off), 10 ms
//	slow: exact answers after 2 s
//	dead: not serving at all
func Profile(name string, kp *wallet.Keypair) (Config, error) {
	c := Config{Keypair: kp, Quality: 1, Latency: 10 * time.Millisecond}
	switch name {
	case "good":
	case "bad":
		c.Quality = 0.2
	case "slow":
		c.Latency = 2 * time.Second
	case "dead":
		c.Dead = true
	default:
		return Config{}, fmt.Errorf("miner profile %q: want good, bad, slow or dead", name)
	}
	return c, nil
}

// Miner is a running example miner.
type Miner struct {
	hotkey string
	ip     string
	port   int
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	err    error
}

// Start starts a miner serving in the background until ctx ends or Close is called.
func Start(ctx context.Context, cfg Config) (*Miner, error) {
	if cfg.Keypair == nil {
		return nil, errors.New("start miner: no hotkey")
	}
	if cfg.Quality < 0 || cfg.Quality > 1 {
		return nil, fmt.Errorf("start miner: quality %g is outside [0, 1]", cfg.Quality)
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if len(cfg.Synapses) == 0 {
		cfg.Synapses = DefaultSynapses
	}
	answer := cfg.Answer
	if answer == nil {
		answer = DefaultAnswer(cfg.Quality)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("start miner: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	m := &Miner{hotkey: cfg.Keypair.SS58(), ip: addr.IP.String(), port: addr.Port, done: make(chan struct{})}
	if cfg.Dead {
		ln.Close() // the port is now closed: queries get connection refused
		m.cancel = func() {}
		close(m.done)
		return m, nil
	}
	ax, err := dendrite.NewAxon(dendrite.AxonConfig{Keypair: cfg.Keypair, Blacklist: cfg.Blacklist, ExternalIP: m.ip, ExternalPort: m.port})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("start miner: %w", err)
	}
	latency := cfg.Latency
	for _, name := range cfg.Synapses {
		h := func(ctx context.Context, r *dendrite.AxonRequest) (json.RawMessage, error) {
			if latency > 0 {
				select {
				case <-time.After(latency):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			return answer(ctx, r.Synapse, r.Body)
		}
		if err := ax.Attach(dendrite.Synapse{Name: name, Handler: h}); err != nil {
			ln.Close()
			return nil, fmt.Errorf("start miner: %w", err)
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	m.cancel = cancel
	go func() {
		m.err = ax.Serve(sctx, ln)
		close(m.done)
	}()
	return m, nil
}

// Hotkey returns the miner's SS58 hotkey.
func (m *Miner) Hotkey() string { return m.hotkey }

// Addr returns the IP and port the miner serves (or, when dead, the closed port it reserved).
func (m *Miner) Addr() (string, int) { return m.ip, m.port }

// Target returns the dendrite target for this miner with the given uid.
func (m *Miner) Target(uid uint16) dendrite.Target {
	return dendrite.Target{UID: uid, IP: m.ip, Port: m.port, Hotkey: m.hotkey}
}

// Close stops serving and waits for the server to shut down.
func (m *Miner) Close() error {
	m.once.Do(m.cancel)
	<-m.done
	return m.err
}

// Wait blocks until the miner stops and returns the server's error, if any.
func (m *Miner) Wait() error {
	<-m.done
	return m.err
}

// DefaultAnswer is the AnswerFunc described in the package comment, at the given quality.
func DefaultAnswer(quality float64) AnswerFunc {
	return func(_ context.Context, _ string, body json.RawMessage) (json.RawMessage, error) {
		var in map[string]json.RawMessage
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, fmt.Errorf("challenge is not a JSON object: %w", err)
		}
		if in == nil {
			in = map[string]json.RawMessage{}
		}
		var task string
		_ = json.Unmarshal(in["task"], &task)
		var answer any
		switch {
		case task == "sum":
			var nums []float64
			if err := json.Unmarshal(in["numbers"], &nums); err != nil {
				return nil, fmt.Errorf("sum task: numbers: %w", err)
			}
			s := 0.0
			for _, n := range nums {
				s += n
			}
			answer = s * (1 + (1-quality)/10)
		case in["reference"] != nil:
			var ref string
			if err := json.Unmarshal(in["reference"], &ref); err != nil {
				return nil, fmt.Errorf("text task: reference: %w", err)
			}
			answer = degrade(ref, quality)
		}
		a, err := json.Marshal(answer)
		if err != nil {
			return nil, err
		}
		in["answer"] = a
		return json.Marshal(in)
	}
}

// degrade replaces a share (1-quality) of the words of s with "lorem", spread evenly.
func degrade(s string, quality float64) string {
	words := strings.Fields(s)
	if quality >= 1 || len(words) == 0 {
		return s
	}
	bad := int(float64(len(words))*(1-quality) + 0.5)
	for i := 0; i < bad; i++ {
		words[i*len(words)/bad] = "lorem"
	}
	return strings.Join(words, " ")
}
