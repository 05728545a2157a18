package keeper

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/challenge"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/uptime"
	"github.com/ionet-network/ionet/worker/api"
)

// infoParallelism bounds the concurrent GET /v1/info calls that resolve class names
// at an epoch's start.
const infoParallelism = 16

// challenges runs the challenge and probe duty (keeper/challenge, docs/design.md §7) for
// every epoch the keeper serves, from the epoch's start to its end, recording into
// the epoch's observation log. The epoch duty stops an epoch's run (stop) before it
// seals that epoch's log, so nothing is recorded after the commit.
type challenges struct {
	k       *Keeper
	beacons *beacons
	duty    challenge.Duty
	client  *api.Client
	lookup  func(string) (classes.Class, error)
	clock   pow.Clock
	lead    time.Duration // the windows' lead: how long into an epoch a run may still start
	perNode int

	mu      sync.Mutex
	offset  time.Duration // the chain's clock less this keeper's (chainClock)
	wg      sync.WaitGroup
	runs    map[uint64]*dutyRun
	stopped uint64 // every epoch below it was stopped: never started again
	names   map[solana.PublicKey]className
}

// dutyRun is one epoch's run of the duty.
type dutyRun struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// className is a class name resolved from a worker's /v1/info, kept as a fallback for
// an epoch whose info call fails.
type className struct {
	worker solana.PublicKey
	id     uint8
	name   string
}

func newChallenges(k *Keeper, b *beacons, rec challenge.Recorder) (*challenges, error) {
	cfg := k.cfg.Challenge
	cfg.Key = ed25519.PrivateKey(k.cfg.Keypair)
	cfg.KeepersPerNode = k.cfg.KeepersPerNode
	cfg.Logger = k.log.With("part", "challenge")
	if cfg.Clock == nil {
		cfg.Clock = pow.SystemClock{}
	}
	if cfg.Client == nil {
		cfg.Client = api.NewClient(api.ClientConfig{Clock: cfg.Clock})
	}
	if cfg.Lookup == nil {
		cfg.Lookup = classes.ByName
	}
	if cfg.Windows == (challenge.WindowConfig{}) {
		cfg.Windows = challenge.DefaultWindowConfig
	}
	if cfg.Peers == nil {
		cfg.Peers = peers{k}
	}
	if cfg.Windows.PerEpoch < cfg.KeepersPerNode {
		// Only a node's challenger in a window measures its TOPS (the others'
		// re-checks of the logged answer are not wired yet), so an assigned keeper
		// with no window of its own logs none and pulls the node's median down.
		k.log.Warn("fewer challenge windows per epoch than keepers per node: some assigned keepers measure no TOPS",
			"windows", cfg.Windows.PerEpoch, "keepers_per_node", cfg.KeepersPerNode)
	}
	cfg.Recorder = challenge.Counting(rec, k.metrics.observed)
	d, err := challenge.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("keeper: %w", err)
	}
	return &challenges{k: k, beacons: b, duty: d, client: cfg.Client, lookup: cfg.Lookup, clock: cfg.Clock,
		lead: cfg.Windows.Lead, perNode: cfg.KeepersPerNode,
		runs: map[uint64]*dutyRun{}, names: map[solana.PublicKey]className{}}, nil
}

