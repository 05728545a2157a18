package hardware

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxh100"
)

// withTelemetry adds what the dgxa100 mock does not model: clocks, temperature,
// power, utilization, PCIe link and NVLink.
func withTelemetry(server *dgxa100.Server, nvlinks int) {
	for _, d := range server.Devices {
		dev := d.(*dgxa100.Device)
		dev.GetClockInfoFunc = func(t nvml.ClockType) (uint32, nvml.Return) {
			if t == nvml.CLOCK_SM {
				return 1410, nvml.SUCCESS
			}
			return 1593, nvml.SUCCESS
		}
		dev.GetMaxClockInfoFunc = func(nvml.ClockType) (uint32, nvml.Return) { return 1980, nvml.SUCCESS }
		dev.GetTemperatureFunc = func(nvml.TemperatureSensors) (uint32, nvml.Return) { return 41, nvml.SUCCESS }
		dev.GetPowerUsageFunc = func() (uint32, nvml.Return) { return 95000, nvml.SUCCESS }
		dev.GetEnforcedPowerLimitFunc = func() (uint32, nvml.Return) { return 700000, nvml.SUCCESS }
		dev.GetUtilizationRatesFunc = func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: 7, Memory: 3}, nvml.SUCCESS
		}
		dev.GetCurrPcieLinkGenerationFunc = func() (int, nvml.Return) { return 5, nvml.SUCCESS }
		dev.GetCurrPcieLinkWidthFunc = func() (int, nvml.Return) { return 16, nvml.SUCCESS }
		dev.GetPciInfoFunc = func() (nvml.PciInfo, nvml.Return) {
			p := nvml.PciInfo{PciDeviceId: 0x20B010DE}
			for i, c := range dev.PciBusID {
				p.BusId[i] = int8(c)
			}
			return p, nvml.SUCCESS
		}
		dev.GetNvLinkStateFunc = func(link int) (nvml.EnableState, nvml.Return) {
			if link >= nvlinks {
				return 0, nvml.ERROR_INVALID_ARGUMENT
			}
			return nvml.FEATURE_ENABLED, nvml.SUCCESS
		}
	}
}

// newDGXH100 is go-nvml's 8×H100 SXM5 mock with the telemetry it leaves out.
func newDGXH100() *dgxa100.Server {
	s := dgxh100.New()
	withTelemetry(s, 18)
	return s
}

func TestDiscoverDGXA100(t *testing.T) {
	server := dgxa100.New()
	withTelemetry(server, 12)
	inv, err := Discover(server, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.GPUs) != 8 || inv.DriverVersion != "550.54.15" {
		t.Fatalf("inventory %+v", inv)
	}
	for i, g := range inv.GPUs {
		if g.Index != i || !strings.HasPrefix(g.UUID, "GPU-") || g.Name != "Mock NVIDIA A100-SXM4-40GB" {
			t.Errorf("gpu %d identity %+v", i, g)
		}
		if g.MemoryTotal != 42949672960 || g.ComputeMajor != 8 || g.ComputeMinor != 0 {
			t.Errorf("gpu %d memory/cc %+v", i, g)
		}
		if g.SMClockMHz != 1410 || g.MemClockMHz != 1593 || g.MaxSMClockMHz != 1980 || g.TemperatureC != 41 ||
			g.PowerMilliW != 95000 || g.PowerLimitMW != 700000 || g.UtilGPU != 7 || g.UtilMemory != 3 {
			t.Errorf("gpu %d telemetry %+v", i, g)
		}
		if g.PCIBusID != dev(server, i).PciBusID || g.PCIDeviceID != 0x20B010DE || g.PCIeGen != 5 || g.PCIeWidth != 16 || g.NVLinkActive != 12 {
			t.Errorf("gpu %d links %+v", i, g)
		}
		if len(g.Missing) != 0 {
			t.Errorf("gpu %d missing %v", i, g.Missing)
		}
		if ClassFor(g.Name) != "a100" {
			t.Errorf("class for %q = %q", g.Name, ClassFor(g.Name))
		}
	}
}

