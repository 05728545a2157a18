// Package cuda is the worker's GPU backend, built without the CUDA toolkit: it loads
// libcuda and libcublasLt at run time with purego and runs the challenge's int8 →
// int32 GEMM through cublasLtMatmul. Two PTX kernels (kernels.ptx), JIT-compiled by
// the driver, generate rows of A from the seed and hash rows of C on the device, so
// a commitment moves neither A nor C across the bus (gemm.CommitRows). Without the
// libraries, Open fails and the worker keeps the CPU backend; without a working
// module, the GEMM still runs on the GPU and the rest on the CPU.
package cuda

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/ebitengine/purego"
)

// ErrUnavailable is returned when the CUDA libraries or a device cannot be used.
var ErrUnavailable = errors.New("cuda: unavailable")

// Library names tried in order; the unversioned names need the -dev packages.
var (
	cudaNames     = []string{"libcuda.so.1", "libcuda.so"}
	cublasLtNames = []string{"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"}
)

// Numbers from cuda.h, library_types.h and cublasLt.h.
const (
	cudaSuccess             = 0
	cublasSuccess           = 0
	cudaR32F                = 0  // CUDA_R_32F
	cudaR8I                 = 3  // CUDA_R_8I
	cudaR32I                = 10 // CUDA_R_32I
	cublasCompute32I        = 72 // CUBLAS_COMPUTE_32I
	descAttrTransA          = 3  // CUBLASLT_MATMUL_DESC_TRANSA
	descAttrTransB          = 4  // CUBLASLT_MATMUL_DESC_TRANSB
	transformAttrTransA     = 2  // CUBLASLT_MATRIX_TRANSFORM_DESC_TRANSA
	workspaceBytes          = 32 << 20
	attrMultiprocessorCount = 16 // CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT
	cublasLtMatmulSym       = "cublasLtMatmul"
)

// api is the table of driver and cuBLASLt entry points.
type api struct {
	cuInit                      func(flags uint32) int32
	cuDeviceGet                 func(dev *int32, ordinal int32) int32
	cuDevicePrimaryCtxRetain    func(ctx *uintptr, dev int32) int32
	cuDevicePrimaryCtxRelease   func(dev int32) int32
	cuCtxSetCurrent             func(ctx uintptr) int32
	cuCtxSynchronize            func() int32
	cuDeviceGetAttribute        func(v *int32, attr int32, dev int32) int32
	cuDeviceGetName             func(name *byte, size int32, dev int32) int32
	cuDriverGetVersion          func(v *int32) int32
	cuMemGetInfo                func(free, total *uint64) int32
	cuMemAlloc                  func(ptr *uint64, bytes uint64) int32
	cuMemFree                   func(ptr uint64) int32
	cuMemcpyHtoD                func(dst uint64, src unsafe.Pointer, bytes uint64) int32
	cuMemcpyDtoH                func(dst unsafe.Pointer, src uint64, bytes uint64) int32
	cuMemsetD8                  func(dst uint64, v uint8, n uint64) int32
	cublasLtCreate              func(h *uintptr) int32
	cublasLtDestroy             func(h uintptr) int32
	cublasLtGetVersion          func() uint64 // size_t, e.g. 130100 for 13.1.0
	cublasLtMatmulDescCreate    func(d *uintptr, compute int32, scale int32) int32
	cublasLtMatmulDescDestroy   func(d uintptr) int32
	cublasLtMatmulDescSetAttr   func(d uintptr, attr int32, buf unsafe.Pointer, size uintptr) int32
	cublasLtMatrixLayoutCreate  func(l *uintptr, typ int32, rows, cols uint64, ld int64) int32
	cublasLtMatrixLayoutDestroy func(l uintptr) int32
	// C = alpha·op(A) + beta·op(B) with layout changes: the device transpose of B.
	cublasLtMatrixTransformDescCreate  func(d *uintptr, scale int32) int32
	cublasLtMatrixTransformDescDestroy func(d uintptr) int32
	cublasLtMatrixTransformDescSetAttr func(d uintptr, attr int32, buf unsafe.Pointer, size uintptr) int32
	cublasLtMatrixTransform            func(h, desc uintptr, alpha unsafe.Pointer, a, aDesc uintptr,
		beta unsafe.Pointer, b, bDesc uintptr, c, cDesc uintptr, stream uintptr) int32
	cublasLtMatmulPreferenceCreate  func(p *uintptr) int32
	cublasLtMatmulPreferenceDestroy func(p uintptr) int32
	cublasLtMatmulPreferenceSetAttr func(p uintptr, attr int32, buf unsafe.Pointer, size uintptr) int32
	cublasLtMatmulAlgoGetHeuristic  func(h, desc, aDesc, bDesc, cDesc, dDesc, pref uintptr, requested int32,
		results unsafe.Pointer, returned *int32) int32
	matmul  uintptr // cublasLtMatmul, called through call16
	libcuda uintptr // for the module entry points (module.go)
}

