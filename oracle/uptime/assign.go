package uptime

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"slices"
)

// Assign returns the m keepers with the highest rendezvous score
// H(beacon ‖ node ‖ keeper) for node, highest first. Every keeper computes the same
// set from public data, and adding or removing one keeper moves only the nodes it
// gains or loses.
func Assign(beacon [32]byte, node ed25519.PublicKey, keepers []ed25519.PublicKey, m int) []ed25519.PublicKey {
	type scored struct {
		key   ed25519.PublicKey
		score [32]byte
	}
	all := make([]scored, 0, len(keepers))
	for _, k := range keepers {
		h := sha256.New()
		h.Write(beacon[:])
		h.Write(node)
		h.Write(k)
		var s scored
		s.key = k
		h.Sum(s.score[:0])
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b scored) int {
		if c := bytes.Compare(b.score[:], a.score[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.key, b.key)
	})
	out := make([]ed25519.PublicKey, 0, min(m, len(all)))
	for _, s := range all[:min(m, len(all))] {
		out = append(out, s.key)
	}
	return out
}

// MedianBps is the median of per-keeper uptimes in basis points; for an even count
// the mean of the two middle values rounded down, so every implementation agrees.
// It returns 0 when there are no observations.
func MedianBps(values []uint32) uint32 {
	if len(values) == 0 {
		return 0
	}
	v := slices.Clone(values)
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return uint32((uint64(v[n/2-1]) + uint64(v[n/2])) / 2)
}