// begin starts epoch's run unless it started or was stopped already. The run ends
// with the epoch, with ctx, or at stop; wait waits for every run.
func (c *challenges) begin(ctx context.Context, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.runs[epoch]; ok || epoch < c.stopped {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &dutyRun{cancel: cancel, done: make(chan struct{})}
	c.runs[epoch] = r
	c.wg.Go(func() {
		defer close(r.done)
		defer cancel()
		if err := c.serve(ctx, epoch); err != nil && ctx.Err() == nil {
			c.k.log.Warn("challenge duty", "epoch", epoch, "err", err)
		}
	})
}

// stop ends the runs of epoch and every earlier one and waits for them: after it
// returns, nothing more is recorded for those epochs.
func (c *challenges) stop(epoch uint64) {
	c.mu.Lock()
	var wait []*dutyRun
	for e, r := range c.runs {
		if e <= epoch {
			r.cancel()
			wait = append(wait, r)
			delete(c.runs, e)
		}
	}
	c.stopped = max(c.stopped, epoch+1)
	c.mu.Unlock()
	for _, r := range wait {
		<-r.done
	}
}

// wait waits for every run to end (after the keeper's context ended).
func (c *challenges) wait() { c.wg.Wait() }

// chainClock takes a reading of the chain's clock (the Clock sysvar's unix_timestamp,
// whole seconds) at local time `at`. Epoch boundaries are chain time, and windows
// and probes run on this keeper's clock: the offset converts one into the other, so
// a chain whose clock runs ahead (a warped localnet, a drifting validator set) is
// observed at its own epochs. The reading is taken as the middle of its second, and
// the estimate moves only when a reading is more than a second away from it, so one
// rounding does not shift the windows.
func (c *challenges) chainClock(chainUnix int64, at time.Time) {
	off := time.Unix(chainUnix, int64(500*time.Millisecond)).Sub(at)
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := off - c.offset; d > time.Second || d < -time.Second {
		c.offset = off
	}
}

// localTime is chain time t on this keeper's clock.
func (c *challenges) localTime(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return t.Add(-c.offset)
}

// serve runs the duty for epoch: it waits for the epoch's beacon, reads the nodes
// and keepers from the follower's snapshot, and runs keeper/challenge until the
// epoch ends. A keeper that learns the beacon only after the windows' lead (it
// started or restarted mid-epoch) does not observe the epoch at all: a window or
// probe time already past would be counted against the node, and its assigned
// keepers that did observe it carry the node's medians.
func (c *challenges) serve(ctx context.Context, epoch uint64) error {
	snap := c.k.follower.Snapshot()
	if snap.RewardsConfig == nil {
		return errors.New("io-rewards is not initialized on this chain")
	}
	clock := rewards.EpochsOf(snap.RewardsConfig.Params)
	start := c.localTime(time.Unix(clock.Start(epoch), 0))
	length := time.Duration(snap.RewardsConfig.Params.EpochSeconds) * time.Second
	late := start.Add(c.lead)
	if len(candidates(snap)) == 0 {
		return nil // nothing to observe: spare the beacon's RPC calls
	}
	var beacon [32]byte
	for {
		b, err := c.beacons.of(ctx, epoch, clock.Start(epoch))
		if err == nil {
			beacon = b
			break
		}
		if !errors.Is(err, errBeaconNotYet) {
			c.k.log.Debug("beacon", "epoch", epoch, "err", err)
		}
		if c.clock.Now().After(late) {
			return fmt.Errorf("no beacon within the windows' lead (%v): not observing this epoch: %w", c.lead, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(c.k.cfg.Tick):
		}
	}
	if epoch > 0 {
		c.stop(epoch - 1) // a previous epoch's run still going is past its end
	}
	// The snapshot as of the beacon: the nodes staked when the epoch began.
	snap = c.k.follower.Snapshot()
	keepers := servingKeepers(snap, epoch)
	ep := challenge.Epoch{Number: epoch, Beacon: beacon, Start: start, Length: length,
		Keepers: make([]ed25519.PublicKey, len(keepers))}
	for i, k := range keepers {
		ep.Keepers[i] = ed25519.PublicKey(k[:])
	}
	ep.Nodes = c.nodes(ctx, snap, beacon, ep.Keepers)
	if now := c.clock.Now(); now.After(late) {
		c.k.log.Warn("joined the epoch after its windows' lead: not observing it", "epoch", epoch,
			"late", now.Sub(late).Round(time.Millisecond))
		return nil
	}
	err := c.duty.Run(ctx, ep)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// candidate is a node the duty may observe.
type candidate struct {
	address solana.PublicKey
	node    *iostaking.Node
}

// candidates are the nodes report.Build counts (staked, keeper/agreement.go's
// chainInput) that registered a worker key and endpoint.
func candidates(snap *follower.Snapshot) []candidate {
	if snap.StakingConfig == nil {
		return nil
	}
	var out []candidate
	for address, n := range snap.Nodes {
		if n.Endpoint == "" || n.Worker.IsZero() || !staking.IsStaked(n, snap.StakingConfig.Params) {
			continue
		}
		out = append(out, candidate{address, n})
	}
	return out
}

// nodes are the candidates assigned to this keeper in the epoch (uptime.Assign, as
// keeper/agree assigns them), with their class names resolved.
func (c *challenges) nodes(ctx context.Context, snap *follower.Snapshot, beacon [32]byte, keepers []ed25519.PublicKey) []challenge.Node {
	self := ed25519.PublicKey(c.k.cfg.Keypair.PublicKey().Bytes())
	var mine []candidate
	for _, n := range candidates(snap) {
		if contains(uptime.Assign(beacon, ed25519.PublicKey(n.address[:]), keepers, c.perNode), self) {
			mine = append(mine, n)
		}
	}
	out := make([]challenge.Node, len(mine))
	sem := make(chan struct{}, infoParallelism)
	var wg sync.WaitGroup
	for i, n := range mine {
		out[i] = challenge.Node{Address: n.address, Worker: ed25519.PublicKey(n.node.Worker.Bytes()),
			Endpoint: n.node.Endpoint,
			// io-hire counts the GPUs in active hires; docs/design.md §6: a hired node is
			// probed, not challenged, so a renter's GPU never runs a challenge.
			Hired: n.node.HiredGpus > 0}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i].Class = c.className(ctx, n.address, n.node)
		})
	}
	wg.Wait()
	return out
}

