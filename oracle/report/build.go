package report

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/oracle/emission"
	"github.com/ionet-network/ionet/oracle/merkle"
)

// Defaults from docs/design.md §6.
const (
	// DefaultStakeBoostBps is β = 1: stake up to the hardware's cap doubles a weight.
	DefaultStakeBoostBps = 10_000
	// DefaultUptimeThresholdBps is 100%: any missed probe forfeits the epoch.
	DefaultUptimeThresholdBps = 10_000
)

// Errors Build returns, wrapped with the epoch and the node concerned.
var (
	ErrInvalidParams   = errors.New("invalid report parameters")
	ErrInvalidSchedule = errors.New("emission schedule exceeds its cap or is malformed")
	ErrInvalidNode     = errors.New("invalid node input")
	ErrDuplicateNode   = errors.New("node appears twice")
	// ErrCumulative: the previous cumulative emission is above what the schedule
	// allows through this epoch, or a node's cumulative reward would overflow.
	ErrCumulative = errors.New("cumulative beyond the schedule or u64")
)

// Params are the report's governance parameters. Zero values mean zero (β = 0 turns
// the stake boost off, a threshold of 0 never forfeits), not the defaults.
type Params struct {
	// StakeBoostBps is β in basis points (DefaultStakeBoostBps = 1.0).
	StakeBoostBps uint32
	// IOPerTOPS is the stake cap per TOPS of attested throughput, $IO base units per
	// TOPS (io-staking's io_per_tops); must be positive.
	IOPerTOPS uint64
	// UptimeThresholdBps: a node whose median uptime is below it forfeits its share.
	UptimeThresholdBps uint16
}

// Validate checks the parameters' ranges.
func (p Params) Validate() error {
	if p.IOPerTOPS == 0 {
		return fmt.Errorf("io_per_tops is 0: %w", ErrInvalidParams)
	}
	if p.UptimeThresholdBps > emission.BPS {
		return fmt.Errorf("uptime threshold %d bps above 100%%: %w", p.UptimeThresholdBps, ErrInvalidParams)
	}
	return nil
}

// NodeInput is one node's medians and state at the epoch's end.
type NodeInput struct {
	Node  solana.PublicKey
	Class uint8
	// TOPSMilli is T: the median measured throughput over its keepers, milli-TOPS.
	TOPSMilli uint64
	// UptimeBps is the median uptime over its keepers, ≤ 10,000.
	UptimeBps uint16
	// HiredBps is the share of the epoch's GPU-time that was hired, ≤ 10,000.
	HiredBps uint16
	// Stake is S: operator plus delegated stake, $IO base units.
	Stake uint64
	// PrevCumulativeReward is the node's cumulative reward in the latest final report
	// (0 for a new node).
	PrevCumulativeReward uint64
}

// EpochInput is everything Build reads.
type EpochInput struct {
	Epoch    uint64
	Schedule emission.Schedule
	Params   Params
	// RewardsProgram and IOMint bind the leaves to the deployment (Leaf.Encode).
	RewardsProgram solana.PublicKey
	IOMint         solana.PublicKey
	// PrevCumulativeEmission is the cumulative emission of the latest final report
	// (io-rewards' reported_cumulative).
	PrevCumulativeEmission uint64
	// Nodes in any order; each node at most once.
	Nodes []NodeInput
}

// EpochReport is what a keeper votes on, plus what it needs to serve claims.
type EpochReport struct {
	Epoch uint64
	// Leaves are sorted by node key, bytewise.
	Leaves []Leaf
	// Root is the Merkle root over the encoded leaves; the zero hash when there are
	// no leaves (no tree).
	Root merkle.Hash
	// Budget is what the epoch could award: E(e), less where the cap binds
	// (schedule's cumulative through e minus the previous cumulative emission).
	Budget uint64
	// EpochEmission is what was actually awarded: Σ epoch_reward ≤ Budget.
	EpochEmission uint64
	// CumulativeEmission is PrevCumulativeEmission + EpochEmission.
	CumulativeEmission uint64
	// Forfeited is what the nodes below the uptime threshold would have earned; it
	// stays in the vault, as does the rounding remainder
	// Budget − EpochEmission − Forfeited (less than one base unit per node).
	Forfeited uint64
}

