package pow

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Measure times a real commitment the way a keeper does: the result's TOPS is the
// class's operations over the keeper's elapsed time, which covers the prover's work.
func TestMeasureTimesACommitment(t *testing.T) {
	c := tiny
	c.RefTime = time.Hour // not late on a slow machine
	res, err := Measure(context.Background(), ReferenceBackend{}, c, MeasureConfig{Workers: 1})
	require.NoError(t, err)
	require.Positive(t, res.Elapsed)
	assert.Zero(t, res.RTT)
	assert.InDelta(t, c.Ops()/res.Elapsed.Seconds()/1e12, res.TOPS, 1e-9*res.TOPS)

	// A slower backend measures slower: the time is the prover's.
	slow := slowBackend{Backend: ReferenceBackend{}, delay: 50 * time.Millisecond}
	res2, err := Measure(context.Background(), slow, c, MeasureConfig{Workers: 1})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res2.Elapsed, 50*time.Millisecond)
	assert.Less(t, res2.TOPS, c.Ops()/0.05/1e12)
	assert.Zero(t, res2.Opening, "nothing opened without Verify")
}

// With Verify the keeper's sample is opened and checked: an honest backend passes,
// a backend whose products are wrong is refused by the keeper, after its commitment
// was on time.
func TestMeasureVerifies(t *testing.T) {
	c := tiny
	c.RefTime = time.Hour
	res, err := Measure(context.Background(), ReferenceBackend{}, c, MeasureConfig{Workers: 1, Verify: true})
	require.NoError(t, err)
	assert.Positive(t, res.Opening)
	assert.Positive(t, res.Block)
	_, err = Measure(context.Background(), wrongBackend{}, c, MeasureConfig{Workers: 1, Verify: true})
	require.ErrorIs(t, err, ErrWrongRow)
	_, err = Measure(context.Background(), wrongBackend{}, c, MeasureConfig{Workers: 1})
	require.NoError(t, err, "without Verify only the timing is measured")
}

// wrongBackend's products are off by one in their first entry.
type wrongBackend struct{ ReferenceBackend }

func (w wrongBackend) NewGEMM(b []int8, k, n int) (GEMM, error) {
	g, err := w.ReferenceBackend.NewGEMM(b, k, n)
	return wrongGEMM{g}, err
}

type wrongGEMM struct{ GEMM }

func (w wrongGEMM) Mul(c []int32, a []int8, m int) error {
	if err := w.GEMM.Mul(c, a, m); err != nil {
		return err
	}
	for r := range m {
		c[r*(len(c)/m)]++
	}
	return nil
}

func TestMeasureRefusesBadInput(t *testing.T) {
	bad := tiny
	bad.K = 15 // not 4N
	_, err := Measure(context.Background(), ReferenceBackend{}, bad, MeasureConfig{Workers: 1})
	require.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := tiny
	c.RefTime = time.Hour
	_, err = Measure(ctx, ReferenceBackend{}, c, MeasureConfig{Workers: 1})
	require.ErrorIs(t, err, context.Canceled)

	late := tiny
	late.RefTime = time.Nanosecond
	res, err := Measure(context.Background(), slowBackend{Backend: ReferenceBackend{}, delay: 2100 * time.Millisecond}, late, MeasureConfig{Workers: 1})
	require.ErrorIs(t, err, ErrLate)
	assert.Greater(t, res.Elapsed, res.Deadline)
}

// slowBackend delays the creation of every GEMM.
type slowBackend struct {
	Backend
	delay time.Duration
}

func (s slowBackend) NewGEMM(b []int8, k, n int) (GEMM, error) {
	time.Sleep(s.delay)
	return s.Backend.NewGEMM(b, k, n)
}
