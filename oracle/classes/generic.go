package classes

import (
	"fmt"
	"math"
)

// GPUSpec is what NVML reports about a device whose model is not in the table; a
// generic class is sized from it. Keeper and worker derive the same class from the
// name GenericGPU returns, so the spec never travels apart from the name.
type GPUSpec struct {
	ComputeMajor, ComputeMinor int    // CUDA compute capability
	SMs                        int    // streaming multiprocessors
	MaxSMClockMHz              int    // NVML max SM clock
	MemoryBytes                uint64 // total device memory
}

// genericGPUPrefix starts every generic GPU class name: gpu-sm<cc>-<SMs>x<MHz>.
const genericGPUPrefix = "gpu-"

// GenericGPUID is the on-chain class number of the whole generic GPU family; its
// members differ by name, and each earns by its measured TOPS.
const GenericGPUID = 250

// MinGenericGPUMemory is the least device memory a generic GPU class accepts: B
// (K·N = 256 MiB), two 256-row chain buffers (2·256·K) and cuBLASLt's workspace fit
// with room to spare.
const MinGenericGPUMemory = 2 << 30

// denseINT8OpsPerSMClock is the dense INT8 tensor throughput per SM and clock by
// compute capability (major·10 + minor), from NVIDIA's architecture whitepapers:
// peak TOPS ÷ (SMs × boost clock). Where a generation has no INT8 tensor cores the
// DP4A rate stands in (sm_61, sm_70: 64 lanes × 4 × 2). Unknown newer parts use the
// latest known rate, older ones the DP4A rate.
var denseINT8OpsPerSMClock = map[int]float64{
	61: 512,  // Pascal: DP4A
	70: 512,  // Volta: DP4A, no INT8 tensor cores
	72: 2048, // Xavier
	75: 2048, // Turing: T4 130 TOPS = 40 SMs × 1.59 GHz × 2048
	80: 4096, // A100: 624 TOPS = 108 × 1.41 GHz × 4096
	86: 2048, // GA10x: RTX 3090 284 TOPS = 82 × 1.695 GHz × 2048
	87: 2048, // Orin
	89: 2048, // Ada: RTX 4090 660.6 TOPS = 128 × 2.52 GHz × 2048
	90: 8192, // Hopper: H100 SXM 1979 TOPS = 132 × 1.83 GHz × 8192
}

// PeakTOPS estimates the dense INT8 peak of s: SMs × max SM clock × the per-SM rate
// of its compute capability.
func (s GPUSpec) PeakTOPS() float64 {
	return float64(s.SMs) * float64(s.MaxSMClockMHz) * 1e6 * opsPerSMClock(10*s.ComputeMajor+s.ComputeMinor) / 1e12
}

// opsPerSMClock is denseINT8OpsPerSMClock with unknown capabilities mapped to the
// nearest generation: newer than the table → the newest rate, older → the oldest.
func opsPerSMClock(cc int) float64 {
	if rate, ok := denseINT8OpsPerSMClock[cc]; ok {
		return rate
	}
	newest, oldest := 0, 1000
	for k := range denseINT8OpsPerSMClock {
		newest, oldest = max(newest, k), min(oldest, k)
	}
	if cc > newest {
		return denseINT8OpsPerSMClock[newest]
	}
	if cc < oldest {
		return denseINT8OpsPerSMClock[oldest]
	}
	// A gap inside the table (sm_71, sm_88…): the previous known generation.
	best := oldest
	for k := range denseINT8OpsPerSMClock {
		if k < cc && k > best {
			best = k
		}
	}
	return denseINT8OpsPerSMClock[best]
}

// GenericGPU returns the generic class for a device NVML reports but the table does
// not know. It never returns an empty class for a usable device: the name spells
// the compute capability, SM count and clock, the peak follows from them, and the
// sizes give TargetRefTime at RefEfficiency like every class. Memory only decides
// whether the device can hold the challenge at all.
func GenericGPU(s GPUSpec) (Class, error) {
	switch {
	case s.ComputeMajor <= 0 || s.SMs <= 0 || s.MaxSMClockMHz <= 0:
		return Class{}, fmt.Errorf("generic gpu class: incomplete spec %+v: %w", s, ErrUnknown)
	case s.MemoryBytes < MinGenericGPUMemory:
		return Class{}, fmt.Errorf("generic gpu class: %d bytes of memory, need %d: %w", s.MemoryBytes, uint64(MinGenericGPUMemory), ErrUnknown)
	}
	return genericGPU(s.ComputeMajor, s.ComputeMinor, s.SMs, s.MaxSMClockMHz)
}

func genericGPU(major, minor, sms, mhz int) (Class, error) {
	s := GPUSpec{ComputeMajor: major, ComputeMinor: minor, SMs: sms, MaxSMClockMHz: mhz}
	if major <= 0 || major > 99 || minor < 0 || minor > 9 || sms <= 0 || sms > 4096 || mhz <= 0 || mhz > 10000 {
		return Class{}, fmt.Errorf("generic gpu class: spec %+v out of range: %w", s, ErrUnknown)
	}
	peak := math.Round(s.PeakTOPS()*10) / 10
	name := fmt.Sprintf("%ssm%d%d-%dx%d", genericGPUPrefix, major, minor, sms, mhz)
	return sized(GenericGPUID, name, GPUK, GPUN, GPUT, peak,
		fmt.Sprintf("derived: %d SMs × %d MHz × %.0f dense INT8 ops per SM and clock (sm_%d%d)",
			sms, mhz, opsPerSMClock(10*major+minor), major, minor)), nil
}

func parseGenericGPU(name string) (Class, error) {
	var major, minor, sms, mhz int
	var cc int
	if n, err := fmt.Sscanf(name, genericGPUPrefix+"sm%d-%dx%d", &cc, &sms, &mhz); err != nil || n != 3 {
		return Class{}, fmt.Errorf("class %q: %w", name, ErrUnknown)
	}
	major, minor = cc/10, cc%10
	c, err := genericGPU(major, minor, sms, mhz)
	if err != nil {
		return Class{}, err
	}
	if c.Name != name { // one spelling per class: no leading zeros, no suffixes
		return Class{}, fmt.Errorf("class %q is not canonical (%q): %w", name, c.Name, ErrUnknown)
	}
	return c, nil
}

// Family names the derived family an on-chain class id stands for, whose members
// share the id and differ by name ("cpu-avx2-*"), or "" for an id of the fixed table
// or an unknown one.
func Family(id uint8) string {
	switch id {
	case CPUVNNIID:
		return "cpu-avx512vnni-*"
	case CPUAVX2ID:
		return "cpu-avx2-*"
	case CPUGenericID:
		return "cpu-generic-*"
	case GenericGPUID:
		return "gpu-*"
	}
	return ""
}
