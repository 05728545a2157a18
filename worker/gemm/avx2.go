package gemm

// The AVX2 path, for x86 CPUs without AVX-512 VNNI: int8 is widened to int16 on
// packing and multiplied with VPMADDWD, which is exact (unlike VPMADDUBSW, whose
// int16 sums saturate).
const (
	mr2 = 4
	nr2 = 16
	mc2 = 128
)

// packB16 lays B out for the AVX2 kernel: for each 16-column panel, for each pair
// of k's, 16 columns × 2 int16. Padding is 0.
func packB16(b []int8, k, n, k2 int) []int16 {
	panels := (n + nr2 - 1) / nr2
	out := make([]int16, panels*k2*nr2*2)
	for p := range panels {
		base := p * k2 * nr2 * 2
		for j := range nr2 {
			col := p*nr2 + j
			if col >= n {
				break
			}
			for kk := range k {
				out[base+(kk/2)*nr2*2+j*2+kk%2] = int16(b[kk*n+col])
			}
		}
	}
	return out
}

// packA16 lays rows of A out as 4-row micro-panels of k pairs, widened to int16.
func packA16(dst []int16, a []int8, rows, k, k2 int) {
	micro := (rows + mr2 - 1) / mr2
	clear(dst[:micro*k2*mr2*2])
	for r := range rows {
		base := (r/mr2)*k2*mr2*2 + (r%mr2)*2
		for kk, v := range a[r*k : (r+1)*k] {
			dst[base+(kk/2)*mr2*2+kk%2] = int16(v)
		}
	}
}

// mulAVX2 drives the AVX2 micro-kernel; K is not blocked, as in mulVNNI.
func (mat *Matrix) mulAVX2(c []int32, a []int8, m int) {
	k, n, k2 := mat.k, mat.n, (mat.k+1)/2
	panels := (n + nr2 - 1) / nr2
	apack := make([]int16, mc2*k2*2)
	var tile [mr2 * nr2]int32
	for i0 := 0; i0 < m; i0 += mc2 {
		rows := min(mc2, m-i0)
		micro := (rows + mr2 - 1) / mr2
		packA16(apack, a[i0*k:(i0+rows)*k], rows, k, k2)
		cb := c[i0*n : (i0+rows)*n]
		clear(cb)
		for p := range panels {
			bp := &mat.packed16[p*k2*nr2*2]
			cols := min(nr2, n-p*nr2)
			for ir := range micro {
				ap := &apack[ir*k2*mr2*2]
				r := min(mr2, rows-ir*mr2)
				if r == mr2 && cols == nr2 {
					kernelAVX2x4x16(ap, bp, k2, &cb[ir*mr2*n+p*nr2], n)
					continue
				}
				clear(tile[:])
				kernelAVX2x4x16(ap, bp, k2, &tile[0], nr2)
				for ri := range r {
					copy(cb[(ir*mr2+ri)*n+p*nr2:(ir*mr2+ri)*n+p*nr2+cols], tile[ri*nr2:ri*nr2+cols])
				}
			}
		}
	}
}
