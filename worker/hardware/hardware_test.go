package hardware

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		dev.GetAttributesFunc = func() (nvml.DeviceAttributes, nvml.Return) {
			return nvml.DeviceAttributes{MultiprocessorCount: 108, MemorySizeMB: 40960}, nvml.SUCCESS
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
		// The mock prefixes NVML's spelling with "Mock ".
		if ClassFor(strings.TrimPrefix(g.Name, "Mock ")) != "a100" || g.SMs != 108 {
			t.Errorf("class for %q = %q, %d SMs", g.Name, ClassFor(g.Name), g.SMs)
		}
	}
}

func TestDiscoverDGXH100(t *testing.T) {
	inv, err := Discover(newDGXH100(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range inv.GPUs {
		if g.ComputeMajor != 9 || g.NVLinkActive != 18 || ClassFor(strings.TrimPrefix(g.Name, "Mock ")) != "h100-sxm" || g.MemoryTotal != 80<<30 {
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
	// On a machine with a GPU (the device runs of issue 16), every device reports
	// what a generic class needs, so the same card under an unknown name registers.
	for _, g := range inv.GPUs {
		unknown := g
		unknown.Name = "an unknown model"
		c, err := ClassOf(unknown)
		require.NoError(t, err, "%+v", g)
		t.Logf("%s: %d SMs at %d MHz; as an unknown model: %s, %.0f TOPS", g.Name, g.SMs, g.MaxSMClockMHz, c.Name, c.DensePeakTOPS)
	}
}

// One case per NVML spelling: each must reach its class, and the class must exist.
func TestClassFor(t *testing.T) {
	cases := map[string]string{
		"NVIDIA H200":                    "h200",
		"NVIDIA H100 80GB HBM3":          "h100-sxm",
		"NVIDIA H100 SXM5 80GB":          "h100-sxm",
		"NVIDIA H100 PCIe":               "h100-pcie",
		"NVIDIA H100 NVL":                "h100-nvl",
		"NVIDIA A100-SXM4-40GB":          "a100",
		"NVIDIA A100-SXM4-80GB":          "a100",
		"NVIDIA A100-PCIE-40GB":          "a100",
		"NVIDIA A100 80GB PCIe":          "a100",
		"NVIDIA L40S":                    "l40s",
		"NVIDIA L40":                     "l40",
		"NVIDIA A40":                     "a40",
		"NVIDIA RTX 6000 Ada Generation": "rtx6000-ada",
		"NVIDIA RTX A6000":               "rtx-a6000",
		"NVIDIA GeForce RTX 4090":        "rtx4090",
		"NVIDIA GeForce RTX 4080":        "rtx4080",
		"NVIDIA GeForce RTX 3090":        "rtx3090",
		"NVIDIA GeForce RTX 3080":        "rtx3080",
		"NVIDIA A10":                     "a10",
		"NVIDIA L4":                      "l4",
		"Tesla T4":                       "t4",
		"Tesla V100-SXM2-16GB":           "v100",
		"Tesla V100-SXM2-32GB":           "v100",
		"Tesla V100-PCIE-16GB":           "v100",
		"Tesla V100-PCIE-32GB":           "v100",
	}
	require.Len(t, nvmlNames, len(cases), "every spelling in the table has a case here")
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, want, ClassFor(name))
			assert.Equal(t, want, ClassFor(" "+strings.ToUpper(name)+" "), "case and spaces")
			c, err := ClassOf(GPU{Name: name})
			require.NoError(t, err)
			assert.Equal(t, want, c.Name)
		})
	}
	// Near misses are not guessed: they get a generic class.
	for _, name := range []string{"NVIDIA H200 NVL", "NVIDIA GeForce RTX 4080 SUPER", "NVIDIA GeForce RTX 3080 Ti", "NVIDIA H100"} {
		assert.Equal(t, "", ClassFor(name), name)
	}
}

