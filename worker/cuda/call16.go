package cuda

// cublasLtMatmul takes 16 arguments and purego calls at most 15, so this one call
// goes through a C trampoline. It needs no CUDA header: every argument is a pointer,
// handle or size, all passed as 64-bit integers under the System V ABI.

/*
#include <stdint.h>
typedef int (*fn16)(uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t,
                    uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t, uintptr_t);
static int call16(uintptr_t f, uintptr_t *a) {
	return ((fn16)f)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
	                 a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
}
*/
import "C"

import "unsafe"

func call16(fn uintptr, args *[16]uintptr) int32 {
	return int32(C.call16(C.uintptr_t(fn), (*C.uintptr_t)(unsafe.Pointer(&args[0]))))
}
