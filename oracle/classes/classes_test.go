package classes

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkSized asserts the rules every class obeys, fixed or derived.
func checkSized(t *testing.T, c Class) {
	t.Helper()
	require.NoError(t, c.Validate())
	ref := c.Ops() / (RefEfficiency * c.DensePeakTOPS * 1e12)
	assert.InDelta(t, ref, c.RefTime.Seconds(), 0.001, "%s: RefTime against its sizes", c.Name)
	// M is a whole number of rows: at most half a row's time off the target, which
	// matters only for classes of a few dozen rows (one slow core).
	assert.InDelta(t, TargetRefTime.Seconds(), ref, max(0.1, TargetRefTime.Seconds()/(2*float64(c.M))), "%s: reference time", c.Name)
	assert.NotEmpty(t, c.Source, "%s: peak without a source", c.Name)
}

func TestTableIsConsistent(t *testing.T) {
	ids, names := map[uint8]bool{}, map[string]bool{}
	for _, c := range All() {
		require.False(t, ids[c.ID] || names[c.Name], "duplicate class %d %q", c.ID, c.Name)
		ids[c.ID], names[c.Name] = true, true
		checkSized(t, c)
		assert.Equal(t, []int{GPUK, GPUN, GPUT}, []int{c.K, c.N, c.T}, c.Name)
		back, err := ByID(c.ID)
		require.NoError(t, err)
		assert.Equal(t, c, back)
	}
}

// Every model the issue lists has a class with its datasheet's dense INT8 peak.
func TestPeaksOfListedModels(t *testing.T) {
	peaks := map[string]float64{
		"h200": 1979, "h100-sxm": 1979, "h100-pcie": 1513, "h100-nvl": 1671, "a100": 624,
		"l40s": 733, "l40": 362.1, "a40": 299.3, "rtx6000-ada": 728.5, "rtx-a6000": 309.7,
		"rtx4090": 660.6, "rtx4080": 389.9, "rtx3090": 284, "rtx3080": 238, "a10": 250,
		"l4": 242.5, "t4": 130, "v100": 62.7,
	}
	require.Len(t, All(), len(peaks))
	for name, p := range peaks {
		c, err := ByName(name)
		require.NoError(t, err, name)
		assert.Equal(t, p, c.DensePeakTOPS, name)
	}
	// The largest class sets the prover's memory bound: its leaves, M × 32 bytes.
	h, _ := ByName("h100-sxm")
	assert.Equal(t, 3_225_403, h.M)
	assert.Less(t, h.M*32, 128<<20)
}

func TestUnknownClass(t *testing.T) {
	for _, name := range []string{"tpu", "cpu", "gpu-", "gpu-sm90-132", "gpu-sm090-132x1980", "gpu-sm90-132x1980x",
		"cpu-avx512vnni", "cpu-avx512vnni-0", "cpu-avx512vnni-016", "cpu-sse2-4", "cpu-avx2-2000"} {
		_, err := ByName(name)
		assert.ErrorIs(t, err, ErrUnknown, name)
	}
	_, err := ByID(0)
	assert.ErrorIs(t, err, ErrUnknown)
}

func TestGenericGPUFromNVML(t *testing.T) {
	// An H100 SXM's own NVML numbers give a generic peak within 10% of its datasheet
	// (NVML's max clock 1980 MHz is above the 1830 MHz the datasheet peak assumes).
	h100 := GPUSpec{ComputeMajor: 9, SMs: 132, MaxSMClockMHz: 1980, MemoryBytes: 80 << 30}
	c, err := GenericGPU(h100)
	require.NoError(t, err)
	assert.Equal(t, "gpu-sm90-132x1980", c.Name)
	assert.Equal(t, uint8(GenericGPUID), c.ID)
	assert.InDelta(t, 1979, c.DensePeakTOPS, 0.1*1979)
	checkSized(t, c)
	// The keeper derives the same class from the name alone.
	back, err := ByName(c.Name)
	require.NoError(t, err)
	assert.Equal(t, c, back)

	// A T4's numbers give its 130 TOPS; an unknown future part takes the newest rate.
	t4, err := GenericGPU(GPUSpec{ComputeMajor: 7, ComputeMinor: 5, SMs: 40, MaxSMClockMHz: 1590, MemoryBytes: 16 << 30})
	require.NoError(t, err)
	assert.InDelta(t, 130, t4.DensePeakTOPS, 1)
	next, err := GenericGPU(GPUSpec{ComputeMajor: 12, SMs: 10, MaxSMClockMHz: 1000, MemoryBytes: 8 << 30})
	require.NoError(t, err)
	assert.InDelta(t, 10*1e9*8192/1e12, next.DensePeakTOPS, 0.1)
	checkSized(t, next)

	for _, bad := range []GPUSpec{
		{ComputeMajor: 9, SMs: 132, MaxSMClockMHz: 1980, MemoryBytes: 1 << 30}, // too little memory
		{ComputeMajor: 9, MaxSMClockMHz: 1980, MemoryBytes: 80 << 30},          // no SM count
		{SMs: 132, MaxSMClockMHz: 1980, MemoryBytes: 80 << 30},                 // no capability
	} {
		_, err := GenericGPU(bad)
		assert.ErrorIs(t, err, ErrUnknown, "%+v", bad)
	}
}

