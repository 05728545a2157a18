package cuda

import (
	"encoding/binary"

	"github.com/ionet-network/ionet/oracle/pow"
)

// The PRF kernel (ionet_prf_rows in kernels.ptx) runs AES-256 with one 256-entry
// table: te0[x] = 2·S(x) ‖ S(x) ‖ S(x) ‖ 3·S(x) as a big-endian word. The other three
// round tables are its rotations and the last round's S-box is its byte 2, so one
// kilobyte staged in shared memory is the whole cipher. The host computes the table and
// the key schedule and uploads both as aesWords little-endian words: te0 first, then
// the 60 round-key words.
const (
	aesRounds    = 14
	aesKeyWords  = 4 * (aesRounds + 1) // 60
	aesTableLen  = 256
	aesWords     = aesTableLen + aesKeyWords
	aesParamSize = 4 * aesWords // bytes uploaded per seed
)

// sbox is the AES S-box, computed from its definition (inverse in GF(2⁸), then the
// affine map) rather than typed in, so there is no table to mistype.
var sbox = func() [256]byte {
	var s [256]byte
	for x := range 256 {
		inv := byte(0)
		if x != 0 {
			// x^254 = x⁻¹ in GF(2⁸).
			inv = 1
			for range 254 {
				inv = gmul(inv, byte(x))
			}
		}
		b := inv
		s[x] = b ^ rotl8(b, 1) ^ rotl8(b, 2) ^ rotl8(b, 3) ^ rotl8(b, 4) ^ 0x63
	}
	return s
}()

func rotl8(b byte, n uint) byte { return b<<n | b>>(8-n) }

// gmul multiplies in GF(2⁸) modulo x⁸+x⁴+x³+x+1.
func gmul(a, b byte) byte {
	var p byte
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1b
		}
		b >>= 1
	}
	return p
}

// te0 is the first encryption round table.
var te0 = func() [256]uint32 {
	var t [256]uint32
	for x, s := range sbox {
		t[x] = uint32(gmul(s, 2))<<24 | uint32(s)<<16 | uint32(s)<<8 | uint32(gmul(s, 3))
	}
	return t
}()

// expandKey is the AES-256 key schedule (FIPS-197 §5.2): 60 big-endian words.
func expandKey(key pow.Seed) [aesKeyWords]uint32 {
	var w [aesKeyWords]uint32
	for i := range 8 {
		w[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	rcon := uint32(1)
	for i := 8; i < aesKeyWords; i++ {
		t := w[i-1]
		switch i % 8 {
		case 0:
			t = subWord(t<<8|t>>24) ^ rcon<<24
			rcon = uint32(gmul(byte(rcon), 2))
		case 4:
			t = subWord(t)
		}
		w[i] = w[i-8] ^ t
	}
	return w
}

func subWord(w uint32) uint32 {
	return uint32(sbox[w>>24])<<24 | uint32(sbox[w>>16&0xff])<<16 | uint32(sbox[w>>8&0xff])<<8 | uint32(sbox[w&0xff])
}

// aesParams is the buffer the PRF kernel reads for one seed, in device byte order.
func aesParams(seed pow.Seed) []byte {
	out := make([]byte, 0, aesParamSize)
	for _, v := range te0 {
		out = binary.LittleEndian.AppendUint32(out, v)
	}
	for _, v := range expandKey(seed) {
		out = binary.LittleEndian.AppendUint32(out, v)
	}
	return out
}
