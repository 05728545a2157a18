// Package agree is the public, deterministic function every keeper applies after an
// epoch's commit deadline (docs/design.md §6, "How honest keepers reach the same root"):
// from the commitments on chain, the observation summaries fetched for them, the
// node assignment and the chain state, it derives each node's medians and the epoch
// report (oracle/report.Build). Same commitments and summaries in, same root out,
// whatever order they arrive in. It does no I/O.
package agree

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/emission"
	"github.com/ionet-network/ionet/oracle/report"
	"github.com/ionet-network/ionet/oracle/uptime"
)

// Why a commitment's summary is left out; every keeper applies the same checks, so
// given the same fetched bytes they leave out the same commitments. Test with
// errors.Is on Exclusion.Err.
var (
	ErrNotFetched   = errors.New("agree: summary not fetched")
	ErrHashMismatch = errors.New("agree: summary bytes do not hash to the commitment")
	ErrMalformed    = errors.New("agree: summary does not decode")
	ErrWrongEpoch   = errors.New("agree: summary of another epoch")
	ErrWrongKeeper  = errors.New("agree: summary of another keeper")
)

// ErrDuplicateCommit is returned by Agree for a keeper committed twice: the chain
// records one commitment per keeper and epoch, so this is a caller's bug.
var ErrDuplicateCommit = errors.New("agree: keeper committed twice")

// Commit is one keeper's commit_observations(e, hash) as read from chain. Hash is
// epochlog.Commitment of its log: the SHA-256 of its summary's canonical bytes.
type Commit struct {
	Keeper solana.PublicKey
	Hash   [32]byte
}

// Assignment maps each node to the keepers assigned to observe it (m per node).
type Assignment map[solana.PublicKey][]solana.PublicKey

// Assign is the assignment every keeper derives from public data: for each node the
// m keepers of uptime.Assign(beacon, node, keepers, m) (rendezvous hashing of
// H(beacon ‖ node ‖ keeper), docs/design.md §6). Cost: len(nodes) × len(keepers) SHA-256.
func Assign(beacon [32]byte, nodes, keepers []solana.PublicKey, m int) Assignment {
	ks := make([]ed25519.PublicKey, len(keepers))
	for i := range keepers {
		ks[i] = ed25519.PublicKey(keepers[i][:])
	}
	a := make(Assignment, len(nodes))
	for _, n := range nodes {
		picked := uptime.Assign(beacon, ed25519.PublicKey(n[:]), ks, m)
		out := make([]solana.PublicKey, len(picked))
		for i, k := range picked {
			out[i] = solana.PublicKeyFromBytes(k)
		}
		a[n] = out
	}
	return a
}

// Input is everything Agree reads.
type Input struct {
	// Chain is what report.Build reads from chain state: epoch, schedule, params,
	// deployment keys, previous cumulative emission, and per node its class, stake,
	// hired share and previous cumulative reward (chain/rewards.NodeInput with a
	// zero Measured builds these). The nodes' TOPSMilli and UptimeBps are ignored:
	// Agree sets them to the medians.
	Chain report.EpochInput
	// Commits are the epoch's commitments on chain, in any order, at most one per
	// keeper.
	Commits []Commit
	// Summaries are the summary bytes fetched, keyed by the commitment hash they were
	// fetched for. Bytes under a hash nobody committed are ignored.
	Summaries map[[32]byte][]byte
	// Assignment names each node's keepers (Assign). A keeper's entry for a node it
	// is not assigned to is ignored.
	Assignment Assignment
	// PrevTOPSMilli is each node's TOPSMilli in its leaf of the latest final report
	// that holds it (the report every keeper reads alike, as for the previous
	// cumulative reward); a node without one is absent. It is what a node kept from
	// its challenges by a hire carries over (Agree, step 2).
	PrevTOPSMilli map[solana.PublicKey]uint64
}

// Exclusion is a commitment left out, and why (one of the Err… above, wrapped).
type Exclusion struct {
	Commit Commit
	Err    error
}

// Outcome is the result of Agree.
type Outcome struct {
	// Input is what report.Build read: the covered nodes with their medians, sorted
	// by node key.
	Input report.EpochInput
	// Report is what the keeper votes on: root, leaves sorted by node key, totals.
	Report report.EpochReport
	// Used are the commitments whose summaries counted, sorted by keeper key.
	Used []Commit
	// Excluded are the commitments left out, sorted by keeper key.
	Excluded []Exclusion
	// Uncovered are the chain's nodes no used summary of an assigned keeper covers,
	// sorted by key. They get no leaf this epoch: they earn nothing for it, take
	// no part in Σw, and their cumulative reward is unchanged (their next leaf
	// carries it forward from the chain state's previous cumulative, so a claim
	// never loses what was earned).
	Uncovered []solana.PublicKey
}

// Verify checks summary bytes fetched for commit c of epoch: they hash to c.Hash,
// decode strictly (epochlog.DecodeSummary) and name c's epoch and keeper. Errors
// wrap ErrHashMismatch, ErrMalformed, ErrWrongEpoch or ErrWrongKeeper.
func Verify(c Commit, epoch uint64, b []byte) (*epochlog.Summary, error) {
	if sha256.Sum256(b) != c.Hash {
		return nil, fmt.Errorf("keeper %s: %w", c.Keeper, ErrHashMismatch)
	}
	s, err := epochlog.DecodeSummary(b)
	if err != nil {
		return nil, fmt.Errorf("keeper %s: %w: %w", c.Keeper, ErrMalformed, err)
	}
	if s.Epoch != epoch {
		return nil, fmt.Errorf("keeper %s: epoch %d, want %d: %w", c.Keeper, s.Epoch, epoch, ErrWrongEpoch)
	}
	if s.Keeper != c.Keeper {
		return nil, fmt.Errorf("keeper %s: summary names %s: %w", c.Keeper, solana.PublicKey(s.Keeper), ErrWrongKeeper)
	}
	return s, nil
}

