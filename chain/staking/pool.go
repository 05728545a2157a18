package staking

import (
	"errors"
	"fmt"
	"math/big"

	bin "github.com/gagliardetto/binary"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

// The pool arithmetic of programs/io-staking/src/pool.rs, for display and for turning
// an amount of $IO into shares. The program decides; these only predict.

// accScale is the reward-per-share scale (10^12) of the program's accumulators.
var accScale = big.NewInt(1_000_000_000_000)

// Reward mints by their index in a node's accumulators and a position's cursors.
const (
	RewardIO   = 0
	RewardIOSD = 1
)

// U128 makes a binary.Uint128 as the bindings encode it.
func U128(v uint64) bin.Uint128 { return bin.Uint128{Lo: v} }

func totalShares(p iostaking.Pool) *big.Int {
	t := new(big.Int).Add(p.OperatorShares.BigInt(), p.DelegatedShares.BigInt())
	return t.Add(t, p.CoolingShares.BigInt())
}

// clamp turns a non-negative big.Int into a uint64, saturating.
func clamp(v *big.Int) uint64 {
	if !v.IsUint64() {
		return ^uint64(0)
	}
	return v.Uint64()
}

// ValueOf is what shares redeem for: ⌊shares × tokens / total shares⌋.
func ValueOf(p iostaking.Pool, shares bin.Uint128) uint64 {
	total := totalShares(p)
	if total.Sign() == 0 {
		return 0
	}
	v := new(big.Int).Mul(shares.BigInt(), new(big.Int).SetUint64(p.Tokens))
	return clamp(v.Quo(v, total))
}

// SharesFor is the number of shares worth at most amount: ⌊amount × total / tokens⌋
// (1:1 in an empty pool). ok is false for a wiped pool, whose shares have no price.
func SharesFor(p iostaking.Pool, amount uint64) (shares *big.Int, ok bool) {
	total := totalShares(p)
	if total.Sign() == 0 {
		return new(big.Int).SetUint64(amount), true
	}
	if p.Tokens == 0 {
		return nil, false
	}
	s := new(big.Int).Mul(new(big.Int).SetUint64(amount), total)
	return s.Quo(s, new(big.Int).SetUint64(p.Tokens)), true
}

// Caps are a node's two caps on delegated stake, in base units of $IO.
type Caps struct {
	// ByCapacity is attested TOPS × $IO per TOPS (attested_tops_milli × io_per_tops / 1000).
	ByCapacity uint64
	// ByOperatorStake is the operator's stake × max_delegation_ratio_bps / 10000.
	ByOperatorStake uint64
}

// Room is how much more may be delegated now: the lower cap minus what is delegated.
func (c Caps) Room(delegated uint64) uint64 {
	limit := min(c.ByCapacity, c.ByOperatorStake)
	if delegated >= limit {
		return 0
	}
	return limit - delegated
}

// NodeCaps computes a node's caps under params.
func NodeCaps(n *iostaking.Node, params iostaking.StakingParams) Caps {
	c := new(big.Int).Mul(new(big.Int).SetUint64(n.Attested.TopsMilli), new(big.Int).SetUint64(params.IoPerTops))
	c.Quo(c, big.NewInt(1000))
	r := new(big.Int).Mul(new(big.Int).SetUint64(OperatorStake(n)), new(big.Int).SetUint64(uint64(params.MaxDelegationRatioBps)))
	r.Quo(r, big.NewInt(10_000))
	return Caps{ByCapacity: clamp(c), ByOperatorStake: clamp(r)}
}

// OperatorStake is what the operator's shares are worth.
func OperatorStake(n *iostaking.Node) uint64 { return ValueOf(n.Pool, n.Pool.OperatorShares) }

// DelegatedStake is what the delegators' shares (not in cooldown) are worth.
func DelegatedStake(n *iostaking.Node) uint64 { return ValueOf(n.Pool, n.Pool.DelegatedShares) }

// RequiredOperatorStake is the stake that makes a node eligible:
// min_operator_stake + min_stake_per_gpu × gpu_count.
func RequiredOperatorStake(n *iostaking.Node, params iostaking.StakingParams) uint64 {
	r := new(big.Int).Mul(new(big.Int).SetUint64(params.MinStakePerGpu), big.NewInt(int64(n.Spec.GpuCount)))
	return clamp(r.Add(r, new(big.Int).SetUint64(params.MinOperatorStake)))
}

// IsStaked says whether the node may be matched and earn (Node::is_staked).
func IsStaked(n *iostaking.Node, params iostaking.StakingParams) bool {
	return OperatorStake(n) >= RequiredOperatorStake(n, params)
}

// PendingReward is what a position could claim in one reward mint now: its pending
// amount plus shares × (accumulator − its snapshot) / 10^12.
func PendingReward(n *iostaking.Node, d *iostaking.Delegation, index int) uint64 {
	acc, cur := n.Rewards[index], d.Rewards[index]
	delta := new(big.Int).Sub(acc.PerShare.BigInt(), cur.Snapshot.BigInt())
	if delta.Sign() < 0 {
		return cur.Pending
	}
	earned := delta.Mul(delta, d.Shares.BigInt())
	earned.Quo(earned, accScale)
	return clamp(earned.Add(earned, new(big.Int).SetUint64(cur.Pending)))
}

// U128FromBig converts a non-negative big.Int below 2^128; ok is false otherwise.
func U128FromBig(v *big.Int) (u bin.Uint128, ok bool) {
	if v.Sign() < 0 || v.BitLen() > 128 {
		return u, false
	}
	lo := new(big.Int).And(v, new(big.Int).SetUint64(^uint64(0)))
	return bin.Uint128{Lo: lo.Uint64(), Hi: new(big.Int).Rsh(v, 64).Uint64()}, true
}

// Deposit is p after a deposit of amount as delegated (or operator) shares, as
// pool.rs's deposit makes it: the shares bought at the current price (1:1 in an empty
// pool), backed by what they are worth, the remainder dust. ok is false for a pool
// slashed to zero, which refuses deposits (PoolWiped).
func Deposit(p iostaking.Pool, amount uint64, delegated bool) (after iostaking.Pool, shares *big.Int, ok bool) {
	shares, ok = SharesFor(p, amount)
	if !ok {
		return p, nil, false
	}
	backing := amount
	if total := totalShares(p); total.Sign() != 0 {
		b := new(big.Int).Mul(shares, new(big.Int).SetUint64(p.Tokens))
		backing = clamp(b.Quo(b, total))
	}
	after = p
	after.Tokens += backing
	after.Dust += amount - backing
	slot := &after.OperatorShares
	if delegated {
		slot = &after.DelegatedShares
	}
	sum, _ := U128FromBig(new(big.Int).Add(slot.BigInt(), shares))
	*slot = sum
	return after, shares, true
}

// ErrOverCap is wrapped when a delegation would take a node over one of its caps.
var ErrOverCap = errors.New("delegation over the node's cap")

// CheckDelegation predicts io-staking's cap checks on a delegation of amount to n:
// the delegated stake after the deposit must stay within both caps. The error wraps
// ErrOverCap and names the cap (OverCapacityCap, OverOperatorRatioCap) and the room
// left.
func CheckDelegation(n *iostaking.Node, params iostaking.StakingParams, amount uint64) error {
	pool, _, ok := Deposit(n.Pool, amount, true)
	if !ok {
		return errors.New("the node's pool was slashed to zero: it takes no deposits (PoolWiped)")
	}
	after := *n
	after.Pool = pool
	caps, delegated := NodeCaps(&after, params), DelegatedStake(&after)
	room := NodeCaps(n, params).Room(DelegatedStake(n))
	switch {
	case delegated > caps.ByCapacity:
		why := fmt.Sprintf("its attested-capacity cap of %s $IO (%s TOPS × %s $IO per TOPS)", FormatIO(caps.ByCapacity),
			FormatAmount(n.Attested.TopsMilli, 3), FormatIO(params.IoPerTops))
		if n.Attested.TopsMilli == 0 {
			why = "its attested-capacity cap, 0 until a final epoch report attests the node's TOPS"
		}
		return fmt.Errorf("%w: %s $IO would bring the delegated stake to %s $IO, above %s; room for %s $IO (io-staking refuses it: OverCapacityCap)",
			ErrOverCap, FormatIO(amount), FormatIO(delegated), why, FormatIO(room))
	case delegated > caps.ByOperatorStake:
		return fmt.Errorf("%w: %s $IO would bring the delegated stake to %s $IO, above its operator-ratio cap of %s $IO (%s × the operator's %s $IO); room for %s $IO (io-staking refuses it: OverOperatorRatioCap)",
			ErrOverCap, FormatIO(amount), FormatIO(delegated), FormatIO(caps.ByOperatorStake),
			FormatAmount(uint64(params.MaxDelegationRatioBps), 4), FormatIO(OperatorStake(&after)), FormatIO(room))
	}
	return nil
}
