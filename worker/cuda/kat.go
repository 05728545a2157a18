package cuda

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/ionet-network/ionet/oracle/pow"
)

// The known-answer test the backend runs on the device before trusting the kernels.
// They were written where no GPU and no ptxas exist; whatever the reason a kernel
// could disagree with oracle/pow (a PTX mistake, a JIT or driver bug), this check
// turns it into a logged fallback to the host instead of a wrong commitment.

// Shapes chosen to reach the edges: a row that is not a whole number of AES blocks
// with padding after it, a leaf index above 2³², rows over several SHA-256 blocks.
const (
	katFirst, katRows, katCols, katLd = 5, 3, 37, 40
	katHashFirst                      = 1<<32 + 3
	katHashRows, katN, katHashLd      = 3, 40, 44
)

var errKnownAnswer = errors.New("cuda kernels: known-answer test failed")

var katSeed = pow.Seed(sha256.Sum256([]byte("ionet cuda known answer")))

// expectRows is the device layout ionet_prf_rows must produce: rows of m from the
// host generator, ld bytes apart, bytes cols…ld−1 zero.
func expectRows(gen *pow.Generator, m pow.Matrix, first, rows, cols, ld int) []byte {
	out := make([]byte, rows*ld)
	row := make([]int8, cols)
	for r := range rows {
		gen.Row(m, first+r, row)
		for j, v := range row {
			out[r*ld+j] = byte(v)
		}
	}
	return out
}

// expectHashes is what ionet_row_hash must write for c (rows of n entries, ld apart):
// pow.RowHash of each row, in row order.
func expectHashes(c []int32, first, rows, n, ld int) []byte {
	out := make([]byte, 0, 32*rows)
	for r := range rows {
		h := pow.RowHash(first+r, c[r*ld:r*ld+n])
		out = append(out, h[:]...)
	}
	return out
}

// katMatrix is a C with entries of every sign and byte pattern.
func katMatrix(rows, ld int) []int32 {
	c := make([]int32, rows*ld)
	for i := range c {
		c[i] = int32(uint32(i+1) * 2654435761)
	}
	return c
}

func int32Bytes(v []int32) []byte {
	out := make([]byte, 0, 4*len(v))
	for _, x := range v {
		out = binary.LittleEndian.AppendUint32(out, uint32(x))
	}
	return out
}

// checkKernels runs both kernels on the known answers. The caller holds the OS
// thread with the context current.
func (b *Backend) checkKernels(k *kernels) (err error) {
	a := b.api
	var bufs []uint64
	defer func() {
		for _, p := range bufs {
			a.cuMemFree(p)
		}
	}()
	upload := func(src []byte) (uint64, error) {
		var p uint64
		if err := cuErr("alloc", a.cuMemAlloc(&p, uint64(len(src)))); err != nil {
			return 0, err
		}
		bufs = append(bufs, p)
		return p, cuErr("copy to device", a.cuMemcpyHtoD(p, unsafe.Pointer(&src[0]), uint64(len(src))))
	}
	runAndRead := func(l launch, out uint64, n int) ([]byte, error) {
		if err := k.run(l); err != nil {
			return nil, err
		}
		if err := cuErr("synchronize", a.cuCtxSynchronize()); err != nil {
			return nil, err
		}
		got := make([]byte, n)
		return got, cuErr("copy from device", a.cuMemcpyDtoH(unsafe.Pointer(&got[0]), out, uint64(n)))
	}

	gen := pow.NewGenerator(katSeed)
	aesBuf, err := upload(aesParams(katSeed))
	if err != nil {
		return err
	}
	for _, m := range []pow.Matrix{pow.MatrixA, pow.MatrixB} {
		// 0xAA everywhere first, so a byte the kernel fails to write shows up.
		dst, err := upload(bytes.Repeat([]byte{0xAA}, katRows*katLd))
		if err != nil {
			return err
		}
		l, err := prfLaunch(dst, aesBuf, m, katFirst, katRows, katCols, katLd)
		if err != nil {
			return err
		}
		got, err := runAndRead(l, dst, katRows*katLd)
		if err != nil {
			return err
		}
		if want := expectRows(gen, m, katFirst, katRows, katCols, katLd); !bytes.Equal(got, want) {
			return fmt.Errorf("%w: %s, matrix %d", errKnownAnswer, prfKernel.name, m)
		}
	}
	c := katMatrix(katHashRows, katHashLd)
	cBuf, err := upload(int32Bytes(c))
	if err != nil {
		return err
	}
	out, err := upload(make([]byte, 32*katHashRows))
	if err != nil {
		return err
	}
	l, err := rowHashLaunch(out, cBuf, katHashFirst, katHashRows, katN, katHashLd)
	if err != nil {
		return err
	}
	got, err := runAndRead(l, out, 32*katHashRows)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, expectHashes(c, katHashFirst, katHashRows, katN, katHashLd)) {
		return fmt.Errorf("%w: %s", errKnownAnswer, rowHashKernel.name)
	}
	return nil
}
