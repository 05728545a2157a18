// Package classes is the one table of proof-of-compute device classes: matrix sizes,
// chain length, reference times and dense INT8 peaks with the datasheet each peak
// comes from. Keepers, workers and tests read it from here only, so a change of size
// is one edit. Besides the fixed GPU table there are two derived families whose
// parameters are spelled in the class name, so keeper and worker derive the same
// class from the name alone: generic GPUs ("gpu-sm90-132x1980", see generic.go) and
// CPUs ("cpu-avx512vnni-16", see cpu.go).
package classes

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Class describes the challenge a device of one class must answer.
//
// The challenge is a chain of T row-local products (docs/proof-of-compute.md):
// A₀ (M×K int8) from the seed, C_t = A_t·B (M×N int32) and A_{t+1} = the bytes of
// C_t read as int8, which needs K = 4N. Sizes target RefTime ≈ 20 s at 70% of the
// dense INT8 peak. GPU classes use K = 32768, N = 8192: the keeper's cost is K·N
// (regenerate B, compute B·r) = 2^28, the worker's 2·M·K·N·T, so the work scales
// through M and T alone.
type Class struct {
	ID      uint8  // stable number for on-chain records; a derived family shares one
	Name    string // stable name, part of the challenge seed
	M, K, N int    // A is M×K, B is K×N, each C_t is M×N
	T       int    // links in each row's chain, ≥ 1
	// DensePeakTOPS is the dense (no sparsity) INT8 tensor peak in 10^12 integer
	// operations per second, or the best exact integer path where a device has no
	// INT8 tensor cores (V100: DP4A).
	DensePeakTOPS float64
	// RefTime is 2·M·K·N·T / (0.7 × dense peak), truncated to the millisecond.
	RefTime time.Duration
	// Source names the datasheet (or derivation) DensePeakTOPS comes from.
	Source string
}

// Ops is the number of integer operations (multiply and add counted separately).
func (c Class) Ops() float64 { return 2 * float64(c.M) * float64(c.K) * float64(c.N) * float64(c.T) }

// Validate checks the shape rules every class obeys: positive sizes, K = 4N (a row
// of C_t is the next row of A), K a multiple of 4, and K below 2^17 so that every
// int32 sum is exact (|Σ a·b| ≤ 2^14·K).
func (c Class) Validate() error {
	switch {
	case c.M <= 0 || c.K <= 0 || c.N <= 0 || c.T <= 0:
		return fmt.Errorf("class %s: sizes %d×%d×%d, T %d must be positive", c.Name, c.M, c.K, c.N, c.T)
	case c.K != 4*c.N:
		return fmt.Errorf("class %s: K = %d must be 4N = %d so C's rows chain into A's", c.Name, c.K, 4*c.N)
	case c.K >= 1<<17:
		return fmt.Errorf("class %s: K = %d could overflow int32", c.Name, c.K)
	case c.DensePeakTOPS <= 0 || c.RefTime <= 0:
		return fmt.Errorf("class %s: no peak or reference time", c.Name)
	}
	return nil
}

// RefEfficiency is the fraction of dense peak the reference time assumes.
const RefEfficiency = 0.7

// TargetRefTime is the reference time every class is sized for.
const TargetRefTime = 20 * time.Second

// GPU shapes (see Class): keeper cost K·N = 2^28, T links per row.
const (
	GPUK = 32768
	GPUN = GPUK / 4
	GPUT = 16
)

// sized returns a class whose M gives TargetRefTime at RefEfficiency of peak.
func sized(id uint8, name string, k, n, t int, peak float64, source string) Class {
	perRow := 2 * float64(k) * float64(n) * float64(t)
	m := int(math.Round(TargetRefTime.Seconds() * RefEfficiency * peak * 1e12 / perRow))
	c := Class{ID: id, Name: name, M: max(m, 1), K: k, N: n, T: t, DensePeakTOPS: peak, Source: source}
	c.RefTime = (time.Duration(c.Ops()/(RefEfficiency*peak*1e12)*1e3) * time.Millisecond)
	return c
}

func gpu(id uint8, name string, peak float64, source string) Class {
	return sized(id, name, GPUK, GPUN, GPUT, peak, source)
}

