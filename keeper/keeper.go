// Package keeper is ionet-keeper: an independent operator's daemon that follows the
// chain, challenges and probes the workers assigned to it, agrees with the other
// keepers on each epoch's report and votes it, cranks claims and serves proofs
// (docs/design.md §§6–7), and plays its market duties: matching, expiry, failure reports
// and the cluster API (docs/design.md §5, docs/market.md). cmd/ionet-keeper fills a Config from flags, environment and an
// optional config file, and runs New(cfg).Run(ctx).
package keeper

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/keeper/challenge"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/keeper/market"
)

// Config is everything a keeper needs: a keypair and an RPC URL; the rest has
// defaults.
type Config struct {
	// Keypair is the keeper's authority (registered with `ionet keeper register`);
	// it signs and pays every transaction.
	Keypair solana.PrivateKey
	RPCURL  string
	// WSURL is the websocket endpoint (default: the RPC URL's port + 1, ws scheme).
	WSURL string
	// Listen is the HTTP server's address (default ":7070").
	Listen string
	// DataDir holds the transaction records, observation logs, summaries and reports
	// (default "./ionet-keeper-data").
	DataDir string
	// PriceMicroUSD is the IO/USD price this keeper votes, micro-USD per $IO: a
	// configured price (the localnet feed; a DEX or Pyth reader in production). 0
	// votes the latest final price on chain again.
	PriceMicroUSD uint64
	// KeepersPerNode is m, how many keepers observe each node (default 3).
	KeepersPerNode int
	// Claims: crank every node's claim once an epoch is final (default true in the
	// command).
	Claims bool
	// Tick is how often the keeper looks at the chain's clock (default 250 ms: an
	// epoch's commit window may be as short as a second).
	Tick time.Duration
	// FetchTimeout bounds one fetch of another keeper's summary (default 5 s).
	FetchTimeout time.Duration
	// Challenge configures the challenge and probe duty (keeper/challenge): the
	// challenge windows (protocol parameters every keeper must share; tests shrink
	// them to short epochs), probes per epoch, rows opened, the class lookup
	// (classes.ByName when nil; tests add sized-down classes). Key, Recorder,
	// KeepersPerNode and Logger are the keeper's own; zero values take the duty's
	// defaults.
	Challenge challenge.Config
	// Market configures the market duties: matching, expiry, failure reports and the
	// cluster API (docs/market.md).
	Market MarketConfig
	// Lie makes this keeper vote a wrong root on purpose (tests of the quorum only).
	Lie    bool
	Logger *slog.Logger
}

// DefaultWSURL is the websocket URL Solana nodes serve beside rpcURL: the same host,
// port + 1, ws(s) scheme.
func DefaultWSURL(rpcURL string) (string, error) {
	u, err := url.Parse(rpcURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("rpc url %q: want http(s)://host:port", rpcURL)
	}
	port, err := strconv.Atoi(u.Port())
	if err != nil || port <= 0 || port >= 65535 {
		return "", fmt.Errorf("rpc url %q needs an explicit port to derive the websocket URL (or give the websocket URL)", rpcURL)
	}
	u.Scheme = map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	u.Host = net.JoinHostPort(u.Hostname(), strconv.Itoa(port+1))
	return u.String(), nil
}

