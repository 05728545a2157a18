package cuda

import (
	"math/rand/v2"
	"slices"
	"testing"

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