// table is the single source of fixed class parameters. Peaks are dense INT8 tensor
// TOPS; datasheets quote sparse figures (marked *) at twice these.
var table = []Class{
	gpu(1, "h100-sxm", 1979, "NVIDIA H100 Tensor Core GPU datasheet: H100 SXM INT8 Tensor Core 3,958 TOPS*"),
	gpu(2, "a100", 624, "NVIDIA A100 Tensor Core GPU datasheet: INT8 Tensor Core 624 TOPS (1,248*), SXM and PCIe, 40 and 80 GB"),
	gpu(3, "rtx4090", 660.6, "NVIDIA Ada GPU architecture whitepaper, appendix: GeForce RTX 4090 peak INT8 Tensor 660.6/1321.2 TOPS"),
	gpu(4, "rtx3090", 284, "NVIDIA Ampere GA102 GPU architecture whitepaper: GeForce RTX 3090 peak INT8 Tensor 284/568 TOPS"),
	// ID 5 was the single 4-core "cpu" class; CPU classes are derived now (cpu.go).
	gpu(6, "h200", 1979, "NVIDIA H200 Tensor Core GPU datasheet: H200 SXM INT8 Tensor Core 3,958 TOPS*"),
	gpu(7, "h100-pcie", 1513, "NVIDIA H100 Tensor Core GPU datasheet: H100 PCIe INT8 Tensor Core 3,026 TOPS*"),
	gpu(8, "h100-nvl", 1671, "NVIDIA H100 Tensor Core GPU datasheet: H100 NVL INT8 Tensor Core 3,341 TOPS*"),
	gpu(9, "l40s", 733, "NVIDIA L40S datasheet: INT8 Tensor 733 | 1,466* TOPS"),
	gpu(10, "l40", 362.1, "NVIDIA L40 datasheet: INT8 Tensor 362.1 | 724.2* TOPS"),
	gpu(11, "a40", 299.3, "NVIDIA A40 datasheet: INT8 Tensor 299.3 | 598.6* TOPS"),
	gpu(12, "rtx6000-ada", 728.5, "NVIDIA Ada GPU architecture whitepaper, appendix: RTX 6000 Ada peak INT8 Tensor 728.5/1457.0 TOPS"),
	gpu(13, "rtx-a6000", 309.7, "NVIDIA Ampere GA102 GPU architecture whitepaper: RTX A6000 peak INT8 Tensor 309.7/619.4 TOPS"),
	gpu(14, "rtx4080", 389.9, "NVIDIA Ada GPU architecture whitepaper, appendix: GeForce RTX 4080 16 GB peak INT8 Tensor 389.9/779.8 TOPS"),
	gpu(15, "rtx3080", 238, "NVIDIA Ampere GA102 GPU architecture whitepaper: GeForce RTX 3080 peak INT8 Tensor 238/476 TOPS"),
	gpu(16, "a10", 250, "NVIDIA A10 datasheet: INT8 Tensor 250 | 500* TOPS"),
	gpu(17, "l4", 242.5, "NVIDIA L4 datasheet: INT8 Tensor 485* TOPS"),
	gpu(18, "t4", 130, "NVIDIA T4 datasheet: INT8 130 TOPS (Turing has no sparsity)"),
	// V100 has no INT8 tensor cores; its exact integer path is DP4A on the CUDA
	// cores: 80 SMs × 64 INT32 lanes × 4 multiply-adds × 2 ops × 1.53 GHz (SXM2 boost,
	// V100 whitepaper) = 62.7 TOPS.
	gpu(19, "v100", 62.7, "NVIDIA Tesla V100 GPU architecture whitepaper (80 SMs, 64 INT32 cores/SM, 1530 MHz) × DP4A"),
}

// ErrUnknown is returned for a class name or ID not in the table.
var ErrUnknown = errors.New("unknown device class")

// All returns a copy of the fixed table (derived families are not listed).
func All() []Class { return append([]Class(nil), table...) }

// ByName looks a class up by its name: the fixed table first, then the derived
// generic-GPU and CPU families, whose names carry their parameters.
func ByName(name string) (Class, error) {
	for _, c := range table {
		if c.Name == name {
			return c, nil
		}
	}
	switch {
	case strings.HasPrefix(name, genericGPUPrefix):
		return parseGenericGPU(name)
	case strings.HasPrefix(name, cpuPrefix):
		return parseCPU(name)
	}
	return Class{}, fmt.Errorf("class %q: %w", name, ErrUnknown)
}

// ByID looks a fixed class up by its number.
func ByID(id uint8) (Class, error) {
	for _, c := range table {
		if c.ID == id {
			return c, nil
		}
	}
	return Class{}, fmt.Errorf("class id %d: %w", id, ErrUnknown)
}
