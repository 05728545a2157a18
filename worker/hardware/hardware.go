// Package hardware discovers the worker's GPUs through NVML (go-nvml behind
// nvml.Interface, so tests use go-nvml's mock servers). A machine without NVIDIA
// libraries reports no GPU and the worker carries on with the CPU backend.
//
// NVML rule this package is built around: after a failed Init, any other NVML call
// can abort the process, so nothing but Init is called unless Init succeeded, and
// Shutdown pairs only with a successful Init.
package hardware

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/NVIDIA/go-nvml/pkg/nvml"

	"github.com/ionet-network/ionet/oracle/classes"
)

// ErrNoGPU means NVML is unavailable or found no device.
var ErrNoGPU = errors.New("hardware: no GPU")

// GPU is what the worker reports about one device. Fields NVML does not support on
// a device stay zero; Missing names them.
type GPU struct {
	Index         int
	UUID          string
	Name          string
	MemoryTotal   uint64 // bytes
	MemoryUsed    uint64
	ComputeMajor  int
	ComputeMinor  int
	SMClockMHz    uint32
	MemClockMHz   uint32
	MaxSMClockMHz uint32
	TemperatureC  uint32
	PowerMilliW   uint32
	PowerLimitMW  uint32
	UtilGPU       uint32 // percent
	UtilMemory    uint32 // percent
	PCIBusID      string
	PCIDeviceID   uint32 // device ID << 16 | vendor ID
	PCIeGen       int
	PCIeWidth     int
	NVLinkActive  int // links in the active state
	SMs           int // multiprocessors: NVML's device attributes
	Missing       []string
}

// Inventory is the discovery result.
type Inventory struct {
	DriverVersion string
	GPUs          []GPU
}

// maxNVLinks is NVML_NVLINK_MAX_LINKS (18 on Hopper).
const maxNVLinks = 18

// Discover initializes lib, reads every device and shuts lib down again.
// It returns ErrNoGPU when Init fails or there are no devices.
func Discover(lib nvml.Interface, logger *slog.Logger) (Inventory, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if lib == nil {
		return Inventory{}, fmt.Errorf("discover: no NVML library: %w", ErrNoGPU)
	}
	if ret := initSafely(lib); ret != nvml.SUCCESS {
		// Return.Error falls back to a built-in table when the library is absent, so
		// it is safe here; nothing else of lib may be touched.
		return Inventory{}, fmt.Errorf("discover: nvml init: %s: %w", ret.Error(), ErrNoGPU)
	}
	defer func() {
		if ret := lib.Shutdown(); ret != nvml.SUCCESS {
			logger.Warn("nvml shutdown failed", "error", ret.Error())
		}
	}()
	var inv Inventory
	if v, ret := lib.SystemGetDriverVersion(); ret == nvml.SUCCESS {
		inv.DriverVersion = v
	}
	n, ret := lib.DeviceGetCount()
	if ret != nvml.SUCCESS {
		return Inventory{}, fmt.Errorf("discover: device count: %s: %w", ret.Error(), ErrNoGPU)
	}
	for i := range n {
		dev, ret := lib.DeviceGetHandleByIndex(i)
		if ret != nvml.SUCCESS {
			logger.Warn("nvml device unavailable", "index", i, "error", ret.Error())
			continue
		}
		inv.GPUs = append(inv.GPUs, readDevice(i, dev))
	}
	if len(inv.GPUs) == 0 {
		return inv, fmt.Errorf("discover: %d devices readable: %w", len(inv.GPUs), ErrNoGPU)
	}
	return inv, nil
}

// initSafely turns a panic inside Init (seen when the shared library is missing or
// broken) into an error return.
func initSafely(lib nvml.Interface) (ret nvml.Return) {
	defer func() {
		if recover() != nil {
			ret = nvml.ERROR_LIBRARY_NOT_FOUND
		}
	}()
	return lib.Init()
}

