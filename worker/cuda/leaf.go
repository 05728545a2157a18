package cuda

import (
	"fmt"
	"math"
)

// The row-hash kernel (ionet_row_hash in kernels.ptx) hashes the Merkle leaf of a row
// of C, SHA256(0x00 ‖ row index (u64 BE) ‖ entries (int32 LE)), without building the
// message: it produces the message words straight from C. It is told how many
// 64-byte blocks the padded message has and its length in bits, both computed here.

// leafBytes is the length of the hashed message for a row of n entries: the 0x00
// domain byte, the 8-byte index and 4 bytes per entry.
func leafBytes(n int) uint64 { return 1 + 8 + 4*uint64(n) }

// sha256Blocks is the number of 64-byte blocks SHA-256 compresses for a message of
// msgLen bytes: the message, the 0x80 byte, zeros, and the 8-byte bit length.
func sha256Blocks(msgLen uint64) uint64 { return (msgLen + 1 + 8 + 63) / 64 }

// leafPadding is what the row-hash kernel needs to know about a row of n entries.
type leafPadding struct {
	blocks uint32 // 64-byte blocks after padding
	bits   uint32 // message length in bits; the high word of the length is 0
}

func newLeafPadding(n int) (leafPadding, error) {
	if n <= 0 {
		return leafPadding{}, fmt.Errorf("row hash: %d entries per row", n)
	}
	l := leafBytes(n)
	// The kernel keeps the bit length and the word counter in 32 bits.
	if 8*l > math.MaxUint32 || 16*sha256Blocks(l) > math.MaxUint32 {
		return leafPadding{}, fmt.Errorf("row hash: %d entries per row is too long", n)
	}
	return leafPadding{blocks: uint32(sha256Blocks(l)), bits: uint32(8 * l)}, nil
}

// sha256Pad returns msg padded as FIPS 180-4 §5.1.1 says; the row-hash kernel writes
// these bytes implicitly and the tests prove the two agree.
func sha256Pad(msg []byte) []byte {
	n := sha256Blocks(uint64(len(msg)))
	out := make([]byte, 64*n)
	copy(out, msg)
	out[len(msg)] = 0x80
	bits := 8 * uint64(len(msg))
	for i := range 8 {
		out[len(out)-1-i] = byte(bits >> (8 * i))
	}
	return out
}
