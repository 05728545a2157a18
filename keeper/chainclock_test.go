package keeper

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Epoch boundaries are chain time; the duty runs on the keeper's clock. The offset
// follows a chain whose clock runs ahead (a warped localnet: two hours), ignores the
// sysvar's whole-second rounding, and follows a real step back.
func TestChainClockOffset(t *testing.T) {
	c := &challenges{}
	local := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	chainStart := local.Add(2 * time.Hour)

	c.chainClock(chainStart.Unix(), local)
	assert.Equal(t, local.Add(-500*time.Millisecond), c.localTime(chainStart), "read at local, the chain's second began half a second earlier")

	// Readings a fraction of a second either way (the second ticked, or not yet)
	// leave the estimate where it is.
	before := c.localTime(chainStart)
	c.chainClock(chainStart.Unix(), local.Add(900*time.Millisecond))
	c.chainClock(chainStart.Unix()+1, local.Add(300*time.Millisecond))
	assert.Equal(t, before, c.localTime(chainStart))

	// The chain's clock stepping back by a minute moves the estimate.
	c.chainClock(chainStart.Unix()-60, local)
	assert.Equal(t, before.Add(time.Minute), c.localTime(chainStart))
}
