// Package market is a keeper's market duties (docs/design.md §5, docs/market.md): each
// round it takes the follower's snapshot, runs the public matcher (keeper/match)
// and submits `assign` for every order it fills through the keeper's transaction
// manager; it expires open orders past their unmatched timeout; it keeps, per open
// order, why the last round left it unmatched; and it watches hired nodes with
// probes, voting `report_failure` when one stops answering (watch.go).
package market

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/programerr"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/keeper/match"
)

// Sender is the keeper's transaction manager as the duty uses it: Send runs ixs
// once under key, signed and paid by the keeper, and waits until the transaction
// landed (nil) or failed. A key that already landed returns nil without sending.
type Sender interface {
	Send(ctx context.Context, key string, ixs ...solana.Instruction) error
}

// Chain is the keeper's view of the chain.
type Chain interface {
	// Snapshot is the follower's latest snapshot.
	Snapshot() *follower.Snapshot
	// Now is the chain's unix time (the Clock sysvar).
	Now(ctx context.Context) (int64, error)
	// Exists says whether the account at address exists on chain now (a read at
	// the RPC, not the snapshot, which may lag).
	Exists(ctx context.Context, address solana.PublicKey) (bool, error)
}

// Config configures the market duty. Zero values take the defaults shown.
type Config struct {
	// Keeper is the keeper's authority, which signs assign and report_failure.
	Keeper solana.PublicKey
	// Every is the time between matching rounds (default 2 s).
	Every time.Duration
	// MaxNodesPerOrder bounds the nodes of one assign transaction
	// (match.DefaultMaxNodesPerOrder).
	MaxNodesPerOrder int
	// NoExpire leaves timed-out orders to other cranks.
	NoExpire bool
	// NoSettle leaves the settlement of stopped and finished streams to other cranks.
	NoSettle bool
	// Parallel bounds the transactions in flight in one round (default 8).
	Parallel int
	// SettleStagger spaces the keepers' settles of one stream (default 3 × Every):
	// the serving keepers take turns in an order drawn from the assignment's
	// address (SettleRank), the k-th waiting k × SettleStagger after it first saw
	// the stream over, so they do not all send the same claim_earnings at once and
	// all but one fail.
	SettleStagger time.Duration
	Logger        *slog.Logger
}