// Weight is a node's weight in the epoch's split (docs/design.md §6):
//
//	w = T_unhired × (1 + β × min(S / C, 1)),  T_unhired = T × (10⁴ − hired_bps) / 10⁴,
//	C = T × io_per_tops / 1000  (T in milli-TOPS, C and S in $IO base units)
//
// computed exactly, without rounding, at a scale common to all nodes of an epoch:
//
//	Weight = w × 10⁸ × io_per_tops
//	       = (10⁴ − hired_bps) × (10⁴ × T × io_per_tops + β_bps × min(1000 × S, T × io_per_tops))
//
// with w in milli-TOPS. It is linear in T at a given stake ratio and never gains from
// splitting T and S over identities (min is subadditive). A node staked at io-staking's
// cap ⌊C⌋ gets the boost of ⌊C⌋/C, short of full by under one base unit of stake.
// The parameters and input are assumed valid (see Build).
func Weight(n NodeInput, p Params) *big.Int {
	capacity := mul(n.TOPSMilli, p.IOPerTOPS)
	stake := mul(n.Stake, 1000)
	if stake.Cmp(capacity) > 0 {
		stake = capacity
	}
	w := new(big.Int).Mul(capacity, big.NewInt(emission.BPS))
	w.Add(w, stake.Mul(stake, new(big.Int).SetUint64(uint64(p.StakeBoostBps))))
	return w.Mul(w, big.NewInt(int64(emission.BPS-int(n.HiredBps))))
}

// Build computes the epoch's report: each node's share ⌊Budget × w_n / Σw⌋ with Σw over
// every node (rounding favours the protocol: remainders stay in the vault); a node
// below the uptime threshold gets 0 and keeps its cumulative, and its share stays in
// the vault (Forfeited) rather than going to the others, so no one gains from another's
// downtime. Leaves are sorted by node key and hashed with oracle/merkle. Same input,
// in any node order, gives the same report.
func Build(in EpochInput) (EpochReport, error) {
	fail := func(err error) (EpochReport, error) {
		return EpochReport{}, fmt.Errorf("build report for epoch %d: %w", in.Epoch, err)
	}
	if err := in.Params.Validate(); err != nil {
		return fail(err)
	}
	if !in.Schedule.IsWithin() {
		return fail(fmt.Errorf("%+v: %w", in.Schedule, ErrInvalidSchedule))
	}
	if in.Epoch == math.MaxUint64 {
		return fail(fmt.Errorf("epoch has no end: %w", ErrCumulative))
	}
	allowed := in.Schedule.Cumulative(in.Epoch + 1)
	if in.PrevCumulativeEmission > allowed {
		return fail(fmt.Errorf("previous cumulative emission %d above the schedule's %d: %w",
			in.PrevCumulativeEmission, allowed, ErrCumulative))
	}
	budget := min(in.Schedule.EpochEmission(in.Epoch), allowed-in.PrevCumulativeEmission)

	nodes := slices.Clone(in.Nodes)
	slices.SortFunc(nodes, func(a, b NodeInput) int { return bytes.Compare(a.Node[:], b.Node[:]) })
	weights := make([]*big.Int, len(nodes))
	total := new(big.Int)
	for i, n := range nodes {
		if i > 0 && n.Node == nodes[i-1].Node {
			return fail(fmt.Errorf("node %s: %w", n.Node, ErrDuplicateNode))
		}
		if n.UptimeBps > emission.BPS || n.HiredBps > emission.BPS {
			return fail(fmt.Errorf("node %s: uptime %d bps, hired %d bps: %w", n.Node, n.UptimeBps, n.HiredBps, ErrInvalidNode))
		}
		weights[i] = Weight(n, in.Params)
		total.Add(total, weights[i])
	}

	r := EpochReport{Epoch: in.Epoch, Budget: budget, Leaves: make([]Leaf, len(nodes))}
	for i, n := range nodes {
		var share uint64
		if total.Sign() > 0 {
			// ≤ budget since w_n ≤ Σw, so it fits a uint64.
			share = new(big.Int).Quo(weights[i].Mul(weights[i], new(big.Int).SetUint64(budget)), total).Uint64()
		}
		reward := share
		if n.UptimeBps < in.Params.UptimeThresholdBps {
			r.Forfeited += share
			reward = 0
		}
		cumulative, carry := bits.Add64(n.PrevCumulativeReward, reward, 0)
		if carry != 0 {
			return fail(fmt.Errorf("node %s: cumulative reward overflows: %w", n.Node, ErrCumulative))
		}
		r.EpochEmission += reward // Σ shares ≤ budget: no overflow
		r.Leaves[i] = Leaf{
			Node:             n.Node,
			Epoch:            in.Epoch,
			Class:            n.Class,
			TOPSMilli:        n.TOPSMilli,
			UptimeBps:        n.UptimeBps,
			HiredBps:         n.HiredBps,
			EpochReward:      reward,
			CumulativeReward: cumulative,
		}
	}
	r.CumulativeEmission = in.PrevCumulativeEmission + r.EpochEmission // ≤ allowed

	if len(r.Leaves) > 0 {
		t, err := Tree(r.Leaves, in.RewardsProgram, in.IOMint)
		if err != nil {
			return fail(err)
		}
		r.Root = t.Root()
	}
	return r, nil
}

func mul(a, b uint64) *big.Int {
	return new(big.Int).Mul(new(big.Int).SetUint64(a), new(big.Int).SetUint64(b))
}
