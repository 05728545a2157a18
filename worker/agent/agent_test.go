package agent

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/report"
	"github.com/ionet-network/ionet/worker/gemm"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestIdentityIsGeneratedOnceWithPrivateMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	k1, created, err := LoadIdentity(dir)
	require.NoError(t, err)
	assert.True(t, created)
	st, err := os.Stat(filepath.Join(dir, IdentityFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	k2, created, err := LoadIdentity(dir)
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, k1, k2)
	require.NoError(t, os.WriteFile(filepath.Join(dir, IdentityFile), []byte("[1,2"), 0o600))
	_, _, err = LoadIdentity(dir)
	assert.Error(t, err, "a damaged key is an error, not replaced")
}

func TestParseCompliance(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want uint64
		ok   bool
	}{
		{nil, 0, true},
		{[]string{"0", "3"}, 0b1001, true},
		{[]string{"0,3", " 5 "}, 0b101001, true},
		{[]string{"0x10", "63"}, 0x10 | 1<<63, true},
		{[]string{"64"}, 0, false},
		{[]string{"-1"}, 0, false},
		{[]string{"0xzz"}, 0, false},
		{[]string{"gdpr"}, 0, false},
	} {
		got, err := ParseCompliance(tc.in)
		if !tc.ok {
			assert.Error(t, err, "%v", tc.in)
			continue
		}
		require.NoError(t, err, "%v", tc.in)
		assert.Equal(t, tc.want, got, "%v", tc.in)
	}
}

// Mock GPUs of two classes give their classes, counts and VRAM; the spec follows.
func TestDiscoverMockGPUsAndNodeArgs(t *testing.T) {
	for _, tc := range []struct {
		cfg   gpus.Config
		class string
		id    uint8
	}{{gpus.H100_SXM5_80GB, "h100-sxm", 1}, {gpus.A100_SXM4_80GB, "a100", 2}} {
		hw, err := Discover(DiscoverConfig{NVML: dgxa100.NewWithGPUs(gpus.Multiple(4, tc.cfg)...), DataDir: t.TempDir(), Logger: quiet()})
		require.NoError(t, err)
		assert.Equal(t, tc.class, hw.Class)
		assert.Equal(t, tc.id, hw.ClassID)
		assert.Equal(t, 4, hw.Devices)
		args, err := NodeArgs(hw, Offer{AskMicroUSD: 2_150_000, Location: "US", Compliance: 5, BandwidthMbps: 10_000, Endpoint: "http://w:7080"})
		require.NoError(t, err)
		assert.Equal(t, tc.id, args.Spec.GpuClass)
		assert.Equal(t, uint16(4), args.Spec.GpuCount)
		assert.Equal(t, uint32(81920), args.Spec.VramMibPerGpu)
		assert.False(t, args.Spec.Nvlink, "the mock reports no NVLink")
		assert.Equal(t, [2]uint8{'U', 'S'}, args.Spec.Location)
		assert.Equal(t, uint64(5), args.Spec.Compliance)
		assert.Equal(t, "http://w:7080", args.Endpoint)
	}
	// Mixed classes: the first GPU's class, the others left out.
	mixed := append(gpus.Multiple(2, gpus.A100_SXM4_80GB), gpus.Multiple(3, gpus.H100_SXM5_80GB)...)
	hw, err := Discover(DiscoverConfig{NVML: dgxa100.NewWithGPUs(mixed...), Logger: quiet()})
	require.NoError(t, err)
	assert.Equal(t, "a100", hw.Class)
	assert.Equal(t, 2, hw.Devices)
	assert.Len(t, hw.NodeGPUs(), 2)
	c, err := classes.CPU(classes.ISAGeneric, 3)
	require.NoError(t, err)
	assert.Equal(t, 1, hw.WithClass(c).Devices)
	assert.Equal(t, c.ID, hw.WithClass(c).ClassID)

	for _, bad := range []Offer{
		{AskMicroUSD: 1, Location: "us", Endpoint: "x"},
		{AskMicroUSD: 0, Location: "US", Endpoint: "x"},
		{AskMicroUSD: 1, Location: "US", Endpoint: ""},
		{AskMicroUSD: 1, Location: "US", Endpoint: string(make([]byte, 129))},
	} {
		_, err := NodeArgs(hw, bad)
		assert.Error(t, err, "%+v", bad)
	}
	_, err = MockNVML("v100:1")
	assert.Error(t, err)
	_, err = MockNVML("a100:x")
	assert.Error(t, err)
}

// The progress decorator keeps the GEMM's optional interfaces and counts its work.
func TestProgressKeepsInterfaces(t *testing.T) {
	b := Progress(gemm.Backend{Threads: 1}, time.Nanosecond, quiet())
	_, seeded := b.(pow.SeededBackend)
	assert.False(t, seeded, "the CPU backend is not seeded, nor is its wrapper")
	g, err := b.NewGEMM(make([]int8, 64*16), 64, 16)
	require.NoError(t, err)
	_, sizer := g.(pow.BlockSizer)
	assert.True(t, sizer)
	_, rows := g.(pow.RowCommitter)
	assert.False(t, rows)
	assert.Positive(t, g.(pow.BlockSizer).BlockRows())
	require.NoError(t, g.Mul(make([]int32, 2*16), make([]int8, 2*64), 2))
	pg := g.(progressGEMM)
	assert.Equal(t, 2, pg.t.rows)
	assert.Equal(t, float64(2*2*64*16), pg.t.ops)
	assert.Equal(t, gemm.Backend{Threads: 1}.Name(), b.Name())
	require.NoError(t, g.Close())
	assert.Equal(t, pow.Backend(gemm.Backend{}), Progress(gemm.Backend{}, 0, quiet()), "0: no wrapper")
}

