package gemm

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ionet-network/ionet/oracle/pow"
)

func kernels(t *testing.T) []Kernel {
	ks := []Kernel{KernelGeneric}
	for _, k := range []Kernel{KernelAVX2, KernelVNNI} {
		if Supported(k) {
			ks = append(ks, k)
		} else {
			t.Logf("this CPU cannot run the %s kernel; not tested here", k)
		}
	}
	return ks
}

func randInt8(rng *rand.Rand, n int) []int8 {
	s := make([]int8, n)
	for i := range s {
		s[i] = int8(rng.Uint32())
	}
	return s
}

func check(t *testing.T, kern Kernel, a, b []int8, m, k, n, threads int) {
	t.Helper()
	mat, err := Prepare(kern, b, k, n, threads)
	if err != nil {
		t.Fatal(err)
	}
	c := make([]int32, m*n)
	for i := range c {
		c[i] = 0x5a5a5a5a // stale output must be overwritten
	}
	if err := mat.Mul(c, a, m); err != nil {
		t.Fatal(err)
	}
	want := pow.MulReference(a, b, m, k, n)
	if i := firstDiff(c, want); i >= 0 {
		t.Fatalf("%s %dx%dx%d threads=%d: c[%d,%d] = %d, want %d", kern, m, k, n, threads, i/n, i%n, c[i], want[i])
	}
}

func firstDiff(a, b []int32) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func TestExactOnRandomShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	shapes := [][3]int{
		{1, 1, 1}, {1, 4, 48}, {8, 4, 48}, {7, 3, 47}, {9, 5, 49}, {17, 513, 97},
		{200, 64, 50}, {193, 1030, 96}, {33, 2048, 5}, {3, 700, 200},
	}
	for i := 0; i < 12; i++ {
		shapes = append(shapes, [3]int{1 + rng.IntN(70), 1 + rng.IntN(600), 1 + rng.IntN(130)})
	}
	for _, kern := range kernels(t) {
		for _, s := range shapes {
			m, k, n := s[0], s[1], s[2]
			a, b := randInt8(rng, m*k), randInt8(rng, k*n)
			for _, threads := range []int{1, 3} {
				check(t, kern, a, b, m, k, n, threads)
			}
		}
	}
}

func TestExactOnExtremeValues(t *testing.T) {
	const m, k, n = 20, 2051, 53 // k·128·128 ≈ 2^25, and k spans several blocks
	fill := func(size int, f func(i int) int8) []int8 {
		s := make([]int8, size)
		for i := range s {
			s[i] = f(i)
		}
		return s
	}
	cases := []struct {
		name string
		a, b func(i int) int8
	}{
		{"-128×-128", func(int) int8 { return -128 }, func(int) int8 { return -128 }},
		{"127×127", func(int) int8 { return 127 }, func(int) int8 { return 127 }},
		{"-128×127", func(int) int8 { return -128 }, func(int) int8 { return 127 }},
		{"alternating", func(i int) int8 { return []int8{-128, 127}[i%2] }, func(i int) int8 { return []int8{127, -128, -1}[i%3] }},
		{"zeros", func(int) int8 { return 0 }, func(int) int8 { return -128 }},
	}
	for _, kern := range kernels(t) {
		for _, c := range cases {
			t.Run(fmt.Sprint(kern, "/", c.name), func(t *testing.T) {
				check(t, kern, fill(m*k, c.a), fill(k*n, c.b), m, k, n, 2)
			})
		}
	}
	// The largest allowed k keeps −128·−128 sums exact in int32.
	for _, kern := range kernels(t) {
		a := fill(2*maxK, func(int) int8 { return -128 })
		b := fill(maxK, func(int) int8 { return -128 })
		check(t, kern, a, b, 2, maxK, 1, 1)
	}
}

func TestShapeErrors(t *testing.T) {
	if _, err := Prepare(KernelGeneric, make([]int8, 5), 2, 3, 1); !errors.Is(err, ErrShape) {
		t.Fatalf("bad B: %v", err)
	}
	if _, err := Prepare(KernelGeneric, make([]int8, maxK+1), maxK+1, 1, 1); err == nil {
		t.Fatal("k past the exact range accepted")
	}
	if _, err := Prepare("nope", make([]int8, 4), 2, 2, 1); err == nil {
		t.Fatal("unknown kernel accepted")
	}
	mat, _ := Prepare(KernelGeneric, make([]int8, 6), 2, 3, 1)
	if err := mat.Mul(make([]int32, 3), make([]int8, 3), 1); !errors.Is(err, ErrShape) {
		t.Fatalf("bad A: %v", err)
	}
	if err := mat.Mul(nil, nil, 0); err != nil {
		t.Fatalf("empty multiply: %v", err)
	}
}

// The backend reproduces the reference on matrices generated from a challenge seed.
func TestBackendProvesAcceptedChallenge(t *testing.T) {
	for _, kern := range kernels(t) {
		b := Backend{Kernel: kern, Threads: 2}
		gen := pow.NewGenerator(pow.Seed{7})
		const m, k, n = 50, 300, 70
		a, bm := make([]int8, m*k), make([]int8, k*n)
		gen.Rows(pow.MatrixA, 0, m, k, a)
		gen.Rows(pow.MatrixB, 0, k, n, bm)
		g, err := b.NewGEMM(bm, k, n)
		if err != nil {
			t.Fatal(err)
		}
		c := make([]int32, m*n)
		if err := g.Mul(c, a, m); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c, pow.MulReference(a, bm, m, k, n)) {
			t.Fatalf("%s backend differs from reference", b.Name())
		}
		g.Close()
	}
}
