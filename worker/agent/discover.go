package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/dgxa100"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock/gpus"
	"golang.org/x/sys/unix"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/worker/compute"
	"github.com/ionet-network/ionet/worker/gemm"
	"github.com/ionet-network/ionet/worker/hardware"
)

// GPU is one discovered device as the agent reports it.
type GPU struct {
	Index   int    `json:"index"`
	UUID    string `json:"uuid"`
	Model   string `json:"model"`
	Class   string `json:"class,omitempty"` // "" when no class fits (Error says why)
	ClassID uint8  `json:"classId,omitempty"`
	VRAMMiB uint64 `json:"vramMib"`
	NVLinks int    `json:"nvlinks,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Hardware is what `ionet-worker discover` prints and `register` turns into a node
// spec: the GPUs with their classes, or the CPU class, and the host.
type Hardware struct {
	GPUs     []GPU  `json:"gpus"`
	Driver   string `json:"driver,omitempty"`
	CPUClass string `json:"cpuClass"`
	CPUISA   string `json:"cpuIsa"`
	// CPUGOPSPerCore is the rate measured for the CPU class's speed tier, per core,
	// in GOPS (the unit of the tier in the class name); CPUChallengeS the whole
	// challenge of CPUClass it predicts, in seconds. 0 when not measured (a GPU node,
	// or CPUCalibration 0).
	CPUGOPSPerCore float64 `json:"cpuGopsPerCore,omitempty"`
	CPUChallengeS  float64 `json:"cpuChallengeS,omitempty"`
	VCPUs          int     `json:"vcpus"`
	RAMBytes       uint64  `json:"ramBytes"`
	// DiskBytes is the size of the file system holding the data directory.
	DiskBytes uint64 `json:"diskBytes"`
	// Class is what the node registers as: the class of the GPUs (the first GPU's,
	// when they differ: the others are left out), or the CPU class without a GPU.
	Class   string `json:"class"`
	ClassID uint8  `json:"classId"`
	// Devices is the number of devices of Class: GPUs, or 1 for a CPU.
	Devices int `json:"devices"`
}

// CPUClassFile, in the data directory, keeps a CPU node's class between starts, so
// that a rate measured a little differently does not move it to another tier
// (compute.KeepMargin).
const CPUClassFile = "cpu-class"

// DiscoverConfig says where to look.
type DiscoverConfig struct {
	// NVML is the library to query (nvml.New() when nil; a go-nvml mock in tests).
	NVML nvml.Interface
	// DataDir's file system is reported as the disk.
	DataDir string
	// Threads are the CPU GEMM's cores (GOMAXPROCS when ≤ 0): they name the CPU class.
	Threads int
	// CPUCalibration is how long a node without a GPU class measures its CPU to pick
	// its class's speed tier (compute.CalibratedCPUClass); 0: no measurement, the
	// nominal tier, which honest CPUs slower than two-port AVX-512 at 2.4 GHz miss.
	CPUCalibration time.Duration
	// ClassGiven says the caller answers in a class of its own (--class): the CPU
	// is then neither measured nor its nominal class reported as unmeasured.
	ClassGiven bool
	// Context cancels the CPU measurement (context.Background() when nil).
	Context context.Context
	Logger  *slog.Logger
}

// Discover reads the GPUs through NVML (none when it is unavailable: the CPU
// class), the vCPUs, RAM and disk.
func Discover(cfg DiscoverConfig) (Hardware, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	lib := cfg.NVML
	if lib == nil {
		lib = nvml.New()
	}
	cpu, err := compute.CPUClass(gemm.Best(), cfg.Threads)
	if err != nil {
		return Hardware{}, fmt.Errorf("discover: %w", err)
	}
	h := Hardware{CPUClass: cpu.Name, CPUISA: string(compute.ISA(gemm.Best())), VCPUs: runtime.NumCPU()}
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err == nil {
		h.RAMBytes = uint64(si.Totalram) * uint64(si.Unit)
	}
	dir := cfg.DataDir
	if dir == "" {
		dir = "."
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err == nil {
		h.DiskBytes = st.Blocks * uint64(st.Bsize)
	}
	inv, err := hardware.Discover(lib, log)
	if err != nil && !errors.Is(err, hardware.ErrNoGPU) {
		return Hardware{}, fmt.Errorf("discover: %w", err)
	}
	if err != nil {
		log.Info("no GPU: challenges run on the CPU", "reason", err)
	}
	h.Driver = inv.DriverVersion
	h.GPUs = []GPU{} // JSON: "gpus": [] on a machine without one
	for _, g := range inv.GPUs {
		hardware.LogGPU(log, g)
		d := GPU{Index: g.Index, UUID: g.UUID, Model: g.Name, VRAMMiB: g.MemoryTotal >> 20, NVLinks: g.NVLinkActive}
		if c, err := hardware.ClassOf(g); err != nil {
			d.Error = err.Error()
		} else {
			d.Class, d.ClassID = c.Name, c.ID
		}
		h.GPUs = append(h.GPUs, d)
	}
	for _, g := range h.GPUs {
		if g.Class == "" {
			continue
		}
		if h.Class == "" {
			h.Class, h.ClassID = g.Class, g.ClassID
		}
		if g.Class == h.Class {
			h.Devices++
		} else {
			log.Warn("gpu of another class left out of the node", "index", g.Index, "class", g.Class, "node_class", h.Class)
		}
	}
	if h.Class == "" {
		if len(h.GPUs) > 0 {
			log.Warn("no discovered GPU has a proof-of-compute class: the node registers as a CPU")
		}
		if cfg.CPUCalibration > 0 {
			ctx := cfg.Context
			if ctx == nil {
				ctx = context.Background()
			}
			tierFile := filepath.Join(dir, CPUClassFile)
			previous, _ := os.ReadFile(tierFile) // none yet: the measurement alone decides
			c, rate, err := compute.CalibratedCPUClass(ctx, gemm.Best(), cfg.Threads, cfg.CPUCalibration,
				strings.TrimSpace(string(previous)), log)
			if err != nil {
				return Hardware{}, fmt.Errorf("discover: %w", err)
			}
			cpu, h.CPUClass = c, c.Name
			h.CPUGOPSPerCore = math.Round(1e4*rate.PerCoreTOPS()) / 10
			h.CPUChallengeS = math.Round(100*rate.Predict(c).Seconds()) / 100
			if err := os.WriteFile(tierFile, []byte(c.Name+"\n"), 0o600); err != nil {
				log.Warn("CPU class not kept for the next start", "file", tierFile, "error", err)
			}
		} else if !cfg.ClassGiven {
			log.Info("CPU class not measured (calibration off): its nominal tier assumes a two-port AVX-512 server at 2.4–4.8 GHz; `ionet-worker bench` tells whether this machine passes it",
				"class", cpu.Name)
		}
		h.Class, h.ClassID, h.Devices = cpu.Name, cpu.ID, 1
	}
	return h, nil
}

// NodeGPUs are the discovered GPUs of the node's class, in index order.
func (h Hardware) NodeGPUs() []GPU {
	var out []GPU
	for _, g := range h.GPUs {
		if g.Class != "" && g.Class == h.Class {
			out = append(out, g)
		}
	}
	return out
}

// WithClass is h registered in class c instead of the discovered class: the GPUs of
// c (by name) when there are, else one device.
func (h Hardware) WithClass(c classes.Class) Hardware {
	h.Class, h.ClassID, h.Devices = c.Name, c.ID, 0
	for _, g := range h.GPUs {
		if g.Class == c.Name {
			h.Devices++
		}
	}
	h.Devices = max(h.Devices, 1)
	return h
}

// MockModels are the go-nvml mock GPUs --mock-gpus knows, by the class their NVML
// name maps to.
var MockModels = map[string]gpus.Config{
	"h100-sxm": gpus.H100_SXM5_80GB,
	"a100":     gpus.A100_SXM4_80GB,
}

// MockNVML is a go-nvml mock server with count GPUs of model (a MockModels key),
// written "model:count" ("a100:2"); for a local network only: the node registers
// with those GPUs, while its challenges run on the CPU.
func MockNVML(spec string) (nvml.Interface, error) {
	model, n, ok := strings.Cut(spec, ":")
	count := 1
	if ok {
		var err error
		if count, err = strconv.Atoi(n); err != nil || count < 1 || count > 64 {
			return nil, fmt.Errorf("mock GPUs %q: count %q, want 1 to 64", spec, n)
		}
	}
	cfg, known := MockModels[model]
	if !known {
		names := make([]string, 0, len(MockModels))
		for k := range MockModels {
			names = append(names, k)
		}
		return nil, fmt.Errorf("mock GPUs %q: model %q, want one of %v", spec, model, names)
	}
	return dgxa100.NewWithGPUs(gpus.Multiple(count, cfg)...), nil
}

// ClassByName is the class of a Hardware's Class under lookup.
func ClassByName(lookup func(string) (classes.Class, error), name string) (classes.Class, error) {
	if lookup == nil {
		lookup = classes.ByName
	}
	return lookup(name)
}
