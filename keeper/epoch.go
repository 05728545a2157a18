package keeper

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/programerr"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/report"
)

// epochDuty is docs/design.md §6 as one keeper plays it, epoch after epoch:
//
//  0. while epoch e is current, challenge and probe the nodes assigned to this
//     keeper (challenges.go), recording into e's observation log;
//  1. when epoch e ends, stop that, seal its observation log, store the log and
//     its summary (content-addressed) and commit the summary's hash on chain;
//  2. once the commit window is over, fetch every committed summary from the
//     keeper that committed it (checked against the committed hash), apply the
//     public agreement function, and vote the report's root with this keeper's
//     IO/USD price;
//  3. once the epoch is final, keep the report for proofs and crank every node's
//     claim.
//
// Every transaction goes through the transaction manager under a key naming the
// action ("commit/42"), so a restarted keeper never repeats one that landed. The
// lowest epoch not yet done is kept in the data directory.
type epochDuty struct {
	k          *Keeper
	beacons    *beacons
	txs        txSender
	obs        observations
	challenges *challenges
	state      string // path of the duty's state file
	next       uint64 // lowest epoch not done
}

// txSender is the transaction manager as the duties use it.
type txSender interface {
	// Send runs ixs once under key, signed and paid by the keeper, and waits until
	// the transaction landed (nil) or failed (the reason). A key that already landed
	// returns nil at once, without sending.
	Send(ctx context.Context, key string, ixs ...solana.Instruction) error
	Close() error
}

// observations are the keeper's observation logs, one per epoch.
type observations interface {
	// Seal closes epoch's log and returns its canonical bytes and its summary's
	// canonical bytes (which name the log's hash). Sealing again returns the same.
	Seal(epoch uint64) (log, summary []byte, err error)
	// Challenges are this keeper's own challenge observations of node so far in an
	// open epoch, served for the re-checks.
	Challenges(epoch uint64, node [32]byte) []epochlog.Observation
	Close() error
}

type dutyState struct {
	Next uint64 `json:"next"`
}

func newEpochDuty(k *Keeper) (*epochDuty, error) {
	d := &epochDuty{k: k, state: filepath.Join(k.cfg.DataDir, "duty.json"),
		beacons: &beacons{rpc: rpc.New(k.cfg.RPCURL), by: map[uint64][32]byte{}}}
	b, err := os.ReadFile(d.state)
	switch {
	case err == nil:
		var s dutyState
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("keeper state %s: %w", d.state, err)
		}
		d.next = s.Next
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("keeper state: %w", err)
	}
	txs, err := openTxs(k)
	if err != nil {
		return nil, err
	}
	d.txs = txs
	obs, err := openObservations(k)
	if err != nil {
		_ = txs.Close()
		return nil, err
	}
	d.obs = obs
	if d.challenges, err = newChallenges(k, d.beacons, obs); err != nil {
		_ = txs.Close()
		_ = obs.Close()
		return nil, err
	}
	return d, nil
}

func (d *epochDuty) close() {
	if err := d.txs.Close(); err != nil {
		d.k.log.Warn("close transaction records", "err", err)
	}
	if err := d.obs.Close(); err != nil {
		d.k.log.Warn("close observation logs", "err", err)
	}
}

func (d *epochDuty) done(epoch uint64) error {
	if epoch+1 <= d.next {
		return nil
	}
	d.next = epoch + 1
	b, _ := json.Marshal(dutyState{Next: d.next})
	tmp := d.state + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("keeper state: %w", err)
	}
	return os.Rename(tmp, d.state)
}

