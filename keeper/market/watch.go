package market

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/keeper/challenge"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/uptime"
)

// Prober sends one signed probe to a worker and returns its signed answer
// (*api.Client).
type Prober interface {
	Probe(ctx context.Context, endpoint string, probe []byte) ([]byte, time.Duration, error)
}

// Evidence keeps a failure's probe log, content-addressed, where the keeper serves
// it (GET /observations/{hash}).
type Evidence interface {
	Put(b []byte) ([32]byte, error)
}

// Clock is the keeper's wall clock.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// WatchConfig configures the watch over hired nodes.
type WatchConfig struct {
	// Key is the keeper's key: it signs the probes, and its public key the votes.
	Key solana.PrivateKey
	// Every is the time between probes of each hired node (default 15 s): hired
	// nodes are probed more often than the epoch's uptime probes.
	Every time.Duration
	// Rule is when a node is voted failed (DefaultFailureRule).
	Rule FailureRule
	// Timeout bounds one probe (default 5 s).
	Timeout time.Duration
	// History is how many probes per hired node are kept, and logged as evidence
	// (default 256).
	History int
	Clock   Clock
	Logger  *slog.Logger
}

// WatchDeps are the watch's collaborators.
type WatchDeps struct {
	Chain    Chain
	Txs      Sender
	Prober   Prober
	Evidence Evidence
	// SelfCheck says whether the keeper's own RPC and network work: nil when they
	// do. It is asked after a probe gets no answer; an error makes the miss unknown.
	SelfCheck func(ctx context.Context) error
	Metrics   *Metrics
}

// Watch probes every node in an active hire and votes report_failure for a node
// that fails the rule.
type Watch struct {
	cfg  WatchConfig
	deps WatchDeps

	mu    sync.Mutex
	hires map[hireKey]*watched
}

type hireKey struct{ order, node solana.PublicKey }

// watched is one hired node's probe chain and history.
type watched struct {
	epoch   uint64
	prober  *uptime.Prober
	history []ProbeResult
	log     []LogEntry
	voted   map[uint64]bool // epochs this keeper voted in
}

// LogEntry is one probe in a failure's evidence: the keeper's signed probe and the
// worker's signed answer, or why there was none.
type LogEntry struct {
	At      time.Time `json:"at"`
	Epoch   uint64    `json:"epoch"`
	Outcome string    `json:"outcome"`
	Reason  string    `json:"reason,omitempty"`
	Probe   []byte    `json:"probe"`
	Answer  []byte    `json:"answer,omitempty"`
}

// ProbeLog is the evidence of a failure vote: the probes of one hired node, signed
// by the keeper as a whole. Its SHA-256 is the vote's evidence hash.
type ProbeLog struct {
	Kind    string           `json:"kind"`
	Order   solana.PublicKey `json:"order"`
	Node    solana.PublicKey `json:"node"`
	Worker  solana.PublicKey `json:"worker"`
	Keeper  solana.PublicKey `json:"keeper"`
	Misses  int              `json:"misses"`
	SpanSec int64            `json:"span_seconds"`
	Entries []LogEntry       `json:"entries"`
}

// SignedProbeLog is a ProbeLog with the keeper's ed25519 signature over its JSON.
type SignedProbeLog struct {
	Log       json.RawMessage `json:"log"`
	Signature []byte          `json:"signature"`
}

// ProbeLogKind names the evidence format.
const ProbeLogKind = "ionet-hire-probe-log-v1"

