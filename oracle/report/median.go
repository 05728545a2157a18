package report

import (
	"cmp"
	"slices"
)

// LowerMedian is the middle value, or the lower of the two middle ones, and false
// for no values (io-protocol's lower_median): a node's TOPS and uptime over its
// keepers' logs, and the epoch's IO/USD price over the votes that made the quorum.
// The input is not modified.
func LowerMedian[T cmp.Ordered](values []T) (T, bool) {
	if len(values) == 0 {
		var zero T
		return zero, false
	}
	v := slices.Clone(values)
	slices.Sort(v)
	return v[(len(v)-1)/2], true
}
