package rewards

import (
	"github.com/ionet-network/ionet/bindings/iorewards"
)

// ExitWait is what a keeper that announced its exit still waits for before
// deregister_keeper returns its bond (docs/rewards.md, Keeper set): the unbonding
// (keeper_unbonding_seconds after the announcement; UnbondingNotOver before) and the
// vote window of the latest epoch it voted in (VotedEpochOpen until it has closed).
// Times are the chain's unix seconds.
type ExitWait struct {
	// UnbondedAt is when the unbonding is over: deregistering needs now ≥ UnbondedAt.
	UnbondedAt int64
	// VotesClosedAt is when the vote window of LastVoteEpoch closes: deregistering
	// needs now > VotesClosedAt. Zero when the keeper never voted.
	VotesClosedAt int64
	LastVoteEpoch *uint64
}

// ExitWaitOf is k's ExitWait under p; ok is false when k has not announced its exit.
func ExitWaitOf(k *iorewards.Keeper, p iorewards.RewardsParams) (w ExitWait, ok bool) {
	if k.ExitFrom == nil {
		return w, false
	}
	w.UnbondedAt = k.ExitAnnouncedAt + p.KeeperUnbondingSeconds
	if k.LastVoteEpoch != nil {
		w.LastVoteEpoch = k.LastVoteEpoch
		w.VotesClosedAt = EpochsOf(p).End(*k.LastVoteEpoch) + p.VoteWindowSeconds
	}
	return w, true
}

// Left is how many seconds remain at now before each condition holds (0 once it
// does): the unbonding, then the vote window.
func (w ExitWait) Left(now int64) (unbonding, votes int64) {
	unbonding = max(0, w.UnbondedAt-now)
	if w.LastVoteEpoch != nil && now <= w.VotesClosedAt {
		votes = w.VotesClosedAt - now + 1
	}
	return unbonding, votes
}