// NewWatch checks cfg.
func NewWatch(cfg WatchConfig, deps WatchDeps) (*Watch, error) {
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("market watch: the keeper's key is required")
	}
	if deps.Chain == nil || deps.Txs == nil || deps.Prober == nil || deps.Evidence == nil || deps.SelfCheck == nil {
		return nil, errors.New("market watch: chain, txs, prober, evidence and self-check are required")
	}
	if cfg.Every <= 0 {
		cfg.Every = 15 * time.Second
	}
	if cfg.Rule == (FailureRule{}) {
		cfg.Rule = DefaultFailureRule
	}
	if cfg.Rule.Misses < 1 || cfg.Rule.Span < 0 {
		return nil, fmt.Errorf("market watch: failure rule %+v: want at least one miss and a span ≥ 0", cfg.Rule)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.History <= 0 {
		cfg.History = 256
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if deps.Metrics == nil {
		deps.Metrics = NewMetrics(nil)
	}
	return &Watch{cfg: cfg, deps: deps, hires: map[hireKey]*watched{}}, nil
}

// Run probes every cfg.Every until ctx ends.
func (w *Watch) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Every)
	defer t.Stop()
	for {
		if _, err := w.Round(ctx); err != nil && ctx.Err() == nil {
			w.cfg.Logger.Debug("hire watch", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Hired is a node in an active hire, as the watch probes it.
type Hired struct {
	Order, Node solana.PublicKey
	Renter      solana.PublicKey
	Mint        solana.PublicKey
	Worker      solana.PublicKey
	Endpoint    string
}

// HiredNodes are the (order, node) pairs of active hires whose stream is still
// running at now and whose node has a worker and an endpoint, sorted.
func HiredNodes(snap *follower.Snapshot, now int64) []Hired {
	var out []Hired
	for _, a := range snap.Assignments {
		if a.Failed || a.Released || now >= a.Start+a.Duration {
			continue
		}
		o := snap.Orders[a.Order]
		n := snap.Nodes[a.Node]
		if o == nil || o.Status != iohire.OrderStatus_Active || n == nil || n.Endpoint == "" || n.Worker.IsZero() {
			continue
		}
		out = append(out, Hired{Order: a.Order, Node: a.Node, Renter: o.Renter, Mint: o.Mint, Worker: n.Worker, Endpoint: n.Endpoint})
	}
	slices.SortFunc(out, func(a, b Hired) int {
		if c := slices.Compare(a.Order[:], b.Order[:]); c != 0 {
			return c
		}
		return slices.Compare(a.Node[:], b.Node[:])
	})
	return out
}

// WatchRound is what one round of the watch did.
type WatchRound struct {
	Probed []ProbeResult
	// Voted are the hired nodes this keeper voted failed (landed).
	Voted []Hired
}

// Round probes each hired node once and votes for those failing the rule.
func (w *Watch) Round(ctx context.Context) (WatchRound, error) {
	snap := w.deps.Chain.Snapshot()
	if !snap.Synced || snap.RewardsConfig == nil || snap.HireConfig == nil {
		return WatchRound{}, errors.New("market watch: the follower is not synced")
	}
	now, err := w.deps.Chain.Now(ctx)
	if err != nil {
		// The keeper cannot read its RPC: it cannot tell an active hire from an ended
		// one. Every hire it watches gets an unknown, which ends any streak of misses:
		// misses on both sides of the keeper's outage are not consecutive.
		w.unknownAll(fmt.Sprintf("own RPC: %v", err))
		return WatchRound{}, fmt.Errorf("market watch: chain clock: %w", err)
	}
	epoch := rewards.EpochsOf(snap.RewardsConfig.Params).At(now)
	hired := HiredNodes(snap, now)
	w.forget(hired)
	results := make([]ProbeResult, len(hired))
	answers := make([][2][]byte, len(hired))
	var wg sync.WaitGroup
	sem := make(chan struct{}, probeParallelism)
	for i, h := range hired {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], answers[i] = w.probe(ctx, h, epoch)
		})
	}
	wg.Wait()
	// A miss that the keeper's own outage explains is unknown.
	var self error
	checked := false
	for i := range results {
		if results[i].Outcome != Missed || !keepersFault(results[i].Reason) {
			continue
		}
		if !checked {
			self, checked = w.deps.SelfCheck(ctx), true
			if self != nil {
				w.cfg.Logger.Warn("own RPC or network down: hire probe misses recorded as unknown", "err", self)
			}
		}
		if self != nil {
			results[i].Outcome = Unknown
		}
	}
	out := WatchRound{Probed: results}
	me := snap.Keepers[rewards.KeeperAddress(w.cfg.Key.PublicKey())]
	serving := me != nil && serves(me, epoch)
	for i, h := range hired {
		w.deps.Metrics.HireProbes.WithLabelValues(results[i].Outcome.String()).Inc()
		failing, log := w.record(h, epoch, results[i], answers[i])
		if !failing || !serving {
			continue // a keeper not serving this epoch cannot vote (NotKeeper)
		}
		if err := w.vote(ctx, snap, h, epoch, log); err != nil {
			w.cfg.Logger.Warn("report failure", "order", h.Order, "node", h.Node, "err", err)
			continue
		}
		out.Voted = append(out.Voted, h)
	}
	return out, nil
}

// keepersFault: a probe that got no answer at all, or none in time, may be the
// keeper's fault; a wrong answer may not.
func keepersFault(reason string) bool {
	return reason == epochlog.ReasonUnreachable || reason == epochlog.ReasonDeadline
}

// probeParallelism bounds the probes in flight in one round.
const probeParallelism = 64

// unknownAll records an unknown for every hire watched.
func (w *Watch) unknownAll(reason string) {
	at := w.cfg.Clock.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.hires {
		s.history = append(s.history, ProbeResult{At: at, Outcome: Unknown, Reason: reason})
		s.log = append(s.log, LogEntry{At: at.UTC(), Epoch: s.epoch, Outcome: Unknown.String(), Reason: reason})
	}
}