func (c *Config) defaults() error {
	if c.Keeper.IsZero() {
		return errors.New("market: the keeper's key is required")
	}
	if c.Every <= 0 {
		c.Every = 2 * time.Second
	}
	if c.MaxNodesPerOrder < 0 {
		return fmt.Errorf("market: max nodes per order %d is negative", c.MaxNodesPerOrder)
	}
	if c.Parallel <= 0 {
		c.Parallel = 8
	}
	if c.SettleStagger <= 0 {
		c.SettleStagger = 3 * c.Every
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Duty is the matching and expiry duty.
type Duty struct {
	cfg     Config
	chain   Chain
	txs     Sender
	metrics *Metrics

	mu        sync.Mutex
	round     uint64
	last      match.Config // the last round's parameters
	unmatched map[solana.PublicKey]match.Unmatched
	// landed are orders this keeper's assign or expiry landed for; they are not
	// tried again while a snapshot still shows them open (the follower lags).
	landed map[solana.PublicKey]bool
	// failed are orders whose assign failed for another reason than a lost race,
	// and when: they wait failedBackoff before the next try.
	failed map[solana.PublicKey]time.Time
	// over are the settleable streams and when this keeper first saw each over.
	over map[solana.PublicKey]time.Time
}

// failedBackoff is how long an order whose assign failed (not a lost race: the
// renter's refund account closed, an RPC rejection) waits for its next try, so one
// broken order does not send a transaction every round.
const failedBackoff = time.Minute

// New checks cfg. metrics may be nil.
func New(cfg Config, chain Chain, txs Sender, metrics *Metrics) (*Duty, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	return &Duty{cfg: cfg, chain: chain, txs: txs, metrics: metrics,
		unmatched: map[solana.PublicKey]match.Unmatched{}, landed: map[solana.PublicKey]bool{},
		failed: map[solana.PublicKey]time.Time{}, over: map[solana.PublicKey]time.Time{}}, nil
}

// Run plays a round every cfg.Every until ctx ends; a failing round is logged and
// the next one tries again.
func (d *Duty) Run(ctx context.Context) error {
	t := time.NewTicker(d.cfg.Every)
	defer t.Stop()
	for {
		if _, err := d.Round(ctx); err != nil && ctx.Err() == nil {
			d.cfg.Logger.Debug("market round", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// RoundOutcome is what one round did.
type RoundOutcome struct {
	Round uint64
	// Assigned are the orders whose assign landed from this keeper; Lost those another
	// keeper's assignment took first (or that changed under the round); Failed the
	// rest.
	Assigned, Lost, Failed []solana.PublicKey
	// Expired are the orders whose expire_unmatched landed.
	Expired []solana.PublicKey
	// Settled are the assignments whose final claim_earnings landed (closing them).
	Settled []solana.PublicKey
	// Result is the matcher's.
	Result match.Result
}

// Unmatched is why the last round left order unmatched; ok is false for an order it
// matched or did not see open.
func (d *Duty) Unmatched(order solana.PublicKey) (match.Unmatched, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	u, ok := d.unmatched[order]
	return u, ok
}

// Explain counts, for an open order, the nodes of the current snapshot refused
// under each reason (match.Explain), with the last round's outcome as Reason; ok is
// false when the last round did not leave the order unmatched.
func (d *Duty) Explain(order solana.PublicKey) (match.Unmatched, bool) {
	d.mu.Lock()
	u, ok := d.unmatched[order]
	cfg := d.last
	d.mu.Unlock()
	if !ok {
		return u, false
	}
	snap := d.chain.Snapshot()
	o := snap.Orders[order]
	if o == nil || snap.HireConfig == nil {
		return u, true
	}
	nodes := make([]match.Node, 0, len(snap.Nodes))
	for address, n := range snap.Nodes {
		nodes = append(nodes, match.NodeOf(address, n))
	}
	e := match.Explain(match.OrderOf(order, o, snap.HireConfig.IoMint), nodes, cfg)
	e.Reason = u.Reason
	return e, true
}

// errNotServing: the keeper does not serve in the current epoch; assign would fail.
var errNotServing = errors.New("market: this keeper does not serve in the current epoch")

// Round plays one round: match the snapshot, assign, expire.
func (d *Duty) Round(ctx context.Context) (RoundOutcome, error) {
	snap := d.chain.Snapshot()
	if !snap.Synced || snap.RewardsConfig == nil || snap.HireConfig == nil {
		return RoundOutcome{}, errors.New("market: the follower is not synced")
	}
	now, err := d.chain.Now(ctx)
	if err != nil {
		return RoundOutcome{}, fmt.Errorf("market: chain clock: %w", err)
	}
	in, err := match.FromSnapshot(snap, now, d.cfg.MaxNodesPerOrder)
	if err != nil {
		return RoundOutcome{}, err
	}
	start := time.Now()
	res := match.Match(in.Orders, in.Nodes, in.Config)
	d.metrics.observeRound(time.Since(start), len(in.Orders), res)

	d.mu.Lock()
	d.round++
	d.last = in.Config
	out := RoundOutcome{Round: d.round, Result: res}
	d.unmatched = make(map[solana.PublicKey]match.Unmatched, len(res.Unmatched))
	for _, u := range res.Unmatched {
		d.unmatched[u.Order] = u
	}
	for a := range d.landed {
		if so := snap.Orders[a]; so != nil && so.Status == iohire.OrderStatus_Open {
			continue // an order assigned or expired, still open in this snapshot
		}
		if snap.Assignments[a] != nil {
			continue // an assignment settled, still in this snapshot
		}
		delete(d.landed, a)
	}
	landed := maps.Clone(d.landed)
	for o, at := range d.failed {
		if time.Since(at) >= failedBackoff {
			delete(d.failed, o)
		} else {
			landed[o] = true // skipped this round
		}
	}
	d.mu.Unlock()

	me := snap.Keepers[rewards.KeeperAddress(d.cfg.Keeper)]
	serving := me != nil && serves(me, in.Config.Epoch)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		sem = make(chan struct{}, d.cfg.Parallel)
	)
	run := func(f func()) {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			f()
		})
	}
	if serving {
		for _, a := range res.Assignments {
			o := snap.Orders[a.Order]
			if landed[a.Order] {
				continue
			}
			run(func() {
				err := d.assign(ctx, snap.Slot, a, o)
				result := classifyAssign(err)
				d.metrics.Assignments.WithLabelValues(result).Inc()
				mu.Lock()
				defer mu.Unlock()
				switch result {
				case "landed":
					d.markLanded(a.Order)
					out.Assigned = append(out.Assigned, a.Order)
					d.cfg.Logger.Info("assigned", "order", a.Order, "nodes", len(a.Parts))
				case "lost":
					out.Lost = append(out.Lost, a.Order)
					d.cfg.Logger.Debug("assignment lost the race", "order", a.Order, "err", err)
				default:
					out.Failed = append(out.Failed, a.Order)
					d.markFailed(a.Order)
					d.cfg.Logger.Warn("assign", "order", a.Order, "err", err)
				}
			})
		}
	}
	if !d.cfg.NoExpire {
		for _, u := range res.Unmatched {
			if u.Reason != match.ReasonTimedOut || landed[u.Order] {
				continue
			}
			o := snap.Orders[u.Order]
			run(func() {
				err := d.expire(ctx, snap.Slot, u.Order, o)
				d.metrics.Expired.WithLabelValues(classifyExpire(err)).Inc()
				if err != nil {
					d.cfg.Logger.Debug("expire", "order", u.Order, "err", err)
					return
				}
				d.markLanded(u.Order)
				mu.Lock()
				out.Expired = append(out.Expired, u.Order)
				mu.Unlock()
				d.cfg.Logger.Info("expired an unmatched order", "order", u.Order, "renter", o.Renter)
			})
		}
	}
	if !d.cfg.NoSettle {
		settleable := Settleable(snap, now)
		keepers := servingKeepers(snap, in.Config.Epoch)
		d.mu.Lock()
		seen := make(map[solana.PublicKey]time.Time, len(settleable))
		for _, s := range settleable {
			at, ok := d.over[s.Address]
			if !ok {
				at = time.Now()
			}
			seen[s.Address] = at
		}
		d.over = seen
		d.mu.Unlock()
		for _, s := range settleable {
			if landed[s.Address] {
				continue
			}
			turn := time.Duration(SettleRank(s.Address, d.cfg.Keeper, keepers)) * d.cfg.SettleStagger
			if time.Since(seen[s.Address]) < turn {
				continue // an earlier keeper's turn: it most likely settles it
			}
			run(func() {
				gone, err := d.settle(ctx, snap.Slot, s)
				result := "landed"
				switch {
				case gone:
					result = "lost"
				case err != nil:
					result = "failed"
					d.cfg.Logger.Debug("settle", "order", s.Assignment.Order, "node", s.Assignment.Node, "err", err)
				}
				d.metrics.Settled.WithLabelValues(result).Inc()
				if err != nil && !gone {
					return
				}
				d.markLanded(s.Address)
				if gone {
					d.cfg.Logger.Debug("stream already settled", "order", s.Assignment.Order, "node", s.Assignment.Node,
						"assignment", s.Address)
					return
				}
				mu.Lock()
				out.Settled = append(out.Settled, s.Address)
				mu.Unlock()
				d.cfg.Logger.Info("settled a stream", "order", s.Assignment.Order, "node", s.Assignment.Node,
					"failed", s.Assignment.Failed)
			})
		}
	}
	wg.Wait()
	if !serving && len(res.Assignments) > 0 {
		return out, errNotServing
	}
	return out, nil
}

func (d *Duty) markFailed(order solana.PublicKey) {
	d.mu.Lock()
	d.failed[order] = time.Now()
	d.mu.Unlock()
}

func (d *Duty) markLanded(order solana.PublicKey) {
	d.mu.Lock()
	d.landed[order] = true
	d.mu.Unlock()
}

// Stream is an assignment account with its address.
type Stream struct {
	Address    solana.PublicKey
	Assignment *iohire.Assignment
	Order      *iohire.HireOrder
	Operator   solana.PublicKey
}

// Settleable are the assignments whose stream is over at now (its time ran out, or a
// cancel or a failure stopped it) and whose order and node the snapshot holds: one
// more claim_earnings pays what is left, releases the GPUs and closes them (the last
// one ends the order). Sorted by address.
func Settleable(snap *follower.Snapshot, now int64) []Stream {
	var out []Stream
	for address, a := range snap.Assignments {
		o, n := snap.Orders[a.Order], snap.Nodes[a.Node]
		if o == nil || n == nil || o.Status == iohire.OrderStatus_Open {
			continue
		}
		if !a.Failed && now < a.Start+a.Duration {
			continue
		}
		out = append(out, Stream{Address: address, Assignment: a, Order: o, Operator: n.Operator})
	}
	slices.SortFunc(out, func(a, b Stream) int { return slices.Compare(a.Address[:], b.Address[:]) })
	return out
}

// settle sends the stream's final claim_earnings. gone is true when the assignment
// account no longer exists on chain: another keeper (or the renter, or the node)
// settled the stream first and closed it, while this keeper's snapshot still shows
// it. That is checked before sending, so a lagging snapshot sends nothing, and again
// after a failed send (the stream closed in between): then the failure is the lost
// race, not a fault. A failure with the assignment still there, or with the check
// itself failing, is returned as is.
func (d *Duty) settle(ctx context.Context, slot uint64, s Stream) (gone bool, err error) {
	if exists, err := d.chain.Exists(ctx, s.Address); err == nil && !exists {
		return true, nil
	}
	a := s.Assignment
	ixs, err := hire.ClaimEarnings(d.cfg.Keeper, a.Order, a.Node, s.Operator, s.Order.Mint, a.RentPayer)
	if err != nil {
		return false, err
	}
	err = d.txs.Send(ctx, fmt.Sprintf("settle/%s/%d", s.Address, slot), ixs...)
	if err == nil {
		return false, nil
	}
	if exists, cerr := d.chain.Exists(ctx, s.Address); cerr == nil && !exists {
		return true, err
	}
	return false, err
}

// SettleRank is keeper's turn to settle the stream of assignment among the serving
// keepers: they are ordered by SHA-256(assignment ‖ keeper), so each stream has its
// own first keeper and every keeper computes the same order. A keeper not among
// them comes last.
func SettleRank(assignment, keeper solana.PublicKey, serving []solana.PublicKey) int {
	score := func(k solana.PublicKey) [32]byte { return sha256.Sum256(append(assignment[:], k[:]...)) }
	if !slices.Contains(serving, keeper) {
		return len(serving)
	}
	mine := score(keeper)
	rank := 0
	for _, k := range serving {
		if k == keeper {
			continue
		}
		if sk := score(k); bytes.Compare(sk[:], mine[:]) < 0 {
			rank++
		}
	}
	return rank
}

// servingKeepers are the authorities of the keepers serving in epoch.
func servingKeepers(snap *follower.Snapshot, epoch uint64) []solana.PublicKey {
	var out []solana.PublicKey
	for _, k := range snap.Keepers {
		if serves(k, epoch) {
			out = append(out, k.Authority)
		}
	}
	return out
}

// AssignKey is the transaction manager's key of an assignment: one per order and
// the snapshot's slot, so a round repeated on the same snapshot (a restart) sends
// nothing twice, and a later round may try an order again.
func AssignKey(order solana.PublicKey, slot uint64) string {
	return fmt.Sprintf("assign/%s/%d", order, slot)
}

func (d *Duty) assign(ctx context.Context, slot uint64, a match.Assignment, o *iohire.HireOrder) error {
	parts := make([]hire.Part, len(a.Parts))
	for i, p := range a.Parts {
		parts[i] = hire.Part{Node: p.Node, GPUs: p.GPUs}
	}
	ix, err := hire.Assign(d.cfg.Keeper, a.Order, o.Renter, o.Mint, parts)
	if err != nil {
		return err
	}
	return d.txs.Send(ctx, AssignKey(a.Order, slot), ix)
}

func (d *Duty) expire(ctx context.Context, slot uint64, order solana.PublicKey, o *iohire.HireOrder) error {
	ix, err := hire.ExpireUnmatched(order, o.Renter, o.Mint)
	if err != nil {
		return err
	}
	return d.txs.Send(ctx, fmt.Sprintf("expire/%s/%d", order, slot), ix)
}

func serves(k *iorewards.Keeper, epoch uint64) bool {
	return k.ActiveFrom <= epoch && (k.ExitFrom == nil || epoch < *k.ExitFrom)
}

// programCode is the io-hire error code a failed transaction names, if any.
func programCode(err error) (uint32, bool) {
	var pe programerr.ProgramError
	if errors.As(err, &pe) && pe.Program == "io_hire" {
		return pe.Code, true
	}
	return 0, false
}

// classifyAssign labels an assign's outcome: "landed", "lost" (the order was no
// longer open, or a node's GPUs were taken: another keeper's assignment landed
// first), or "failed".
func classifyAssign(err error) string {
	if err == nil {
		return "landed"
	}
	if code, ok := programCode(err); ok {
		switch code {
		case iohire.ErrCodeOrderNotOpen, iohire.ErrCodeNotEnoughFreeGpus:
			return "lost"
		}
	}
	return "failed"
}

func classifyExpire(err error) string {
	if err == nil {
		return "landed"
	}
	if code, ok := programCode(err); ok && code == iohire.ErrCodeOrderNotOpen {
		return "lost"
	}
	return "failed"
}
