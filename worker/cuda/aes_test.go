package cuda

import (
	"crypto/aes"
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ionet-network/ionet/oracle/pow"
)

// encryptModel is ionet_prf_rows's cipher step by step, reading the uploaded
// buffer as the kernel does: te0 by index, Te1…Te3 as its rotations, S-box as its
// byte 2, round keys from word 256 on.
func encryptModel(buf []uint32, s [4]uint32) [4]uint32 {
	te := buf[:aesTableLen]
	rk := buf[aesTableLen:]
	for i := range s {
		s[i] ^= rk[i]
	}
	for r := 1; r <= 13; r++ {
		var t [4]uint32
		for k := range 4 {
			t[k] = rk[4*r+k] ^ te[s[k]>>24] ^ bits.RotateLeft32(te[s[(k+1)%4]>>16&0xff], -8) ^
				bits.RotateLeft32(te[s[(k+2)%4]>>8&0xff], -16) ^ bits.RotateLeft32(te[s[(k+3)%4]&0xff], -24)
		}
		s = t
	}
	var out [4]uint32
	for k := range 4 {
		for j := range 4 {
			pos := 24 - 8*j
			out[k] |= (te[s[(k+j)%4]>>pos&0xff] >> 16 & 0xff) << pos
		}
		out[k] ^= rk[56+k]
	}
	return out
}

func paramWords(b []byte) []uint32 {
	w := make([]uint32, len(b)/4)
	for i := range w {
		w[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return w
}

func TestSboxAndTable(t *testing.T) {
	// FIPS-197 figure 7 entries and Go's te0[0].
	for x, want := range map[int]byte{0x00: 0x63, 0x01: 0x7c, 0x53: 0xed, 0xff: 0x16} {
		if sbox[x] != want {
			t.Errorf("S(%#x) = %#x, want %#x", x, sbox[x], want)
		}
	}
	if te0[0] != 0xc66363a5 {
		t.Errorf("te0[0] = %#x", te0[0])
	}
}

func TestCipherModelMatchesCryptoAES(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		var key pow.Seed
		for i := range key {
			key[i] = byte(rng.Uint32())
		}
		var in [16]byte
		for i := range in {
			in[i] = byte(rng.Uint32())
		}
		c, err := aes.NewCipher(key[:])
		if err != nil {
			t.Fatal(err)
		}
		var want [16]byte
		c.Encrypt(want[:], in[:])
		buf := aesParams(key)
		if len(buf) != aesParamSize {
			t.Fatalf("aesParams has %d bytes, want %d", len(buf), aesParamSize)
		}
		var s [4]uint32
		for i := range s {
			s[i] = binary.BigEndian.Uint32(in[4*i:])
		}
		out := encryptModel(paramWords(buf), s)
		var got [16]byte
		for i, w := range out {
			binary.BigEndian.PutUint32(got[4*i:], w)
		}
		if got != want {
			t.Fatalf("key %x block %x: model %x, crypto/aes %x", key, in, got, want)
		}
	}
}

// prfModel is ionet_prf_rows over a whole launch: thread gid makes counter block
// gid mod bpr of row gid / bpr and writes its bytes, zero at or past cols.
func prfModel(l launch, dst []byte, params []byte) {
	matrix, first, rows, cols, ld := uint32(l.args[2]), uint32(l.args[3]), uint32(l.args[4]), uint32(l.args[5]), uint32(l.args[6])
	bpr := (ld + 15) / 16
	for gid := range l.grid * l.block {
		if gid >= rows*bpr {
			continue
		}
		row, blk := gid/bpr, gid%bpr
		ks := encryptModel(paramWords(params), [4]uint32{matrix << 24, first + row, 0, blk})
		for j := range uint32(16) {
			pos := blk*16 + j
			if pos >= ld {
				break
			}
			v := byte(ks[j/4] >> (24 - 8*(j%4)))
			if pos >= cols {
				v = 0
			}
			dst[row*ld+pos] = v
		}
	}
}

func TestPRFModelMatchesGenerator(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for range 30 {
		var seed pow.Seed
		for i := range seed {
			seed[i] = byte(rng.Uint32())
		}
		m := pow.Matrix(rng.IntN(2))
		first, rows, cols := rng.IntN(1<<20), 1+rng.IntN(9), 1+rng.IntN(70)
		ld := roundUp4(cols) + 4*rng.IntN(3)
		l, err := prfLaunch(0, 0, m, first, rows, cols, ld)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, rows*ld)
		prfModel(l, got, aesParams(seed))
		if want := expectRows(pow.NewGenerator(seed), m, first, rows, cols, ld); !slices.Equal(got, want) {
			t.Fatalf("matrix %d rows %d+%d cols %d ld %d: model and generator differ", m, first, rows, cols, ld)
		}
	}
}
