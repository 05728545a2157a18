package emission

import (
	"encoding/json"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	oneIO = 100_000_000 // base units per $IO
	p     = 17_520      // hourly epochs in two years
	ioCap = 300_000_000 * oneIO
)

// defaultSchedule is docs/design.md's default: halving every 2 years, E0 = ioCap / 2P.
func defaultSchedule() Schedule {
	return Schedule{InitialEpochEmission: ioCap / (2 * p), PeriodEpochs: p, RatioBps: 5_000, Cap: ioCap}
}

// The vectors crates/io-protocol/src/emission.rs writes: every point of every schedule.
func TestSharedVectors(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/emission/vectors.json")
	require.NoError(t, err)
	var cases []struct {
		Schedule
		Within bool `json:"within"`
		Points []struct {
			Epoch      uint64 `json:"epoch"`
			Emission   uint64 `json:"emission"`
			Cumulative uint64 `json:"cumulative"`
		} `json:"points"`
	}
	require.NoError(t, json.Unmarshal(raw, &cases))
	require.NotEmpty(t, cases)
	for _, c := range cases {
		s := c.Schedule
		require.NotEmpty(t, c.Points)
		assert.Equal(t, c.Within, s.IsWithin(), "%+v", s)
		for _, pt := range c.Points {
			assert.Equal(t, pt.Emission, s.EpochEmission(pt.Epoch), "%+v E(%d)", s, pt.Epoch)
			assert.Equal(t, pt.Cumulative, s.Cumulative(pt.Epoch), "%+v cumulative(%d)", s, pt.Epoch)
		}
	}
}

func TestDefaultEmitsAbout8561IOAnHourAndHalvesEveryTwoYears(t *testing.T) {
	s := defaultSchedule()
	require.True(t, s.IsWithin())
	for _, tc := range []struct {
		name       string
		epoch      uint64
		emission   uint64
		cumulative uint64
	}{
		{"genesis", 0, 856_164_383_561, 0},
		{"second epoch", 1, 856_164_383_561, 856_164_383_561},
		{"fourth epoch", 3, 856_164_383_561, 3 * 856_164_383_561},
		{"last of period 0", p - 1, 856_164_383_561, (p - 1) * 856_164_383_561},
		{"first halving", p, 428_082_191_780, p * 856_164_383_561},
		{"two into period 1", p + 2, 428_082_191_780, p*856_164_383_561 + 2*428_082_191_780},
		{"second halving", 2 * p, 214_041_095_890, p*856_164_383_561 + p*428_082_191_780},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.emission, s.EpochEmission(tc.epoch))
			assert.Equal(t, tc.cumulative, s.Cumulative(tc.epoch))
		})
	}
}

func TestEveryHalvingBoundaryForFortyYears(t *testing.T) {
	s := defaultSchedule()
	expected, sum := s.InitialEpochEmission, uint64(0)
	for k := uint64(0); k < 20; k++ {
		start := k * p
		require.Equal(t, expected, s.EpochEmission(start), "period %d", k)
		if k > 0 {
			require.Equal(t, expected, s.EpochEmission(start-1)/2, "period %d", k)
		}
		require.Equal(t, sum, s.Cumulative(start), "period %d", k)
		sum += expected * p
		expected /= 2
	}
	require.LessOrEqual(t, s.Cumulative(20*p), uint64(ioCap))
	require.Less(t, ioCap-s.Cumulative(20*p), uint64(ioCap/500_000))
	require.LessOrEqual(t, s.Cumulative(math.MaxUint64), uint64(ioCap))
	require.Zero(t, s.EpochEmission(math.MaxUint64))
}

func TestIsWithin(t *testing.T) {
	for _, tc := range []struct {
		name   string
		edit   func(*Schedule)
		within bool
	}{
		{"default", func(*Schedule) {}, true},
		{"E0 one above the cap's share", func(s *Schedule) { s.InitialEpochEmission++ }, false},
		{"r = 1", func(s *Schedule) { s.RatioBps = BPS }, false},
		{"r > 1", func(s *Schedule) { s.RatioBps = 20_000 }, false},
		{"r = 0", func(s *Schedule) { s.RatioBps = 0 }, false},
		{"P = 0", func(s *Schedule) { s.PeriodEpochs = 0 }, false},
		{"exactly at the cap", func(s *Schedule) { *s = Schedule{1_000, 3, 5_000, 6_000} }, true},
		{"E0·P·10⁴ beyond 128 bits", func(s *Schedule) {
			*s = Schedule{math.MaxUint64, math.MaxUint64, 9_999, math.MaxUint64}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := defaultSchedule()
			tc.edit(&s)
			assert.Equal(t, tc.within, s.IsWithin())
		})
	}
}

