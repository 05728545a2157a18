package cuda

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
)

// These tests run kernels.ptx in the interpreter (ptxsim_test.go) through the
// launches the backend makes, parameters read through the packed kernelParams, and
// compare with oracle/pow byte for byte.

func loadSimModule(t *testing.T) *simModule {
	t.Helper()
	m, err := parsePTX(kernelsPTX)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func simRun(t *testing.T, m *simModule, d *simDevice, l launch) {
	t.Helper()
	p, err := l.pack()
	if err != nil {
		t.Fatal(err)
	}
	defer p.release()
	if err := m.launch(d, l.k.name, l.grid, l.block, p.ptrs); err != nil {
		t.Fatal(err)
	}
}

func TestParsedPTXParamsMatchHost(t *testing.T) {
	m := loadSimModule(t)
	for _, k := range []*kernel{&prfKernel, &rowHashKernel} {
		e := m.entries[k.name]
		if e == nil || len(e.params) != len(k.params) {
			t.Fatalf("%s: parsed %v", k.name, e)
		}
		for i, p := range k.params {
			if e.params[i].name != k.name+"_"+p.name || e.params[i].typ != p.typ.ptx() {
				t.Errorf("%s param %d: PTX %+v, host %s %s", k.name, i, e.params[i], p.name, p.typ.ptx())
			}
		}
	}
}

func TestPTXPRFMatchesGenerator(t *testing.T) {
	m := loadSimModule(t)
	rng := rand.New(rand.NewPCG(11, 11))
	cases := []struct {
		matrix                pow.Matrix
		first, rows, cols, ld int
	}{
		{pow.MatrixA, 0, 1, 1, 4},           // one byte, three of padding
		{pow.MatrixB, 0, 2, 16, 16},         // whole counter blocks, no padding
		{pow.MatrixA, 7, 3, 37, 40},         // a partial block, then padding
		{pow.MatrixB, 1000, 70, 61, 64},     // 280 threads: two thread blocks
		{pow.MatrixA, 1<<32 - 3, 3, 50, 52}, // the last row indices the IV holds
		{pow.MatrixA, katFirst, katRows, katCols, katLd},
	}
	for _, c := range cases {
		var seed pow.Seed
		for i := range seed {
			seed[i] = byte(rng.Uint32())
		}
		d := &simDevice{}
		dst := bytes.Repeat([]byte{0xAA}, c.rows*c.ld+32)
		dstAddr := d.alloc(dst)
		aesAddr := d.alloc(aesParams(seed))
		l, err := prfLaunch(dstAddr, aesAddr, c.matrix, c.first, c.rows, c.cols, c.ld)
		if err != nil {
			t.Fatal(err)
		}
		simRun(t, m, d, l)
		want := expectRows(pow.NewGenerator(seed), c.matrix, c.first, c.rows, c.cols, c.ld)
		if !bytes.Equal(dst[:len(want)], want) {
			t.Fatalf("%+v: kernel rows differ from pow.Generator\n got %x\nwant %x", c, dst[:len(want)], want)
		}
		if !bytes.Equal(dst[len(want):], bytes.Repeat([]byte{0xAA}, 32)) {
			t.Fatalf("%+v: kernel wrote past the last row", c)
		}
		for i := range want {
			if n := d.writes[dstAddr+uint64(i)]; n != 1 {
				t.Fatalf("%+v: byte %d written %d times", c, i, n)
			}
		}
	}
}

func TestPTXRowHashMatchesRowHash(t *testing.T) {
	m := loadSimModule(t)
	rng := rand.New(rand.NewPCG(12, 12))
	cases := []struct{ first, rows, n, ld int }{
		{0, 1, 1, 1},            // 13-byte leaf
		{3, 2, 11, 12},          // 53 bytes: the length still fits the first block
		{9, 2, 12, 12},          // 57 bytes: the length needs a second block
		{1 << 32, 2, 13, 16},    // leaf index above 2³²
		{5, 3, 27, 28},          // 117 bytes, 2 blocks
		{5, 3, 28, 28},          // 121 bytes, 3 blocks
		{1<<40 + 17, 130, 3, 4}, // 130 threads: two thread blocks
		{katHashFirst, katHashRows, katN, katHashLd},
	}
	for _, c := range cases {
		cm := make([]int32, c.rows*c.ld)
		for i := range cm {
			cm[i] = int32(rng.Uint32())
		}
		cm[0] = -1 << 31 // the extremes of int32
		cm[len(cm)-1] = 1<<31 - 1
		d := &simDevice{}
		cAddr := d.alloc(int32Bytes(cm))
		out := make([]byte, 32*c.rows)
		outAddr := d.alloc(out)
		l, err := rowHashLaunch(outAddr, cAddr, c.first, c.rows, c.n, c.ld)
		if err != nil {
			t.Fatal(err)
		}
		simRun(t, m, d, l)
		if want := expectHashes(cm, c.first, c.rows, c.n, c.ld); !bytes.Equal(out, want) {
			t.Fatalf("%+v: kernel digests differ from pow.RowHash", c)
		}
	}
}

// The device pipeline of CommitRows: the PRF kernel into the first buffer,
// cuBLASLt's D = Xᵀ·Y (ltMatmul, plan_test.go) once per link, each reading the buffer
// the previous link wrote, then the row-hash kernel over the last. Its hashes must be
// the reference chain's.
func TestPTXCommitPipelineMatchesProver(t *testing.T) {
	m := loadSimModule(t)
	seed := pow.Seed(sha256.Sum256([]byte("pipeline")))
	gen := pow.NewGenerator(seed)
	for _, s := range [][5]int{{5, 13, 7, 2, 1}, {4, 16, 8, 100, 1}, {3, 33, 5, 0, 1}, {5, 16, 4, 7, 3}, {3, 32, 8, 1<<32 - 3, 4}} {
		rows, k, n, first, links := s[0], s[1], s[2], s[3], s[4]
		b := make([]int8, k*n)
		gen.Rows(pow.MatrixB, 0, k, n, b)
		p, err := newPlan(rows, k, n)
		if err != nil {
			t.Fatal(err)
		}
		if links > 1 && !chainsOnDevice(p) {
			t.Fatalf("%v: a chain shape the device cannot chain", s)
		}
		d := &simDevice{}
		size := max(p.yLen, 4*p.dLen)
		buf := [2][]byte{make([]byte, size), make([]byte, size)}
		addr := [2]uint64{d.alloc(buf[0]), d.alloc(buf[1])}
		aesAddr := d.alloc(aesParams(seed))
		h := make([]byte, 32*rows)
		hAddr := d.alloc(h)
		prf, hash, err := commitSteps(p, addr, hAddr, aesAddr, first, links)
		if err != nil {
			t.Fatal(err)
		}
		simRun(t, m, d, prf)
		x := p.packB(b)
		for l := range links {
			in, out := buf[l%2], buf[(l+1)%2]
			ys := make([]int8, p.yLen)
			for i := range ys {
				ys[i] = int8(in[i])
			}
			copy(out, int32Bytes(ltMatmul(p, x, ys)))
		}
		simRun(t, m, d, hash)

		c := pow.ChainReference(seed, b, first, rows, k, n, links)[links-1]
		for r := range rows {
			if want := pow.RowHash(first+r, c[r*n:(r+1)*n]); !bytes.Equal(h[32*r:32*r+32], want[:]) {
				t.Fatalf("%v row %d: pipeline hash differs from the reference chain", s, r)
			}
		}
	}
}

func TestCommitRowsHostMatchesProver(t *testing.T) {
	seed := pow.Seed(sha256.Sum256([]byte("host")))
	gen := pow.NewGenerator(seed)
	k, n, first, rows := 9, 6, 4, 5
	b := make([]int8, k*n)
	gen.Rows(pow.MatrixB, 0, k, n, b)
	g, err := pow.ReferenceBackend{}.NewGEMM(b, k, n)
	if err != nil {
		t.Fatal(err)
	}
	hashes := make([]merkle.Hash, rows)
	if err := commitRowsHost(g, gen, hashes, first, rows, k, n, 1); err != nil {
		t.Fatal(err)
	}
	a := make([]int8, rows*k)
	gen.Rows(pow.MatrixA, first, rows, k, a)
	c := pow.MulReference(a, b, rows, k, n)
	var want []merkle.Hash
	for r := range rows {
		want = append(want, pow.RowHash(first+r, c[r*n:(r+1)*n]))
	}
	if !slices.Equal(hashes, want) {
		t.Fatal("host commit differs from the prover's row hashes")
	}
}
