package cuda

import (
	"fmt"
	"unsafe"

	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
)

// A GEMM of this backend is a pow.RowCommitter and a pow.BlockSizer: on a device with
// the kernels loaded only the 32-byte row hashes cross the bus; otherwise A is
// generated and C hashed on the host.
var (
	_ pow.RowCommitter = (*gemm)(nil)
	_ pow.BlockSizer   = (*gemm)(nil)
)

// chainsOnDevice reports whether the chain can stay on the device: the GEMM's D
// buffer (rows of np int32) is then byte for byte the next Y (rows of kp int8),
// which needs K = 4N with N a multiple of 4 (no padding on either side).
func chainsOnDevice(p plan) bool { return p.k == 4*p.n && p.kp == p.k && p.np == p.n }

// CommitRows implements pow.RowCommitter: A₀ by the PRF kernel into one buffer,
// then `links` GEMMs, each reading the buffer the previous one wrote (the int32
// output's bytes are the next int8 input) and writing the other, then the row-hash
// kernel over the last one. Device memory: two buffers of rows × K bytes and
// 32 × rows bytes of hashes.
func (g *gemm) CommitRows(hashes []merkle.Hash, seed pow.Seed, first, rows, links int) error {
	if first < 0 || rows <= 0 || links <= 0 || len(hashes) != rows {
		return fmt.Errorf("cuda commit rows: first %d, rows %d, links %d, %d hashes", first, rows, links, len(hashes))
	}
	p, err := newPlan(rows, g.k, g.n)
	if err != nil {
		return err
	}
	if g.b.kern == nil || !chainsOnDevice(p) {
		return commitRowsHost(g, pow.NewGenerator(seed), hashes, first, rows, g.k, g.n, links)
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
	bufs := [2]uint64{g.y, g.d}
	prf, hash, err := commitSteps(p, bufs, g.h, g.aes, first, links)
	if err != nil {
		return err
	}
	if err := b.kern.run(prf); err != nil {
		return err
	}
	// The default stream orders the steps: nothing waits until the hashes are copied.
	for t := range links {
		if err := g.matmulInto(p, bufs[t%2], bufs[(t+1)%2]); err != nil {
			return fmt.Errorf("link %d: %w", t, err)
		}
	}
	if err := b.kern.run(hash); err != nil {
		return err
	}
	if err := cuErr("synchronize", b.api.cuCtxSynchronize()); err != nil {
		return err
	}
	return cuErr("copy row hashes", b.api.cuMemcpyDtoH(unsafe.Pointer(&hashes[0]), g.h, uint64(32*rows)))
}

// commitSteps is CommitRows' two launches around the chain's GEMMs planned by p:
// rows of A₀ straight into the first GEMM's Y buffer, bufs[0] (row-major, kp bytes a
// row, zero padded), and the hashes of the last GEMM's D rows, in bufs[links mod 2]:
// C's rows, np entries apart (plan.go).
func commitSteps(p plan, bufs [2]uint64, h, aesBuf uint64, first, links int) (prf, hash launch, err error) {
	if prf, err = prfLaunch(bufs[0], aesBuf, pow.MatrixA, first, p.m, p.k, p.kp); err != nil {
		return launch{}, launch{}, err
	}
	if hash, err = rowHashLaunch(h, bufs[links%2], first, p.m, p.n, p.np); err != nil {
		return launch{}, launch{}, err
	}
	return prf, hash, nil
}

// commitRowsHost is CommitRows without the kernels: A₀ from the host generator, the
// chain through gm.Mul, hashes on the host.
func commitRowsHost(gm pow.GEMM, gen *pow.Generator, hashes []merkle.Hash, first, rows, k, n, links int) error {
	a := make([]int8, rows*k)
	gen.Rows(pow.MatrixA, first, rows, k, a)
	chain := make([][]int32, links)
	for t := range chain {
		chain[t] = make([]int32, rows*n)
	}
	if err := pow.Chain(gm, a, rows, k, n, chain); err != nil {
		return err
	}
	c := chain[links-1]
	for r := range rows {
		hashes[r] = pow.RowHash(first+r, c[r*n:(r+1)*n])
	}
	return nil
}
