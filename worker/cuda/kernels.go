package cuda

import (
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"unsafe"

	"github.com/ionet-network/ionet/oracle/pow"
)

// The host side of the two PTX kernels: what each entry takes, in which order, and
// how a launch is sized. kernels_test.go checks these lists against the .param lists
// in kernels.ptx, and ptxsim_test.go runs the PTX through these launches.

type paramType uint8

const (
	paramU32 paramType = iota
	paramU64
)

func (t paramType) size() int {
	if t == paramU64 {
		return 8
	}
	return 4
}

// ptx is the type as the .param declaration spells it.
func (t paramType) ptx() string {
	if t == paramU64 {
		return ".u64"
	}
	return ".u32"
}

type kernelParam struct {
	name string // the PTX name is <kernel>_<name>
	typ  paramType
}

type kernel struct {
	name   string
	block  uint32 // threads per block
	params []kernelParam
}

// prfKernel writes rows first… of one matrix, one thread per 16-byte counter block.
// Its block size is fixed: the kernel stages the AES table with one word per thread
// and declares .reqntid 256.
var prfKernel = kernel{
	name:  "ionet_prf_rows",
	block: 256,
	params: []kernelParam{
		{"dst", paramU64},    // device int8 rows, ld bytes apart
		{"aes", paramU64},    // device aesParams (te0, round keys)
		{"matrix", paramU32}, // pow.Matrix: the first IV byte
		{"first", paramU32},  // index of the first row (the IV's u32)
		{"rows", paramU32},
		{"cols", paramU32}, // keystream bytes per row
		{"ld", paramU32},   // bytes per row in dst; cols…ld−1 are written zero
	},
}

// rowHashKernel hashes rows of C (int32, ld entries apart), one thread per row, and
// writes 32-byte digests in row order.
var rowHashKernel = kernel{
	name:  "ionet_row_hash",
	block: 128,
	params: []kernelParam{
		{"out", paramU64},   // device 32·rows bytes
		{"c", paramU64},     // device int32 rows
		{"first", paramU64}, // leaf index of the first row
		{"rows", paramU32},
		{"n", paramU32},      // entries per row
		{"ld", paramU32},     // entries between row starts
		{"blocks", paramU32}, // leafPadding.blocks
		{"bits", paramU32},   // leafPadding.bits
	},
}

// launch is one kernel call worked out on the host.
type launch struct {
	k     *kernel
	grid  uint32
	block uint32
	args  []uint64 // in k.params order; u32 params hold values below 2³²
}

func ceilDiv(a, b uint64) uint64 { return (a + b - 1) / b }

// prfLaunch sizes ionet_prf_rows for rows first…first+rows−1 of m, cols keystream
// bytes each, written ld bytes apart at dst.
func prfLaunch(dst, aes uint64, m pow.Matrix, first, rows, cols, ld int) (launch, error) {
	if first < 0 || rows <= 0 || cols <= 0 || ld < cols {
		return launch{}, fmt.Errorf("prf launch: first %d, rows %d, cols %d, ld %d", first, rows, cols, ld)
	}
	// The kernel keeps row indices, positions and the thread index in 32 bits.
	blocksPerRow := ceilDiv(uint64(ld), 16)
	threads := uint64(rows) * blocksPerRow
	if uint64(first)+uint64(rows)-1 > math.MaxUint32 || uint64(ld)+15 > math.MaxUint32 || threads > math.MaxUint32 {
		return launch{}, fmt.Errorf("prf launch: %d rows of %d bytes exceed the kernel's 32-bit indices", rows, ld)
	}
	return launch{
		k:     &prfKernel,
		grid:  uint32(ceilDiv(threads, uint64(prfKernel.block))),
		block: prfKernel.block,
		args:  []uint64{dst, aes, uint64(m), uint64(first), uint64(rows), uint64(cols), uint64(ld)},
	}, nil
}

// rowHashLaunch sizes ionet_row_hash for rows of n int32 entries, ld apart, at c,
// whose leaf indices start at first; digests go to out in row order.
func rowHashLaunch(out, c uint64, first, rows, n, ld int) (launch, error) {
	if first < 0 || rows <= 0 || ld < n {
		return launch{}, fmt.Errorf("row hash launch: first %d, rows %d, n %d, ld %d", first, rows, n, ld)
	}
	pad, err := newLeafPadding(n)
	if err != nil {
		return launch{}, err
	}
	if uint64(rows) > math.MaxUint32 || uint64(ld) > math.MaxUint32 {
		return launch{}, fmt.Errorf("row hash launch: %d rows of stride %d exceed 32 bits", rows, ld)
	}
	return launch{
		k:     &rowHashKernel,
		grid:  uint32(ceilDiv(uint64(rows), uint64(rowHashKernel.block))),
		block: rowHashKernel.block,
		args:  []uint64{out, c, uint64(first), uint64(rows), uint64(n), uint64(ld), uint64(pad.blocks), uint64(pad.bits)},
	}, nil
}

// packedArgs is cuLaunchKernel's kernelParams: an array with one pointer per
// parameter, each to the parameter's bytes. The driver copies as many bytes as the
// PTX declares, in the host's byte order; CUDA hosts (x86-64, aarch64) and devices are
// little-endian, so values are written little-endian.
type packedArgs struct {
	vals []byte           // 8 bytes per parameter, so every value is 8-aligned
	ptrs []unsafe.Pointer // &vals[8i]
	pin  runtime.Pinner   // the driver reads vals through ptrs: neither may move
}

func (l launch) pack() (*packedArgs, error) {
	if len(l.args) != len(l.k.params) {
		return nil, fmt.Errorf("%s: %d arguments for %d parameters", l.k.name, len(l.args), len(l.k.params))
	}
	p := &packedArgs{vals: make([]byte, 8*len(l.args)), ptrs: make([]unsafe.Pointer, len(l.args))}
	for i, v := range l.args {
		prm := l.k.params[i]
		switch prm.typ {
		case paramU32:
			if v > math.MaxUint32 {
				return nil, fmt.Errorf("%s: %s = %d does not fit .u32", l.k.name, prm.name, v)
			}
			binary.LittleEndian.PutUint32(p.vals[8*i:], uint32(v))
		case paramU64:
			binary.LittleEndian.PutUint64(p.vals[8*i:], v)
		}
		p.ptrs[i] = unsafe.Pointer(&p.vals[8*i])
	}
	p.pin.Pin(&p.vals[0])
	p.pin.Pin(&p.ptrs[0])
	return p, nil
}

func (p *packedArgs) release() { p.pin.Unpin() }