// className is the full class name the node is challenged for; "" leaves it probed
// but not challenged.
//
// The chain is the source of truth: the node staked and is rewarded under its spec's
// class id (the leaves carry it). A fixed class's id names it completely. A derived
// family (CPU, generic GPU) shares one id across members whose parameters are in the
// name only, which the chain does not hold, so the name comes from the worker's
// /v1/info and is accepted only if it is a member of the node's on-chain family and
// the endpoint speaks for the node's worker key. Claiming a larger member only
// lengthens the worker's own work under the same deadline; a smaller one lowers the
// peak its result is flagged above.
func (c *challenges) className(ctx context.Context, address solana.PublicKey, n *iostaking.Node) string {
	id := n.Spec.GpuClass
	if cl, err := classes.ByID(id); err == nil {
		return cl.Name
	}
	ictx, cancel := context.WithTimeout(ctx, c.k.cfg.FetchTimeout)
	info, _, err := c.client.Info(ictx, n.Endpoint)
	cancel()
	if err == nil {
		err = c.member(info, n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		c.names[address] = className{worker: n.Worker, id: id, name: info.Class}
		return info.Class
	}
	if prev, ok := c.names[address]; ok && prev.worker == n.Worker && prev.id == id {
		c.k.log.Debug("class from a previous epoch's worker info", "node", address, "class", prev.name, "err", err)
		return prev.name
	}
	c.k.log.Info("class of a node not resolved: probed, not challenged this epoch", "node", address,
		"class_id", id, "err", err)
	return ""
}

// member checks that info is the node's worker and names a member of its family.
func (c *challenges) member(info api.Info, n *iostaking.Node) error {
	if info.Worker != n.Worker.String() {
		return fmt.Errorf("worker info names worker %s, the chain %s", info.Worker, n.Worker)
	}
	cl, err := c.lookup(info.Class)
	if err != nil {
		return fmt.Errorf("worker info: %w", err)
	}
	if cl.ID != n.Spec.GpuClass {
		return fmt.Errorf("worker info names class %s (id %d), the chain class id %d", info.Class, cl.ID, n.Spec.GpuClass)
	}
	return nil
}

func contains(keys []ed25519.PublicKey, k ed25519.PublicKey) bool {
	for _, x := range keys {
		if x.Equal(k) {
			return true
		}
	}
	return false
}

// observed counts one observation the duty hands to the log (challenge.Counting):
// challenges by result ("passed", "failed", "skipped" for a hired node) and reason,
// probes by result ("answered", "missed") and reason.
func (m *Metrics) observed(kind epochlog.Kind, reason string) {
	if kind == epochlog.KindProbe {
		result := "answered"
		if reason != "" {
			result = "missed"
		}
		m.Probes.WithLabelValues(result, reason).Inc()
		return
	}
	result := "failed"
	switch reason {
	case "":
		result = "passed"
	case epochlog.ReasonHired:
		result = "skipped"
	}
	m.Challenges.WithLabelValues(result, reason).Inc()
}

// peers reads the other keepers' own challenge observations from their endpoints
// (GET /challenges/{epoch}/{node}), for keeper/challenge's re-checks.
type peers struct{ k *Keeper }

// maxChallengesBody bounds one fetch: a challenge's evidence carries its openings,
// 24.2 MB at the largest class (docs/proof-of-compute.md), base64 in JSON, and a
// keeper challenges a node in at most a few windows an epoch.
const maxChallengesBody = 512 << 20

func (p peers) Challenges(ctx context.Context, keeper ed25519.PublicKey, epoch uint64, node solana.PublicKey) ([]epochlog.Observation, error) {
	kp := p.k.follower.Snapshot().Keepers[rewards.KeeperAddress(solana.PublicKeyFromBytes(keeper))]
	if kp == nil {
		return nil, fmt.Errorf("keeper %s is not registered", solana.PublicKeyFromBytes(keeper))
	}
	url := strings.TrimRight(kp.Endpoint, "/") + fmt.Sprintf("/challenges/%d/%s", epoch, node)
	b, err := p.k.duty.get(ctx, url, maxChallengesBody)
	if err != nil {
		return nil, err
	}
	var obs []epochlog.Observation
	if err := json.Unmarshal(b, &obs); err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return obs, nil
}