func (c *Config) validate() error {
	if len(c.Keypair) != 64 {
		return errors.New("keeper: a keypair is required")
	}
	if c.RPCURL == "" {
		return errors.New("keeper: an RPC URL is required")
	}
	if c.WSURL == "" {
		ws, err := DefaultWSURL(c.RPCURL)
		if err != nil {
			return err
		}
		c.WSURL = ws
	}
	if c.Listen == "" {
		c.Listen = ":7070"
	}
	if c.DataDir == "" {
		c.DataDir = "ionet-keeper-data"
	}
	if c.KeepersPerNode == 0 {
		c.KeepersPerNode = 3
	}
	if c.KeepersPerNode < 1 {
		return fmt.Errorf("keeper: keepers per node %d: want at least 1", c.KeepersPerNode)
	}
	if c.Tick <= 0 {
		c.Tick = 250 * time.Millisecond
	}
	if c.FetchTimeout <= 0 {
		c.FetchTimeout = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Keeper is one running ionet-keeper.
type Keeper struct {
	cfg      Config
	log      *slog.Logger
	metrics  *Metrics
	follower *follower.Follower
	chain    *rewards.Client
	blobs    *blobs
	reports  *reports
	duty     *epochDuty
	market   *market.Duty
	watch    *market.Watch
	clusters *clusters
	http     *http.Client
	// currentEpoch is the chain's epoch as last read (uint64), for /healthz.
	currentEpoch atomic.Value
	// addr is the HTTP server's bound address once Run listens.
	addr atomic.Value
}

// New checks cfg and opens the data directory. Nothing on the network is contacted
// before Run.
func New(cfg Config) (*Keeper, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	m := NewMetrics()
	f, err := follower.New(follower.Config{
		RPCURL: cfg.RPCURL, WSURL: cfg.WSURL, Logger: cfg.Logger.With("part", "follower"),
		OnEvent: func(e string) { m.Follower.WithLabelValues(e).Inc() },
	})
	if err != nil {
		return nil, err
	}
	b, err := openBlobs(filepath.Join(cfg.DataDir, "blobs"))
	if err != nil {
		return nil, err
	}
	r, err := openReports(filepath.Join(cfg.DataDir, "reports"))
	if err != nil {
		return nil, err
	}
	k := &Keeper{
		cfg: cfg, log: cfg.Logger, metrics: m, follower: f, chain: rewards.New(cfg.RPCURL),
		blobs: b, reports: r, http: &http.Client{Timeout: cfg.FetchTimeout},
	}
	d, err := newEpochDuty(k)
	if err != nil {
		return nil, err
	}
	k.duty = d
	if k.market, k.watch, err = newMarket(k); err != nil {
		d.close()
		return nil, err
	}
	if k.clusters, err = newClusters(k); err != nil {
		d.close()
		return nil, err
	}
	return k, nil
}

// Metrics are the keeper's Prometheus series.
func (k *Keeper) Metrics() *Metrics { return k.metrics }

// Addr is the HTTP server's address once it listens ("" before).
func (k *Keeper) Addr() string {
	a, _ := k.addr.Load().(string)
	return a
}

func (k *Keeper) ioMint() solana.PublicKey {
	if rc := k.follower.Snapshot().RewardsConfig; rc != nil {
		return rc.IoMint
	}
	return solana.PublicKey{}
}

// Run serves until ctx ends: the chain follower, the HTTP server and the duties.
// It returns nil after a clean shutdown, or the first component's failure.
func (k *Keeper) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", k.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", k.cfg.Listen, err)
	}
	k.addr.Store(ln.Addr().String())
	srv := &http.Server{Handler: k.handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("http server: %w", err)
		}
	})
	wg.Go(func() {
		if err := k.follower.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			errs <- err
		}
	})
	wg.Go(func() {
		if err := k.duty.run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			errs <- err
		}
	})
	if !k.cfg.Market.Disabled {
		wg.Go(func() {
			select {
			case <-k.follower.Synced():
			case <-ctx.Done():
				return
			}
			wg.Go(func() { _ = k.market.Run(ctx) })
			_ = k.watch.Run(ctx)
		})
	}
	k.log.Info("ionet-keeper running", "keeper", k.cfg.Keypair.PublicKey(), "rpc", k.cfg.RPCURL,
		"listen", ln.Addr().String(), "data", k.cfg.DataDir)
	var first error
	select {
	case <-ctx.Done():
	case first = <-errs:
		k.log.Error("keeper stopping", "err", first)
	}
	cancel()
	shutdown, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = srv.Shutdown(shutdown)
	wg.Wait()
	k.duty.close()
	return first
}
