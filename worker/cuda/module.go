package cuda

import (
	_ "embed"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"github.com/ebitengine/purego"
)

//go:embed kernels.ptx
var kernelsPTX string

// Numbers from cuda.h (CUjit_option).
const (
	jitErrorLogBuffer     = 5 // CU_JIT_ERROR_LOG_BUFFER
	jitErrorLogBufferSize = 6 // CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES
	jitLogBytes           = 8 << 10
)

// moduleAPI is the driver's module and launch entry points. They are resolved apart
// from api so that a driver without them still runs the GEMM.
type moduleAPI struct {
	cuModuleLoadDataEx  func(mod *uintptr, image unsafe.Pointer, numOptions uint32, options, values unsafe.Pointer) int32
	cuModuleUnload      func(mod uintptr) int32
	cuModuleGetFunction func(fn *uintptr, mod uintptr, name unsafe.Pointer) int32
	cuLaunchKernel      func(fn uintptr, gx, gy, gz, bx, by, bz, sharedBytes uint32, stream uintptr, params, extra unsafe.Pointer) int32
}

// kernels is the loaded module and its two entry points.
type kernels struct {
	api     *moduleAPI
	module  uintptr
	prf     uintptr
	rowHash uintptr
}

// loadKernels JIT-compiles kernels.ptx for the current context's device. The caller
// holds the OS thread with the context current. A compile error carries the driver's
// JIT log, the only place a PTX mistake would be explained.
func loadKernels(libcuda uintptr) (*kernels, error) {
	m := &moduleAPI{}
	for _, s := range []struct {
		name string
		fn   any
	}{
		{"cuModuleLoadDataEx", &m.cuModuleLoadDataEx},
		{"cuModuleUnload", &m.cuModuleUnload},
		{"cuModuleGetFunction", &m.cuModuleGetFunction},
		{"cuLaunchKernel", &m.cuLaunchKernel},
	} {
		if _, err := purego.Dlsym(libcuda, s.name); err != nil {
			return nil, fmt.Errorf("symbol %s: %w", s.name, err)
		}
		purego.RegisterLibFunc(s.fn, libcuda, s.name)
	}
	image := append([]byte(kernelsPTX), 0)
	log := make([]byte, jitLogBytes)
	options := []int32{jitErrorLogBuffer, jitErrorLogBufferSize}
	// Option values are pointer-sized; the log size is passed as an integer in one.
	values := []uintptr{uintptr(unsafe.Pointer(&log[0])), uintptr(len(log))}
	var pin runtime.Pinner
	pin.Pin(&image[0])
	pin.Pin(&log[0])
	defer pin.Unpin()
	k := &kernels{api: m}
	if r := m.cuModuleLoadDataEx(&k.module, unsafe.Pointer(&image[0]), uint32(len(options)),
		unsafe.Pointer(&options[0]), unsafe.Pointer(&values[0])); r != cudaSuccess {
		return nil, fmt.Errorf("load kernels.ptx: CUresult %d: %s", r, cString(log))
	}
	for _, f := range []struct {
		name string
		out  *uintptr
	}{{prfKernel.name, &k.prf}, {rowHashKernel.name, &k.rowHash}} {
		name := append([]byte(f.name), 0)
		if err := cuErr("get function "+f.name, m.cuModuleGetFunction(f.out, k.module, unsafe.Pointer(&name[0]))); err != nil {
			m.cuModuleUnload(k.module)
			return nil, err
		}
	}
	return k, nil
}

func cString(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\x00")
	return strings.TrimSpace(s)
}

// run launches l on the default stream; the caller synchronizes.
func (k *kernels) run(l launch) error {
	fn := k.prf
	if l.k == &rowHashKernel {
		fn = k.rowHash
	}
	args, err := l.pack()
	if err != nil {
		return err
	}
	defer args.release()
	r := k.api.cuLaunchKernel(fn, l.grid, 1, 1, l.block, 1, 1, 0, 0, unsafe.Pointer(&args.ptrs[0]), nil)
	return cuErr("launch "+l.k.name, r)
}

func (k *kernels) close() error {
	return cuErr("unload kernels", k.api.cuModuleUnload(k.module))
}