// run ticks until ctx ends; a failing tick is logged and retried at the next one.
// It returns once the challenge runs it started ended too (they record into the
// observation logs, which close after).
func (d *epochDuty) run(ctx context.Context) error {
	defer d.challenges.wait()
	select {
	case <-d.k.follower.Synced():
	case <-ctx.Done():
		return ctx.Err()
	}
	t := time.NewTicker(d.k.cfg.Tick)
	defer t.Stop()
	var repeats repeatedWarning
	for {
		if err := d.tick(ctx); err != nil && ctx.Err() == nil {
			d.k.log.Log(ctx, repeats.level(err.Error(), time.Now()), "epoch duty", "err", err)
		} else if err == nil {
			repeats = repeatedWarning{}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// repeatedWarning keeps a failing tick from flooding the log: an error the last
// tick also had is logged at debug, and again at warn once a minute while it lasts
// (an unregistered keeper's ticks fail every 250 ms until it registers).
type repeatedWarning struct {
	last   string
	warned time.Time
}

func (r *repeatedWarning) level(msg string, now time.Time) slog.Level {
	if msg == r.last && now.Sub(r.warned) < time.Minute {
		return slog.LevelDebug
	}
	r.last, r.warned = msg, now
	return slog.LevelWarn
}

// tick does whatever the chain's clock calls for now.
func (d *epochDuty) tick(ctx context.Context) error {
	snap := d.k.follower.Snapshot()
	rc := snap.RewardsConfig
	if rc == nil {
		return errors.New("io-rewards is not initialized on this chain")
	}
	me := snap.Keepers[rewards.KeeperAddress(d.k.cfg.Keypair.PublicKey())]
	if me == nil {
		return fmt.Errorf("keeper %s is not registered (ionet keeper register)", d.k.cfg.Keypair.PublicKey())
	}
	at := time.Now()
	now, err := d.k.chain.Staking.Now(ctx)
	if err != nil {
		return fmt.Errorf("chain clock: %w", err)
	}
	d.challenges.chainClock(now, at.Add(time.Since(at)/2))
	clock := rewards.EpochsOf(rc.Params)
	current := clock.At(now)
	d.k.currentEpoch.Store(current)
	d.k.metrics.Epoch.Set(float64(current))
	if rc.FinalEpoch != nil {
		d.k.metrics.FinalEpoch.Set(float64(*rc.FinalEpoch))
	}
	if serves(me, current) {
		d.challenges.begin(ctx, current)
	}
	for e := max(d.next, me.ActiveFrom); e < current; e++ {
		if err := d.epoch(ctx, snap, me, clock, now, e); err != nil {
			return fmt.Errorf("epoch %d: %w", e, err)
		}
	}
	return nil
}

func serves(k *iorewards.Keeper, epoch uint64) bool {
	return k.ActiveFrom <= epoch && (k.ExitFrom == nil || epoch < *k.ExitFrom)
}

func committed(r *iorewards.EpochReport, keeper solana.PublicKey) bool {
	if r == nil {
		return false
	}
	for _, c := range r.Commits {
		if c.Keeper.Equals(keeper) {
			return true
		}
	}
	return false
}

func voted(r *iorewards.EpochReport, keeper solana.PublicKey) bool {
	if r == nil {
		return false
	}
	for _, v := range r.Voters {
		if v.Equals(keeper) {
			return true
		}
	}
	return false
}

// epoch moves one ended epoch along.
func (d *epochDuty) epoch(ctx context.Context, snap *follower.Snapshot, me *iorewards.Keeper, clock rewards.Epochs, now int64, e uint64) error {
	p := snap.RewardsConfig.Params
	end := clock.End(e)
	onChain := snap.EpochReports[rewards.EpochAddress(e)]
	self := d.k.cfg.Keypair.PublicKey()
	final := onChain != nil && onChain.Finalized
	if serves(me, e) && !final {
		if now < end+p.CommitWindowSeconds && !committed(onChain, self) {
			if err := d.commit(ctx, e); err != nil {
				return err
			}
		}
		if now >= end+p.CommitWindowSeconds && now < end+p.VoteWindowSeconds && !voted(onChain, self) {
			if onChain == nil {
				// Nobody committed: there is nothing to agree on.
				return nil
			}
			if err := d.vote(ctx, snap, onChain, e); err != nil {
				return err
			}
		}
	}
	if final {
		if err := d.finalized(ctx, snap, onChain); err != nil {
			if now < end+p.VoteWindowSeconds+p.EpochSeconds {
				return err // its voters may not have stored it yet
			}
			// A final report no voter serves (its voters are gone, or it was not made by
			// ionet-keeper) must not stop this keeper's later epochs: it only loses
			// that epoch's proofs and claims.
			d.k.log.Warn("final report not available from its voters: no proofs or claims from this keeper for it",
				"epoch", e, "err", err)
		}
		return d.done(e)
	}
	if now >= end+p.VoteWindowSeconds {
		// The vote window closed without a quorum: this epoch is never final.
		return d.done(e)
	}
	return nil
}

func (d *epochDuty) commit(ctx context.Context, e uint64) error {
	// The challenge run of e records nothing once stopped: what is sealed is what is
	// committed.
	d.challenges.stop(e)
	log, summary, err := d.obs.Seal(e)
	if err != nil {
		return fmt.Errorf("seal observation log: %w", err)
	}
	if _, err := d.k.blobs.put(log); err != nil {
		return err
	}
	h, err := d.k.blobs.put(summary)
	if err != nil {
		return err
	}
	ix, err := rewards.CommitHash(d.k.cfg.Keypair.PublicKey(), e, h)
	if err != nil {
		return err
	}
	err = d.txs.Send(ctx, fmt.Sprintf("commit/%d", e), ix)
	d.k.metrics.Commits.WithLabelValues(result(err)).Inc()
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	d.k.log.Info("committed observations", "epoch", e, "summary", hex.EncodeToString(h[:]))
	return nil
}

// isRewardsError reports whether err is io-rewards refusing with code.
func isRewardsError(err error, code uint32) bool {
	var pe programerr.ProgramError
	return errors.As(err, &pe) && pe.Program == "io_rewards" && pe.Code == code
}

// result labels a transaction's outcome in the metrics.
func result(err error) string {
	if err != nil {
		return "failed"
	}
	return "landed"
}

func (d *epochDuty) vote(ctx context.Context, snap *follower.Snapshot, onChain *iorewards.EpochReport, e uint64) error {
	if err := d.catchUpReports(ctx, snap); err != nil {
		// chainInput then takes each node's claimed total where it is higher than the
		// cumulative of the reports this keeper holds (see there).
		d.k.log.Warn("voting without the latest final report", "epoch", e, "err", err)
	}
	summaries := d.fetchSummaries(ctx, snap, onChain)
	rep, err := d.agree(ctx, snap, onChain, summaries)
	if err != nil {
		return fmt.Errorf("agree: %w", err)
	}
	if d.k.cfg.Lie {
		rep.Root[0] ^= 0xff
	}
	if err := d.k.reports.Computed(rep); err != nil {
		return err
	}
	price := d.k.cfg.PriceMicroUSD
	if price == 0 {
		price = snap.RewardsConfig.IoUsdPrice
	}
	if price == 0 {
		return errors.New("no IO/USD price to vote: none is final on chain yet; give the keeper a price")
	}
	ix, err := rewards.Vote(d.k.cfg.Keypair.PublicKey(), rep, price)
	if err != nil {
		return err
	}
	err = d.txs.Send(ctx, fmt.Sprintf("vote/%d", e), ix)
	if isRewardsError(err, iorewards.ErrCodeEpochAlreadyFinal) {
		// The quorum closed the epoch while this vote was on its way: nothing failed,
		// the epoch is final and the next tick handles it as such.
		d.k.metrics.Votes.WithLabelValues("late").Inc()
		d.k.log.Info("the epoch became final before this keeper's vote landed", "epoch", e)
		return nil
	}
	d.k.metrics.Votes.WithLabelValues(result(err)).Inc()
	if err != nil {
		return fmt.Errorf("vote: %w", err)
	}
	d.k.log.Info("voted", "epoch", e, "root", hex.EncodeToString(rep.Root[:]), "leaves", len(rep.Leaves),
		"summaries", len(summaries), "commits", len(onChain.Commits))
	return nil
}

// fetchSummaries gets every committed summary: this keeper's own from its store,
// the others' from their endpoints, each checked against its committed hash. One
// that cannot be fetched or does not match is left out (counted in LogsLeftOut).
func (d *epochDuty) fetchSummaries(ctx context.Context, snap *follower.Snapshot, onChain *iorewards.EpochReport) map[[32]byte][]byte {
	out := map[[32]byte][]byte{}
	for _, c := range onChain.Commits {
		b, err := d.k.blobs.get(c.LogHash)
		if err != nil {
			b, err = d.fetch(ctx, snap, c.Keeper, "summaries", c.LogHash)
		}
		if err != nil {
			d.k.metrics.LogsLeftOut.Inc()
			d.k.log.Warn("committed summary left out", "epoch", onChain.Epoch, "keeper", c.Keeper, "err", err)
			continue
		}
		out[c.LogHash] = b
	}
	return out
}

// fetch reads GET {endpoint}/{kind}/{hash} from keeper's registered endpoint and
// checks the bytes' SHA-256; it keeps them in the store, so this keeper serves them
// too.
func (d *epochDuty) fetch(ctx context.Context, snap *follower.Snapshot, keeper solana.PublicKey, kind string, h [32]byte) ([]byte, error) {
	k := snap.Keepers[rewards.KeeperAddress(keeper)]
	if k == nil {
		return nil, fmt.Errorf("keeper %s is not registered", keeper)
	}
	url := strings.TrimRight(k.Endpoint, "/") + "/" + kind + "/" + hex.EncodeToString(h[:])
	b, err := d.get(ctx, url, 64<<20)
	if err != nil {
		return nil, err
	}
	if sha256.Sum256(b) != h {
		return nil, fmt.Errorf("%s: the bytes do not match the committed hash", url)
	}
	if _, err := d.k.blobs.put(b); err != nil {
		return nil, err
	}
	return b, nil
}

func (d *epochDuty) get(ctx context.Context, url string, limit int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, d.k.cfg.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := d.k.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes", url, limit)
	}
	return b, nil
}

// catchUpReports makes sure this keeper holds the latest final report (the
// previous cumulative rewards the next report adds to): a keeper that was down or
// just joined fetches it from the keepers that voted it and checks its root.
func (d *epochDuty) catchUpReports(ctx context.Context, snap *follower.Snapshot) error {
	rc := snap.RewardsConfig
	if rc.FinalEpoch == nil {
		return nil
	}
	last := *rc.FinalEpoch
	if have, ok := d.k.reports.LatestFinal(); ok && have >= last {
		return nil
	}
	final := snap.EpochReports[rewards.EpochAddress(last)]
	if final == nil || !final.Finalized {
		return fmt.Errorf("final epoch %d has no final report account in the snapshot yet", last)
	}
	if ok, err := d.k.reports.Finalize(last, final.Root); err != nil || ok {
		return err
	}
	var errs []error
	for _, voter := range final.Voters {
		k := snap.Keepers[rewards.KeeperAddress(voter)]
		if k == nil || voter.Equals(d.k.cfg.Keypair.PublicKey()) {
			continue
		}
		b, err := d.get(ctx, strings.TrimRight(k.Endpoint, "/")+fmt.Sprintf("/reports/%d", last), 256<<20)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var r report.EpochReport
		if err := json.Unmarshal(b, &r); err != nil {
			errs = append(errs, fmt.Errorf("report of epoch %d from %s: %w", last, voter, err))
			continue
		}
		if err := d.k.reports.Adopt(r, final, rc.IoMint); err != nil {
			errs = append(errs, err)
			continue
		}
		d.k.log.Info("adopted a final report from another keeper", "epoch", last, "from", voter)
		return nil
	}
	return fmt.Errorf("no keeper served the final report of epoch %d: %w", last, errors.Join(errs...))
}

// finalized keeps the final report for proofs and cranks the claims.
func (d *epochDuty) finalized(ctx context.Context, snap *follower.Snapshot, onChain *iorewards.EpochReport) error {
	e := onChain.Epoch
	ok, err := d.k.reports.Finalize(e, onChain.Root)
	if err != nil {
		return err
	}
	if !ok {
		if _, _, have := d.k.reports.Get(e); have {
			d.k.metrics.Disagreements.Inc()
			d.k.log.Warn("the final root is not the one this keeper computed", "epoch", e,
				"final", hex.EncodeToString(onChain.Root[:]))
		}
		if err := d.catchUpReports(ctx, snap); err != nil {
			return err
		}
	}
	if !d.k.cfg.Claims {
		return nil
	}
	rep, final, have := d.k.reports.Get(e)
	if !have || !final {
		return nil
	}
	_, err = d.claim(ctx, snap, rep)
	return err
}

// claim cranks the claim of every node of rep not yet claimed at its epoch.
func (d *epochDuty) claim(ctx context.Context, snap *follower.Snapshot, rep report.EpochReport) (int, error) {
	proofs, err := rewards.Proofs(rep, snap.RewardsConfig.IoMint)
	if err != nil {
		return 0, err
	}
	landed := 0
	for i, leaf := range rep.Leaves {
		node := snap.Nodes[leaf.Node]
		if node == nil {
			continue
		}
		// A claim pays what is new and refreshes the node's attested capacity (which
		// hiring needs recent), so every leaf is claimed once, reward or not.
		if c := snap.NodeClaims[rewards.NodeClaimsAddress(leaf.Node)]; c != nil &&
			c.State.LastEpoch != nil && *c.State.LastEpoch >= leaf.Epoch {
			continue
		}
		ixs, err := rewards.Claim(d.k.cfg.Keypair.PublicKey(), node.Operator, snap.RewardsConfig.IoMint, leaf, proofs[i])
		if err != nil {
			return landed, err
		}
		err = d.txs.Send(ctx, fmt.Sprintf("claim/%d/%s", leaf.Epoch, leaf.Node), ixs...)
		d.k.metrics.Claims.WithLabelValues(result(err)).Inc()
		if err != nil {
			d.k.log.Warn("claim", "epoch", leaf.Epoch, "node", leaf.Node, "err", err)
			continue
		}
		landed++
		d.k.log.Info("claimed", "epoch", leaf.Epoch, "node", leaf.Node, "cumulative", leaf.CumulativeReward)
	}
	return landed, nil
}
