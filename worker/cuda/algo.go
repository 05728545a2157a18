package cuda

import (
	"fmt"
	"runtime"
	"unsafe"
)

// heuristicResult is cublasLtMatmulHeuristicResult_t (cublasLt.h): the opaque
// cublasLtMatmulAlgo_t (8 × uint64), the workspace it needs, its status, its wave
// count and four reserved ints; 96 bytes.
type heuristicResult struct {
	algo      [8]uint64
	workspace uint64
	state     int32
	waves     float32
	_         [4]int32
}

// Numbers from cublasLt.h (cublasLtMatmulPreferenceAttributes_t).
const prefMaxWorkspaceBytes = 1 // CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES

// algorithms asks cuBLASLt's heuristic for up to n algorithms for the GEMM planned by
// p, best first, each fitting the backend's workspace. Call with the device entered.
func (g *gemm) algorithms(p plan, n int) ([]heuristicResult, error) {
	a := g.b.api
	var desc uintptr
	if err := ltErr("matmul desc", a.cublasLtMatmulDescCreate(&desc, cublasCompute32I, cudaR32I)); err != nil {
		return nil, err
	}
	defer a.cublasLtMatmulDescDestroy(desc)
	opX, opY := int32(p.opX), int32(p.opY)
	if err := ltErr("transa", a.cublasLtMatmulDescSetAttr(desc, descAttrTransA, unsafe.Pointer(&opX), 4)); err != nil {
		return nil, err
	}
	if err := ltErr("transb", a.cublasLtMatmulDescSetAttr(desc, descAttrTransB, unsafe.Pointer(&opY), 4)); err != nil {
		return nil, err
	}
	var lx, ly, ld uintptr
	for _, l := range []struct {
		out *uintptr
		typ int32
		lay layout
	}{{&lx, cudaR8I, p.x}, {&ly, cudaR8I, p.y}, {&ld, cudaR32I, p.d}} {
		if err := ltErr("layout", a.cublasLtMatrixLayoutCreate(l.out, l.typ, uint64(l.lay.rows), uint64(l.lay.cols), int64(l.lay.ld))); err != nil {
			return nil, err
		}
		defer a.cublasLtMatrixLayoutDestroy(*l.out)
	}
	var pref uintptr
	if err := ltErr("preference", a.cublasLtMatmulPreferenceCreate(&pref)); err != nil {
		return nil, err
	}
	defer a.cublasLtMatmulPreferenceDestroy(pref)
	ws := uint64(workspaceBytes)
	if err := ltErr("workspace preference", a.cublasLtMatmulPreferenceSetAttr(pref, prefMaxWorkspaceBytes, unsafe.Pointer(&ws), 8)); err != nil {
		return nil, err
	}
	out := make([]heuristicResult, n)
	var got int32
	var pin runtime.Pinner
	pin.Pin(&out[0])
	defer pin.Unpin()
	if err := ltErr("heuristic", a.cublasLtMatmulAlgoGetHeuristic(g.b.lt, desc, lx, ly, ld, ld, pref, int32(n), unsafe.Pointer(&out[0]), &got)); err != nil {
		return nil, err
	}
	if got <= 0 {
		return nil, fmt.Errorf("cublasLt heuristic: no algorithm for %d×%d×%d", p.m, p.k, p.n)
	}
	return out[:got], nil
}
