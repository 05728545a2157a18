// Package emission is the $IO emission schedule of docs/design.md §6: epoch e may emit
// E(e) = E0 × r^⌊e/P⌋ base units, in periods of P epochs, with r in basis points.
// Each period's emission is the previous one's × r / 10⁴, rounded down, so the
// schedule is exact integers, and cumulative emission never exceeds the cap.
//
// It is the Go twin of crates/io-protocol/src/emission.rs: keepers use it to size an
// epoch's report, and io-rewards refuses a report above it. Both sides are tested
// against testdata/emission/vectors.json. No floating point anywhere: products are
// 128-bit (math/bits) or math/big.
package emission

import (
	"math/big"
	"math/bits"
)

// BPS is one in basis points.
const BPS = 10_000

// Schedule holds the schedule's parameters, as io-rewards stores them.
type Schedule struct {
	// InitialEpochEmission is E0: base units per epoch in the first period.
	InitialEpochEmission uint64 `json:"initial_epoch_emission"`
	// PeriodEpochs is P: epochs per period (17,520 hourly epochs = 2 years).
	PeriodEpochs uint64 `json:"period_epochs"`
	// RatioBps is r: the ratio between consecutive periods in bps (5,000 = halving).
	RatioBps uint16 `json:"ratio_bps"`
	// Cap is everything the rewards vault may ever emit (300M $IO), base units.
	Cap uint64 `json:"cap"`
}

// IsWithin reports whether the series' limit E0 × P / (1 − r) is at most the cap
// (so the cap is a safety net, not the schedule), with 0 < r < 1 and P > 0. The
// comparison is E0·P·10⁴ ≤ cap·(10⁴ − r), exact at any size.
func (s Schedule) IsWithin() bool {
	if s.PeriodEpochs == 0 || s.RatioBps == 0 || s.RatioBps >= BPS {
		return false
	}
	lhs := new(big.Int).SetUint64(s.InitialEpochEmission)
	lhs.Mul(lhs, new(big.Int).SetUint64(s.PeriodEpochs))
	lhs.Mul(lhs, big.NewInt(BPS))
	rhs := new(big.Int).SetUint64(s.Cap)
	rhs.Mul(rhs, big.NewInt(int64(BPS-s.RatioBps)))
	return lhs.Cmp(rhs) <= 0
}

// EpochEmission is E(e): the base units epoch `epoch` may emit. P = 0 counts as 1.
//
// Every schedule gets the value the Rust side computes, including the out-of-spec
// ones IsWithin refuses (r ≥ 1: a constant or growing series, the step's quotient
// truncated to 64 bits as Rust's `as u64` does); a growing series may take one step
// per period, so callers validate with IsWithin first.
func (s Schedule) EpochEmission(epoch uint64) uint64 {
	period := epoch / max(s.PeriodEpochs, 1)
	e := s.InitialEpochEmission
	for k := uint64(0); k < period && e > 0; k++ {
		next := s.step(e)
		if next == e { // r = 1: every later period emits the same
			break
		}
		e = next
	}
	return e
}

// Cumulative is everything epochs 0..epochs-1 may emit together (so
// Cumulative(e+1) covers epoch e), capped at Cap. P = 0 counts as 1.
func (s Schedule) Cumulative(epochs uint64) uint64 {
	p := max(s.PeriodEpochs, 1)
	full := epochs / p
	var total uint64 // saturates at Cap: the result is min(Σ, Cap), and Σ only grows
	e := s.InitialEpochEmission
	for k := uint64(0); k < full && e > 0; k++ {
		next := s.step(e)
		if next == e { // r = 1: periods k.. and the partial one all emit e per epoch
			return s.addCapped(total, e, epochs-k*p)
		}
		if total = s.addCapped(total, e, p); total == s.Cap {
			return total
		}
		e = next
	}
	// Reached after `full` periods, or with e = 0 (then this adds nothing).
	return s.addCapped(total, e, epochs%p)
}

// step is the next period's emission: ⌊e × r / 10⁴⌋, truncated to 64 bits. The
// product is below 2⁸⁰, so its high word is below 2¹⁶.
func (s Schedule) step(e uint64) uint64 {
	hi, lo := bits.Mul64(e, uint64(s.RatioBps))
	q, _ := bits.Div64(hi%BPS, lo, BPS) // the quotient's low word; hi/BPS is its high
	return q
}

// addCapped is min(total + e × n, Cap) for total ≤ Cap, exact.
func (s Schedule) addCapped(total, e, n uint64) uint64 {
	hi, lo := bits.Mul64(e, n)
	if hi != 0 {
		return s.Cap
	}
	sum, carry := bits.Add64(total, lo, 0)
	if carry != 0 || sum > s.Cap {
		return s.Cap
	}
	return sum
}