func TestCPUClassesFromISAAndCores(t *testing.T) {
	for _, isa := range []CPUISA{ISAAVX512VNNI, ISAAVX2, ISAGeneric} {
		for _, cores := range []int{1, 2, 16, 96} {
			c, err := CPU(isa, cores)
			require.NoError(t, err)
			checkSized(t, c)
			assert.Equal(t, []int{CPUK, CPUN, CPUT}, []int{c.K, c.N, c.T})
			assert.InDelta(t, float64(cores)*PerCorePeakTOPS(isa), c.DensePeakTOPS, 1e-9)
			back, err := ByName(c.Name)
			require.NoError(t, err)
			assert.Equal(t, c, back)
		}
	}
	// The 2-core VNNI machine this was written on measured 1.06 TOPS (issue 16); the
	// old single class flagged it. Its derived class does not.
	c, err := CPU(ISAAVX512VNNI, 2)
	require.NoError(t, err)
	assert.Equal(t, "cpu-avx512vnni-2", c.Name)
	assert.Greater(t, c.DensePeakTOPS*1.05, 1.06)
	assert.Less(t, math.Abs(PerCorePeakTOPS(ISAAVX512VNNI)-0.8448), 1e-9)
}

// Every speed tier of every ISA is a class with one canonical name that ByName reads
// back; its peak is cores × P₀ × 2^(−j/4).
func TestCPUTiers(t *testing.T) {
	seen := map[string]bool{}
	for _, isa := range []CPUISA{ISAAVX512VNNI, ISAAVX2, ISAGeneric} {
		for _, cores := range []int{1, 16, 1024} {
			for j := CPUMinTier; j <= CPUMaxTier; j++ {
				c, err := CPUTier(isa, cores, j)
				require.NoError(t, err)
				checkSized(t, c)
				assert.Equal(t, cpuIDs[isa], c.ID)
				assert.InDelta(t, float64(cores)*PerCorePeakTOPS(isa)*math.Pow(2, -float64(j)/4), c.DensePeakTOPS, 1e-9*c.DensePeakTOPS)
				back, err := ByName(c.Name)
				require.NoError(t, err, c.Name)
				assert.Equal(t, c, back)
				assert.False(t, seen[c.Name], "two tiers named %s", c.Name)
				seen[c.Name] = true
				if j == 0 {
					assert.NotRegexp(t, `x[0-9.]+$`, c.Name, "tier 0 keeps the plain name")
				}
			}
		}
	}
	one, err := CPUTier(ISAAVX512VNNI, 16, 4)
	require.NoError(t, err)
	assert.Equal(t, "cpu-avx512vnni-16x422", one.Name)
	for _, tier := range []int{CPUMinTier - 1, CPUMaxTier + 1} {
		_, err := CPUTier(ISAAVX2, 4, tier)
		assert.ErrorIs(t, err, ErrUnknown, "tier %d", tier)
	}
	// A suffix that is no tier says which one is nearest.
	_, err = ByName("cpu-avx512vnni-16x300")
	assert.ErrorContains(t, err, "x300 is not a speed tier of avx512vnni (nearest: x299)")
	_, err = ByName("cpu-avx512vnni-16x845")
	assert.ErrorContains(t, err, "nearest: tier 0, no suffix")
	// Non-canonical spellings of a member, and suffixes that are no tier's.
	for _, name := range []string{"cpu-avx512vnni-16x845", "cpu-avx512vnni-16x422.0", "cpu-avx512vnni-16x423",
		"cpu-avx512vnni-16x", "cpu-avx512vnni-x422", "cpu-avx512vnni-016x422", "cpu-avx2-16x1190",
		"cpu-avx512vnni-16x2390", "cpu-sse2-16x422", "cpu-avx512vnni-16x422x422", "cpu-generic-16x0.1"} {
		_, err := ByName(name)
		assert.ErrorIs(t, err, ErrUnknown, name)
	}
}

