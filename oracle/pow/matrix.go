package pow

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"unsafe"
)

// Matrix names one of the two generated operands.
type Matrix uint8

// The generated operands; the value is the first IV byte, separating their streams.
const (
	MatrixA Matrix = 0
	MatrixB Matrix = 1
)

// Generator produces rows of A and B from a seed with AES-256-CTR. Each row has its
// own counter block — IV = matrix ‖ 0 0 0 ‖ row (u32 BE) ‖ block counter (u64 BE,
// from 0) — so any row is regenerated alone, which is what lets a keeper check a
// few rows without the whole matrix. Keystream bytes are the int8 entries, so every
// value −128…127 occurs, the −128 edge included.
type Generator struct {
	block cipher.Block
}

// NewGenerator keys a generator with the seed.
func NewGenerator(seed Seed) *Generator {
	b, err := aes.NewCipher(seed[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	return &Generator{block: b}
}

// Row fills dst with row i of matrix m (len(dst) = row length). Safe for
// concurrent use.
func (g *Generator) Row(m Matrix, i int, dst []int8) {
	var iv [aes.BlockSize]byte
	iv[0] = byte(m)
	binary.BigEndian.PutUint32(iv[4:], uint32(i))
	buf := bytesOf(dst)
	clear(buf)
	cipher.NewCTR(g.block, iv[:]).XORKeyStream(buf, buf)
}

// Rows fills dst (rows×cols, row-major) with rows first, first+1, … of m.
func (g *Generator) Rows(m Matrix, first, rows, cols int, dst []int8) {
	for r := range rows {
		g.Row(m, first+r, dst[r*cols:(r+1)*cols])
	}
}

// bytesOf views int8 entries as bytes; the keystream is defined on bytes.
func bytesOf(s []int8) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s))
}
