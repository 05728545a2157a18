// Package gemm is the worker's CPU backend for the proof-of-compute challenge: an
// exact int8×int8→int32 matrix multiply, in AVX-512 VNNI or AVX2 assembly where the
// CPU has them and in portable Go elsewhere, chosen at run time.
package gemm

import (
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/ionet-network/ionet/oracle/pow"
)

// Kernel names an implementation.
type Kernel string

// Implementations, fastest first.
const (
	KernelVNNI    Kernel = "avx512-vnni"
	KernelAVX2    Kernel = "avx2"
	KernelGeneric Kernel = "generic"
)

// Best returns the fastest kernel this CPU runs.
func Best() Kernel {
	if hasVNNI() {
		return KernelVNNI
	}
	if hasAVX2() {
		return KernelAVX2
	}
	return KernelGeneric
}

// Supported reports whether this CPU runs kernel k.
func Supported(k Kernel) bool {
	switch k {
	case KernelVNNI:
		return hasVNNI()
	case KernelAVX2:
		return hasAVX2()
	case KernelGeneric:
		return true
	}
	return false
}

// ErrShape is returned for slices that do not match the dimensions.
var ErrShape = errors.New("gemm: slice length does not match dimensions")

// maxK keeps every int32 sum exact: |Σ a·b| ≤ 2^14·k < 2^31 (and the VNNI path's
// unsigned-offset sums, ≤ 255·128·k, too).
const maxK = 1 << 16

// Micro-kernel tile and cache blocking. A long kc means each 8×48 C tile is read
// and written once per multiply instead of once per K block (profiling showed the
// C round trips costing more than streaming the 48-column B micro-panel, 192 KiB at
// K = 4096, from L2); the mc-row A block (768 KiB) stays in L2 across panels.
const (
	mr = 8
	nr = 48
	kc = 4096
	mc = 192
)

// Matrix is a B operand prepared once (K×N) for many multiplications.
type Matrix struct {
	kernel Kernel
	k, n   int
	k4     int    // K rounded up to groups of 4
	b      []int8 // generic kernel: B row-major
	packed []byte // VNNI kernel: panels of 48 columns × k4 × (48×4 bytes)
	// AVX2 kernel: panels of 16 columns × k/2 × (16×2 int16)
	packed16 []int16
	threads  int
}

// Prepare packs b (k×n, row-major) for kernel kern, using up to threads
// goroutines per multiply (GOMAXPROCS when ≤ 0).
func Prepare(kern Kernel, b []int8, k, n, threads int) (*Matrix, error) {
	if k <= 0 || n <= 0 || len(b) != k*n {
		return nil, fmt.Errorf("prepare %d×%d from %d entries: %w", k, n, len(b), ErrShape)
	}
	if k > maxK {
		return nil, fmt.Errorf("prepare: k = %d exceeds %d, int32 could overflow", k, maxK)
	}
	if !Supported(kern) {
		return nil, fmt.Errorf("prepare: kernel %s not supported on this CPU", kern)
	}
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	mat := &Matrix{kernel: kern, k: k, n: n, k4: (k + 3) / 4, threads: threads}
	switch kern {
	case KernelVNNI:
		mat.packed = packB(b, k, n, mat.k4)
	case KernelAVX2:
		mat.packed16 = packB16(b, k, n, (k+1)/2)
	default:
		mat.b = append([]int8(nil), b...)
	}
	return mat, nil
}

// packB lays B out for the micro-kernel: for each 48-column panel, for each group
// of 4 k's, 48 columns × 4 bytes, each byte offset by +128 (XOR 0x80) to make it
// the unsigned operand. Padding (k ≥ K, column ≥ N) is 0: A's padding is 0, and
// padded columns are never stored.
func packB(b []int8, k, n, k4 int) []byte {
	panels := (n + nr - 1) / nr
	out := make([]byte, panels*k4*nr*4)
	for p := range panels {
		base := p * k4 * nr * 4
		for j := range nr {
			col := p*nr + j
			if col >= n {
				break
			}
			for kk := range k {
				out[base+(kk/4)*nr*4+j*4+kk%4] = byte(b[kk*n+col]) ^ 0x80
			}
		}
	}
	return out
}

// Mul sets c (m×n) to a (m×k) · B exactly.
func (mat *Matrix) Mul(c []int32, a []int8, m int) error {
	if m < 0 || len(a) != m*mat.k || len(c) != m*mat.n {
		return fmt.Errorf("mul %d×%d by %d×%d into %d: %w", m, mat.k, mat.k, mat.n, len(c), ErrShape)
	}
	if m == 0 {
		return nil
	}
	body := mat.mulGeneric
	switch mat.kernel {
	case KernelVNNI:
		body = mat.mulVNNI
	case KernelAVX2:
		body = mat.mulAVX2
	}
	// Split rows across goroutines in multiples of the A block so each packs its own.
	workers := max(1, min(mat.threads, (m+mr-1)/mr))
	per := ((m+workers-1)/workers + mr - 1) / mr * mr
	var wg sync.WaitGroup
	for lo := 0; lo < m; lo += per {
		hi := min(m, lo+per)
		wg.Add(1)
		go func() {
			defer wg.Done()
			body(c[lo*mat.n:hi*mat.n], a[lo*mat.k:hi*mat.k], hi-lo)
		}()
	}
	wg.Wait()
	return nil
}