// forget drops the hires no longer active.
func (w *Watch) forget(active []Hired) {
	keep := make(map[hireKey]bool, len(active))
	for _, h := range active {
		keep[hireKey{h.Order, h.Node}] = true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for k := range w.hires {
		if !keep[k] {
			delete(w.hires, k)
		}
	}
}

func (w *Watch) state(h Hired, epoch uint64) (*watched, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := hireKey{h.Order, h.Node}
	s := w.hires[k]
	if s == nil {
		s = &watched{voted: map[uint64]bool{}}
		w.hires[k] = s
	}
	if s.prober == nil || s.epoch != epoch {
		// A new chain per epoch, from the epoch's genesis (oracle/uptime).
		p, err := uptime.NewProber(uptime.ProberConfig{Key: ed25519.PrivateKey(w.cfg.Key),
			Node: ed25519.PublicKey(h.Worker.Bytes()), Epoch: epoch, Window: w.cfg.Timeout, Clock: w.cfg.Clock})
		if err != nil {
			return nil, err
		}
		s.prober, s.epoch = p, epoch
	}
	return s, nil
}

// probe sends one probe; it returns the result and the (probe, answer) messages.
func (w *Watch) probe(ctx context.Context, h Hired, epoch uint64) (ProbeResult, [2][]byte) {
	at := w.cfg.Clock.Now()
	s, err := w.state(h, epoch)
	if err != nil {
		return ProbeResult{At: at, Outcome: Unknown, Reason: err.Error()}, [2][]byte{}
	}
	// One goroutine per hire per round: the prober is this goroutine's until it returns.
	msg, err := s.prober.Probe()
	if err != nil {
		return ProbeResult{At: at, Outcome: Unknown, Reason: err.Error()}, [2][]byte{}
	}
	pctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	answer, _, err := w.deps.Prober.Probe(pctx, h.Endpoint, msg)
	cancel()
	if err == nil {
		err = s.prober.Answer(answer)
	}
	if err != nil {
		return ProbeResult{At: at, Outcome: Missed, Reason: challenge.Reason(err)}, [2][]byte{msg, answer}
	}
	return ProbeResult{At: at, Outcome: Answered}, [2][]byte{msg, answer}
}

// record appends a result to the hire's history and says whether the rule votes it
// failed in epoch (once per epoch); log is the evidence then.
func (w *Watch) record(h Hired, epoch uint64, r ProbeResult, msgs [2][]byte) (failing bool, log []LogEntry) {
	w.mu.Lock()
	defer w.mu.Unlock()
	s := w.hires[hireKey{h.Order, h.Node}]
	if s == nil {
		return false, nil
	}
	e := LogEntry{At: r.At.UTC(), Epoch: epoch, Outcome: r.Outcome.String(), Reason: r.Reason, Probe: msgs[0]}
	if len(msgs[1]) > 0 {
		e.Answer = msgs[1] // the answer, or the wrong one a miss got
	}
	s.history = append(s.history, r)
	s.log = append(s.log, e)
	if over := len(s.history) - w.cfg.History; over > 0 {
		s.history = slices.Delete(s.history, 0, over)
		s.log = slices.Delete(s.log, 0, over)
	}
	if s.voted[epoch] || !w.cfg.Rule.Failing(s.history) {
		return false, nil
	}
	return true, slices.Clone(s.log)
}

// vote stores the signed probe log and votes report_failure with its hash, once per
// (order, node, epoch): votes count toward one epoch's quorum only, so a node still
// failing in the next epoch is voted again there.
func (w *Watch) vote(ctx context.Context, snap *follower.Snapshot, h Hired, epoch uint64, entries []LogEntry) error {
	body, err := json.Marshal(ProbeLog{Kind: ProbeLogKind, Order: h.Order, Node: h.Node, Worker: h.Worker,
		Keeper: w.cfg.Key.PublicKey(), Misses: w.cfg.Rule.Misses, SpanSec: int64(w.cfg.Rule.Span / time.Second),
		Entries: entries})
	if err != nil {
		return err
	}
	signed, err := json.Marshal(SignedProbeLog{Log: body, Signature: ed25519.Sign(ed25519.PrivateKey(w.cfg.Key), body)})
	if err != nil {
		return err
	}
	hash, err := w.deps.Evidence.Put(signed)
	if err != nil {
		return fmt.Errorf("store evidence: %w", err)
	}
	if hash != sha256.Sum256(signed) {
		return errors.New("evidence store returned another hash")
	}
	ix, err := hire.ReportFailure(w.cfg.Key.PublicKey(), h.Order, h.Renter, h.Mint, h.Node, snap.HireConfig.IoMint, hash)
	if err != nil {
		return err
	}
	err = w.deps.Txs.Send(ctx, fmt.Sprintf("failure/%s/%s/%d", h.Order, h.Node, epoch), ix)
	result := "landed"
	if err != nil {
		result = "failed"
		if code, ok := programCode(err); ok && (code == iohire.ErrCodeAlreadyReported ||
			code == iohire.ErrCodeAlreadyFailed || code == iohire.ErrCodeOrderNotActive) {
			result, err = "late", nil // the quorum was reached, or the hire ended, first
		}
	}
	w.deps.Metrics.FailureVotes.WithLabelValues(result).Inc()
	if err != nil {
		return err
	}
	w.mu.Lock()
	if s := w.hires[hireKey{h.Order, h.Node}]; s != nil {
		s.voted[epoch] = true
	}
	w.mu.Unlock()
	w.cfg.Logger.Info("voted a hired node failed", "order", h.Order, "node", h.Node, "epoch", epoch,
		"evidence", fmt.Sprintf("%x", hash), "result", result)
	return nil
}
