package txm

import (
	"context"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the manager's Prometheus metrics:
//
//	ionet_txm_transactions{state}            records held now, by state
//	ionet_txm_transitions_total{state}       records that entered each state
//	ionet_txm_rpc_errors_total{method,class} failed RPC calls, by Classify's class
type Metrics struct {
	held        *prometheus.GaugeVec
	transitions *prometheus.CounterVec
	rpcErrors   *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them on reg (an error when names
// clash, e.g. two managers on one registry).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		held: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "ionet", Subsystem: "txm", Name: "transactions",
			Help: "Transactions held by the keeper's transaction manager, by state.",
		}, []string{"state"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "ionet", Subsystem: "txm", Name: "transitions_total",
			Help: "Transactions that entered each state.",
		}, []string{"state"}),
		rpcErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "ionet", Subsystem: "txm", Name: "rpc_errors_total",
			Help: "Failed RPC calls of the transaction manager, by method and error class.",
		}, []string{"method", "class"}),
	}
	for _, c := range []prometheus.Collector{m.held, m.transitions, m.rpcErrors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register txm metrics: %w", err)
		}
	}
	for _, s := range States {
		m.held.WithLabelValues(string(s))
		m.transitions.WithLabelValues(string(s))
	}
	return m, nil
}

// moved counts a record going from one state to another; from "" is a record that
// is new to this process (enqueued or loaded), to "" one dropped.
func (m *Metrics) moved(from, to State) {
	if m == nil || from == to {
		return
	}
	if from != "" {
		m.held.WithLabelValues(string(from)).Dec()
	}
	if to != "" {
		m.held.WithLabelValues(string(to)).Inc()
	}
}

// entered counts a transition into to.
func (m *Metrics) entered(to State) {
	if m != nil {
		m.transitions.WithLabelValues(string(to)).Inc()
	}
}

// Instrument wraps r so that each failed call is counted by method and class.
// A nil Metrics returns r.
func (m *Metrics) Instrument(r RPC) RPC {
	if m == nil {
		return r
	}
	return &instrumented{next: r, m: m}
}

type instrumented struct {
	next RPC
	m    *Metrics
}

func (i *instrumented) count(method string, err error) {
	if err != nil {
		i.m.rpcErrors.WithLabelValues(method, string(Classify(err))).Inc()
	}
}

func (i *instrumented) GetLatestBlockhash(ctx context.Context, c rpc.CommitmentType) (*rpc.GetLatestBlockhashResult, error) {
	out, err := i.next.GetLatestBlockhash(ctx, c)
	i.count("getLatestBlockhash", err)
	return out, err
}

func (i *instrumented) SimulateTransactionWithOpts(ctx context.Context, tx *solana.Transaction, opts *rpc.SimulateTransactionOpts) (*rpc.SimulateTransactionResponse, error) {
	out, err := i.next.SimulateTransactionWithOpts(ctx, tx, opts)
	i.count("simulateTransaction", err)
	return out, err
}

func (i *instrumented) SendTransactionWithOpts(ctx context.Context, tx *solana.Transaction, opts rpc.TransactionOpts) (solana.Signature, error) {
	out, err := i.next.SendTransactionWithOpts(ctx, tx, opts)
	i.count("sendTransaction", err)
	return out, err
}

func (i *instrumented) GetSignatureStatuses(ctx context.Context, search bool, sigs ...solana.Signature) (*rpc.GetSignatureStatusesResult, error) {
	out, err := i.next.GetSignatureStatuses(ctx, search, sigs...)
	i.count("getSignatureStatuses", err)
	return out, err
}

func (i *instrumented) GetBlockHeight(ctx context.Context, c rpc.CommitmentType) (uint64, error) {
	out, err := i.next.GetBlockHeight(ctx, c)
	i.count("getBlockHeight", err)
	return out, err
}
