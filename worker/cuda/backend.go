package cuda

import (
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"unsafe"

	"github.com/ionet-network/ionet/oracle/pow"
)

// Backend runs GEMMs on one CUDA device. It implements pow.Backend.
type Backend struct {
	api       *api
	log       *slog.Logger
	ordinal   int32
	ctx       uintptr
	lt        uintptr
	workspace uint64
	kern      *kernels // nil when the PTX module did not load or failed its check
	sms       int      // multiprocessors, for the block size
	freeMem   uint64   // device memory free after set-up, bytes
	devName   string   // cuDeviceGetName; "" when it failed
	driver    int      // cuDriverGetVersion, e.g. 13000 for 13.0; 0 when it failed
	ltVersion uint64   // cublasLtGetVersion, e.g. 130100 for 13.1.0

	// tuned is Autotune's choice per (k, n): the algorithm for GEMMs of exactly its
	// rows. Guarded by mu.
	tuned map[[2]int]tunedAlgo

	mu sync.Mutex // one call at a time: the context and workspace are shared
}

// Config selects the device.
type Config struct {
	Ordinal int
	Logger  *slog.Logger // slog.Default() when nil
}

// Open opens device ordinal with the default logger.
func Open(ordinal int) (*Backend, error) { return New(Config{Ordinal: ordinal}) }

