// Package classes is the one table of proof-of-compute device classes: matrix sizes,
// reference times and dense INT8 peaks. Keepers, workers and tests read it from here
// only, so a change of size is one edit.
package classes

import (
	"errors"
	"fmt"
	"time"
)

// Class describes the challenge a device of one class must answer.
//
// Sizes target RefTime ≈ 20 s at 70% of the dense INT8 peak. K = N is kept at
// 16384 for GPUs because the keeper's cost is K·N (regenerate B, compute B·r) while
// the worker's is 2·M·K·N: a square B of 2^28 bytes keeps verification well under a
// second and the work scales through M alone.
type Class struct {
	ID            uint8  // stable number for on-chain records
	Name          string // stable name, part of the challenge seed
	M, K, N       int    // A is M×K, B is K×N, C is M×N
	DensePeakTOPS float64
	// RefTime is 2·M·K·N / (0.7 × dense peak), rounded to the millisecond.
	RefTime time.Duration
}

// Ops is the number of integer operations (multiply and add counted separately).
func (c Class) Ops() float64 { return 2 * float64(c.M) * float64(c.K) * float64(c.N) }

// RefEfficiency is the fraction of dense peak the reference time assumes.
const RefEfficiency = 0.7

// table is the single source of class parameters.
var table = []Class{
	{ID: 1, Name: "h100-sxm", M: 51606464, K: 16384, N: 16384, DensePeakTOPS: 1979, RefTime: 20000 * time.Millisecond},
	{ID: 2, Name: "a100", M: 16272064, K: 16384, N: 16384, DensePeakTOPS: 624, RefTime: 20000 * time.Millisecond},
	{ID: 3, Name: "rtx4090", M: 17236928, K: 16384, N: 16384, DensePeakTOPS: 661, RefTime: 20000 * time.Millisecond},
	{ID: 4, Name: "rtx3090", M: 7405888, K: 16384, N: 16384, DensePeakTOPS: 284, RefTime: 20000 * time.Millisecond},
	// The CPU class's nominal peak is a 4-core 2 GHz AVX-512 VNNI part with one
	// 512-bit VNNI issue per cycle: 4 × 2e9 × 128 ops = 1.024 TOPS.
	{ID: 5, Name: "cpu", M: 427264, K: 4096, N: 4096, DensePeakTOPS: 1.024, RefTime: 20001 * time.Millisecond},
}

// ErrUnknown is returned for a class name or ID not in the table.
var ErrUnknown = errors.New("unknown device class")

// All returns a copy of the table.
func All() []Class { return append([]Class(nil), table...) }

// ByName looks a class up by its name.
func ByName(name string) (Class, error) {
	for _, c := range table {
		if c.Name == name {
			return c, nil
		}
	}
	return Class{}, fmt.Errorf("class %q: %w", name, ErrUnknown)
}

// ByID looks a class up by its number.
func ByID(id uint8) (Class, error) {
	for _, c := range table {
		if c.ID == id {
			return c, nil
		}
	}
	return Class{}, fmt.Errorf("class id %d: %w", id, ErrUnknown)
}
