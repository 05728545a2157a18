//go:build amd64

package gemm

//go:noescape
func kernelVNNI8x48(a *int8, b *byte, k4 int, c *int32, ldc int)

//go:noescape
func vnniThroughput(iters int)
