package classes

import (
	"errors"
	"math"
	"testing"
)

func TestTableIsConsistent(t *testing.T) {
	ids, names := map[uint8]bool{}, map[string]bool{}
	for _, c := range All() {
		if ids[c.ID] || names[c.Name] {
			t.Fatalf("duplicate class %d %q", c.ID, c.Name)
		}
		ids[c.ID], names[c.Name] = true, true
		ref := c.Ops() / (RefEfficiency * c.DensePeakTOPS * 1e12)
		if math.Abs(ref-c.RefTime.Seconds()) > 0.001 {
			t.Errorf("%s: RefTime %v, sizes give %.4fs", c.Name, c.RefTime, ref)
		}
		if math.Abs(ref-20) > 0.1 {
			t.Errorf("%s: reference time %.3fs, target is 20s", c.Name, ref)
		}
		if c.M <= 0 || c.K <= 0 || c.N <= 0 {
			t.Errorf("%s: bad sizes", c.Name)
		}
	}
	cpu, err := ByName("cpu")
	if err != nil || cpu.K != 4096 || cpu.N != 4096 {
		t.Fatalf("cpu class = %+v, %v; want K = N = 4096", cpu, err)
	}
	peaks := map[string]float64{"h100-sxm": 1979, "a100": 624, "rtx4090": 661, "rtx3090": 284}
	for name, p := range peaks {
		c, err := ByName(name)
		if err != nil || c.DensePeakTOPS != p {
			t.Errorf("%s peak = %v, %v; want %v", name, c.DensePeakTOPS, err, p)
		}
	}
}

func TestUnknownClass(t *testing.T) {
	if _, err := ByName("tpu"); !errors.Is(err, ErrUnknown) {
		t.Fatalf("err = %v", err)
	}
	if _, err := ByID(0); !errors.Is(err, ErrUnknown) {
		t.Fatalf("err = %v", err)
	}
}