func TestDiscoverDGXH100(t *testing.T) {
	inv, err := Discover(newDGXH100(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range inv.GPUs {
		if g.ComputeMajor != 9 || g.NVLinkActive != 18 || ClassFor(g.Name) != "h100-sxm" || g.MemoryTotal != 80<<30 {
			t.Fatalf("h100 %+v, class %q", g, ClassFor(g.Name))
		}
	}
}

func TestUnmodelledAttributesAreMissingNotFatal(t *testing.T) {
	// The plain dgxa100 mock panics on clocks, power…; discovery must survive.
	inv, err := Discover(dgxa100.New(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := inv.GPUs[0]
	if g.UUID == "" || g.MemoryTotal == 0 {
		t.Fatalf("identity lost: %+v", g)
	}
	for _, want := range []string{"sm clock", "temperature", "power", "nvlink"} {
		if !contains(g.Missing, want) {
			t.Errorf("missing %v lacks %q", g.Missing, want)
		}
	}
}

func dev(s *dgxa100.Server, i int) *dgxa100.Device { return s.Devices[i].(*dgxa100.Device) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// failedInit is an NVML whose Init fails; every other method panics, standing in
// for the real library, which aborts the process when called after a failed Init.
func failedInit(ret nvml.Return) *mock.Interface {
	return &mock.Interface{InitFunc: func() nvml.Return { return ret }}
}

func TestFailedInitTouchesNothingElse(t *testing.T) {
	for _, ret := range []nvml.Return{nvml.ERROR_LIBRARY_NOT_FOUND, nvml.ERROR_DRIVER_NOT_LOADED, nvml.ERROR_NO_PERMISSION} {
		// mock.Interface panics on any method without a func: reaching one fails
		// the test through the panic.
		_, err := Discover(failedInit(ret), nil)
		if !errors.Is(err, ErrNoGPU) {
			t.Fatalf("%v: err = %v", ret, err)
		}
	}
	panicking := &mock.Interface{InitFunc: func() nvml.Return { panic("dlopen failed") }}
	if _, err := Discover(panicking, nil); !errors.Is(err, ErrNoGPU) {
		t.Fatalf("panicking init: %v", err)
	}
	if _, err := Discover(nil, nil); !errors.Is(err, ErrNoGPU) {
		t.Fatalf("nil library: %v", err)
	}
}

func TestNoDevices(t *testing.T) {
	shut := false
	lib := &mock.Interface{
		InitFunc:                   func() nvml.Return { return nvml.SUCCESS },
		ShutdownFunc:               func() nvml.Return { shut = true; return nvml.SUCCESS },
		SystemGetDriverVersionFunc: func() (string, nvml.Return) { return "1", nvml.SUCCESS },
		DeviceGetCountFunc:         func() (int, nvml.Return) { return 0, nvml.SUCCESS },
	}
	if _, err := Discover(lib, nil); !errors.Is(err, ErrNoGPU) || !shut {
		t.Fatalf("err = %v, shutdown = %v", err, shut)
	}
}

// On this machine (no NVIDIA driver in CI either) the real library path reports no
// GPU and returns normally.
func TestDiscoverSystemWithoutDriver(t *testing.T) {
	inv := DiscoverSystem(slog.Default())
	_, err := Discover(nvml.New(), nil)
	switch {
	case err != nil && (!errors.Is(err, ErrNoGPU) || len(inv.GPUs) != 0):
		t.Fatalf("without NVML: err = %v, inventory %+v", err, inv)
	case err == nil && len(inv.GPUs) == 0:
		t.Fatal("NVML works but DiscoverSystem reported no GPU")
	}
}

func TestClassFor(t *testing.T) {
	cases := map[string]string{
		"NVIDIA H100 80GB HBM3":   "h100-sxm",
		"NVIDIA H100 SXM5 80GB":   "h100-sxm",
		"NVIDIA H100 PCIe":        "",
		"NVIDIA A100-SXM4-80GB":   "a100",
		"NVIDIA GeForce RTX 4090": "rtx4090",
		"NVIDIA GeForce RTX 3090": "rtx3090",
		"Tesla T4":                "",
	}
	for name, want := range cases {
		if got := ClassFor(name); got != want {
			t.Errorf("ClassFor(%q) = %q, want %q", name, got, want)
		}
	}
}
