package pow

import "fmt"

// MulReference computes C = A·B exactly: A is m×k, B is k×n, both row-major int8,
// C is m×n int32. |Σ a·b| ≤ 128·128·k, so int32 is exact for k < 2^17; every class
// is far below that. It is the definition backends are tested against, written for
// clarity, not speed.
func MulReference(a, b []int8, m, k, n int) []int32 {
	c := make([]int32, m*n)
	for i := range m {
		ci := c[i*n : (i+1)*n]
		for p := range k {
			av := int32(a[i*k+p])
			bp := b[p*n : (p+1)*n]
			for j := range ci {
				ci[j] += av * int32(bp[j])
			}
		}
	}
	return c
}

// ReferenceBackend runs MulReference; keepers and tests use it where speed does not
// matter.
type ReferenceBackend struct{}

// Name implements Backend.
func (ReferenceBackend) Name() string { return "reference" }

// NewGEMM implements Backend.
func (ReferenceBackend) NewGEMM(b []int8, k, n int) (GEMM, error) {
	if len(b) != k*n {
		return nil, fmt.Errorf("reference gemm: B has %d entries, want %d×%d", len(b), k, n)
	}
	return referenceGEMM{b: b, k: k, n: n}, nil
}

type referenceGEMM struct {
	b    []int8
	k, n int
}

func (g referenceGEMM) Mul(c []int32, a []int8, m int) error {
	if len(a) != m*g.k || len(c) != m*g.n {
		return fmt.Errorf("reference gemm: shapes %d, %d for m=%d", len(a), len(c), m)
	}
	copy(c, MulReference(a, g.b, m, g.k, g.n))
	return nil
}

func (referenceGEMM) Close() error { return nil }