// mulGeneric is the portable path: row by row, the inner loop over a contiguous
// row of B so the compiler keeps it bounds-check free.
func (mat *Matrix) mulGeneric(c []int32, a []int8, m int) {
	k, n := mat.k, mat.n
	for i := range m {
		ci := c[i*n : (i+1)*n]
		clear(ci)
		ai := a[i*k : (i+1)*k]
		for p, av := range ai {
			if av == 0 {
				continue
			}
			x := int32(av)
			bp := mat.b[p*n : (p+1)*n]
			for j := range ci {
				ci[j] += x * int32(bp[j])
			}
		}
	}
}

// mulVNNI drives the assembly micro-kernel over cache blocks.
func (mat *Matrix) mulVNNI(c []int32, a []int8, m int) {
	k, n, k4 := mat.k, mat.n, mat.k4
	panels := (n + nr - 1) / nr
	apack := make([]int8, mc*k4*4)
	rowsum := make([]int32, mc)
	var tile [mr * nr]int32
	for i0 := 0; i0 < m; i0 += mc {
		rows := min(mc, m-i0)
		micro := (rows + mr - 1) / mr
		packA(apack, rowsum, a[i0*k:(i0+rows)*k], rows, k, k4)
		cb := c[i0*n : (i0+rows)*n]
		clear(cb)
		for kb := 0; kb < k4; kb += kc / 4 {
			steps := min(kc/4, k4-kb)
			for p := range panels {
				bp := &mat.packed[(p*k4+kb)*nr*4]
				cols := min(nr, n-p*nr)
				for ir := range micro {
					ap := &apack[(ir*k4+kb)*mr*4]
					r := min(mr, rows-ir*mr)
					if r == mr && cols == nr {
						kernelVNNI8x48(ap, bp, steps, &cb[ir*mr*n+p*nr], n)
						continue
					}
					// Edge tile: compute into a full scratch tile, add the valid part.
					clear(tile[:])
					kernelVNNI8x48(ap, bp, steps, &tile[0], nr)
					for ri := range r {
						dst := cb[(ir*mr+ri)*n+p*nr : (ir*mr+ri)*n+p*nr+cols]
						for j := range dst {
							dst[j] += tile[ri*nr+j]
						}
					}
				}
			}
		}
		// Undo the +128 offset of B: Σ a·(b+128) − 128·Σ a.
		for ri := range rows {
			corr := 128 * rowsum[ri]
			row := cb[ri*n : (ri+1)*n]
			for j := range row {
				row[j] -= corr
			}
		}
	}
}

// packA lays rows of A out as micro-panels: for each 8-row group, for each group of
// 4 k's, 8 rows × 4 bytes; padding rows and k's are 0. It also sums each row.
func packA(dst []int8, rowsum []int32, a []int8, rows, k, k4 int) {
	micro := (rows + mr - 1) / mr
	clear(dst[:micro*k4*mr*4])
	for r := range rows {
		ir, ri := r/mr, r%mr
		base := ir*k4*mr*4 + ri*4
		var s int32
		for kk, v := range a[r*k : (r+1)*k] {
			dst[base+(kk/4)*mr*4+kk%4] = v
			s += int32(v)
		}
		rowsum[r] = s
	}
}

// Backend implements pow.Backend on the CPU.
type Backend struct {
	Kernel  Kernel // Best() when empty
	Threads int    // GOMAXPROCS when ≤ 0
}

// Name implements pow.Backend.
func (b Backend) Name() string { return "cpu-" + string(b.kernel()) }

func (b Backend) kernel() Kernel {
	if b.Kernel == "" {
		return Best()
	}
	return b.Kernel
}

// NewGEMM implements pow.Backend.
func (b Backend) NewGEMM(bm []int8, k, n int) (pow.GEMM, error) {
	mat, err := Prepare(b.kernel(), bm, k, n, b.Threads)
	if err != nil {
		return nil, err
	}
	return gemmCloser{mat}, nil
}

type gemmCloser struct{ *Matrix }

func (gemmCloser) Close() error { return nil }

// rowsPerThread is a block's rows per goroutine: a whole number of mc-row A blocks
// is not needed (the last is partial), but 256 rows keep each goroutine's share of
// B's panels streaming from L2 well past the packing cost.
const rowsPerThread = 256

// BlockRows implements pow.BlockSizer: rowsPerThread for each goroutine of a Mul.
func (m *Matrix) BlockRows() int { return rowsPerThread * m.threads }