// readDevice reads each attribute on its own: one unsupported query (a consumer
// card without NVLink, a mock without power readings) must not hide the others.
func readDevice(index int, d nvml.Device) GPU {
	g := GPU{Index: index}
	miss := func(what string, ret nvml.Return) bool {
		if ret == nvml.SUCCESS {
			return false
		}
		g.Missing = append(g.Missing, what)
		return true
	}
	call := func(what string, f func() nvml.Return) {
		defer func() {
			// Mock devices panic on attributes they do not model; a real driver
			// returns NOT_SUPPORTED. Either way the attribute is missing.
			if recover() != nil {
				g.Missing = append(g.Missing, what)
			}
		}()
		miss(what, f())
	}
	call("uuid", func() (r nvml.Return) { g.UUID, r = d.GetUUID(); return })
	call("name", func() (r nvml.Return) { g.Name, r = d.GetName(); return })
	call("memory", func() nvml.Return {
		m, r := d.GetMemoryInfo()
		g.MemoryTotal, g.MemoryUsed = m.Total, m.Used
		return r
	})
	call("compute capability", func() (r nvml.Return) { g.ComputeMajor, g.ComputeMinor, r = d.GetCudaComputeCapability(); return })
	call("sm clock", func() (r nvml.Return) { g.SMClockMHz, r = d.GetClockInfo(nvml.CLOCK_SM); return })
	call("memory clock", func() (r nvml.Return) { g.MemClockMHz, r = d.GetClockInfo(nvml.CLOCK_MEM); return })
	call("max sm clock", func() (r nvml.Return) { g.MaxSMClockMHz, r = d.GetMaxClockInfo(nvml.CLOCK_SM); return })
	call("temperature", func() (r nvml.Return) { g.TemperatureC, r = d.GetTemperature(nvml.TEMPERATURE_GPU); return })
	call("power", func() (r nvml.Return) { g.PowerMilliW, r = d.GetPowerUsage(); return })
	call("power limit", func() (r nvml.Return) { g.PowerLimitMW, r = d.GetEnforcedPowerLimit(); return })
	call("utilization", func() nvml.Return {
		u, r := d.GetUtilizationRates()
		g.UtilGPU, g.UtilMemory = u.Gpu, u.Memory
		return r
	})
	call("pci", func() nvml.Return {
		p, r := d.GetPciInfo()
		g.PCIBusID, g.PCIDeviceID = cString(p.BusId[:]), p.PciDeviceId
		return r
	})
	call("multiprocessors", func() nvml.Return {
		if r := safely(func() nvml.Return {
			at, r := d.GetAttributes()
			g.SMs = int(at.MultiprocessorCount)
			return r
		}); r == nvml.SUCCESS && g.SMs > 0 {
			return r
		}
		// nvmlDeviceGetAttributes can refuse a whole GPU (an H200 on driver 580 returned
		// NOT_SUPPORTED in issue 16's device run); its CUDA cores over the cores per SM
		// of its architecture give the same count.
		cores, r := d.GetNumGpuCores()
		if r != nvml.SUCCESS {
			return r
		}
		per := coresPerSM(g.ComputeMajor, g.ComputeMinor)
		if per == 0 || cores <= 0 || cores%per != 0 {
			return nvml.ERROR_NOT_SUPPORTED
		}
		g.SMs = cores / per
		return nvml.SUCCESS
	})
	call("pcie gen", func() (r nvml.Return) { g.PCIeGen, r = d.GetCurrPcieLinkGeneration(); return })
	call("pcie width", func() (r nvml.Return) { g.PCIeWidth, r = d.GetCurrPcieLinkWidth(); return })
	call("nvlink", func() nvml.Return {
		var first nvml.Return = nvml.SUCCESS
		for l := range maxNVLinks {
			st, r := d.GetNvLinkState(l)
			if r != nvml.SUCCESS {
				if l == 0 {
					first = r // no NVLink at all
				}
				break
			}
			if st == nvml.FEATURE_ENABLED {
				g.NVLinkActive++
			}
		}
		return first
	})
	return g
}

// safely runs an NVML query whose mock may not model it (a panic) as unsupported.
func safely(f func() nvml.Return) (r nvml.Return) {
	defer func() {
		if recover() != nil {
			r = nvml.ERROR_NOT_SUPPORTED
		}
	}()
	return f()
}

