package main

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ionet-network/ionet/worker/agent"
)

// newRegistry is the daemon's Prometheus registry: the worker's series, Go and
// process collectors.
func newRegistry() (*prometheus.Registry, *agent.Metrics) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg, agent.NewMetrics(reg)
}
