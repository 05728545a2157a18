package txm

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		n           int
		first, max  time.Duration
		want        time.Duration
		description string
	}{
		{0, 100 * time.Millisecond, 2 * time.Second, 100 * time.Millisecond, "first retry waits first"},
		{1, 100 * time.Millisecond, 2 * time.Second, 200 * time.Millisecond, "doubles"},
		{4, 100 * time.Millisecond, 2 * time.Second, 1600 * time.Millisecond, "still under the cap"},
		{5, 100 * time.Millisecond, 2 * time.Second, 2 * time.Second, "capped"},
		{1000, 100 * time.Millisecond, 2 * time.Second, 2 * time.Second, "large n stays capped"},
		{-3, 100 * time.Millisecond, 2 * time.Second, 100 * time.Millisecond, "negative n is the first retry"},
		{3, 0, 2 * time.Second, 0, "zero first"},
		{3, -time.Second, 2 * time.Second, 0, "negative first"},
		{0, time.Second, time.Millisecond, time.Millisecond, "max below first"},
		{62, 1, math.MaxInt64, 1 << 62, "the largest power of two"},
		{63, 1, math.MaxInt64, math.MaxInt64, "no overflow past it"},
		{2, time.Second, time.Second, time.Second, "first equals max"},
	} {
		assert.Equal(t, c.want, Backoff(c.n, c.first, c.max), c.description)
	}
}
