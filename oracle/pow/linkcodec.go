package pow

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"github.com/ionet-network/ionet/oracle/wire"
)

// An opened link C_t[i] travels bit-packed: its entries are ~2^19.5 in standard
// deviation at the GPU shape (K = 32768 int8 products of int8 terms), so every
// entry of a link fits in about 23 bits and packing saves 28 % of the 4N bytes a
// plain int32 encoding sends. That is what lets an opening of T = 32 links fit the
// 64 MiB wire limit (docs/proof-of-compute.md, "Opening size and keeper cost").
//
// Encoding of one link of n entries:
//
//	n (u32 BE) ‖ w (u8, 1…32) ‖ ⌈n·w/8⌉ bytes
//
// where each entry is its low w bits (two's complement), least significant bit
// first, packed from bit 0 of the first byte on; the last byte's unused high bits
// are zero. w is the least width that holds every entry, so the encoding is
// canonical: a decoder refuses any other width and any nonzero padding.

// GPULinkWidth is the width the links of a GPU class's chain need (K = 32768,
// N = 8192: measured 23 on every link of TestLinkWidthAtTheGPUShape and of two
// 32-link rows); the opening sizes in docs/proof-of-compute.md use it.
const GPULinkWidth = 23

// LinkWidth is the least w in 1…32 such that every entry of c is a w-bit two's
// complement number (1 for an empty or all-zero link).
func LinkWidth(c []int32) int {
	var or uint32
	for _, v := range c {
		or |= uint32(v ^ (v >> 31)) // |v| for v ≥ 0, −v−1 for v < 0: the magnitude bits
	}
	return bits.Len32(or) + 1
}

// PackedLinkSize is the encoded bytes of a link of n entries at width w.
func PackedLinkSize(n, w int) int { return 4 + 1 + (n*w+7)/8 }

func writeLink(w *wire.Writer, c []int32) {
	width := LinkWidth(c)
	w.U32(uint32(len(c)))
	w.U8(uint8(width))
	out := make([]byte, 0, (len(c)*width+7)/8)
	mask := uint64(1)<<width - 1
	var acc uint64
	held := 0
	for _, v := range c {
		acc |= (uint64(uint32(v)) & mask) << held
		held += width
		for held >= 8 {
			out = append(out, byte(acc))
			acc >>= 8
			held -= 8
		}
	}
	if held > 0 {
		out = append(out, byte(acc))
	}
	w.Fixed(out)
}

// readLink decodes one link of at most maxEntries entries, refusing non-canonical
// widths and padding with wire.ErrPayload.
func readLink(r *wire.Reader, maxEntries int) []int32 {
	n := r.U32("link entries")
	width := int(r.U8("link width"))
	if uint64(n) > uint64(maxEntries) {
		r.Fail(fmt.Errorf("link of %d entries, at most %d: %w", n, maxEntries, wire.ErrPayload))
		return nil
	}
	if width < 1 || width > 32 {
		r.Fail(fmt.Errorf("link width %d outside 1…32: %w", width, wire.ErrPayload))
		return nil
	}
	size := (int(n)*width + 7) / 8
	packed := make([]byte, size+8) // 8 spare zero bytes: every entry is one 64-bit load
	r.Fixed(packed[:size], "link entries")
	c := make([]int32, n)
	mask := uint64(1)<<width - 1
	shift := 32 - width
	for j := range c {
		bit := j * width
		x := binary.LittleEndian.Uint64(packed[bit>>3:]) >> (bit & 7) // width + 7 ≤ 39 bits
		c[j] = int32(uint32(x&mask)<<shift) >> shift                  // sign-extend the low w bits
	}
	var acc uint64
	if used := int(n) * width % 8; used != 0 {
		acc = uint64(packed[size-1]) >> used
	}
	switch {
	case acc != 0:
		r.Fail(fmt.Errorf("link padding bits %#x are not zero: %w", acc, wire.ErrPayload))
	case LinkWidth(c) != width:
		r.Fail(fmt.Errorf("link packed at width %d, its entries need %d: %w", width, LinkWidth(c), wire.ErrPayload))
	}
	return c
}