// Out-of-spec schedules still get Rust's values, and r = 1 takes no period-by-period
// walk (a constant series would otherwise loop 2⁶⁴ times).
func TestOutOfSpecSchedules(t *testing.T) {
	flat := Schedule{InitialEpochEmission: 1, PeriodEpochs: 1, RatioBps: BPS, Cap: math.MaxUint64}
	assert.Equal(t, uint64(1), flat.EpochEmission(math.MaxUint64))
	assert.Equal(t, uint64(math.MaxUint64-1), flat.Cumulative(math.MaxUint64-1))
	assert.Equal(t, uint64(7), Schedule{InitialEpochEmission: 7, PeriodEpochs: 0, RatioBps: 5_000, Cap: 100}.Cumulative(1))
	// 2⁶³ × 3 does not fit 64 bits: truncated to 2⁶³ like Rust's `as u64`.
	grow := Schedule{InitialEpochEmission: 1 << 63, PeriodEpochs: 1, RatioBps: 30_000, Cap: math.MaxUint64}
	assert.Equal(t, uint64(1<<63), grow.EpochEmission(1))
	assert.Equal(t, uint64(math.MaxUint64), grow.Cumulative(2))
	var zero Schedule
	assert.Zero(t, zero.EpochEmission(5))
	assert.Zero(t, zero.Cumulative(5))
}

// reference is an independent, slow implementation over math/big.
func reference(s Schedule, epochs uint64) (emission []uint64, cumulative []uint64) {
	p := max(s.PeriodEpochs, 1)
	e := new(big.Int).SetUint64(s.InitialEpochEmission)
	total := new(big.Int)
	capB := new(big.Int).SetUint64(s.Cap)
	cumulative = append(cumulative, 0)
	for i := uint64(0); i < epochs; i++ {
		if i > 0 && i%p == 0 {
			e.Mul(e, big.NewInt(int64(s.RatioBps)))
			e.Quo(e, big.NewInt(BPS))
		}
		emission = append(emission, e.Uint64())
		total.Add(total, e)
		c := total
		if c.Cmp(capB) > 0 {
			c = capB
		}
		cumulative = append(cumulative, c.Uint64())
	}
	return emission, cumulative
}

func randomSchedule(r *rand.Rand) Schedule {
	return Schedule{
		InitialEpochEmission: 1 + r.Uint64N(1_000_000_000),
		PeriodEpochs:         1 + r.Uint64N(100_000),
		RatioBps:             uint16(1 + r.IntN(BPS-1)),
		Cap:                  1 + r.Uint64N(math.MaxUint64-1),
	}
}

// Cumulative emission is the sum of per-epoch emission (below the cap), never
// decreases, never exceeds the cap, and per-epoch emission never rises (the Rust
// side's proptest property, over a seeded generator of valid schedules).
func TestCumulativeIsTheCappedSumAndMonotone(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 2026))
	for range 2_000 {
		s := randomSchedule(r)
		start, n := r.Uint64N(1_000_000), 1+r.Uint64N(50)
		sum := s.Cumulative(start)
		for e := start; e < start+n; e++ {
			require.LessOrEqual(t, s.EpochEmission(e+1), s.EpochEmission(e), "%+v", s)
			next := s.Cumulative(e + 1)
			require.GreaterOrEqual(t, next, sum, "%+v", s)
			require.LessOrEqual(t, next, s.Cap, "%+v", s)
			want := new(big.Int).Add(new(big.Int).SetUint64(sum), new(big.Int).SetUint64(s.EpochEmission(e)))
			if want.Cmp(new(big.Int).SetUint64(s.Cap)) > 0 {
				want.SetUint64(s.Cap)
			}
			require.Equal(t, want.Uint64(), next, "%+v epoch %d", s, e)
			sum = next
		}
	}
}

// Small schedules from epoch 0 against the math/big reference, point by point.
func TestAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 2026))
	for range 300 {
		s := Schedule{
			InitialEpochEmission: r.Uint64N(1 << uint(r.IntN(64))),
			PeriodEpochs:         r.Uint64N(20),
			RatioBps:             uint16(r.IntN(BPS)),
			Cap:                  r.Uint64N(math.MaxUint64),
		}
		emission, cumulative := reference(s, 400)
		for e := range uint64(400) {
			require.Equal(t, emission[e], s.EpochEmission(e), "%+v E(%d)", s, e)
			require.Equal(t, cumulative[e], s.Cumulative(e), "%+v cumulative(%d)", s, e)
		}
		require.Equal(t, cumulative[400], s.Cumulative(400), "%+v", s)
	}
}