// CPUTierFor puts every rate within 2^(±1/8) of its tier's centre, from the slowest
// tier's centre to the fastest's, on a fine logarithmic grid; outside that span it
// clamps; a rate that is not positive gets tier 0.
func TestCPUTierFor(t *testing.T) {
	for _, isa := range []CPUISA{ISAAVX512VNNI, ISAAVX2, ISAGeneric} {
		lo := CPUTierCentre * TierPeakTOPS(isa, CPUMaxTier)
		hi := CPUTierCentre * TierPeakTOPS(isa, CPUMinTier)
		for r := lo; r <= hi; r *= 1.001 {
			j := CPUTierFor(isa, r)
			ratio := r / TierPeakTOPS(isa, j)
			require.GreaterOrEqual(t, ratio, CPUTierCentre*math.Pow(2, -0.5/CPUTiersPerOctave)*(1-1e-9), "%s at %g TOPS/core: tier %d", isa, r, j)
			require.LessOrEqual(t, ratio, CPUTierCentre*math.Pow(2, 0.5/CPUTiersPerOctave)*(1+1e-9), "%s at %g TOPS/core: tier %d", isa, r, j)
		}
		assert.Equal(t, CPUMaxTier, CPUTierFor(isa, lo/10))
		assert.Equal(t, CPUMinTier, CPUTierFor(isa, hi*10))
		for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
			assert.Equal(t, 0, CPUTierFor(isa, bad), "%g", bad)
		}
	}
	// A two-port VNNI server whose whole challenge runs at 0.62 TOPS per core (183
	// ops per cycle at 3.4 GHz) is at tier 0; a one-port part at half that rate, one
	// octave (four tiers) down; issue 16's 2-core machine (0.53 TOPS per core for the
	// GEMM alone) one tier down.
	assert.Equal(t, 0, CPUTierFor(ISAAVX512VNNI, 0.62))
	assert.Equal(t, 4, CPUTierFor(ISAAVX512VNNI, 0.31))
	assert.Equal(t, 1, CPUTierFor(ISAAVX512VNNI, 0.53))
}

// The localnet class is a valid member of the generic-CPU family that only
// LocalnetLookup knows; every table class is found through it as through ByName.
func TestLocalnetClass(t *testing.T) {
	if err := LocalnetCPU.Validate(); err != nil {
		t.Fatal(err)
	}
	if LocalnetCPU.ID != CPUGenericID || LocalnetCPU.RefTime <= 0 || LocalnetCPU.RefTime > 100*time.Millisecond {
		t.Fatalf("localnet class %+v", LocalnetCPU)
	}
	if _, err := ByName(LocalnetCPU.Name); err == nil {
		t.Fatal("ByName knows the localnet class")
	}
	if c, err := LocalnetLookup(LocalnetCPU.Name); err != nil || c != LocalnetCPU {
		t.Fatalf("LocalnetLookup: %+v, %v", c, err)
	}
	for _, name := range []string{"h100-sxm", "t4"} {
		want, _ := ByName(name)
		if got, err := LocalnetLookup(name); err != nil || got != want {
			t.Fatalf("LocalnetLookup(%s): %+v, %v", name, got, err)
		}
	}
	if _, err := LocalnetLookup("no-such-class"); err == nil {
		t.Fatal("unknown name accepted")
	}
}

// Every derived family's id has a family name that its members' names match, and
// no fixed class's id has one.
func TestFamilyNames(t *testing.T) {
	for isa, id := range cpuIDs {
		c, err := CPU(isa, 4)
		require.NoError(t, err)
		assert.Equal(t, id, c.ID)
		assert.True(t, strings.HasPrefix(c.Name, strings.TrimSuffix(Family(id), "*")), "%s in %s", c.Name, Family(id))
	}
	g, err := GenericGPU(GPUSpec{ComputeMajor: 9, SMs: 132, MaxSMClockMHz: 1980, MemoryBytes: 80 << 30})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(g.Name, strings.TrimSuffix(Family(g.ID), "*")))
	for _, c := range All() {
		assert.Empty(t, Family(c.ID), c.Name)
	}
}