// dlopenFirst opens the first library of names that loads.
func dlopenFirst(names []string) (uintptr, error) {
	var errs []error
	for _, n := range names {
		h, err := purego.Dlopen(n, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err == nil {
			return h, nil
		}
		errs = append(errs, err)
	}
	return 0, fmt.Errorf("load %s: %w: %w", names[0], ErrUnavailable, errors.Join(errs...))
}

// loadAPI resolves every symbol; a missing one fails the load instead of crashing
// later (purego's RegisterLibFunc panics on a missing symbol, so look up first).
func loadAPI() (*api, error) {
	cu, err := dlopenFirst(cudaNames)
	if err != nil {
		return nil, err
	}
	lt, err := dlopenFirst(cublasLtNames)
	if err != nil {
		return nil, err
	}
	a := &api{libcuda: cu}
	syms := []struct {
		lib  uintptr
		name string
		fn   any
	}{
		{cu, "cuInit", &a.cuInit},
		{cu, "cuDeviceGet", &a.cuDeviceGet},
		{cu, "cuDevicePrimaryCtxRetain", &a.cuDevicePrimaryCtxRetain},
		{cu, "cuDevicePrimaryCtxRelease_v2", &a.cuDevicePrimaryCtxRelease},
		{cu, "cuCtxSetCurrent", &a.cuCtxSetCurrent},
		{cu, "cuCtxSynchronize", &a.cuCtxSynchronize},
		{cu, "cuDeviceGetAttribute", &a.cuDeviceGetAttribute},
		{cu, "cuDeviceGetName", &a.cuDeviceGetName},
		{cu, "cuDriverGetVersion", &a.cuDriverGetVersion},
		{cu, "cuMemGetInfo_v2", &a.cuMemGetInfo},
		{cu, "cuMemAlloc_v2", &a.cuMemAlloc},
		{cu, "cuMemFree_v2", &a.cuMemFree},
		{cu, "cuMemcpyHtoD_v2", &a.cuMemcpyHtoD},
		{cu, "cuMemcpyDtoH_v2", &a.cuMemcpyDtoH},
		{cu, "cuMemsetD8_v2", &a.cuMemsetD8},
		{lt, "cublasLtCreate", &a.cublasLtCreate},
		{lt, "cublasLtDestroy", &a.cublasLtDestroy},
		{lt, "cublasLtGetVersion", &a.cublasLtGetVersion},
		{lt, "cublasLtMatmulDescCreate", &a.cublasLtMatmulDescCreate},
		{lt, "cublasLtMatmulDescDestroy", &a.cublasLtMatmulDescDestroy},
		{lt, "cublasLtMatmulDescSetAttribute", &a.cublasLtMatmulDescSetAttr},
		{lt, "cublasLtMatrixLayoutCreate", &a.cublasLtMatrixLayoutCreate},
		{lt, "cublasLtMatrixLayoutDestroy", &a.cublasLtMatrixLayoutDestroy},
		{lt, "cublasLtMatrixTransformDescCreate", &a.cublasLtMatrixTransformDescCreate},
		{lt, "cublasLtMatrixTransformDescDestroy", &a.cublasLtMatrixTransformDescDestroy},
		{lt, "cublasLtMatrixTransformDescSetAttribute", &a.cublasLtMatrixTransformDescSetAttr},
		{lt, "cublasLtMatrixTransform", &a.cublasLtMatrixTransform},
		{lt, "cublasLtMatmulPreferenceCreate", &a.cublasLtMatmulPreferenceCreate},
		{lt, "cublasLtMatmulPreferenceDestroy", &a.cublasLtMatmulPreferenceDestroy},
		{lt, "cublasLtMatmulPreferenceSetAttribute", &a.cublasLtMatmulPreferenceSetAttr},
		{lt, "cublasLtMatmulAlgoGetHeuristic", &a.cublasLtMatmulAlgoGetHeuristic},
	}
	for _, s := range syms {
		if _, err := purego.Dlsym(s.lib, s.name); err != nil {
			return nil, fmt.Errorf("symbol %s: %w: %w", s.name, ErrUnavailable, err)
		}
		purego.RegisterLibFunc(s.fn, s.lib, s.name)
	}
	if a.matmul, err = purego.Dlsym(lt, cublasLtMatmulSym); err != nil {
		return nil, fmt.Errorf("symbol %s: %w: %w", cublasLtMatmulSym, ErrUnavailable, err)
	}
	return a, nil
}

func cuErr(op string, r int32) error {
	if r == cudaSuccess {
		return nil
	}
	return fmt.Errorf("cuda %s: CUresult %d", op, r)
}

func ltErr(op string, r int32) error {
	if r == cublasSuccess {
		return nil
	}
	return fmt.Errorf("cublasLt %s: status %d", op, r)
}
