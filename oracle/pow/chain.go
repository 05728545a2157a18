package pow

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// The challenge is a chain of row-local products (docs/proof-of-compute.md):
//
//	A₀[i]      = row i of A from the seed (K int8)
//	C_t[i]     = A_t[i]·B, N int32, t = 0…T−1
//	A_{t+1}[i] = the 4N = K little-endian bytes of C_t[i], read as int8
//
// and the commitment hashes only C_{T−1}[i] (RowHash). Chaining divides what is
// generated and hashed per operation by T, and because the next A is C's own bytes
// a device needs no pass between two products: the GEMM's int32 output buffer is
// the next GEMM's int8 input. The opening of a row is every C_t[i]; the keeper checks
// each link with Freivalds and the last against the Merkle root.

// NextA writes A_{t+1} = the little-endian bytes of c (len(dst) = 4·len(c)).
func NextA(dst []int8, c []int32) {
	if len(dst) != 4*len(c) {
		panic(fmt.Sprintf("pow: next A of %d bytes from %d entries", len(dst), len(c)))
	}
	if nativeLittleEndian {
		copy(dst, linkBytes(c))
		return
	}
	b := bytesOf(dst)
	for j, v := range c {
		binary.LittleEndian.PutUint32(b[4*j:], uint32(v))
	}
}

// linkBytes views c as int8 in memory order; on a little-endian host that is A_{t+1}.
func linkBytes(c []int32) []int8 {
	if len(c) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&c[0])), 4*len(c))
}

var nativeLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// Chain runs the T links of rows rows on gm: a holds A₀ (rows×K) and is used as
// scratch; links receives each C_t (T slices of rows×N). K must be 4N when T > 1.
func Chain(gm GEMM, a []int8, rows, k, n int, links [][]int32) error {
	if (len(links) > 1 && k != 4*n) || len(a) != rows*k {
		return fmt.Errorf("chain: %d bytes of A for %d rows, K %d, N %d", len(a), rows, k, n)
	}
	for t, c := range links {
		if len(c) != rows*n {
			return fmt.Errorf("chain link %d: %d entries for %d rows of %d", t, len(c), rows, n)
		}
		if t > 0 {
			NextA(a, links[t-1])
		}
		if err := gm.Mul(c, a, rows); err != nil {
			return fmt.Errorf("chain link %d: %w", t, err)
		}
	}
	return nil
}

// ChainReference computes the T links of rows first… from the seed with
// MulReference: the definition backends and keepers are tested against.
func ChainReference(seed Seed, b []int8, first, rows, k, n, t int) [][]int32 {
	gen := NewGenerator(seed)
	a := make([]int8, rows*k)
	gen.Rows(MatrixA, first, rows, k, a)
	links := make([][]int32, t)
	for l := range links {
		if l > 0 {
			NextA(a, links[l-1])
		}
		links[l] = MulReference(a, b, rows, k, n)
	}
	return links
}
