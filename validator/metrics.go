package validator

import (
	"errors"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/subnetd/subnetd/providers"
)

// Metrics are the daemon's Prometheus metrics. A nil *Metrics records nothing, so tests and
// the demo may run without a registry.
type Metrics struct {
	rounds      *prometheus.CounterVec
	lastBlock   *prometheus.GaugeVec
	scorerTimeH *prometheus.HistogramVec
	scorerFail  *prometheus.CounterVec
	queriedC    *prometheus.CounterVec
	answeredC   *prometheus.CounterVec
	submittedC  *prometheus.CounterVec
	chainErrs   *prometheus.CounterVec
	swaps       *prometheus.CounterVec
	provCalls   *prometheus.CounterVec
	provFails   *prometheus.CounterVec
	provLatency *prometheus.HistogramVec
	provRestart *prometheus.GaugeVec
	pinAccepted *prometheus.CounterVec
	pinRefused  *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		rounds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_rounds_total",
			Help: "Rounds run, by subnet and outcome (ok, scorer_error, chain_error)."}, []string{"netuid", "outcome"}),
		lastBlock: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "subnetd_last_round_block",
			Help: "Block of the last recorded round, by subnet."}, []string{"netuid"}),
		scorerTimeH: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "subnetd_scorer_seconds",
			Help: "Scorer call time (instantiate and score), by subnet.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}, []string{"netuid"}),
		scorerFail: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_scorer_failures_total",
			Help: "Rounds whose scorer (challenge or score) failed, by subnet."}, []string{"netuid"}),
		queriedC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_miners_queried_total",
			Help: "Miners queried, by subnet."}, []string{"netuid"}),
		answeredC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_miners_answered_total",
			Help: "Miners that answered with status 200, by subnet."}, []string{"netuid"}),
		submittedC: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_weights_submitted_total",
			Help: "Weight transactions accepted by the chain, by subnet and kind."}, []string{"netuid", "kind"}),
		chainErrs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_chain_errors_total",
			Help: "Chain calls that failed, by subnet and call."}, []string{"netuid", "call"}),
		swaps: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_scorer_swaps_total",
			Help: "Scorer versions offered to a subnet, by result (applied, refused)."}, []string{"netuid", "result"}),
	}
	m.provCalls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_provider_calls_total",
		Help: "Feature provider calls, by subnet and provider."}, []string{"netuid", "provider"})
	m.provFails = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_provider_failures_total",
		Help: "Feature provider calls that failed (their features were null), by subnet, provider and reason."}, []string{"netuid", "provider", "reason"})
	m.provLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "subnetd_provider_seconds",
		Help: "Feature provider call time, by subnet and provider.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}, []string{"netuid", "provider"})
	m.provRestart = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "subnetd_provider_restarts",
		Help: "Times a feature provider's process was restarted since the daemon started, by subnet and provider."}, []string{"netuid", "provider"})
	m.pinAccepted = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_pin_accepted_total",
		Help: "Scorer packages pinned on chain that were fetched, verified and accepted, by subnet."}, []string{"netuid"})
	m.pinRefused = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "subnetd_pin_refused_total",
		Help: "Attempts to follow a scorer pin that failed, by subnet and reason (bad_pin, pin_mismatch, module_mismatch, too_large, unreachable, timeout, redirect, bad_archive, bad_manifest, signature, self_test, bad_module, rejected)."}, []string{"netuid", "reason"})
	reg.MustRegister(m.pinAccepted, m.pinRefused)
	reg.MustRegister(m.rounds, m.lastBlock, m.scorerTimeH, m.scorerFail, m.queriedC, m.answeredC, m.submittedC, m.chainErrs, m.swaps,
		m.provCalls, m.provFails, m.provLatency, m.provRestart)
	return m
}

func nu(n uint16) string { return strconv.Itoa(int(n)) }

func (m *Metrics) round(netuid uint16, outcome string, block uint64) {
	if m == nil {
		return
	}
	m.rounds.WithLabelValues(nu(netuid), outcome).Inc()
	m.lastBlock.WithLabelValues(nu(netuid)).Set(float64(block))
}

func (m *Metrics) scorerTime(netuid uint16, d time.Duration) {
	if m != nil {
		m.scorerTimeH.WithLabelValues(nu(netuid)).Observe(d.Seconds())
	}
}

func (m *Metrics) scorerFailure(netuid uint16) {
	if m != nil {
		m.scorerFail.WithLabelValues(nu(netuid)).Inc()
	}
}

func (m *Metrics) queried(netuid uint16, n, answered int) {
	if m != nil {
		m.queriedC.WithLabelValues(nu(netuid)).Add(float64(n))
		m.answeredC.WithLabelValues(nu(netuid)).Add(float64(answered))
	}
}

func (m *Metrics) submitted(netuid uint16, kind string) {
	if m != nil {
		m.submittedC.WithLabelValues(nu(netuid), kind).Inc()
	}
}

func (m *Metrics) chainError(netuid uint16, call string) {
	if m != nil {
		m.chainErrs.WithLabelValues(nu(netuid), call).Inc()
	}
}

// Swap counts a scorer version offered to a subnet with its result (applied or refused).
func (m *Metrics) Swap(netuid uint16, result string) { m.swap(netuid, result) }

func (m *Metrics) swap(netuid uint16, result string) {
	if m != nil {
		m.swaps.WithLabelValues(nu(netuid), result).Inc()
	}
}

func (m *Metrics) providerCall(netuid uint16, provider string, err error, d time.Duration) {
	if m == nil {
		return
	}
	m.provCalls.WithLabelValues(nu(netuid), provider).Inc()
	m.provLatency.WithLabelValues(nu(netuid), provider).Observe(d.Seconds())
	if err != nil {
		m.provFails.WithLabelValues(nu(netuid), provider, providerReason(err)).Inc()
	}
}

func (m *Metrics) providerRestarts(netuid uint16, provider string, n int) {
	if m == nil {
		return
	}
	m.provRestart.WithLabelValues(nu(netuid), provider).Set(float64(n))
}

// providerReason is a provider failure's metric label.
func providerReason(err error) string {
	switch {
	case errors.Is(err, providers.ErrTimeout):
		return "timeout"
	case errors.Is(err, providers.ErrTooLarge):
		return "too_large"
	case errors.Is(err, providers.ErrMalformed):
		return "malformed"
	case errors.Is(err, providers.ErrNotRunning), errors.Is(err, providers.ErrClosed):
		return "not_running"
	}
	return "error"
}

func (m *Metrics) pinAccept(netuid uint16) {
	if m != nil {
		m.pinAccepted.WithLabelValues(nu(netuid)).Inc()
	}
}

func (m *Metrics) pinRefuse(netuid uint16, reason string) {
	if m != nil {
		m.pinRefused.WithLabelValues(nu(netuid), reason).Inc()
	}
}
