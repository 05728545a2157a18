package cuda

import "fmt"

// The host side of the cuBLASLt int8 GEMM. cuBLASLt is column-major and its int8 →
// int32 path (CUBLAS_COMPUTE_32I) wants the "TN" form, op(X) = Xᵀ and op(Y) = Y, with
// leading dimensions that are multiples of 4. The challenge is row-major, so:
//
//	C (m×n, row-major) is Cᵀ (n×m, column-major, ld n) = Bᵀ·Aᵀ
//	X = B as a column-major k×n matrix, ld k: stored as Bᵀ row-major ("Bt", n rows of k)
//	Y = Aᵀ: row-major A read as column-major k×m, ld k, as it is
//	D = op(X)·op(Y) = Xᵀ·Y = Bᵀ·Aᵀ = Cᵀ
//
// k and n are padded up to multiples of 4 with zeros (zero terms add nothing, padded
// output columns are dropped); m needs no padding.

// Operations as cuBLAS numbers them.
const (
	opN = 0 // CUBLAS_OP_N
	opT = 1 // CUBLAS_OP_T
)

// layout is a cublasLtMatrixLayout: column-major rows × cols with leading dimension ld.
type layout struct {
	rows, cols, ld int
}

// plan is everything the device call needs, worked out on the host.
type plan struct {
	m, k, n    int // the challenge's sizes
	kp, np     int // padded
	opX, opY   int
	x, y, d    layout
	xLen, yLen int // int8 elements
	dLen       int // int32 elements
}

func newPlan(m, k, n int) (plan, error) {
	if m < 0 || k <= 0 || n <= 0 {
		return plan{}, fmt.Errorf("cuda plan %d×%d×%d: bad sizes", m, k, n)
	}
	kp, np := roundUp4(k), roundUp4(n)
	return plan{
		m: m, k: k, n: n, kp: kp, np: np,
		opX: opT, opY: opN,
		x:    layout{rows: kp, cols: np, ld: kp},
		y:    layout{rows: kp, cols: m, ld: kp},
		d:    layout{rows: np, cols: m, ld: np},
		xLen: kp * np, yLen: kp * m, dLen: np * m,
	}, nil
}

func roundUp4(v int) int { return (v + 3) &^ 3 }

// packB writes Bt: row j holds column j of B, zero padded to kp; rows n…np−1 zero.
func (p plan) packB(b []int8) []int8 {
	out := make([]int8, p.xLen)
	for kk := range p.k {
		row := b[kk*p.n : (kk+1)*p.n]
		for j, v := range row {
			out[j*p.kp+kk] = v
		}
	}
	return out
}

// packA pads each row of A to kp; when k is already a multiple of 4 A is used as is.
func (p plan) packA(a []int8) []int8 {
	if p.kp == p.k {
		return a
	}
	out := make([]int8, p.yLen)
	for i := range p.m {
		copy(out[i*p.kp:], a[i*p.k:(i+1)*p.k])
	}
	return out
}

// unpackC copies D (np×m column-major = m rows of np) into row-major C (m×n).
func (p plan) unpackC(c []int32, d []int32) {
	if p.np == p.n {
		copy(c, d[:p.m*p.n])
		return
	}
	for i := range p.m {
		copy(c[i*p.n:(i+1)*p.n], d[i*p.np:i*p.np+p.n])
	}
}
