package cuda

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"

	"github.com/ionet-network/ionet/oracle/pow"
)

// ltMatmul is cublasLtMatmul's definition for this call, written independently:
// D = op(X)·op(Y) on column-major buffers, int8 in, int32 accumulate.
func ltMatmul(p plan, x, y []int8) []int32 {
	at := func(l layout, buf []int8, op, r, c int) int32 {
		if op == opT {
			r, c = c, r
		}
		return int32(buf[c*l.ld+r])
	}
	// op(X) is (d.rows × inner), op(Y) is (inner × d.cols).
	inner := p.x.rows
	if p.opX == opN {
		inner = p.x.cols
	}
	d := make([]int32, p.dLen)
	for c := range p.d.cols {
		for r := range p.d.rows {
			var s int32
			for t := range inner {
				s += at(p.x, x, p.opX, r, t) * at(p.y, y, p.opY, t, c)
			}
			d[c*p.d.ld+r] = s
		}
	}
	return d
}

func TestPlanMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	shapes := [][3]int{{1, 1, 1}, {4, 4, 4}, {3, 5, 7}, {8, 16, 12}, {5, 13, 4}, {2, 4, 9}, {0, 3, 3}}
	for range 10 {
		shapes = append(shapes, [3]int{rng.IntN(20), 1 + rng.IntN(40), 1 + rng.IntN(40)})
	}
	for _, s := range shapes {
		m, k, n := s[0], s[1], s[2]
		a, b := make([]int8, m*k), make([]int8, k*n)
		for i := range a {
			a[i] = int8(rng.Uint32())
		}
		for i := range b {
			b[i] = int8(rng.Uint32())
		}
		p, err := newPlan(m, k, n)
		if err != nil {
			t.Fatal(err)
		}
		if p.opX != opT || p.opY != opN || p.x.ld%4 != 0 || p.y.ld%4 != 0 || p.d.ld%4 != 0 {
			t.Fatalf("%v: plan breaks cuBLASLt's int8 TN rules: %+v", s, p)
		}
		x, y := p.packB(b), p.packA(a)
		if len(x) != p.xLen || len(y) != p.yLen {
			t.Fatalf("%v: packed %d/%d, plan says %d/%d", s, len(x), len(y), p.xLen, p.yLen)
		}
		c := make([]int32, m*n)
		p.unpackC(c, ltMatmul(p, x, y))
		if want := pow.MulReference(a, b, m, k, n); !slices.Equal(c, want) {
			t.Fatalf("%v: device layout gives %v, want %v", s, c, want)
		}
	}
}

func TestPlanRejectsBadSizes(t *testing.T) {
	for _, s := range [][3]int{{-1, 1, 1}, {1, 0, 1}, {1, 1, 0}} {
		if _, err := newPlan(s[0], s[1], s[2]); err == nil {
			t.Errorf("%v accepted", s)
		}
	}
}

// The device transpose of B must land exactly where the GEMM reads Bt: the
// destination is p.x less its zero padding, and the source is B row-major read as
// cuBLASLt's column-major (one column per row of B).
func TestTransposeLayoutsMatchThePlan(t *testing.T) {
	for _, s := range [][2]int{{32768, 8192}, {70, 45}, {64, 16}, {5, 3}} {
		p, err := newPlan(0, s[0], s[1])
		if err != nil {
			t.Fatal(err)
		}
		from, to := transposeLayouts(p)
		if from != (layout{rows: s[1], cols: s[0], ld: s[1]}) {
			t.Fatalf("%v: source %+v", s, from)
		}
		if to.ld != p.x.ld || to.rows > p.x.rows || to.cols > p.x.cols || to.rows != s[0] || to.cols != s[1] {
			t.Fatalf("%v: destination %+v against X %+v", s, to, p.x)
		}
		if s[0]*s[1] > 1<<16 {
			continue // the class's shape: sizes only
		}
		// Entry (kk, j) of B sits at kk*n + j in the source and at column j, row kk of
		// the destination: j*ld + kk, which is where packB puts it.
		bm := make([]int8, s[0]*s[1])
		for i := range bm {
			bm[i] = int8(i*7 + 1)
		}
		x := p.packB(bm)
		for kk := range s[0] {
			for j := range s[1] {
				if bm[kk*from.ld+j] != x[j*to.ld+kk] {
					t.Fatalf("%v: entry (%d, %d) moves elsewhere", s, kk, j)
				}
			}
		}
	}
}

// heuristicResult must be cublasLtMatmulHeuristicResult_t byte for byte: cuBLASLt
// writes an array of them.
func TestHeuristicResultIsTheCStruct(t *testing.T) {
	var h heuristicResult
	if unsafe.Sizeof(h) != 96 || unsafe.Offsetof(h.workspace) != 64 || unsafe.Offsetof(h.state) != 72 || unsafe.Offsetof(h.waves) != 76 {
		t.Fatalf("size %d, workspace at %d, state at %d, waves at %d", unsafe.Sizeof(h),
			unsafe.Offsetof(h.workspace), unsafe.Offsetof(h.state), unsafe.Offsetof(h.waves))
	}
}
