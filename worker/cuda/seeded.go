package cuda

import (
	"runtime"
	"unsafe"

	"github.com/ionet-network/ionet/oracle/pow"
)

// A Backend generates B from the seed itself (pow.SeededBackend), so B's 2^28 bytes
// at the GPU classes' size are never generated, transposed or uploaded by the host:
// issue 16 measured that host path (NewGEMM) at 2.2 s, 11 % of the 20 s challenge.
var _ pow.SeededBackend = (*Backend)(nil)

// NewSeededGEMM implements pow.SeededBackend. With the kernels loaded, the PRF kernel
// writes B row-major (k rows of n) into a scratch buffer and cublasLtMatrixTransform
// transposes it into the Bt layout the GEMM reads (plan.go); the scratch is freed.
// Without the kernels, or if the device path fails (logged), B is generated on the
// host's cores and uploaded as NewGEMM does: the result is the same GEMM either way.
func (b *Backend) NewSeededGEMM(seed pow.Seed, k, n int) (pow.GEMM, error) {
	if b.kern != nil {
		g, err := b.deviceB(seed, k, n)
		if err == nil {
			return g, nil
		}
		b.log.Warn("cuda: generating B on the device failed, generating it on the host", "gpu", b.ordinal, "error", err)
	}
	return b.NewGEMM(pow.GenerateB(pow.NewGenerator(seed), k, n, runtime.GOMAXPROCS(0)), k, n)
}

// transposeLayouts are the transform's source and destination: B row-major (k×n) is
// column-major n×k with ld n, and op(A) = Aᵀ lands as column-major k×n with ld kp,
// which is the GEMM's X layout (p.x) without its zero padding.
func transposeLayouts(p plan) (src, dst layout) {
	return layout{rows: p.n, cols: p.k, ld: p.n}, layout{rows: p.k, cols: p.n, ld: p.kp}
}

// deviceB builds the GEMM with B generated and transposed on the device.
func (b *Backend) deviceB(seed pow.Seed, k, n int) (*gemm, error) {
	p, err := newPlan(0, k, n)
	if err != nil {
		return nil, err
	}
	prf, err := prfLaunch(0, 0, pow.MatrixB, 0, k, n, n) // sizes checked before any allocation
	if err != nil {
		return nil, err
	}
	leave, err := b.enter()
	defer leave()
	if err != nil {
		return nil, err
	}
	a := b.api
	g := &gemm{b: b, k: k, n: n, block: b.blockRows(k)}
	g.algo, g.algoRows = b.tunedLocked(k, n)
	var scratch uint64
	fail := func(err error) (*gemm, error) {
		if scratch != 0 {
			a.cuMemFree(scratch)
		}
		for _, ptr := range []uint64{g.x, g.aes} {
			if ptr != 0 {
				a.cuMemFree(ptr)
			}
		}
		return nil, err
	}
	if err := cuErr("alloc B", a.cuMemAlloc(&g.x, uint64(p.xLen))); err != nil {
		return fail(err)
	}
	if p.kp != k || p.np != n { // padding rows and columns must be zeros
		if err := cuErr("clear B", a.cuMemsetD8(g.x, 0, uint64(p.xLen))); err != nil {
			return fail(err)
		}
	}
	if err := cuErr("alloc B scratch", a.cuMemAlloc(&scratch, uint64(k*n))); err != nil {
		return fail(err)
	}
	if err := g.grow(&g.aes, &g.aesCap, aesParamSize); err != nil {
		return fail(err)
	}
	params := aesParams(seed)
	if err := cuErr("copy AES params", a.cuMemcpyHtoD(g.aes, unsafe.Pointer(&params[0]), uint64(len(params)))); err != nil {
		return fail(err)
	}
	g.aesSeed, g.aesLoaded = seed, true
	prf.args[0], prf.args[1] = scratch, g.aes
	if err := b.kern.run(prf); err != nil {
		return fail(err)
	}
	if err := b.transpose(p, scratch, g.x); err != nil {
		return fail(err)
	}
	if err := cuErr("synchronize", a.cuCtxSynchronize()); err != nil {
		return fail(err)
	}
	a.cuMemFree(scratch)
	return g, nil
}

// transpose writes Bt at dst from row-major B at src with cublasLtMatrixTransform
// (C = 1·op(A), op = T, int8 data with a float scale, as cuBLASLt's own IGEMM samples
// transform int8 matrices). Call with the device entered.
func (b *Backend) transpose(p plan, src, dst uint64) error {
	a := b.api
	var desc uintptr
	if err := ltErr("transform desc", a.cublasLtMatrixTransformDescCreate(&desc, cudaR32F)); err != nil {
		return err
	}
	defer a.cublasLtMatrixTransformDescDestroy(desc)
	op := int32(opT)
	if err := ltErr("transform transa", a.cublasLtMatrixTransformDescSetAttr(desc, transformAttrTransA, unsafe.Pointer(&op), 4)); err != nil {
		return err
	}
	from, to := transposeLayouts(p)
	var lFrom, lTo uintptr
	if err := ltErr("layout", a.cublasLtMatrixLayoutCreate(&lFrom, cudaR8I, uint64(from.rows), uint64(from.cols), int64(from.ld))); err != nil {
		return err
	}
	defer a.cublasLtMatrixLayoutDestroy(lFrom)
	if err := ltErr("layout", a.cublasLtMatrixLayoutCreate(&lTo, cudaR8I, uint64(to.rows), uint64(to.cols), int64(to.ld))); err != nil {
		return err
	}
	defer a.cublasLtMatrixLayoutDestroy(lTo)
	alpha, beta := new(float32), new(float32)
	*alpha = 1
	var pin runtime.Pinner
	pin.Pin(alpha)
	pin.Pin(beta)
	defer pin.Unpin()
	return ltErr("transform", a.cublasLtMatrixTransform(b.lt, desc, unsafe.Pointer(alpha), uintptr(src), lFrom,
		unsafe.Pointer(beta), 0, 0, uintptr(dst), lTo, 0))
}
