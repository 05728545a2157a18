package txm

import "time"

// Backoff is the wait before retry n (0 for the first retry): first·2ⁿ, capped at
// max. It is 0 when first ≤ 0, and max when max < first; negative n counts as 0.
func Backoff(n int, first, max time.Duration) time.Duration {
	if first <= 0 {
		return 0
	}
	if max < first {
		return max
	}
	d := first
	for i := 0; i < n; i++ {
		if d > max/2 { // doubling would pass max (or overflow)
			return max
		}
		d *= 2
	}
	return d
}
