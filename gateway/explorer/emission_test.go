package explorer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/emission"
)

// The default schedule (docs/rewards.md): 856,164,383,561 base units per hourly
// epoch, halving every 17,520 epochs, capped at 300M $IO.
var defaultSchedule = emission.Schedule{InitialEpochEmission: 856_164_383_561, PeriodEpochs: 17_520, RatioBps: 5_000,
	Cap: 300_000_000 * 100_000_000}

func TestHalvingsAreThePeriodBoundariesWithTheNewRate(t *testing.T) {
	h := Halvings(defaultSchedule, 6*17_520)
	require.Len(t, h, 6)
	for i, v := range h {
		k := uint64(i + 1)
		assert.Equal(t, k*17_520, v.Epoch)
		assert.Equal(t, Amount(defaultSchedule.EpochEmission(k*17_520)), v.EpochEmission)
		// Each period emits half the previous one's per epoch, rounded down.
		assert.Equal(t, Amount(defaultSchedule.EpochEmission(k*17_520-1)/2), v.EpochEmission)
	}
	assert.Equal(t, Amount(428_082_191_780), h[0].EpochEmission)
	assert.Empty(t, Halvings(defaultSchedule, 17_519), "no boundary before the first period ends")
	assert.Empty(t, Halvings(emission.Schedule{InitialEpochEmission: 1, Cap: 10}, 1_000), "no periods, no halvings")
}

func TestSchedulePointsFollowTheCumulativeScheduleAndMarkEveryHalving(t *testing.T) {
	horizon := uint64(6 * 17_520)
	pts := SchedulePoints(defaultSchedule, horizon, 240)
	require.NotEmpty(t, pts)
	assert.Equal(t, uint64(0), pts[0].Epoch)
	assert.Equal(t, Amount(0), pts[0].Cumulative)
	assert.Equal(t, horizon, pts[len(pts)-1].Epoch)
	seen := map[uint64]bool{}
	for i, p := range pts {
		assert.Equal(t, Amount(defaultSchedule.Cumulative(p.Epoch)), p.Cumulative, "epoch %d", p.Epoch)
		if i > 0 {
			assert.Greater(t, p.Epoch, pts[i-1].Epoch, "strictly increasing epochs")
			assert.GreaterOrEqual(t, p.Cumulative, pts[i-1].Cumulative, "cumulative never goes down")
		}
		seen[p.Epoch] = true
	}
	for _, h := range Halvings(defaultSchedule, horizon) {
		assert.True(t, seen[h.Epoch], "halving at epoch %d is a point of the curve", h.Epoch)
	}
	// After one period the schedule emitted E0 × P; after six, the series' sum of
	// 300M × (1 − 2⁻⁶) (less rounding), never the cap.
	assert.Equal(t, Amount(856_164_383_561*17_520), pts[len(pts)/6].Cumulative)
	last := uint64(pts[len(pts)-1].Cumulative)
	assert.Less(t, last, defaultSchedule.Cap)
	assert.InDelta(t, float64(defaultSchedule.Cap)*(1-1.0/64), float64(last), float64(defaultSchedule.Cap)*1e-6)
}

func TestSchedulePointsOnAShortHorizonStillHaveBothEnds(t *testing.T) {
	pts := SchedulePoints(defaultSchedule, 3, 240)
	epochs := []uint64{}
	for _, p := range pts {
		epochs = append(epochs, p.Epoch)
	}
	assert.Equal(t, []uint64{0, 1, 2, 3}, epochs)
	assert.Equal(t, Amount(3*856_164_383_561), pts[3].Cumulative)
}

func TestAmountIsADecimalStringInJSON(t *testing.T) {
	b, err := Amount(80_000_000_000_000_001).MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `"80000000000000001"`, string(b))
	var a Amount
	require.NoError(t, a.UnmarshalJSON(b))
	assert.Equal(t, Amount(80_000_000_000_000_001), a)
	assert.Error(t, a.UnmarshalJSON([]byte(`12`)))
}

// A short period (a localnet's --halving-epochs) halves down to nothing; the marks
// stop at the first period that emits nothing.
func TestHalvingsStopWhenThePeriodEmitsNothing(t *testing.T) {
	s := emission.Schedule{InitialEpochEmission: 8, PeriodEpochs: 2, RatioBps: 5_000, Cap: 1_000}
	assert.Equal(t, []Halving{{2, 4}, {4, 2}, {6, 1}, {8, 0}}, Halvings(s, 1_000))
	pts := SchedulePoints(s, 12, 6)
	want := []SchedulePoint{{0, 0}, {2, 16}, {4, 24}, {6, 28}, {8, 30}, {10, 30}, {12, 30}}
	assert.Equal(t, want, pts)
}
