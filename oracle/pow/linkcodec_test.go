package pow

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/wire"
)

func encodeLink(c []int32) []byte {
	var w wire.Writer
	writeLink(&w, c)
	return w.Bytes()
}

func decodeLink(b []byte, maxEntries int) ([]int32, error) {
	r := wire.NewReader(b)
	c := readLink(r, maxEntries)
	return c, r.Done()
}

func TestLinkWidth(t *testing.T) {
	for _, tc := range []struct {
		c []int32
		w int
	}{
		{nil, 1}, {[]int32{0}, 1}, {[]int32{-1}, 1}, {[]int32{1}, 2}, {[]int32{-2}, 2},
		{[]int32{-3}, 3}, {[]int32{127, -128}, 8}, {[]int32{128}, 9}, {[]int32{-129}, 9},
		{[]int32{1<<22 - 1}, 23}, {[]int32{-1 << 22}, 23}, {[]int32{1 << 22}, 24},
		{[]int32{math.MaxInt32}, 32}, {[]int32{math.MinInt32}, 32}, {[]int32{0, 5, -70000}, 18},
	} {
		assert.Equal(t, tc.w, LinkWidth(tc.c), "%v", tc.c)
	}
}

// Every width and length round-trips, at the exact size PackedLinkSize gives, with
// the extremes of each width included.
func TestLinkRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for width := 1; width <= 32; width++ {
		lo, hi := -int64(1)<<(width-1), int64(1)<<(width-1)-1
		for _, n := range []int{1, 2, 3, 7, 8, 9, 63, 1000} {
			c := make([]int32, n)
			for j := range c {
				c[j] = int32(lo + rng.Int64N(hi-lo+1))
			}
			c[rng.IntN(n)] = int32(lo) // the width is reached
			if n > 1 {
				c[rng.IntN(n)] = int32(hi)
			}
			b := encodeLink(c)
			require.Len(t, b, PackedLinkSize(n, width), "width %d, %d entries", width, n)
			back, err := decodeLink(b, n)
			require.NoError(t, err)
			require.Equal(t, c, back, "width %d, %d entries", width, n)
		}
	}
	back, err := decodeLink(encodeLink(nil), 0)
	require.NoError(t, err)
	assert.Empty(t, back)
}

func TestLinkDecodingRefusesNonCanonicalAndTruncated(t *testing.T) {
	good := encodeLink([]int32{5, -3, 1}) // width 4, 12 bits in 2 bytes
	require.Equal(t, []byte{0, 0, 0, 3, 4, 0xd5, 0x01}, good)
	for name, b := range map[string][]byte{
		"width 0":           {0, 0, 0, 3, 0, 0xd5, 0x01},
		"width 33":          {0, 0, 0, 3, 33, 0xd5, 0x01},
		"wider than needed": {0, 0, 0, 3, 5, 0xa5, 0x07},
		"padding bits set":  {0, 0, 0, 3, 4, 0xd5, 0x11},
		"truncated":         {0, 0, 0, 3, 4, 0xd5},
		"no width":          {0, 0, 0, 3},
		"too many entries":  {0, 0, 0, 9, 4, 0, 0, 0, 0, 0},
	} {
		_, err := decodeLink(b, 8)
		assert.ErrorIs(t, err, wire.ErrPayload, name)
	}
	back, err := decodeLink([]byte{0, 0, 0, 3, 5, 0xa5, 0x07}[:7], 8)
	assert.Equal(t, []int32{5, -3, 1}, back, "the wider encoding holds the same entries")
	assert.ErrorIs(t, err, wire.ErrPayload)
	_, err = decodeLink(good, 2)
	assert.ErrorIs(t, err, wire.ErrPayload, "more entries than allowed")
}

// At the GPU shape a link's entries need about 23 bits (their standard deviation
// is ~2^19.5), which is what docs/proof-of-compute.md sizes openings with.
func TestLinkWidthAtTheGPUShape(t *testing.T) {
	const k, n, links = classes.GPUK, classes.GPUN, 3
	seed := Seed{7}
	b := make([]int8, k*n)
	NewGenerator(seed).Rows(MatrixB, 0, k, n, b)
	for l, c := range ChainReference(seed, b, 12345, 1, k, n, links) {
		w := LinkWidth(c)
		t.Logf("link %d: width %d bits, %d of %d plain bytes", l, w, PackedLinkSize(n, w), 4+4*n)
		assert.InDelta(t, GPULinkWidth, w, 1, "link %d", l)
	}
}

// BenchmarkLinkCodec: one GPU link (8192 entries of 23 bits) packed and unpacked;
// a keeper unpacks s·T = 1024 of them per h100-sxm challenge.
func BenchmarkLinkCodec(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	c := make([]int32, classes.GPUN)
	for j := range c {
		c[j] = int32(rng.NormFloat64() * math.Exp2(19.5))
	}
	packed := encodeLink(c)
	b.Logf("width %d: %d bytes", LinkWidth(c), len(packed))
	b.Run("write", func(b *testing.B) {
		b.SetBytes(int64(4 * len(c)))
		for b.Loop() {
			encodeLink(c)
		}
	})
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(4 * len(c)))
		for b.Loop() {
			if _, err := decodeLink(packed, len(c)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// Canonical: whatever bytes decode re-encode to exactly those bytes, so one set of
// openings has one encoding. Run longer with go test -fuzz FuzzLinkCanonical.
func FuzzLinkCanonical(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 4, 0xd5, 0x01})
	f.Add([]byte{0, 0, 0, 3, 5, 0xa5, 0x07})
	f.Add([]byte{0, 0, 0, 0, 1})
	f.Add(encodeLink([]int32{math.MinInt32, math.MaxInt32, 0}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodeLink(b, 64)
		if err != nil {
			return
		}
		require.Equal(t, b, encodeLink(c))
	})
}

func TestLinkCanonicalOnRandomInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	decoded := 0
	for range 20000 {
		n, w := rng.IntN(6), 1+rng.IntN(32)
		b := []byte{0, 0, 0, byte(n), byte(w)}
		body := make([]byte, (n*w+7)/8)
		for i := range body {
			body[i] = byte(rng.Uint32())
		}
		b = append(b, body...)
		c, err := decodeLink(b, 64)
		if err != nil {
			assert.ErrorIs(t, err, wire.ErrPayload)
			continue
		}
		decoded++
		require.Equal(t, b, encodeLink(c), "%x", b)
	}
	assert.Positive(t, decoded, "some random links are canonical")
}
