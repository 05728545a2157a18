package cuda

import (
	"fmt"
	"unsafe"

	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
)

// A GEMM of this backend is a pow.RowCommitter: on a device with the kernels loaded
// only the 32-byte row hashes cross the bus; otherwise A is generated and C hashed on
// the host.
var _ pow.RowCommitter = (*gemm)(nil)

// CommitRows implements pow.RowCommitter.
func (g *gemm) CommitRows(hashes []merkle.Hash, seed pow.Seed, first, rows int) error {
	if first < 0 || rows <= 0 || len(hashes) != rows {
		return fmt.Errorf("cuda commit rows: first %d, rows %d, %d hashes", first, rows, len(hashes))
	}
	if g.b.kern == nil {
		return commitRowsHost(g, pow.NewGenerator(seed), hashes, first, rows, g.k, g.n)
	}
	p, err := newPlan(rows, g.k, g.n)
	if err != nil {
		return err
	}
	b := g.b
	leave, err := b.enter()
	defer leave()
	if err != nil {
		return err
	}
	for _, buf := range []struct {
		ptr  *uint64
		cap  *int
		need int
	}{{&g.y, &g.yCap, p.yLen}, {&g.d, &g.dCap, 4 * p.dLen}, {&g.h, &g.hCap, 32 * rows}, {&g.aes, &g.aesCap, aesParamSize}} {
		if err := g.grow(buf.ptr, buf.cap, buf.need); err != nil {
			return err
		}
	}
	if !g.aesLoaded || g.aesSeed != seed {
		params := aesParams(seed)
		if err := cuErr("copy AES params", b.api.cuMemcpyHtoD(g.aes, unsafe.Pointer(&params[0]), uint64(len(params)))); err != nil {
			return err
		}
		g.aesSeed, g.aesLoaded = seed, true
	}
	prf, hash, err := commitSteps(p, g.y, g.d, g.h, g.aes, first)
	if err != nil {
		return err
	}
	if err := b.kern.run(prf); err != nil {
		return err
	}
	// The default stream orders the three steps; matmul synchronizes after the GEMM.
	if err := g.matmul(p); err != nil {
		return err
	}
	if err := b.kern.run(hash); err != nil {
		return err
	}
	if err := cuErr("synchronize", b.api.cuCtxSynchronize()); err != nil {
		return err
	}
	return cuErr("copy row hashes", b.api.cuMemcpyDtoH(unsafe.Pointer(&hashes[0]), g.h, uint64(32*rows)))
}

// commitSteps is CommitRows' two launches around the GEMM planned by p: rows of A
// straight into the GEMM's Y buffer (row-major, kp bytes a row, zero padded), and
// the hashes of D's rows, which are C's rows np entries apart (plan.go).
func commitSteps(p plan, y, d, h, aesBuf uint64, first int) (prf, hash launch, err error) {
	if prf, err = prfLaunch(y, aesBuf, pow.MatrixA, first, p.m, p.k, p.kp); err != nil {
		return launch{}, launch{}, err
	}
	if hash, err = rowHashLaunch(h, d, first, p.m, p.n, p.np); err != nil {
		return launch{}, launch{}, err
	}
	return prf, hash, nil
}

// commitRowsHost is CommitRows without the kernels: A from the host generator, C
// from gm, hashes on the host.
func commitRowsHost(gm pow.GEMM, gen *pow.Generator, hashes []merkle.Hash, first, rows, k, n int) error {
	a := make([]int8, rows*k)
	gen.Rows(pow.MatrixA, first, rows, k, a)
	c := make([]int32, rows*n)
	if err := gm.Mul(c, a, rows); err != nil {
		return err
	}
	for r := range rows {
		hashes[r] = pow.RowHash(first+r, c[r*n:(r+1)*n])
	}
	return nil
}
