package cuda

import (
	"crypto/sha256"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/ionet-network/ionet/oracle/pow"
)

var sha256K = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// compress is SHA-256's compression function over message words, as the row-hash
// kernel's loops compute it.
func compress(h *[8]uint32, block [16]uint32) {
	var w [64]uint32
	copy(w[:], block[:])
	for t := 16; t < 64; t++ {
		s0 := bits.RotateLeft32(w[t-15], -7) ^ bits.RotateLeft32(w[t-15], -18) ^ w[t-15]>>3
		s1 := bits.RotateLeft32(w[t-2], -17) ^ bits.RotateLeft32(w[t-2], -19) ^ w[t-2]>>10
		w[t] = s1 + w[t-7] + s0 + w[t-16]
	}
	a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
	for t := range 64 {
		t1 := hh + (bits.RotateLeft32(e, -6) ^ bits.RotateLeft32(e, -11) ^ bits.RotateLeft32(e, -25)) + (e&f ^ ^e&g) + sha256K[t] + w[t]
		t2 := (bits.RotateLeft32(a, -2) ^ bits.RotateLeft32(a, -13) ^ bits.RotateLeft32(a, -22)) + (a&b ^ a&c ^ b&c)
		hh, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
	}
	for i, v := range [8]uint32{a, b, c, d, e, f, g, hh} {
		h[i] += v
	}
}

var sha256IV = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

func digest(h [8]uint32) [32]byte {
	var out [32]byte
	for i, v := range h {
		binary.BigEndian.PutUint32(out[4*i:], v)
	}
	return out
}

func TestSHA256PaddingMatchesCryptoSHA256(t *testing.T) {
	for _, n := range []uint64{0, 1, 55, 56, 63, 64, 119, 120} {
		want := map[uint64]uint64{0: 1, 1: 1, 55: 1, 56: 2, 63: 2, 64: 2, 119: 2, 120: 3}[n]
		if got := sha256Blocks(n); got != want {
			t.Errorf("sha256Blocks(%d) = %d, want %d", n, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for n := range 300 {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte(rng.Uint32())
		}
		padded := sha256Pad(msg)
		if uint64(len(padded)) != 64*sha256Blocks(uint64(n)) {
			t.Fatalf("len %d: padded to %d bytes", n, len(padded))
		}
		h := sha256IV
		for b := 0; b < len(padded); b += 64 {
			var block [16]uint32
			for i := range block {
				block[i] = binary.BigEndian.Uint32(padded[b+4*i:])
			}
			compress(&h, block)
		}
		if digest(h) != sha256.Sum256(msg) {
			t.Fatalf("len %d: padding + compression differ from crypto/sha256", n)
		}
	}
}

// leafWord is message word g of the leaf of row idx as ionet_row_hash forms it.
func leafWord(g uint32, idx uint64, row []int32, pad leafPadding) uint32 {
	hi, lo := uint32(idx>>32), uint32(idx)
	entry := func(e uint32) uint32 {
		switch {
		case e < uint32(len(row)):
			return uint32(row[e])
		case e == uint32(len(row)):
			return 0x80
		}
		return 0
	}
	var w uint32
	switch g {
	case 0:
		w = hi >> 8
	case 1:
		w = hi<<24 | lo>>8
	default:
		carry := lo << 24
		if g >= 3 {
			carry = entry(g-3) >> 24 << 24
		}
		x := entry(g - 2)
		w = carry | (x&0xff)<<16 | x&0xff00 | x>>16&0xff
	}
	if g == 16*pad.blocks-1 {
		w |= pad.bits
	}
	return w
}

func TestLeafWordsArePaddedLeaf(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for n := 1; n < 70; n++ {
		row := make([]int32, n)
		for i := range row {
			row[i] = int32(rng.Uint32())
		}
		idx := rng.Uint64()
		pad, err := newLeafPadding(n)
		if err != nil {
			t.Fatal(err)
		}
		padded := sha256Pad(append([]byte{0}, pow.RowLeaf(int(idx), row)...))
		if 64*uint64(pad.blocks) != uint64(len(padded)) || uint64(pad.bits) != 8*leafBytes(n) {
			t.Fatalf("n %d: padding %+v for a %d-byte padded leaf", n, pad, len(padded))
		}
		h := sha256IV
		for b := range pad.blocks {
			var block [16]uint32
			for i := range block {
				g := 16*b + uint32(i)
				block[i] = leafWord(g, idx, row, pad)
				if want := binary.BigEndian.Uint32(padded[4*g:]); block[i] != want {
					t.Fatalf("n %d word %d: %#08x, padded leaf has %#08x", n, g, block[i], want)
				}
			}
			compress(&h, block)
		}
		if digest(h) != pow.RowHash(int(idx), row) {
			t.Fatalf("n %d: model digest differs from pow.RowHash", n)
		}
	}
}

func TestLeafPaddingLimits(t *testing.T) {
	// The bit length 8·(9+4n) must fit the kernel's 32-bit word: n ≤ 134217725.
	for _, n := range []int{0, -1, 134217726} {
		if _, err := newLeafPadding(n); err == nil {
			t.Errorf("n = %d accepted", n)
		}
	}
	if _, err := newLeafPadding(134217725); err != nil {
		t.Errorf("largest row refused: %v", err)
	}
}
