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
	res, err := Measure(context.Background(), ReferenceBackend{}, c, 1)
	require.NoError(t, err)
	require.Positive(t, res.Elapsed)
	assert.Zero(t, res.RTT)
	assert.InDelta(t, c.Ops()/res.Elapsed.Seconds()/1e12, res.TOPS, 1e-9*res.TOPS)

	// A slower backend measures slower: the time is the prover's.
	slow := slowBackend{Backend: ReferenceBackend{}, delay: 50 * time.Millisecond}
	res2, err := Measure(context.Background(), slow, c, 1)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, res2.Elapsed, 50*time.Millisecond)
	assert.Less(t, res2.TOPS, c.Ops()/0.05/1e12)
}

func TestMeasureRefusesBadInput(t *testing.T) {
	bad := tiny
	bad.K = 15 // not 4N
	_, err := Measure(context.Background(), ReferenceBackend{}, bad, 1)
	require.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := tiny
	c.RefTime = time.Hour
	_, err = Measure(ctx, ReferenceBackend{}, c, 1)
	require.ErrorIs(t, err, context.Canceled)

	late := tiny
	late.RefTime = time.Nanosecond
	res, err := Measure(context.Background(), slowBackend{Backend: ReferenceBackend{}, delay: 2100 * time.Millisecond}, late, 1)
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
