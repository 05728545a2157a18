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

// ClassFor maps an NVML device name to a proof-of-compute class name, or "" when
// the device has no class yet.
func ClassFor(name string) string {
	n := strings.ToUpper(name)
	switch {
	case strings.Contains(n, "H100") && (strings.Contains(n, "SXM") || strings.Contains(n, "HBM3")):
		return "h100-sxm"
	case strings.Contains(n, "A100"):
		return "a100"
	case strings.Contains(n, "RTX 4090") || strings.Contains(n, "GEFORCE 4090"):
		return "rtx4090"
	case strings.Contains(n, "RTX 3090") || strings.Contains(n, "GEFORCE 3090"):
		return "rtx3090"
	}
	return ""
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
		logger.Info("gpu found", "index", g.Index, "uuid", g.UUID, "name", g.Name,
			"memory", g.MemoryTotal, "class", ClassFor(g.Name), "missing", g.Missing)
	}
	return inv
}
