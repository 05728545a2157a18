package cuda

import (
	"errors"
	"testing"
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
}
