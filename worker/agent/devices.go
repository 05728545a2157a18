package agent

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/api"
	"github.com/ionet-network/ionet/worker/compute"
	"github.com/ionet-network/ionet/worker/gemm"
)

// DeviceConfig says how challenges are answered.
type DeviceConfig struct {
	Key ed25519.PrivateKey
	// Hardware is the discovery; its GPUs of the node's class get a CUDA backend
	// each when UseGPUs and Open succeeds for all of them.
	Hardware Hardware
	UseGPUs  bool
	Open     compute.OpenGPU // compute.OpenCUDA when nil
	// Class overrides the class answered (with the CPU backend unless GPUs open).
	Class   string
	Threads int // CPU GEMM threads (GOMAXPROCS when ≤ 0)
	Lookup  func(string) (classes.Class, error)
	// Progress is how often a long commitment logs its progress (0: never).
	Progress time.Duration
	Logger   *slog.Logger
}

// Devices are the provers a worker answers with.
type Devices struct {
	Class   string
	Backend string // what answers: "cuda:0…" or "cpu-avx2"
	List    []api.Device
	closers []io.Closer
}

// Close releases the GPU backends.
func (d *Devices) Close() error {
	var errs []error
	for _, c := range d.closers {
		errs = append(errs, c.Close())
	}
	d.closers = nil
	return errors.Join(errs...)
}

// OpenDevices picks the best backend: one CUDA backend per GPU of the node's class
// when there are GPUs and the CUDA libraries load, the CPU GEMM otherwise (one
// device, the CPU class or cfg.Class).
func OpenDevices(cfg DeviceConfig) (*Devices, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	lookup := cfg.Lookup
	if lookup == nil {
		lookup = classes.ByName
	}
	prover := func(b pow.Backend) (*pow.Prover, error) {
		return pow.NewProver(pow.ProverConfig{Key: cfg.Key, Backend: Progress(b, cfg.Progress, log), Lookup: lookup,
			Workers: max(0, cfg.Threads), Logger: log})
	}
	d := &Devices{}
	if gpus := cfg.Hardware.NodeGPUs(); cfg.UseGPUs && len(gpus) > 0 {
		open := cfg.Open
		if open == nil {
			open = compute.OpenCUDA
		}
		ok := true
		for _, g := range gpus {
			b, err := open(g.Index)
			if err != nil {
				log.Warn("GPU backend unavailable, answering on the CPU", "gpu", g.Index, "error", err)
				ok = false
				break
			}
			if c, isCloser := b.(io.Closer); isCloser {
				d.closers = append(d.closers, c)
			}
			p, err := prover(b)
			if err != nil {
				_ = d.Close()
				return nil, err
			}
			d.List = append(d.List, api.Device{Prover: p, UUID: g.UUID})
			d.Backend += b.Name() + " "
		}
		if ok {
			d.Class = cfg.Hardware.Class
			if cfg.Class != "" {
				d.Class = cfg.Class
			}
			d.Backend = d.Backend[:len(d.Backend)-1]
			if _, err := lookup(d.Class); err != nil {
				_ = d.Close()
				return nil, fmt.Errorf("class %q: %w", d.Class, err)
			}
			return d, nil
		}
		_ = d.Close()
		d = &Devices{}
	}
	cpu := gemm.Backend{Threads: cfg.Threads}
	p, err := prover(cpu)
	if err != nil {
		return nil, err
	}
	d.List, d.Backend = []api.Device{{Prover: p}}, cpu.Name()
	d.Class = cfg.Class
	if d.Class == "" && cfg.Hardware.Class == cfg.Hardware.CPUClass {
		d.Class = cfg.Hardware.CPUClass // discovery's, measured for its speed tier
	}
	if d.Class == "" {
		c, err := compute.CPUClass(gemm.Best(), cfg.Threads)
		if err != nil {
			return nil, err
		}
		d.Class = c.Name
	}
	if _, err := lookup(d.Class); err != nil {
		return nil, fmt.Errorf("class %q: %w", d.Class, err)
	}
	return d, nil
}
