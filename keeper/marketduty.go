package keeper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/keeper/market"
	"github.com/ionet-network/ionet/worker/api"
)

// MarketConfig configures the keeper's market duties (keeper/market, docs/market.md):
// matching rounds, expiry of unmatched orders, the watch over hired nodes, and the
// cluster API. Zero values take the defaults.
type MarketConfig struct {
	// Disabled turns the market duties off (the cluster API still answers).
	Disabled bool
	// Every is the time between matching rounds (default 2 s).
	Every time.Duration
	// MaxNodesPerOrder bounds the nodes of one assign (match.DefaultMaxNodesPerOrder).
	MaxNodesPerOrder int
	// NoExpire leaves timed-out orders to other cranks; NoSettle the final claim of
	// stopped and finished streams.
	NoExpire, NoSettle bool
	// HireProbeEvery is the time between probes of each hired node (default 15 s).
	HireProbeEvery time.Duration
	// FailureMisses (K) and FailureSpan (T): a hired node is voted failed after K
	// consecutive missed probes spanning at least T (default 5 over 3 minutes).
	FailureMisses int
	FailureSpan   time.Duration
	// ProbeTimeout bounds one probe of a hired node (default 5 s).
	ProbeTimeout time.Duration
	// RenterKeypair, for local use only, makes the cluster API sign and send the
	// renter's transactions itself instead of returning them unsigned.
	RenterKeypair solana.PrivateKey
	// Prober and SelfCheck replace the worker API client and the keeper's check of
	// its own RPC and network (tests cut the keeper's network with them).
	Prober    market.Prober
	SelfCheck func(ctx context.Context) error
}

// chainView is the keeper's follower and chain clock as keeper/market reads them.
type chainView struct{ k *Keeper }

func (c chainView) Snapshot() *follower.Snapshot           { return c.k.follower.Snapshot() }
func (c chainView) Now(ctx context.Context) (int64, error) { return c.k.chain.Staking.Now(ctx) }

// Exists reads the io-hire account at address at the keeper's RPC: false when it is
// gone (closed), an error when the RPC could not tell.
func (c chainView) Exists(ctx context.Context, address solana.PublicKey) (bool, error) {
	_, err := c.k.chain.Staking.Data(ctx, address, iohire.ProgramID, "io-hire")
	if errors.Is(err, staking.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// blobEvidence stores failure evidence with the observation logs: served at
// GET /observations/{hash}.
type blobEvidence struct{ b *blobs }

func (e blobEvidence) Put(b []byte) ([32]byte, error) { return e.b.put(b) }

// newMarket builds the market duty and the hire watch on the epoch duty's
// transaction manager.
func newMarket(k *Keeper) (*market.Duty, *market.Watch, error) {
	mc := k.cfg.Market
	log := k.log.With("part", "market")
	d, err := market.New(market.Config{Keeper: k.cfg.Keypair.PublicKey(), Every: mc.Every,
		MaxNodesPerOrder: mc.MaxNodesPerOrder, NoExpire: mc.NoExpire, NoSettle: mc.NoSettle, Logger: log},
		chainView{k}, k.duty.txs, k.metrics.Market)
	if err != nil {
		return nil, nil, err
	}
	prober := mc.Prober
	if prober == nil {
		prober = api.NewClient(api.ClientConfig{})
	}
	self := mc.SelfCheck
	if self == nil {
		self = k.selfCheck
	}
	w, err := market.NewWatch(market.WatchConfig{Key: k.cfg.Keypair, Every: mc.HireProbeEvery,
		Rule: market.FailureRule{Misses: mc.FailureMisses, Span: mc.FailureSpan}, Timeout: mc.ProbeTimeout,
		Logger: log.With("duty", "watch")},
		market.WatchDeps{Chain: chainView{k}, Txs: k.duty.txs, Prober: prober, Evidence: blobEvidence{k.blobs},
			SelfCheck: self, Metrics: k.metrics.Market})
	if err != nil {
		return nil, nil, err
	}
	return d, w, nil
}

// selfCheck is nil when the keeper's own RPC answers and, if other keepers serve
// with an endpoint, at least one of them answers GET /healthz: then a hired node's
// silence is the node's, not the keeper's.
func (k *Keeper) selfCheck(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, k.cfg.FetchTimeout)
	defer cancel()
	if _, err := k.chain.Staking.Now(ctx); err != nil {
		return fmt.Errorf("own RPC: %w", err)
	}
	snap := k.follower.Snapshot()
	self := rewards.KeeperAddress(k.cfg.Keypair.PublicKey())
	var peers []string
	for address, p := range snap.Keepers {
		if address != self && p.Endpoint != "" && p.ExitFrom == nil {
			peers = append(peers, strings.TrimRight(p.Endpoint, "/")+"/healthz")
		}
	}
	if len(peers) == 0 {
		return nil
	}
	var errs []error
	for _, url := range peers {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		resp, err := k.http.Do(req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_ = resp.Body.Close()
		return nil
	}
	return fmt.Errorf("no other keeper reachable: %w", errors.Join(errs...))
}

// MatchRound plays one matching round now (match, assign, expire), whether or not
// the market duties run on their own (MarketConfig.Disabled). It waits for the
// follower's first catch-up.
func (k *Keeper) MatchRound(ctx context.Context) (market.RoundOutcome, error) {
	select {
	case <-k.follower.Synced():
	case <-ctx.Done():
		return market.RoundOutcome{}, ctx.Err()
	}
	return k.market.Round(ctx)
}