// Agree computes the epoch's measurements and report (docs/design.md §6):
//
//  1. Each commitment's summary is Verify'd; one not fetched or failing a check is
//     left out (Excluded), by every keeper under the same rule.
//  2. Per node of Chain.Nodes, over the used summaries of its assigned keepers that
//     cover it: UptimeBps = lower median (report.LowerMedian) of the keepers'
//     NodeSummary.UptimeBps, TOPSMilli = lower median of their NodeSummary.TOPSMilli.
//     A node no such summary covers is Uncovered and left out of the report.
//     A node that was hired at its challenges (NotChallenged > 0 in some of those
//     summaries, Passed == 0 and no failure in all of them) was probed, not
//     challenged, and has no TOPS of its own this epoch. With a previous leaf, its
//     TOPSMilli carries over from PrevTOPSMilli, so its attested capacity does not
//     collapse because a renter used it (without one it stays 0, as before). Its
//     availability reward must not grow from that: the weight counts only unhired
//     GPU-time, T × (1 − hired share). The hired share read from chain at the vote
//     is kept when above 0; at 0 (the hire that kept the node from its challenges
//     was over by the vote, so how much was hired is unknown) the node counts as
//     hired in full and earns no availability reward this epoch.
//  3. report.Build over the covered nodes: rewards from E(e) and the weights,
//     leaves sorted by node key, the Merkle root.
//
// The lower median keeps integers exact and agrees with io-protocol's lower_median.
// Errors: ErrDuplicateCommit, and report.Build's errors (invalid params, schedule,
// node input, cumulative overflow), wrapped with the epoch.
func Agree(in Input) (Outcome, error) {
	epoch := in.Chain.Epoch
	fail := func(err error) (Outcome, error) { return Outcome{}, fmt.Errorf("agree on epoch %d: %w", epoch, err) }

	commits := slices.Clone(in.Commits)
	slices.SortFunc(commits, func(a, b Commit) int { return bytes.Compare(a.Keeper[:], b.Keeper[:]) })
	var out Outcome
	summaries := make(map[solana.PublicKey]*epochlog.Summary, len(commits))
	for i, c := range commits {
		if i > 0 && c.Keeper == commits[i-1].Keeper {
			return fail(fmt.Errorf("keeper %s: %w", c.Keeper, ErrDuplicateCommit))
		}
		b, ok := in.Summaries[c.Hash]
		if !ok {
			out.Excluded = append(out.Excluded, Exclusion{c, fmt.Errorf("keeper %s: %w", c.Keeper, ErrNotFetched)})
			continue
		}
		s, err := Verify(c, epoch, b)
		if err != nil {
			out.Excluded = append(out.Excluded, Exclusion{c, err})
			continue
		}
		out.Used = append(out.Used, c)
		summaries[c.Keeper] = s
	}

	nodes := slices.Clone(in.Chain.Nodes)
	slices.SortFunc(nodes, func(a, b report.NodeInput) int { return bytes.Compare(a.Node[:], b.Node[:]) })
	index := make(map[solana.PublicKey]int, len(nodes))
	for i, n := range nodes {
		index[n.Node] = i
	}
	// Per node, the values of its assigned keepers, gathered summary by summary.
	uptimes := make([][]uint16, len(nodes))
	tops := make([][]uint64, len(nodes))
	// Per node, whether a summary found it hired at a challenge, and whether one
	// holds a challenge that passed or failed.
	hired := make([]bool, len(nodes))
	challenged := make([]bool, len(nodes))
	for _, c := range out.Used {
		for _, e := range summaries[c.Keeper].Nodes {
			i, ok := index[solana.PublicKey(e.Node)]
			if !ok || !slices.Contains(in.Assignment[nodes[i].Node], c.Keeper) {
				continue
			}
			uptimes[i] = append(uptimes[i], e.UptimeBps())
			tops[i] = append(tops[i], e.TOPSMilli)
			hired[i] = hired[i] || e.NotChallenged > 0
			challenged[i] = challenged[i] || e.Passed > 0 || len(e.Failures) > 0
		}
	}
	covered := nodes[:0]
	for i, n := range nodes {
		u, ok := report.LowerMedian(uptimes[i])
		if !ok {
			out.Uncovered = append(out.Uncovered, n.Node)
			continue
		}
		n.UptimeBps = u
		n.TOPSMilli, _ = report.LowerMedian(tops[i])
		if prev, ok := in.PrevTOPSMilli[n.Node]; ok && hired[i] && !challenged[i] {
			n.TOPSMilli = prev
			if n.HiredBps == 0 {
				n.HiredBps = emission.BPS
			}
		}
		covered = append(covered, n)
	}

	out.Input = in.Chain
	out.Input.Nodes = covered
	r, err := report.Build(out.Input)
	if err != nil {
		return fail(err)
	}
	out.Report = r
	return out, nil
}
