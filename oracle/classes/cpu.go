package classes

import (
	"fmt"
	"strconv"
	"strings"
)

// CPU classes are derived from what a keeper can reason about: the instruction set
// of the exact int8 GEMM and the number of cores. Name: cpu-<isa>-<cores>.
const cpuPrefix = "cpu-"

// CPUISA names the exact int8 GEMM path a CPU class assumes.
type CPUISA string

// The ISA tiers, fastest first, as worker/gemm names its kernels.
const (
	ISAAVX512VNNI CPUISA = "avx512vnni"
	ISAAVX2       CPUISA = "avx2"
	ISAGeneric    CPUISA = "generic"
)

// CPU family numbers on chain, one per ISA tier.
const (
	CPUVNNIID    = 240
	CPUAVX2ID    = 241
	CPUGenericID = 242
)

// cpuMaxClockGHz is the clock every per-core peak assumes. The timing rule leaves a
// window of real rates per class: late below 0.7·P·20 s / 27 s = 0.519·P, flagged
// above 1.05·P, and twice a real rate must be flagged, so honest rates must lie in
// [0.525·P, 1.05·P], a factor of 2. The exact VNNI kernel reaches about 183 ops per
// cycle (1.06 TOPS on 2 cores at 2.9 GHz, issue 16); with P = 256 × 3.3 GHz =
// 0.845 TOPS per core the window holds two-port AVX-512 parts whose all-core clock is
// 2.4–4.8 GHz. Parts with one 512-bit VNNI port (Xeon Bronze/Silver, AMD Zen 4) run at
// half that rate and miss the deadline of this tier (docs/proof-of-compute.md).
const cpuMaxClockGHz = 3.3

// opsPerCycle is the dense exact int8 throughput of one core per cycle:
//   - avx512vnni: two 512-bit VPDPBUSD issues per cycle (ports 0 and 5), each 64
//     multiply-adds = 128 ops → 256.
//   - avx2: the exact path widens to int16 and uses VPMADDWD, 8 lanes × 2
//     multiply-adds = 32 ops per issue, two issues → 64.
//   - generic: scalar Go, bounded generously by 16.
var opsPerCycle = map[CPUISA]float64{ISAAVX512VNNI: 256, ISAAVX2: 64, ISAGeneric: 16}

var cpuIDs = map[CPUISA]uint8{ISAAVX512VNNI: CPUVNNIID, ISAAVX2: CPUAVX2ID, ISAGeneric: CPUGenericID}

// CPU shapes: keeper cost K·N = 2^24, T = 4 links (the CPU's generation and hashing
// are cheap next to its GEMM).
const (
	CPUK = 8192
	CPUN = CPUK / 4
	CPUT = 4
	// MaxCPUCores bounds the core count a class name may claim.
	MaxCPUCores = 1024
)

// PerCorePeakTOPS is one core's dense int8 peak for isa at cpuMaxClockGHz.
func PerCorePeakTOPS(isa CPUISA) float64 { return opsPerCycle[isa] * cpuMaxClockGHz * 1e9 / 1e12 }

// CPU returns the class of a CPU with the given GEMM path and cores: the peak is
// cores × PerCorePeakTOPS(isa), sizes as every class.
func CPU(isa CPUISA, cores int) (Class, error) {
	id, ok := cpuIDs[isa]
	if !ok {
		return Class{}, fmt.Errorf("cpu class: isa %q: %w", isa, ErrUnknown)
	}
	if cores <= 0 || cores > MaxCPUCores {
		return Class{}, fmt.Errorf("cpu class: %d cores: %w", cores, ErrUnknown)
	}
	peak := float64(cores) * PerCorePeakTOPS(isa)
	return sized(id, fmt.Sprintf("%s%s-%d", cpuPrefix, isa, cores), CPUK, CPUN, CPUT, peak,
		fmt.Sprintf("derived: %d cores × %.0f ops/cycle (%s) × %.1f GHz", cores, opsPerCycle[isa], isa, cpuMaxClockGHz)), nil
}

func parseCPU(name string) (Class, error) {
	rest := strings.TrimPrefix(name, cpuPrefix)
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return Class{}, fmt.Errorf("class %q: %w", name, ErrUnknown)
	}
	cores, err := strconv.Atoi(rest[i+1:])
	if err != nil || strconv.Itoa(cores) != rest[i+1:] {
		return Class{}, fmt.Errorf("class %q: %w", name, ErrUnknown)
	}
	return CPU(CPUISA(rest[:i]), cores)
}
