package match

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUnits(t *testing.T) {
	for _, c := range []struct {
		name   string
		usd    u128
		isIO   bool
		price  uint64
		want   uint64
		wantOK bool
	}{
		{"IOSD is 1:1", CostMicroUSD(2_500_000, 8, 4), false, 0, 80_000_000, true},
		{"$IO at $1.60", CostMicroUSD(2_500_000, 8, 4), true, 1_600_000, 50 * IOUnits, true},
		{"$IO rounds down", u128{0, 1}, true, 3, 33_333_333, true},
		{"$IO price 0 is refused", CostMicroUSD(1, 1, 1), true, 0, 0, false},
		{"above u64", CostMicroUSD(math.MaxUint64, 2, 1), false, 0, 0, false},
		{"$IO overflow of the product", CostMicroUSD(math.MaxUint64, math.MaxUint16, math.MaxUint32), true, 1, 0, false},
		{"zero", u128{}, true, 7, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Units(c.usd, c.isIO, c.price)
			assert.Equal(t, c.wantOK, ok)
			assert.Equal(t, c.want, got)
		})
	}
}

func TestFee(t *testing.T) {
	for _, c := range []struct {
		amount uint64
		bps    uint16
		want   uint64
	}{
		{40_000_000, 250, 1_000_000}, // $40 at 2.5%: $1
		{199, 50, 0},                 // rounds down
		{20_000, 50, 100},
		{math.MaxUint64, 10_000, math.MaxUint64},
		{math.MaxUint64, 1_000, math.MaxUint64 / 10},
		{0, 1_000, 0},
	} {
		assert.Equal(t, c.want, Fee(c.amount, c.bps), "%d at %d bps", c.amount, c.bps)
	}
}

func TestRequiredStake(t *testing.T) {
	s, ok := RequiredStake(100, 10, 2)
	assert.True(t, ok)
	assert.Equal(t, uint64(120), s)
	_, ok = RequiredStake(1, math.MaxUint64, 2)
	assert.False(t, ok)
	_, ok = RequiredStake(math.MaxUint64, 1, 1)
	assert.False(t, ok)
}

func TestAttestedAndTimedOut(t *testing.T) {
	assert.True(t, Attested(1, 7, 10, 3))
	assert.False(t, Attested(1, 6, 10, 3))
	assert.False(t, Attested(0, 10, 10, 3))
	assert.True(t, Attested(1, 12, 10, 0), "an attestation ahead of the epoch has age 0 (saturating_sub)")
	assert.False(t, TimedOut(100, 60, 159))
	assert.True(t, TimedOut(100, 60, 160))
	assert.False(t, TimedOut(math.MaxInt64-10, 60, math.MaxInt64-1), "created_at + timeout saturates")
}

// The 128-bit helpers agree with math/big on random inputs.
func TestPartValueAgreesWithBig(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10_000 {
		ask, gpus, hours := r.Uint64()>>r.IntN(64), uint16(r.Uint32()), r.Uint32()>>r.IntN(32)
		price := r.Uint64() >> r.IntN(64)
		bps := uint16(r.IntN(2_000))
		isIO := r.IntN(2) == 0
		usd := new(big.Int).Mul(new(big.Int).SetUint64(ask), big.NewInt(int64(gpus)))
		usd.Mul(usd, big.NewInt(int64(hours)))
		want, wantOK := usd, true
		if isIO {
			if price == 0 {
				wantOK = false
			} else {
				want = new(big.Int).Mul(usd, big.NewInt(IOUnits))
				wantOK = want.BitLen() <= 128
				want.Quo(want, new(big.Int).SetUint64(price))
			}
		}
		wantOK = wantOK && want.IsUint64()
		value, fee, ok := PartValue(ask, gpus, hours, isIO, price, bps)
		if !assert.Equal(t, wantOK, ok, "ask %d gpus %d hours %d io %v price %d", ask, gpus, hours, isIO, price) {
			return
		}
		if ok {
			assert.Equal(t, want.Uint64(), value)
			f := new(big.Int).Mul(want, big.NewInt(int64(bps)))
			assert.Equal(t, f.Quo(f, big.NewInt(BPS)).Uint64(), fee)
		}
	}
}