// An unknown model is never left without a class: it gets a generic one sized from
// NVML's numbers, and the log names the model so the table can grow.
func TestUnknownModelGetsAGenericClassAndIsLogged(t *testing.T) {
	g := GPU{Index: 3, UUID: "GPU-x", Name: "NVIDIA B200", ComputeMajor: 10, SMs: 148, MaxSMClockMHz: 1965, MemoryTotal: 180 << 30}
	c, err := ClassOf(g)
	require.NoError(t, err)
	assert.Equal(t, "gpu-sm100-148x1965", c.Name)
	assert.Greater(t, c.M, 0)
	back, err := classes.ByName(c.Name)
	require.NoError(t, err)
	assert.Equal(t, c, back)

	var buf bytes.Buffer
	LogGPU(slog.New(slog.NewJSONHandler(&buf, nil)), g)
	assert.Contains(t, buf.String(), `"model":"NVIDIA B200"`)
	assert.Contains(t, buf.String(), `"class":"gpu-sm100-148x1965"`)

	// Without an SM count (NVML attributes unsupported) there is nothing to size from.
	g.SMs = 0
	_, err = ClassOf(g)
	assert.ErrorIs(t, err, classes.ErrUnknown)
	buf.Reset()
	LogGPU(slog.New(slog.NewJSONHandler(&buf, nil)), g)
	assert.Contains(t, buf.String(), `"model":"NVIDIA B200"`)
	assert.Contains(t, buf.String(), "without a proof-of-compute class")
}

// Discovery on the mocks feeds ClassOf: the dgxa100 mock's "Mock …" name is not an
// NVML spelling, so it gets the generic class of an sm_80 with 108 SMs at 1980 MHz.
func TestDiscoveredMockGetsGenericClass(t *testing.T) {
	server := dgxa100.New()
	withTelemetry(server, 12)
	inv, err := Discover(server, nil)
	require.NoError(t, err)
	c, err := ClassOf(inv.GPUs[0])
	require.NoError(t, err)
	assert.Equal(t, "gpu-sm80-108x1980", c.Name)
	assert.InDelta(t, 108*1.98e9*4096/1e12, c.DensePeakTOPS, 0.1)
}

// Where NVML's device attributes refuse a whole GPU (a real H200 on driver 580 did),
// the SM count comes from its CUDA cores and architecture, so an unknown model still
// gets a generic class; a core count that does not divide evenly is no count.
func TestSMsFromCUDACoresWhenAttributesAreRefused(t *testing.T) {
	for _, c := range []struct {
		cores, major, minor, sms int
	}{
		{6912, 8, 0, 108},  // A100: 64 cores per SM
		{16896, 9, 0, 132}, // H100/H200 SXM: 128 per SM
		{16384, 8, 9, 128}, // RTX 4090
		{2560, 7, 5, 40},   // T4
		{5120, 7, 0, 80},   // V100
		{1000, 9, 0, 0},    // not a whole number of SMs
	} {
		server := dgxa100.New()
		withTelemetry(server, 0)
		for _, d := range server.Devices {
			dev := d.(*dgxa100.Device)
			dev.GetAttributesFunc = func() (nvml.DeviceAttributes, nvml.Return) {
				return nvml.DeviceAttributes{}, nvml.ERROR_NOT_SUPPORTED
			}
			dev.GetNumGpuCoresFunc = func() (int, nvml.Return) { return c.cores, nvml.SUCCESS }
			dev.GetCudaComputeCapabilityFunc = func() (int, int, nvml.Return) { return c.major, c.minor, nvml.SUCCESS }
		}
		inv, err := Discover(server, nil)
		require.NoError(t, err)
		g := inv.GPUs[0]
		assert.Equal(t, c.sms, g.SMs, "%+v", c)
		if c.sms == 0 {
			assert.Contains(t, g.Missing, "multiprocessors")
			continue
		}
		assert.NotContains(t, g.Missing, "multiprocessors")
		gc, err := ClassOf(g)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("gpu-sm%d%d-%dx1980", c.major, c.minor, c.sms), gc.Name)
	}
}
