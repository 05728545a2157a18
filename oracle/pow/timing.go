package pow

import (
	"time"

	"github.com/ionet-network/ionet/oracle/classes"
)

// Clock is the keeper's time source; tests inject a simulated one.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Timing rule constants (docs/design.md §7).
const (
	DeadlineFactor      = 1.25 // slack over the class reference time
	MinNetworkAllowance = 2 * time.Second
	FlagFactor          = 1.05 // TOPS above this × dense peak is flagged
)

// Deadline is 1.25 × T_ref(class) + max(2 s, 2 × RTT): a device of the class at
// reference efficiency fits with 25% to spare, network latency never decides.
func Deadline(c classes.Class, rtt time.Duration) time.Duration {
	return time.Duration(DeadlineFactor*float64(c.RefTime)) + max(MinNetworkAllowance, 2*rtt)
}

// TOPS is ops / (elapsed − RTT) in tera-operations per second. An answer that came
// back no later than one round trip has no measurable compute time: +Inf, which the
// flag rule catches.
func TOPS(c classes.Class, elapsed, rtt time.Duration) float64 {
	compute := elapsed - rtt
	if compute <= 0 {
		return inf
	}
	return c.Ops() / compute.Seconds() / 1e12
}

// Flagged reports a throughput no device of the class can reach.
func Flagged(c classes.Class, tops float64) bool {
	return tops > FlagFactor*c.DensePeakTOPS
}