type rowGEMM struct{ pow.GEMM }

func (rowGEMM) CommitRows([]merkle.Hash, pow.Seed, int, int, int) error { return nil }

func TestProgressRowCommitter(t *testing.T) {
	p := progressBackend{inner: gemm.Backend{}, every: time.Hour, log: quiet()}
	g := p.wrap(rowGEMM{}, 8, 2)
	rc, ok := g.(pow.RowCommitter)
	require.True(t, ok)
	require.NoError(t, rc.CommitRows(nil, pow.Seed{}, 0, 4, 3))
	assert.Equal(t, float64(2*4*8*2*3), g.(rowProgressGEMM).t.ops)
}

func TestJournalEntriesExpireAndSurviveDamage(t *testing.T) {
	dir := t.TempDir()
	j, err := OpenJournal(dir)
	require.NoError(t, err)
	keeper := make([]byte, 32)
	keeper[0] = 9
	s1, s2 := pow.Seed{1}, pow.Seed{2}
	require.NoError(t, j.Committed(s1, []byte("challenge"), keeper, []byte("commitment")))
	require.NoError(t, j.Committed(s2, []byte("c2"), keeper, []byte("m2")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "zz.commitment"), []byte("junk"), 0o600))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(j.path(s2), old, old))
	es, err := j.Entries(time.Minute, time.Now())
	require.NoError(t, err)
	require.Len(t, es, 1)
	assert.Equal(t, s1, es[0].Seed)
	assert.Equal(t, []byte("challenge"), es[0].Challenge)
	assert.Equal(t, []byte("commitment"), es[0].Commitment)
	assert.Equal(t, keeper, []byte(es[0].Keeper))
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, left, 1, "expired and damaged entries are removed")
	j.Done(s1)
	es, err = j.Entries(time.Minute, time.Now())
	require.NoError(t, err)
	assert.Empty(t, es)
}

// A leaf owes its cumulative reward less what was claimed; a leaf of an epoch
// claimed already, or one whose cumulative the node has been paid (epochs it earned
// nothing in), owes nothing, and Availability sends no claim for it.
func TestOwed(t *testing.T) {
	epoch := func(e uint64) *uint64 { return &e }
	leaf := func(e, cumulative uint64) Proof {
		return Proof{Leaf: report.Leaf{Epoch: e, CumulativeReward: cumulative}}
	}
	for _, c := range []struct {
		name string
		p    Proof
		st   iorewards.ClaimState
		want uint64
	}{
		{"first claim", leaf(3, 500), iorewards.ClaimState{}, 500},
		{"first claim of nothing", leaf(3, 0), iorewards.ClaimState{}, 0},
		{"a later epoch that earned", leaf(5, 800), iorewards.ClaimState{LastEpoch: epoch(3), Claimed: 500}, 300},
		{"a later epoch that earned nothing", leaf(5, 500), iorewards.ClaimState{LastEpoch: epoch(3), Claimed: 500}, 0},
		{"the epoch claimed already", leaf(3, 500), iorewards.ClaimState{LastEpoch: epoch(3), Claimed: 500}, 0},
		{"an older epoch", leaf(2, 400), iorewards.ClaimState{LastEpoch: epoch(3), Claimed: 500}, 0},
	} {
		assert.Equal(t, c.want, Owed(c.p, c.st), c.name)
	}
}

// run listens on the registered endpoint's port unless --listen is given; a given
// --listen on another port is kept, with a warning.
func TestListenAddrFollowsTheRegisteredEndpoint(t *testing.T) {
	for _, c := range []struct {
		listen   string
		given    bool
		endpoint string
		want     string
		warns    bool
	}{
		{DefaultListen, false, "http://10.0.0.7:7081", ":7081", false},
		{DefaultListen, false, "10.0.0.7:7082", ":7082", false},
		{DefaultListen, false, "https://worker.example", DefaultListen, false},
		{DefaultListen, false, "", DefaultListen, false},
		{"127.0.0.1:7081", true, "http://10.0.0.7:7081", "127.0.0.1:7081", false},
		{":9000", true, "http://10.0.0.7:7081", ":9000", true},
		{":9000", true, "https://worker.example", ":9000", false},
		{":9000", true, "", ":9000", false},
	} {
		addr, warn := ListenAddr(c.listen, c.given, c.endpoint)
		assert.Equal(t, c.want, addr, "%+v", c)
		assert.Equal(t, c.warns, warn != "", "%+v: %q", c, warn)
	}
	dir := t.TempDir()
	got, err := LoadEndpoint(dir)
	require.NoError(t, err)
	assert.Empty(t, got, "nothing registered yet")
	require.NoError(t, SaveEndpoint(dir, "http://10.0.0.7:7081"))
	got, err = LoadEndpoint(dir)
	require.NoError(t, err)
	assert.Equal(t, "http://10.0.0.7:7081", got)
}
