package cuda

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"
	"unsafe"

	"github.com/ionet-network/ionet/oracle/pow"
)

func TestPackedArgsPointAtEachValue(t *testing.T) {
	l, err := rowHashLaunch(0x7f00_0000_1000, 0x7f00_0002_0000, 1<<40+5, 300, 17, 20)
	if err != nil {
		t.Fatal(err)
	}
	p, err := l.pack()
	if err != nil {
		t.Fatal(err)
	}
	defer p.release()
	if len(p.ptrs) != len(rowHashKernel.params) {
		t.Fatalf("%d pointers for %d parameters", len(p.ptrs), len(rowHashKernel.params))
	}
	for i, prm := range rowHashKernel.params {
		if uintptr(p.ptrs[i])%uintptr(prm.typ.size()) != 0 {
			t.Errorf("%s: misaligned", prm.name)
		}
		// Read exactly as many bytes as the driver will, from where it will.
		b := unsafe.Slice((*byte)(p.ptrs[i]), prm.typ.size())
		var got uint64
		if prm.typ == paramU64 {
			got = binary.LittleEndian.Uint64(b)
		} else {
			got = uint64(binary.LittleEndian.Uint32(b))
		}
		if got != l.args[i] {
			t.Errorf("%s: driver would read %d, want %d", prm.name, got, l.args[i])
		}
	}
	pad, _ := newLeafPadding(17)
	want := []uint64{0x7f00_0000_1000, 0x7f00_0002_0000, 1<<40 + 5, 300, 17, 20, uint64(pad.blocks), uint64(pad.bits)}
	for i := range want {
		if l.args[i] != want[i] {
			t.Fatalf("row hash args %v, want %v", l.args, want)
		}
	}
	if l.grid != 3 || l.block != 128 {
		t.Errorf("300 rows: grid %d × %d", l.grid, l.block)
	}
}

func TestPackRejectsWrongArguments(t *testing.T) {
	if _, err := (launch{k: &prfKernel, args: []uint64{1, 2, 3}}).pack(); err == nil {
		t.Error("3 arguments for 7 parameters packed")
	}
	args := []uint64{1, 2, 0, math.MaxUint32 + 1, 1, 1, 1}
	if _, err := (launch{k: &prfKernel, args: args}).pack(); err == nil {
		t.Error("a .u32 parameter took 2³²")
	}
}

func TestPRFLaunchSizing(t *testing.T) {
	for _, c := range []struct{ rows, cols, ld, grid int }{
		{1, 1, 4, 1},       // one counter block
		{16, 16, 16, 1},    // 16 threads
		{256, 16, 16, 1},   // exactly one block of threads
		{257, 16, 16, 2},   // one more
		{70, 61, 64, 2},    // 4 counter blocks a row, 280 threads
		{3, 4096, 4096, 3}, // 768 threads
	} {
		l, err := prfLaunch(8, 16, pow.MatrixB, 9, c.rows, c.cols, c.ld)
		if err != nil {
			t.Fatal(err)
		}
		if int(l.grid) != c.grid || l.block != 256 {
			t.Errorf("%+v: grid %d × %d", c, l.grid, l.block)
		}
		if got := []uint64{8, 16, 1, 9, uint64(c.rows), uint64(c.cols), uint64(c.ld)}; !slices.Equal(l.args, got) {
			t.Errorf("%+v: args %v", c, l.args)
		}
		// Every counter block has a thread.
		if uint64(l.grid)*uint64(l.block) < uint64(c.rows)*ceilDiv(uint64(c.ld), 16) {
			t.Errorf("%+v: grid too small", c)
		}
	}
	for _, c := range [][4]int{
		{-1, 1, 1, 1}, {0, 0, 1, 1}, {0, 1, 0, 1}, {0, 1, 8, 4}, // bad shapes, ld < cols
		{math.MaxUint32, 2, 1, 1},              // row index past 2³²
		{0, 1 << 29, 1 << 8, 1 << 8},           // 2³³ threads
		{0, 1, math.MaxUint32, math.MaxUint32}, // ld + 15 overflows
	} {
		if _, err := prfLaunch(0, 0, pow.MatrixA, c[0], c[1], c[2], c[3]); err == nil {
			t.Errorf("prfLaunch%v accepted", c)
		}
	}
}

func TestRowHashLaunchRejects(t *testing.T) {
	for _, c := range [][4]int{{-1, 1, 1, 1}, {0, 0, 1, 1}, {0, 1, 0, 1}, {0, 1, 5, 4}, {0, 1, 134217726, 134217726}} {
		if _, err := rowHashLaunch(0, 0, c[0], c[1], c[2], c[3]); err == nil {
			t.Errorf("rowHashLaunch%v accepted", c)
		}
	}
}

func TestCommitStepsFollowThePlan(t *testing.T) {
	p, err := newPlan(5, 13, 7)
	if err != nil {
		t.Fatal(err)
	}
	prf, hash, err := commitSteps(p, [2]uint64{100, 200}, 300, 400, 42, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(prf.args, []uint64{100, 400, uint64(pow.MatrixA), 42, 5, 13, 16}) {
		t.Errorf("prf args %v: want A into Y with ld kp = 16", prf.args)
	}
	if hash.args[0] != 300 || hash.args[1] != 200 || hash.args[2] != 42 || hash.args[3] != 5 || hash.args[4] != 7 || hash.args[5] != 8 {
		t.Errorf("hash args %v: want D's rows, n = 7, ld np = 8", hash.args)
	}
	// A chain ends in the buffer its last link wrote: the first after an even count.
	for links, want := range map[int]uint64{1: 200, 2: 100, 3: 200, 16: 100} {
		_, hash, err := commitSteps(p, [2]uint64{100, 200}, 300, 400, 42, links)
		if err != nil || hash.args[1] != want {
			t.Errorf("%d links: hash reads %d, want %d (%v)", links, hash.args[1], want, err)
		}
	}
}

func TestBlockRowsFromTheDevice(t *testing.T) {
	const k = 32768
	for _, c := range []struct {
		sms  int
		free uint64
		want int
	}{
		{132, 140 << 30, 16384}, // H100/H200: 132 × 128 = 16896 → 16384 rows, 1 GiB of buffers
		{40, 15 << 30, 4096},    // T4
		{128, 22 << 30, 16384},  // RTX 4090
		{0, 0, 1024},            // unknown SMs count as 8; unknown memory does not limit
		{132, 1 << 30, 4096},    // little free memory: 2 × 4096 × 32 KiB = 256 MiB ≤ 512 MiB
		{132, 10 << 20, 256},    // the floor
		{1000, 1 << 40, 65536},  // the ceiling
	} {
		got := blockRowsFor(c.sms, c.free, k)
		if got != c.want {
			t.Errorf("%d SMs, %d free: %d rows, want %d", c.sms, c.free, got, c.want)
		}
		if got&(got-1) != 0 {
			t.Errorf("%d rows is not a power of two", got)
		}
	}
}
