package agent

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ionet-network/ionet/worker/api"
)

// Metrics are the worker's Prometheus series.
type Metrics struct {
	challenges *prometheus.CounterVec
	seconds    prometheus.Histogram
	tops       prometheus.Gauge
	openings   *prometheus.CounterVec
	probes     *prometheus.CounterVec
	jobs       prometheus.Gauge
	earnings   *prometheus.CounterVec
	keepers    prometheus.Gauge
}

// NewMetrics registers the worker's series on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		challenges: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_worker_challenges_total",
			Help: "Proof-of-compute challenges by result: answered (a commitment sent), refused (4xx), failed (5xx)."}, []string{"result"}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "ionet_worker_challenge_seconds",
			Help: "Time from a challenge's arrival to its signed commitment.", Buckets: prometheus.ExponentialBuckets(0.01, 2, 14)}),
		tops: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ionet_worker_challenge_tops",
			Help: "The last answered challenge's throughput on the worker's clock: the class's operations over the commitment time, 10^12/s."}),
		openings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_worker_openings_total",
			Help: "Opening requests by result."}, []string{"result"}),
		probes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_worker_probes_total",
			Help: "Uptime probes by result."}, []string{"result"}),
		jobs: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ionet_worker_jobs_running",
			Help: "Hired jobs running."}),
		earnings: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ionet_worker_earnings_claimed_total",
			Help: "Base units paid to the operator by this worker's claims, by kind (hire, availability) and mint."}, []string{"kind", "mint"}),
		keepers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "ionet_worker_keepers",
			Help: "Keepers whose signed requests are accepted."}),
	}
	reg.MustRegister(m.challenges, m.seconds, m.tops, m.openings, m.probes, m.jobs, m.earnings, m.keepers)
	return m
}

// JobsRunning sets the running jobs gauge (jobs.Config.Running).
func (m *Metrics) JobsRunning(n int) { m.jobs.Set(float64(n)) }

// Claimed counts what a claim paid.
func (m *Metrics) Claimed(p Paid) { m.earnings.WithLabelValues(p.Kind, p.Mint).Add(float64(p.Amount)) }

func result(code int) string {
	switch {
	case code < 300:
		return "answered"
	case code < 500:
		return "refused"
	}
	return "failed"
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Instrument wraps the worker API's handler: it counts challenges, openings and
// probes by result and times answered challenges; ops is the operations of the
// worker's class (for the TOPS gauge).
func (m *Metrics) Instrument(h http.Handler, ops float64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.code == 0 {
			sw.code = http.StatusOK
		}
		res := result(sw.code)
		switch r.URL.Path {
		case api.PathChallenge:
			m.challenges.WithLabelValues(res).Inc()
			if res == "answered" {
				d := time.Since(start)
				m.seconds.Observe(d.Seconds())
				if d > 0 {
					m.tops.Set(ops / d.Seconds() / 1e12)
				}
			}
		case api.PathOpen:
			m.openings.WithLabelValues(res).Inc()
		case api.PathProbe:
			m.probes.WithLabelValues(res).Inc()
		}
	})
}