// coresPerSM is the CUDA cores (FP32 lanes) per SM by compute capability, from the
// CUDA C++ Programming Guide's arithmetic-throughput table (32-bit floating-point
// add, multiply, multiply-add per clock per SM); 0 when unknown.
func coresPerSM(major, minor int) int {
	switch {
	case major == 6 && minor == 0, major == 7, major == 8 && minor == 0:
		return 64 // GP100, Volta, Turing, GA100
	case major == 6, major == 8, major >= 9:
		return 128 // GP10x, GA10x, Ada, Hopper, Blackwell
	}
	return 0
}

func cString[T ~int8 | ~uint8](b []T) string {
	var sb strings.Builder
	for _, c := range b {
		if c == 0 {
			break
		}
		sb.WriteByte(byte(c))
	}
	return sb.String()
}

// nvmlNames maps device names as NVML spells them (nvmlDeviceGetName) to the
// class table's names. Each spelling has its own test; a name not here gets a
// generic class (ClassOf).
var nvmlNames = map[string]string{
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

// ClassFor maps an NVML device name to a class of the fixed table, or "" when the
// table does not know the model (ClassOf then sizes a generic class). Matching is
// exact after trimming spaces, ignoring case: NVML's spellings are stable per model
// and a loose match ("contains H100") would put an H100 PCIe in the SXM class.
func ClassFor(name string) string {
	n := strings.TrimSpace(name)
	for k, v := range nvmlNames {
		if strings.EqualFold(k, n) {
			return v
		}
	}
	return ""
}

// ClassOf returns the class a GPU registers in: its table class when NVML's name is
// known, otherwise a generic class sized from what NVML reported (compute
// capability, SM count, max SM clock, memory). It fails only for a device NVML
// reports too little about, or with less memory than a challenge needs.
func ClassOf(g GPU) (classes.Class, error) {
	if name := ClassFor(g.Name); name != "" {
		return classes.ByName(name)
	}
	return classes.GenericGPU(classes.GPUSpec{
		ComputeMajor: g.ComputeMajor, ComputeMinor: g.ComputeMinor,
		SMs: g.SMs, MaxSMClockMHz: int(g.MaxSMClockMHz), MemoryBytes: g.MemoryTotal,
	})
}

// LogGPU logs a discovered device with its NVML model name and the class it gets,
// so that models without a table row show up in the logs and the table can grow.
func LogGPU(logger *slog.Logger, g GPU) {
	c, err := ClassOf(g)
	switch {
	case err != nil:
		logger.Warn("gpu without a proof-of-compute class", "index", g.Index, "uuid", g.UUID, "model", g.Name,
			"memory", g.MemoryTotal, "sms", g.SMs, "max_sm_clock_mhz", g.MaxSMClockMHz, "missing", g.Missing, "error", err)
	case c.ID == classes.GenericGPUID:
		logger.Info("gpu model not in the class table, using a generic class", "index", g.Index, "uuid", g.UUID,
			"model", g.Name, "class", c.Name, "peak_tops", c.DensePeakTOPS, "memory", g.MemoryTotal, "missing", g.Missing)
	default:
		logger.Info("gpu found", "index", g.Index, "uuid", g.UUID, "model", g.Name, "class", c.Name,
			"peak_tops", c.DensePeakTOPS, "memory", g.MemoryTotal, "missing", g.Missing)
	}
}

// DiscoverSystem uses the machine's NVML library. It never fails: without NVIDIA
// libraries or devices it logs "no GPU" and returns an empty inventory so the
// worker runs on the CPU backend.
func DiscoverSystem(logger *slog.Logger) Inventory {
	if logger == nil {
		logger = slog.Default()
	}
	inv, err := Discover(nvml.New(), logger)
	if err != nil {
		logger.Info("no GPU, using the CPU backend", "reason", err)
		return Inventory{}
	}
	for _, g := range inv.GPUs {
		LogGPU(logger, g)
	}
	return inv
}
