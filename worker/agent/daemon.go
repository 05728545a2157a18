package agent

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/api"
	"github.com/ionet-network/ionet/worker/jobs"
)

// DaemonConfig configures `ionet-worker run`.
type DaemonConfig struct {
	Key ed25519.PrivateKey
	// Node is the io-staking node served (default: the node of Key).
	Node   solana.PublicKey
	Listen string
	// RPCURL is where the keeper set is read (io-rewards) every KeeperRefresh;
	// Keepers, when given instead, is a fixed set.
	RPCURL        string
	Keepers       []ed25519.PublicKey
	KeeperRefresh time.Duration
	Devices       *Devices
	Lookup        func(string) (classes.Class, error)
	// Jobs runs hired jobs (nil: the worker takes no jobs).
	Jobs *jobs.Manager
	// Claim, when set, claims earnings every ClaimEvery.
	Claim      func(context.Context) ([]Paid, error)
	ClaimEvery time.Duration
	Version    string
	// Journal, when set, keeps the commitments not yet opened across restarts.
	Journal *Journal
	// Fault and SlowDelay make the worker misbehave, for tests of keepers only.
	Fault     api.Fault
	SlowDelay time.Duration
	Metrics   *Metrics
	Registry  *prometheus.Registry
	Logger    *slog.Logger
	// Listened is told the bound address (tests listen on port 0).
	Listened func(addr string)
}

// keeperSet is the accepted keepers, replaced whole on each refresh.
type keeperSet struct {
	v atomic.Pointer[map[string]bool]
}

func (s *keeperSet) set(keys []ed25519.PublicKey) {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[string(k)] = true
	}
	s.v.Store(&m)
}

func (s *keeperSet) has(k ed25519.PublicKey) bool {
	m := s.v.Load()
	return m != nil && (*m)[string(k)]
}

func (s *keeperSet) len() int {
	if m := s.v.Load(); m != nil {
		return len(*m)
	}
	return 0
}

// ChainKeepers reads the keepers io-rewards lists that have not exited by now (one
// registered this epoch is accepted already: it serves from the next).
func ChainKeepers(ctx context.Context, rpcURL string) ([]ed25519.PublicKey, error) {
	snap, err := follower.Read(ctx, rpcURL)
	if err != nil {
		return nil, err
	}
	if snap.RewardsConfig == nil {
		return nil, errors.New("io-rewards is not initialized")
	}
	epoch := rewards.EpochsOf(snap.RewardsConfig.Params).At(time.Now().Unix())
	var out []ed25519.PublicKey
	for _, k := range snap.Keepers {
		if k.ExitFrom == nil || epoch < *k.ExitFrom {
			out = append(out, ed25519.PublicKey(k.Authority[:]))
		}
	}
	return out, nil
}

// Health is GET /healthz.
type Health struct {
	Status  string `json:"status"`
	Worker  string `json:"worker"`
	Node    string `json:"node"`
	Class   string `json:"class"`
	Backend string `json:"backend"`
	Devices int    `json:"devices"`
	Keepers int    `json:"keepers"`
	Jobs    int    `json:"jobs"`
	Version string `json:"version"`
}

