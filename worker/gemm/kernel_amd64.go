//go:build amd64

package gemm

//go:noescape
func kernelVNNI8x48(a *int8, b *byte, k4 int, c *int32, ldc int)

//go:noescape
func vnniThroughput(iters int)

//go:noescape
func kernelAVX2x4x16(a *int16, b *int16, k2 int, c *int32, ldc int)