// New loads the libraries and prepares the device. Any failure returns an error
// wrapping ErrUnavailable or a CUDA status, never a crash. The PTX kernels are
// optional: if they do not load or fail their known-answer test, the backend logs
// why and CommitRows uses the host for A and the row hashes.
func New(cfg Config) (*Backend, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	a, err := loadAPI()
	if err != nil {
		return nil, err
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b := &Backend{api: a, log: cfg.Logger, ordinal: int32(cfg.Ordinal)}
	if err := cuErr("init", a.cuInit(0)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var dev int32
	if err := cuErr("device get", a.cuDeviceGet(&dev, b.ordinal)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if err := cuErr("primary context", a.cuDevicePrimaryCtxRetain(&b.ctx, dev)); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	b.ordinal = dev
	if err := cuErr("set context", a.cuCtxSetCurrent(b.ctx)); err != nil {
		a.cuDevicePrimaryCtxRelease(dev)
		return nil, err
	}
	if err := ltErr("create", a.cublasLtCreate(&b.lt)); err != nil {
		a.cuDevicePrimaryCtxRelease(dev)
		return nil, err
	}
	if err := cuErr("workspace", a.cuMemAlloc(&b.workspace, workspaceBytes)); err != nil {
		a.cublasLtDestroy(b.lt)
		a.cuDevicePrimaryCtxRelease(dev)
		return nil, err
	}
	b.kern = b.openKernels()
	var sms int32
	if err := cuErr("multiprocessor count", a.cuDeviceGetAttribute(&sms, attrMultiprocessorCount, dev)); err == nil {
		b.sms = int(sms)
	}
	var free, total uint64
	if err := cuErr("memory info", a.cuMemGetInfo(&free, &total)); err == nil {
		b.freeMem = free
	}
	b.identify(dev)
	b.log.Info("cuda device", "gpu", b.ordinal, "sms", b.sms, "free_bytes", b.freeMem, "block_rows", b.blockRows(32768))
	return b, nil
}

// blockRows is the rows per CommitRows call for rows of k bytes: see blockRowsFor.
func (b *Backend) blockRows(k int) int { return blockRowsFor(b.sms, b.freeMem, k) }

// Block sizing. The row-hash kernel runs one thread per row, so a block needs about
// rowsPerSM rows per multiprocessor to keep every SM busy (the H200 measurements of
// issue 16: hashing is latency-bound below ~32k threads, the GEMM peaks at
// 8k–16k rows of 2^29 operations each); the two chain buffers, 2 × rows × k bytes,
// may take at most half the free memory.
const (
	rowsPerSM    = 128
	minBlockRows = 256
	maxBlockRows = 1 << 16
)

// blockRowsFor is a power of two: about rowsPerSM × sms, within
// [minBlockRows, maxBlockRows], halved until two chain buffers fit in half of free.
// Unknown SMs (0) count as 8.
func blockRowsFor(sms int, free uint64, k int) int {
	if sms <= 0 {
		sms = 8
	}
	r := minBlockRows
	for r*2 <= rowsPerSM*sms && r*2 <= maxBlockRows {
		r *= 2
	}
	for r > minBlockRows && free > 0 && uint64(2*r*k+32*r) > free/2 {
		r /= 2
	}
	return r
}

// BlockRows implements pow.BlockSizer.
func (g *gemm) BlockRows() int { return g.block }

// openKernels loads and checks the PTX module; nil means the host does that work.
func (b *Backend) openKernels() *kernels {
	k, err := loadKernels(b.api.libcuda)
	if err == nil {
		if err = b.checkKernels(k); err != nil {
			k.close()
		}
	}
	if err != nil {
		b.log.Warn("cuda kernels unavailable, generating A and hashing rows on the CPU", "gpu", b.ordinal, "error", err)
		return nil
	}
	b.log.Info("cuda kernels loaded", "gpu", b.ordinal, "kernels", []string{prfKernel.name, rowHashKernel.name})
	return k
}

// Kernels reports whether CommitRows runs on the device.
func (b *Backend) Kernels() bool { return b.kern != nil }

// enter takes the device for the calling goroutine: the backend's lock, this OS
// thread (a CUDA context is current per thread) and the context. Call leave when
// done, also after an error.
func (b *Backend) enter() (leave func(), err error) {
	b.mu.Lock()
	runtime.LockOSThread()
	leave = func() {
		runtime.UnlockOSThread()
		b.mu.Unlock()
	}
	return leave, cuErr("set context", b.api.cuCtxSetCurrent(b.ctx))
}

// Close releases the device.
func (b *Backend) Close() error {
	leave, _ := b.enter() // closing goes on even without a context
	defer leave()
	if b.kern != nil {
		b.kern.close()
		b.kern = nil
	}
	b.api.cuMemFree(b.workspace)
	b.api.cublasLtDestroy(b.lt)
	return cuErr("release context", b.api.cuDevicePrimaryCtxRelease(b.ordinal))
}

// Name implements pow.Backend.
func (b *Backend) Name() string { return fmt.Sprintf("cuda:%d", b.ordinal) }

// NewGEMM uploads B in the layout cuBLASLt wants (see plan.go).
func (b *Backend) NewGEMM(bm []int8, k, n int) (pow.GEMM, error) {
	if len(bm) != k*n {
		return nil, fmt.Errorf("cuda gemm: B has %d entries, want %d×%d", len(bm), k, n)
	}
	p, err := newPlan(0, k, n)
	if err != nil {
		return nil, err
	}
	leave, err := b.enter()
	defer leave()
	if err != nil {
		return nil, err
	}
	g := &gemm{b: b, k: k, n: n, block: b.blockRows(k)}
	g.algo, g.algoRows = b.tunedLocked(k, n)
	x := p.packB(bm)
	if err := g.upload(&g.x, x); err != nil {
		return nil, err
	}
	return g, nil
}

type gemm struct {
	b     *Backend
	k, n  int
	block int    // rows per CommitRows call, from the device (BlockRows)
	x     uint64 // Bt on the device
	y, d  uint64 // A and D buffers, grown as needed
	yCap  int
	dCap  int
	// algo is the GEMM algorithm for plans of exactly algoRows rows (Autotune's
	// choice at the device's block); nil, or any other m: cuBLASLt's heuristic, per call.
	algo     *heuristicResult
	algoRows int

	// CommitRows only (commit.go).
	h         uint64 // row hashes
	hCap      int
	aes       uint64 // aesParams of aesSeed
	aesCap    int
	aesSeed   pow.Seed
	aesLoaded bool
}

func (g *gemm) upload(dst *uint64, src []int8) error {
	if err := cuErr("alloc", g.b.api.cuMemAlloc(dst, uint64(len(src)))); err != nil {
		return err
	}
	return cuErr("copy to device", g.b.api.cuMemcpyHtoD(*dst, unsafe.Pointer(&src[0]), uint64(len(src))))
}

// Mul implements pow.GEMM.
func (g *gemm) Mul(c []int32, a []int8, m int) error {
	if len(a) != m*g.k || len(c) != m*g.n {
		return fmt.Errorf("cuda gemm: shapes %d, %d for m=%d", len(a), len(c), m)
	}
	if m == 0 {
		return nil
	}
	p, err := newPlan(m, g.k, g.n)
	if err != nil {
		return err
	}
	b := g.b
	leave, err := b.enter()
	defer leave()
	if err != nil {
		return err
	}
	if err := g.grow(&g.y, &g.yCap, p.yLen); err != nil {
		return err
	}
	if err := g.grow(&g.d, &g.dCap, 4*p.dLen); err != nil {
		return err
	}
	y := p.packA(a)
	if err := cuErr("copy A", b.api.cuMemcpyHtoD(g.y, unsafe.Pointer(&y[0]), uint64(len(y)))); err != nil {
		return err
	}
	if err := g.matmul(p); err != nil {
		return err
	}
	d := make([]int32, p.dLen)
	if err := cuErr("copy C", b.api.cuMemcpyDtoH(unsafe.Pointer(&d[0]), g.d, uint64(4*len(d)))); err != nil {
		return err
	}
	p.unpackC(c, d)
	return nil
}

func (g *gemm) grow(buf *uint64, capBytes *int, need int) error {
	if need <= *capBytes {
		return nil
	}
	if *buf != 0 {
		g.b.api.cuMemFree(*buf)
		*buf, *capBytes = 0, 0
	}
	if err := cuErr("alloc", g.b.api.cuMemAlloc(buf, uint64(need))); err != nil {
		return err
	}
	*capBytes = need
	return nil
}

// matmul issues D = op(X)·op(Y) as planned and waits for it.
func (g *gemm) matmul(p plan) error {
	if err := g.matmulInto(p, g.y, g.d); err != nil {
		return err
	}
	return cuErr("synchronize", g.b.api.cuCtxSynchronize())
}

// matmulInto issues D = op(X)·op(Y) with Y and D at the given device buffers (the
// chain uses two buffers in turn) on the default stream, without waiting: the
// stream orders it after the work before it, and the host prepares the next call
// while the device runs this one. The algorithm is algoFor(p.m).
func (g *gemm) matmulInto(p plan, y, d uint64) error {
	a := g.b.api
	var desc uintptr
	if err := ltErr("matmul desc", a.cublasLtMatmulDescCreate(&desc, cublasCompute32I, cudaR32I)); err != nil {
		return err
	}
	defer a.cublasLtMatmulDescDestroy(desc)
	opX, opY := int32(p.opX), int32(p.opY)
	if err := ltErr("transa", a.cublasLtMatmulDescSetAttr(desc, descAttrTransA, unsafe.Pointer(&opX), 4)); err != nil {
		return err
	}
	if err := ltErr("transb", a.cublasLtMatmulDescSetAttr(desc, descAttrTransB, unsafe.Pointer(&opY), 4)); err != nil {
		return err
	}
	var lx, ly, ld uintptr
	for _, l := range []struct {
		out *uintptr
		typ int32
		lay layout
	}{{&lx, cudaR8I, p.x}, {&ly, cudaR8I, p.y}, {&ld, cudaR32I, p.d}} {
		if err := ltErr("layout", a.cublasLtMatrixLayoutCreate(l.out, l.typ, uint64(l.lay.rows), uint64(l.lay.cols), int64(l.lay.ld))); err != nil {
			return err
		}
		defer a.cublasLtMatrixLayoutDestroy(*l.out)
	}
	alpha, beta := new(int32), new(int32)
	*alpha = 1
	var pin runtime.Pinner
	pin.Pin(alpha)
	pin.Pin(beta)
	var algo uintptr // nil: cuBLASLt's heuristic chooses
	if h := g.algoFor(p.m); h != nil {
		pin.Pin(h)
		algo = uintptr(unsafe.Pointer(&h.algo))
	}
	defer pin.Unpin()
	args := [16]uintptr{
		g.b.lt, desc, uintptr(unsafe.Pointer(alpha)),
		uintptr(g.x), lx, uintptr(y), ly,
		uintptr(unsafe.Pointer(beta)), uintptr(d), ld, uintptr(d), ld,
		algo,
		uintptr(g.b.workspace), workspaceBytes,
		0, // the default stream
	}
	return ltErr("matmul", call16(a.matmul, &args))
}

// algoFor is the algorithm for a GEMM of m rows: g.algo when m is the rows it was
// chosen for (a challenge's last, partial block gets the heuristic), else nil.
func (g *gemm) algoFor(m int) *heuristicResult {
	if g.algo == nil || m != g.algoRows {
		return nil
	}
	return g.algo
}

// Close frees the device buffers.
func (g *gemm) Close() error {
	b := g.b
	leave, _ := b.enter() // closing goes on even without a context
	defer leave()
	for _, p := range []uint64{g.x, g.y, g.d, g.h, g.aes} {
		if p != 0 {
			b.api.cuMemFree(p)
		}
	}
	g.x, g.y, g.d, g.h, g.aes = 0, 0, 0, 0, 0
	g.yCap, g.dCap, g.hCap, g.aesCap, g.aesLoaded = 0, 0, 0, 0, false
	return nil
}
