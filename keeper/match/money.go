package match

import "math/bits"

// The money math io-hire's assign runs (programs/io-hire/src/pricing.rs and
// io-staking's required_operator_stake), as plain functions, so the matcher refuses
// exactly the nodes and orders the program would. Intermediates are 128-bit and
// checked; ok is false where the program's checked arithmetic returns None.

// BPS is basis points in one.
const BPS = 10_000

// IOUnits is $IO base units in one $IO (8 decimals).
const IOUnits = 100_000_000

// u128 is an unsigned 128-bit integer.
type u128 struct{ hi, lo uint64 }

// mul64 is x × m; ok is false on overflow.
func (x u128) mul64(m uint64) (u128, bool) {
	c1, lo := bits.Mul64(x.lo, m)
	c2, h := bits.Mul64(x.hi, m)
	if c2 != 0 {
		return u128{}, false
	}
	hi, carry := bits.Add64(h, c1, 0)
	if carry != 0 {
		return u128{}, false
	}
	return u128{hi, lo}, true
}

// div64 is ⌊x / d⌋ for d > 0.
func (x u128) div64(d uint64) u128 {
	qhi, r := x.hi/d, x.hi%d
	qlo, _ := bits.Div64(r, x.lo, d)
	return u128{qhi, qlo}
}

// CostMicroUSD is price × gpus × hours in micro-USD (pricing::cost_micro_usd); it
// never overflows 128 bits.
func CostMicroUSD(pricePerGPUHour uint64, gpus uint16, hours uint32) u128 {
	c, _ := u128{0, pricePerGPUHour}.mul64(uint64(gpus))
	c, _ = c.mul64(uint64(hours))
	return c
}

// Units is microUSD in the payment mint's base units, rounded down (Payment::units):
// IOSD 1:1 when ioPrice is 0 and isIO false; $IO at ioPrice micro-USD per $IO.
// ok is false when the program's Payment::units returns None: a $IO price of 0, an
// overflow, or a result above u64.
func Units(microUSD u128, isIO bool, ioPrice uint64) (uint64, bool) {
	v := microUSD
	if isIO {
		if ioPrice == 0 {
			return 0, false
		}
		m, ok := v.mul64(IOUnits)
		if !ok {
			return 0, false
		}
		v = m.div64(ioPrice)
	}
	if v.hi != 0 {
		return 0, false
	}
	return v.lo, true
}

// Fee is ⌊amount × bps / 10⁴⌋ (pricing::fee).
func Fee(amount uint64, bps uint16) uint64 {
	hi, lo := bits.Mul64(amount, uint64(bps))
	q, _ := bits.Div64(hi, lo, BPS)
	return q
}

// PartValue is what one node's part of an order commits from the escrow: its stream's
// value (the node's own ask × GPUs × hours, converted at the order's price) and the
// renter fee reserved on it. ok is false where assign fails with OrderTooLarge.
func PartValue(ask uint64, gpus uint16, hours uint32, isIO bool, ioPrice uint64, renterFeeBps uint16) (value, fee uint64, ok bool) {
	value, ok = Units(CostMicroUSD(ask, gpus, hours), isIO, ioPrice)
	if !ok {
		return 0, 0, false
	}
	return value, Fee(value, renterFeeBps), true
}

// RequiredStake is min_operator_stake + min_stake_per_gpu × gpu_count
// (required_operator_stake); ok is false on overflow, where the node is not staked.
func RequiredStake(minOperatorStake, minStakePerGPU uint64, gpuCount uint16) (uint64, bool) {
	hi, m := bits.Mul64(minStakePerGPU, uint64(gpuCount))
	if hi != 0 {
		return 0, false
	}
	s, carry := bits.Add64(m, minOperatorStake, 0)
	return s, carry == 0
}

// Attested says whether a node's attestation counts at epoch: TOPS above zero and
// at most maxAge epochs old (check_fit's AttestationStale).
func Attested(topsMilli, attestedEpoch, epoch uint64, maxAge uint32) bool {
	age := uint64(0)
	if epoch > attestedEpoch {
		age = epoch - attestedEpoch
	}
	return topsMilli > 0 && age <= uint64(maxAge)
}

// TimedOut says whether an open order created at createdAt may be expired at now
// (expire_unmatched: now ≥ created_at + timeout, saturating).
func TimedOut(createdAt, timeout, now int64) bool {
	deadline := createdAt + timeout
	if timeout > 0 && deadline < createdAt {
		return false // saturates at i64::MAX: never
	}
	if timeout < 0 && deadline > createdAt {
		return true
	}
	return now >= deadline
}