// Run serves the worker API (/v1/…), the jobs API (/jobs…), GET /metrics and GET
// /healthz until ctx ends, then shuts down: no new request, the ones in flight
// finish (up to 10 s), jobs are stopped, pending commitments released.
func Run(ctx context.Context, cfg DaemonConfig) error {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if cfg.Devices == nil || len(cfg.Devices.List) == 0 {
		return errors.New("worker: no device to answer challenges")
	}
	if cfg.Lookup == nil {
		cfg.Lookup = classes.ByName
	}
	class, err := cfg.Lookup(cfg.Devices.Class)
	if err != nil {
		return fmt.Errorf("worker: %w", err)
	}
	if cfg.Node.IsZero() {
		cfg.Node = staking.NodeAddress(PublicKey(cfg.Key))
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
		cfg.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(cfg.Registry)
	}
	if cfg.KeeperRefresh <= 0 {
		cfg.KeeperRefresh = 30 * time.Second
	}
	keepers := &keeperSet{}
	if cfg.RPCURL == "" {
		keepers.set(cfg.Keepers)
	} else {
		ks, err := ChainKeepers(ctx, cfg.RPCURL)
		if err != nil {
			return fmt.Errorf("keeper set from %s: %w", cfg.RPCURL, err)
		}
		keepers.set(ks)
	}
	cfg.Metrics.keepers.Set(float64(keepers.len()))
	acfg := api.Config{
		Key: cfg.Key, Node: cfg.Node, Class: cfg.Devices.Class, Lookup: cfg.Lookup, Version: cfg.Version,
		Devices: cfg.Devices.List, Keepers: keepers.has, Fault: cfg.Fault, SlowDelay: cfg.SlowDelay, Logger: log,
	}
	var restore []JournalEntry
	if cfg.Journal != nil {
		acfg.Journal = cfg.Journal
		if restore, err = cfg.Journal.Entries(api.DefaultPendingTTL, time.Now()); err != nil {
			return err
		}
	}
	srv, err := api.NewServer(acfg)
	if err != nil {
		return err
	}
	defer srv.Close()
	info := srv.Info()
	mux := http.NewServeMux()
	worker := cfg.Metrics.Instrument(srv, class.Ops())
	mux.Handle("/v1/", worker)
	mux.Handle("/metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		h := Health{Status: "ok", Worker: info.Worker, Node: info.Node, Class: info.Class, Backend: cfg.Devices.Backend,
			Devices: len(cfg.Devices.List), Keepers: keepers.len(), Version: info.Version}
		if cfg.Jobs != nil {
			h.Jobs = cfg.Jobs.Running()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(h)
	})
	if cfg.Jobs != nil {
		mux.Handle("/jobs", cfg.Jobs)
		mux.Handle("/jobs/", cfg.Jobs)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "no such endpoint: " + r.URL.Path})
	})
	// Commitments sent before a restart are computed again; their opening requests
	// wait for them from the first request served.
	type restoringEntry struct {
		seed   pow.Seed
		result <-chan error
	}
	var restoring []restoringEntry
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, e := range restore {
		restoring = append(restoring, restoringEntry{e.Seed, srv.Restore(ctx, e.Challenge, e.Keeper, e.Commitment)})
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	log.Info("worker listening", "addr", ln.Addr().String(), "worker", info.Worker, "node", info.Node,
		"class", info.Class, "backend", cfg.Devices.Backend, "devices", len(cfg.Devices.List), "keepers", keepers.len(),
		"jobs", cfg.Jobs != nil)
	if cfg.Listened != nil {
		cfg.Listened(ln.Addr().String())
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http server: %w", err)
			cancel()
		}
	})
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	defer stopJobs()
	var jobsDone sync.WaitGroup
	if cfg.Jobs != nil {
		jobsDone.Go(func() { _ = cfg.Jobs.Run(jobsCtx) })
	}
	for _, e := range restoring {
		wg.Go(func() {
			if err := <-e.result; err != nil && ctx.Err() == nil {
				log.Warn("commitment not restored", "seed", fmt.Sprintf("%x", e.seed[:4]), "error", err)
				cfg.Journal.Done(e.seed)
			}
		})
	}
	if cfg.RPCURL != "" {
		wg.Go(func() { refreshKeepers(ctx, cfg.RPCURL, cfg.KeeperRefresh, keepers, cfg.Metrics, log) })
	}
	if cfg.Claim != nil && cfg.ClaimEvery > 0 {
		wg.Go(func() { claimLoop(ctx, cfg.Claim, cfg.ClaimEvery, cfg.Metrics, log) })
	}
	<-ctx.Done()
	log.Info("worker shutting down")
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	_ = hs.Shutdown(sctx)
	cancel()
	wg.Wait()
	stopJobs()
	jobsDone.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	log.Info("worker stopped")
	return nil
}

func refreshKeepers(ctx context.Context, rpcURL string, every time.Duration, keepers *keeperSet, m *Metrics, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ks, err := ChainKeepers(ctx, rpcURL)
		if err != nil {
			log.Warn("keeper set not refreshed", "error", err)
			continue
		}
		keepers.set(ks)
		m.keepers.Set(float64(len(ks)))
	}
}

func claimLoop(ctx context.Context, claim func(context.Context) ([]Paid, error), every time.Duration, m *Metrics, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		paid, err := claim(ctx)
		for _, p := range paid {
			m.Claimed(p)
			log.Info("claimed", "kind", p.Kind, "order", p.Order, "epoch", p.Epoch, "amount", p.Amount, "mint", p.Mint)
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("claim failed", "error", err)
		}
	}
}
