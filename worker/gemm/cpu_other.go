//go:build !amd64

package gemm

func hasVNNI() bool { return false }

func kernelVNNI8x48(a *int8, b *byte, k4 int, c *int32, ldc int) {
	panic("gemm: VNNI kernel on a non-amd64 build")
}
