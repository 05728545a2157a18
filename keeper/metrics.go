package keeper

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ionet-network/ionet/keeper/market"
)

// Metrics are the keeper's Prometheus series (GET /metrics). They live on the
// keeper's own registry, never the global one, so several keepers can run in one
// process (tests).
type Metrics struct {
	Registry *prometheus.Registry
	// Epoch is the chain's current epoch as the keeper last read it.
	Epoch prometheus.Gauge
	// FinalEpoch is the latest final epoch.
	FinalEpoch prometheus.Gauge
	// Commits and Votes count this keeper's commits and votes by result
	// ("sent", "landed", "failed", "skipped").
	Commits *prometheus.CounterVec
	Votes   *prometheus.CounterVec
	// Disagreements counts final roots that differ from the one this keeper voted.
	Disagreements prometheus.Counter
	// Challenges counts the proof-of-compute challenges this keeper logged, by result
	// ("passed", "failed", "skipped": a hired node) and reason (keeper/epochlog
	// Reason*, "" when passed).
	Challenges *prometheus.CounterVec
	// Probes counts the uptime probes this keeper logged, by result ("answered",
	// "missed") and reason ("" when answered).
	Probes *prometheus.CounterVec
	// Claims counts claims cranked by result.
	Claims *prometheus.CounterVec
	// LogsLeftOut counts committed logs whose summary could not be fetched or
	// verified by the vote.
	LogsLeftOut prometheus.Counter
	// Follower counts the chain follower's events ("resync", "notification", "error").
	Follower *prometheus.CounterVec
	// Market are the market duties' series (keeper/market).
	Market *market.Metrics
}

// NewMetrics registers the keeper's series on a fresh registry, with Go and process
// collectors.
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry:      r,
		Epoch:         prometheus.NewGauge(prometheus.GaugeOpts{Name: "ionet_keeper_epoch", Help: "The chain's current epoch."}),
		FinalEpoch:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "ionet_keeper_final_epoch", Help: "The latest final epoch."}),
		Commits:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_commits_total", Help: "Observation-log commits by result."}, []string{"result"}),
		Votes:         prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_votes_total", Help: "Report votes by result."}, []string{"result"}),
		Disagreements: prometheus.NewCounter(prometheus.CounterOpts{Name: "ionet_keeper_report_disagreements_total", Help: "Final roots that differ from this keeper's vote."}),
		Challenges:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_challenges_total", Help: "Proof-of-compute challenges by result and reason."}, []string{"result", "reason"}),
		Probes:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_probes_total", Help: "Uptime probes by result and reason."}, []string{"result", "reason"}),
		Claims:        prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_claims_total", Help: "Reward claims cranked by result."}, []string{"result"}),
		LogsLeftOut:   prometheus.NewCounter(prometheus.CounterOpts{Name: "ionet_keeper_logs_left_out_total", Help: "Committed logs left out of a report: not fetched or not matching their hash by the vote."}),
		Follower:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_keeper_follower_events_total", Help: "Chain follower events."}, []string{"event"}),
	}
	m.Market = market.NewMetrics(r)
	r.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}),
		m.Epoch, m.FinalEpoch, m.Commits, m.Votes, m.Disagreements, m.Challenges, m.Probes, m.Claims, m.LogsLeftOut, m.Follower)
	return m
}
