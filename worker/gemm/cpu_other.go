//go:build !amd64

package gemm

func hasVNNI() bool { return false }

func kernelVNNI8x48(a *int8, b *byte, k4 int, c *int32, ldc int) {
	panic("gemm: VNNI kernel on a non-amd64 build")
}

func hasAVX2() bool { return false }

func kernelAVX2x4x16(a *int16, b *int16, k2 int, c *int32, ldc int) {
	panic("gemm: AVX2 kernel on a non-amd64 build")
}
