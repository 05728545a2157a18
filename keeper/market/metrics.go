package market

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ionet-network/ionet/keeper/match"
)

// Metrics are the market duties' Prometheus series.
type Metrics struct {
	// Rounds counts matching rounds; RoundSeconds times the matcher alone.
	Rounds       prometheus.Counter
	RoundSeconds prometheus.Histogram
	// OpenOrders is the open orders the last round saw.
	OpenOrders prometheus.Gauge
	// Unmatched is the last round's unmatched orders by outcome
	// (not-enough-eligible-gpus, too-many-nodes, escrow-too-small, timed-out,
	// deferred).
	Unmatched *prometheus.GaugeVec
	// Refused is the nodes refused in the last round, summed over its unmatched
	// orders, by reason (match.Reason names).
	Refused *prometheus.GaugeVec
	// Assignments counts this keeper's assign transactions by result ("landed",
	// "lost": another keeper's landed first, "failed").
	Assignments *prometheus.CounterVec
	// Expired counts expire_unmatched cranks by result.
	Expired *prometheus.CounterVec
	// Settled counts the final claim_earnings of stopped or finished streams by
	// result.
	Settled *prometheus.CounterVec
	// HireProbes counts the probes of hired nodes by outcome ("answered", "missed",
	// "unknown": the keeper could not tell, its own RPC or network was down).
	HireProbes *prometheus.CounterVec
	// FailureVotes counts report_failure votes by result.
	FailureVotes *prometheus.CounterVec
}

// NewMetrics registers the series on reg (none when nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Rounds:       prometheus.NewCounter(prometheus.CounterOpts{Name: "ionet_keeper_match_rounds_total", Help: "Matching rounds."}),
		RoundSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ionet_keeper_match_seconds", Help: "Time the matcher took per round.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10)}),
		OpenOrders:   prometheus.NewGauge(prometheus.GaugeOpts{Name: "ionet_keeper_open_orders", Help: "Open orders in the last round."}),
		Unmatched:    prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ionet_keeper_unmatched_orders", Help: "Orders the last round left unmatched, by outcome."}, []string{"reason"}),
		Refused:      prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ionet_keeper_match_refused_nodes", Help: "Nodes refused in the last round, summed over its unmatched orders, by reason."}, []string{"reason"}),
		Assignments:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_assignments_total", Help: "assign transactions by result."}, []string{"result"}),
		Expired:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_expired_orders_total", Help: "expire_unmatched cranks by result."}, []string{"result"}),
		Settled:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_settled_streams_total", Help: "Final claim_earnings of stopped or finished streams by result."}, []string{"result"}),
		HireProbes:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_hire_probes_total", Help: "Probes of hired nodes by outcome."}, []string{"outcome"}),
		FailureVotes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_failure_votes_total", Help: "report_failure votes by result."}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.Rounds, m.RoundSeconds, m.OpenOrders, m.Unmatched, m.Refused, m.Assignments, m.Expired,
			m.Settled, m.HireProbes, m.FailureVotes)
	}
	return m
}

func (m *Metrics) observeRound(took time.Duration, open int, res match.Result) {
	m.Rounds.Inc()
	m.RoundSeconds.Observe(took.Seconds())
	m.OpenOrders.Set(float64(open))
	var outcomes [256]int
	var refused [256]int
	for _, u := range res.Unmatched {
		outcomes[u.Reason]++
		for r, n := range u.Refused {
			refused[r] += n
		}
	}
	for _, r := range []match.Reason{match.ReasonNotEnoughGPUs, match.ReasonTooManyNodes, match.ReasonEscrow, match.ReasonTimedOut, match.ReasonDeferred} {
		m.Unmatched.WithLabelValues(r.String()).Set(float64(outcomes[r]))
	}
	for _, r := range match.NodeReasons() {
		m.Refused.WithLabelValues(r.String()).Set(float64(refused[r]))
	}
}
