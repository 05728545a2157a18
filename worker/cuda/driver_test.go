package cuda

import (
	"errors"
	"slices"
	"testing"

	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
)

// Where the libraries are missing (CI, this machine) Open must fail cleanly.
// Where they load, it must give a backend that computes exactly.
func TestOpenFailsCleanlyOrWorks(t *testing.T) {
	b, err := Open(0)
	if err != nil {
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("Open failed without ErrUnavailable: %v", err)
		}
		return
	}
	defer b.Close()
	g, err := b.NewGEMM([]int8{1, -128, 127, 3, 0, -1}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	c := make([]int32, 3)
	if err := g.Mul(c, []int8{-128, 2}, 1); err != nil {
		t.Fatal(err)
	}
	want := []int32{-128 + 6, -128*-128 + 0, 127*-128 - 2}
	for i := range want {
		if c[i] != want[i] {
			t.Fatalf("c = %v, want %v", c, want)
		}
	}

	// CommitRows, on the device when the kernels passed their check, equals the
	// host path.
	seed := pow.Seed{1, 2, 3}
	gen := pow.NewGenerator(seed)
	for _, s := range [][5]int{{70, 45, 11, 9, 1}, {64, 16, 11, 9, 5}, {4096, 1024, 1 << 20, 300, 16}} {
		k, n, first, rows, links := s[0], s[1], s[2], s[3], s[4]
		bm := make([]int8, k*n)
		gen.Rows(pow.MatrixB, 0, k, n, bm)
		sg, err := b.NewGEMM(bm, k, n)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]merkle.Hash, rows)
		if err := sg.(pow.RowCommitter).CommitRows(got, seed, first, rows, links); err != nil {
			t.Fatal(err)
		}
		want := make([]merkle.Hash, rows)
		c := pow.ChainReference(seed, bm, first, rows, k, n, links)[links-1]
		for r := range rows {
			want[r] = pow.RowHash(first+r, c[r*n:(r+1)*n])
		}
		sg.Close()
		if !slices.Equal(got, want) {
			t.Fatalf("%v: CommitRows (kernels %v) differs from the reference chain", s, b.Kernels())
		}

		// B generated and transposed on the device gives the same chain and the
		// same products as B uploaded from the host. deviceB is called directly so
		// that a failing device path is an error here, not NewSeededGEMM's fallback.
		var dg pow.GEMM
		if b.Kernels() {
			g, err := b.deviceB(seed, k, n)
			if err != nil {
				t.Fatalf("%v: B on the device: %v", s, err)
			}
			dg = g
		} else if dg, err = b.NewSeededGEMM(seed, k, n); err != nil {
			t.Fatal(err)
		}
		got = make([]merkle.Hash, rows)
		if err := dg.(pow.RowCommitter).CommitRows(got, seed, first, rows, links); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%v: CommitRows with B from the device differs from the reference chain", s)
		}
		a := make([]int8, 3*k)
		gen.Rows(pow.MatrixA, first, 3, k, a)
		prod := make([]int32, 3*n)
		if err := dg.Mul(prod, a, 3); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(prod, pow.MulReference(a, bm, 3, k, n)) {
			t.Fatalf("%v: Mul with B from the device differs from the reference", s)
		}
		dg.Close()
	}
}
