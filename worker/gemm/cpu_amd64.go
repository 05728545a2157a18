//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

func hasVNNI() bool {
	// x/sys/cpu reports AVX-512 only when the OS saves the ZMM state too.
	return cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VNNI
}

func hasAVX2() bool { return cpu.X86.HasAVX2 }
