package classes

import (
	"fmt"
	"math"
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

// cpuMaxClockGHz is the clock the nominal per-core peak (tier 0) assumes. The exact
// VNNI kernel reaches about 183 ops per cycle (1.06 TOPS on 2 cores at 2.9 GHz, issue
// 16), so tier 0's P = 256 × 3.3 GHz = 0.845 TOPS per core centres two-port AVX-512
// parts; other parts get another tier (CPUTierFor).
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

// CPU speed tiers. One class cannot judge every CPU of an ISA: the timing rule
// (oracle/pow: late below 1/1.25 of the reference rate less the 2 s allowance, i.e.
// 0.7·20/27 = 0.519 of peak; flagged above 1.05 of peak) leaves a window of honest
// rates only a factor of 2 wide, while real all-core rates differ by more: the
// all-core clock (2 to 4.8 GHz), one or two 512-bit VNNI ports (Xeon Bronze/Silver
// and AMD Zen 4 have one), scalar Go on arm64. So the per-core peak of a CPU class
// is P₀ × 2^(−j/4) for a tier j in [CPUMinTier, CPUMaxTier], P₀ = PerCorePeakTOPS,
// and the worker chooses j from its measured rate (CPUTierFor). Tiers 2^(1/4) apart
// put every rate within 2^(±1/8) of its tier's centre, CPUTierCentre × P, that is in
// [0.68·P, 0.80·P]: 30 % above the late bound and 30 % under the flag bound, room
// for a machine whose rate varies by ±20 % from one start to the next (measured on
// the 2-core development VM); a 2× overclaim (1.35·P at least) is still flagged.
const (
	CPUMinTier = -2 // P₀·√2: 1.19 TOPS per core for VNNI, above any CPU's exact int8 path
	CPUMaxTier = 32 // P₀/256: scalar Go on a slow core
	// CPUTierCentre is √(0.519 × 1.05): the geometric centre of the honest window,
	// as a fraction of the class's peak. oracle/pow's tests check it against the
	// timing rule's constants.
	CPUTierCentre = 0.738
	// CPUTiersPerOctave is the number of tiers per factor of 2 in per-core peak.
	CPUTiersPerOctave = 4
)

// PerCorePeakTOPS is one core's dense int8 peak for isa at tier 0 (cpuMaxClockGHz).
func PerCorePeakTOPS(isa CPUISA) float64 { return opsPerCycle[isa] * cpuMaxClockGHz * 1e9 / 1e12 }

// TierPeakTOPS is one core's peak for isa at tier j: PerCorePeakTOPS(isa) × 2^(−j/4).
func TierPeakTOPS(isa CPUISA, tier int) float64 {
	return PerCorePeakTOPS(isa) * math.Pow(2, -float64(tier)/CPUTiersPerOctave)
}

// CPUTierFor is the tier whose honest window's centre is nearest (in ratio) to a
// measured per-core rate, in TOPS (the whole challenge's 2·M·K·N·T over its time,
// divided by the cores), clamped to [CPUMinTier, CPUMaxTier]. A rate that is not
// positive gets tier 0.
func CPUTierFor(isa CPUISA, perCoreTOPS float64) int {
	p0 := PerCorePeakTOPS(isa)
	if !(perCoreTOPS > 0) || p0 == 0 || math.IsInf(perCoreTOPS, 0) {
		return 0
	}
	j := int(math.Round(CPUTiersPerOctave * math.Log2(CPUTierCentre*p0/perCoreTOPS)))
	return min(max(j, CPUMinTier), CPUMaxTier)
}

// tierSuffix is the tier's per-core peak in GOPS to three significant digits, the
// part of a class name after "x": 1190 at VNNI tier −2, 422 at tier 4, 3.3 at 32.
func tierSuffix(isa CPUISA, tier int) string {
	g := TierPeakTOPS(isa, tier) * 1e3
	digits := 2 - int(math.Floor(math.Log10(g)))
	scale := math.Pow(10, float64(digits))
	return strconv.FormatFloat(math.Round(g*scale)/scale, 'f', -1, 64)
}

// CPU returns the tier-0 class of a CPU with the given GEMM path and cores (see
// CPUTier).
func CPU(isa CPUISA, cores int) (Class, error) { return CPUTier(isa, cores, 0) }

// CPUTier returns the class of a CPU with the given GEMM path, cores and speed tier:
// the peak is cores × TierPeakTOPS(isa, tier), sizes as every class. Its name is
// cpu-<isa>-<cores> at tier 0 and cpu-<isa>-<cores>x<per-core GOPS> otherwise, e.g.
// cpu-avx512vnni-16x422 for 16 one-port VNNI cores (tier 4). Errors wrap ErrUnknown:
// an unknown ISA, cores outside [1, MaxCPUCores], a tier outside the range.
func CPUTier(isa CPUISA, cores, tier int) (Class, error) {
	id, ok := cpuIDs[isa]
	if !ok {
		return Class{}, fmt.Errorf("cpu class: isa %q: %w", isa, ErrUnknown)
	}
	if cores <= 0 || cores > MaxCPUCores {
		return Class{}, fmt.Errorf("cpu class: %d cores: %w", cores, ErrUnknown)
	}
	if tier < CPUMinTier || tier > CPUMaxTier {
		return Class{}, fmt.Errorf("cpu class: tier %d outside [%d, %d]: %w", tier, CPUMinTier, CPUMaxTier, ErrUnknown)
	}
	peak := float64(cores) * TierPeakTOPS(isa, tier)
	name := fmt.Sprintf("%s%s-%d", cpuPrefix, isa, cores)
	source := fmt.Sprintf("derived: %d cores × %.0f ops/cycle (%s) × %.1f GHz", cores, opsPerCycle[isa], isa, cpuMaxClockGHz)
	if tier != 0 {
		name += "x" + tierSuffix(isa, tier)
		source += fmt.Sprintf(" × 2^(%d/4) (speed tier %d)", -tier, tier)
	}
	return sized(id, name, CPUK, CPUN, CPUT, peak, source), nil
}

// parseCPU reads cpu-<isa>-<cores>[x<GOPS>]. Only the canonical spelling of a
// member is accepted (no leading zeros, the suffix exactly as CPUTier writes it, no
// suffix at tier 0), so one class has one name: the name is part of the seed.
func parseCPU(name string) (Class, error) {
	rest := strings.TrimPrefix(name, cpuPrefix)
	i := strings.LastIndexByte(rest, '-')
	if i < 0 {
		return Class{}, fmt.Errorf("class %q: %w", name, ErrUnknown)
	}
	isa, size := CPUISA(rest[:i]), rest[i+1:]
	coresText, suffix, tiered := strings.Cut(size, "x")
	cores, err := strconv.Atoi(coresText)
	if err != nil || strconv.Itoa(cores) != coresText {
		return Class{}, fmt.Errorf("class %q: %w", name, ErrUnknown)
	}
	if !tiered {
		return CPU(isa, cores)
	}
	if _, ok := opsPerCycle[isa]; ok {
		for j := CPUMinTier; j <= CPUMaxTier; j++ {
			if j != 0 && tierSuffix(isa, j) == suffix {
				return CPUTier(isa, cores, j)
			}
		}
	}
	return Class{}, fmt.Errorf("class %q: x%s is not a speed tier of %s%s: %w", name, suffix, isa, nearestTier(isa, suffix), ErrUnknown)
}

// nearestTier is ", nearest x<GOPS>" for the tier of isa nearest a suffix that reads
// as a number, "" otherwise.
func nearestTier(isa CPUISA, suffix string) string {
	g, err := strconv.ParseFloat(suffix, 64)
	if _, ok := opsPerCycle[isa]; !ok || err != nil || !(g > 0) || math.IsInf(g, 0) {
		return ""
	}
	best, dist := 0, math.Inf(1)
	for j := CPUMinTier; j <= CPUMaxTier; j++ {
		if d := math.Abs(math.Log(g / (1e3 * TierPeakTOPS(isa, j)))); d < dist {
			best, dist = j, d
		}
	}
	if best == 0 {
		return fmt.Sprintf(" (nearest: tier 0, no suffix, %s GOPS per core)", tierSuffix(isa, 0))
	}
	return fmt.Sprintf(" (nearest: x%s)", tierSuffix(isa, best))
}
