// Command ionet-worker is the supplier's agent (docs/design.md §§4, 7): it discovers the
// machine's GPUs (or its CPU class), registers and stakes the node on chain, serves
// keepers' proof-of-compute challenges and uptime probes, runs renters' hired jobs,
// and claims the node's earnings.
//
//	ionet-worker discover [--json]
//	ionet-worker --keypair operator.json register --ask 2.15 --location DE --endpoint http://host:7080
//	ionet-worker --keypair operator.json stake [--amount 100]
//	ionet-worker run [--listen :7080]   (default: the registered endpoint's port)
//	ionet-worker --keypair operator.json claim [--keeper-url http://keeper:7070]
//
// Global flags go before the command, the command's after it. Every flag may come
// from its IONET_* environment variable or from the YAML file named by --config
// (keys are the flag names), in that order of precedence after the command line.
// The worker's ed25519 identity is generated on first start into --data-dir.
// Exit status: 0 success or clean shutdown, 1 failure, 2 bad usage.
package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"

	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/internal/cliapp"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/worker/agent"
	"github.com/ionet-network/ionet/worker/api"
	"github.com/ionet-network/ionet/worker/compute"
	"github.com/ionet-network/ionet/worker/jobs"
)

// version is reported in /v1/info and /healthz.
const version = "ionet-worker/0.1"

func main() {
	// A job's limit helper: set the limits and exec the job (worker/jobs).
	jobs.LimitedMain(os.Args)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newApp(os.Stdout, os.Stderr, nil).RunContext(ctx, os.Args)
	stop()
	os.Exit(exitCode(os.Stderr, err))
}

// usageError and usagef: a bad flag, argument or config value (exit status 2).
type usageError = cliapp.UsageError

var usagef = cliapp.Usagef

func exitCode(stderr io.Writer, err error) int { return cliapp.ExitCode(stderr, "ionet-worker", err) }

// hooks let tests use mock GPUs, sized-down classes and learn the bound address.
type hooks struct {
	nvml     nvml.Interface
	lookup   func(string) (classes.Class, error)
	listened func(addr string)
}

func globalFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "config", Usage: "optional YAML `FILE` whose keys are the flags' names", EnvVars: []string{"IONET_WORKER_CONFIG"}},
		altsrc.NewStringFlag(&cli.StringFlag{Name: "data-dir", Usage: "the worker identity key, job directories", EnvVars: []string{"IONET_DATA_DIR"}, Value: "ionet-worker-data"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "keypair", Usage: "the operator: a Solana CLI JSON keypair `FILE` (register, stake, claim)", EnvVars: []string{"IONET_KEYPAIR"}}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "rpc-url", Usage: "Solana JSON-RPC endpoint", EnvVars: []string{"IONET_RPC_URL"}, Value: "http://127.0.0.1:8899"}),
		altsrc.NewIntFlag(&cli.IntFlag{Name: "threads", Usage: "CPU GEMM threads; they name the CPU class (0: all)", EnvVars: []string{"IONET_THREADS"}}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "cpu-calibration", Usage: "without a GPU, how long to measure the CPU's proof-of-compute rate, which picks its class's speed tier (0: the nominal tier, unmeasured; skipped when --class is given)", EnvVars: []string{"IONET_CPU_CALIBRATION"}, Value: compute.DefaultCPUCalibration}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "mock-gpus", Usage: "local networks only: discover go-nvml mock GPUs `MODEL:COUNT` (h100-sxm or a100) instead of NVML; challenges then run on the CPU", EnvVars: []string{"IONET_MOCK_GPUS"}}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "worker-keypair", Usage: "use this Solana CLI JSON keypair `FILE` as the worker identity instead of the one generated in --data-dir", EnvVars: []string{"IONET_WORKER_KEYPAIR"}}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "localnet-classes", Usage: "local networks only: also know classes.LocalnetCPU (localnet-cpu), sized for short epochs (keepers need the same flag)", EnvVars: []string{"IONET_LOCALNET_CLASSES"}}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error", EnvVars: []string{"IONET_LOG_LEVEL"}, Value: "info"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "log-format", Usage: "text or json", EnvVars: []string{"IONET_LOG_FORMAT"}, Value: "text"}),
	}
}

func newApp(stdout, stderr io.Writer, h *hooks) *cli.App {
	if h == nil {
		h = &hooks{}
	}
	usage := cliapp.OnUsageError
	fs := globalFlags()
	cmd := func(c *cli.Command) *cli.Command {
		c.OnUsageError = usage
		c.Before = readConfig(c.Flags)
		action := c.Action
		c.Action = func(ctx *cli.Context) error {
			if ctx.NArg() > 0 {
				return usagef("unexpected argument %q (flags only; see --help)", ctx.Args().First())
			}
			return action(ctx)
		}
		return c
	}
	return &cli.App{
		Name:           "ionet-worker",
		Usage:          "the ionet supplier's agent: discover, register, stake, serve keepers and renters, claim",
		Writer:         stdout,
		ErrWriter:      stderr,
		Flags:          fs,
		Before:         readConfig(fs),
		OnUsageError:   usage,
		ExitErrHandler: func(*cli.Context, error) {},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usagef("unknown command %q (see --help)", c.Args().First())
			}
			return usagef("a command is required: discover, register, stake, bench, run or claim")
		},
		Commands: []*cli.Command{
			cmd(&cli.Command{Name: "discover", Usage: "print the GPUs with their class (or the CPU class), vCPUs, RAM and disk",
				Flags:  []cli.Flag{jsonFlag()},
				Action: func(c *cli.Context) error { return discover(c, h) }}),
			cmd(&cli.Command{Name: "register", Usage: "register the node on chain, or update it (spec from discovery plus these flags); harmless to repeat",
				Flags:  registerFlags(),
				Action: func(c *cli.Context) error { return register(c, h) }}),
			cmd(&cli.Command{Name: "stake", Usage: "bring the operator's stake in the node up to --amount (default: the minimum); harmless to repeat",
				Flags:  []cli.Flag{altsrc.NewStringFlag(&cli.StringFlag{Name: "amount", Usage: "operator stake to reach, $IO (up to 8 decimals)", EnvVars: []string{"IONET_STAKE"}})},
				Action: stake}),
			cmd(&cli.Command{Name: "run", Usage: "serve keepers (challenges, probes) and renters (jobs) until SIGTERM",
				Flags:  runFlags(),
				Action: func(c *cli.Context) error { return run(c, h) }}),
			cmd(&cli.Command{Name: "bench", Usage: "rehearse one challenge of the node's class against an in-process keeper: time, rate, deadline, verdict (exit 1 if it would fail)",
				Flags:  benchFlags(),
				Action: func(c *cli.Context) error { return bench(c, h) }}),
			cmd(&cli.Command{Name: "claim", Usage: "claim hire earnings (io-hire) and availability rewards (io-rewards, with a keeper's proof); print what was paid",
				Flags: []cli.Flag{
					altsrc.NewStringSliceFlag(&cli.StringSliceFlag{Name: "keeper-url", Usage: "a keeper serving GET /proofs/{node} (repeat; default: every registered keeper's endpoint)", EnvVars: []string{"IONET_KEEPER_URLS"}}),
					jsonFlag(),
				},
				Action: claim}),
		},
	}
}

func registerFlags() []cli.Flag {
	return []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "ask", Usage: "ask price in USD per GPU-hour, e.g. 2.15 (exact, micro-USD)", EnvVars: []string{"IONET_ASK"}}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "location", Usage: "ISO 3166 country code, two capital letters", EnvVars: []string{"IONET_LOCATION"}}),
		altsrc.NewStringSliceFlag(&cli.StringSliceFlag{Name: "compliance", Usage: "compliance tag: a bit number 0-63 or a 0x mask (repeat or comma-separate)", EnvVars: []string{"IONET_COMPLIANCE"}}),
		altsrc.NewUintFlag(&cli.UintFlag{Name: "bandwidth-mbps", Usage: "network bandwidth, Mbit/s", EnvVars: []string{"IONET_BANDWIDTH_MBPS"}}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "endpoint", Usage: "the worker's public HTTP endpoint, 1 to 128 bytes (keepers and renters call it)", EnvVars: []string{"IONET_ENDPOINT"}}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "class", Usage: "register in this `CLASS` instead of the discovered one (the one 'run --class' answers)", EnvVars: []string{"IONET_CLASS"}}),
	}
}

func runFlags() []cli.Flag {
	return []cli.Flag{
		altsrc.NewStringFlag(&cli.StringFlag{Name: "listen", Usage: "address of the HTTP server (worker API, jobs, /metrics, /healthz); default: the port of the node's registered endpoint, or :7080", EnvVars: []string{"IONET_LISTEN"}, DefaultText: "the registered endpoint's port"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "class", Usage: "proof-of-compute class answered (default: the GPUs' class, or the CPU class)", EnvVars: []string{"IONET_CLASS"}}),
		altsrc.NewStringSliceFlag(&cli.StringSliceFlag{Name: "keeper", Usage: "a keeper's key (base58) to accept instead of io-rewards' set; repeat for more", EnvVars: []string{"IONET_KEEPERS"}}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "node", Usage: "the io-staking node served (default: the node registered with this worker key; give it after a key rotation)", EnvVars: []string{"IONET_NODE"}}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "keeper-refresh", Usage: "how often the keeper set is read again from the chain", EnvVars: []string{"IONET_KEEPER_REFRESH"}, Value: 30 * time.Second}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "progress", Usage: "log a long challenge's progress this often (0: never)", EnvVars: []string{"IONET_PROGRESS"}, Value: 5 * time.Second}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "gemm-autotune", Usage: "at start, choose each GPU's cuBLASLt GEMM algorithm by its sustained rate (about 18 s, once per device, driver and library: cached in --gemm-autotune-cache)", EnvVars: []string{"IONET_GEMM_AUTOTUNE"}, Value: true}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "gemm-autotune-cache", Usage: "the GEMM autotune cache `FILE`", EnvVars: []string{"IONET_GEMM_AUTOTUNE_CACHE"}, DefaultText: "<data-dir>/" + autotuneCacheName}),
		altsrc.NewBoolFlag(&cli.BoolFlag{Name: "jobs", Usage: "accept hired jobs from the renters of this node's active orders", EnvVars: []string{"IONET_JOBS"}, Value: true}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "job-runner", Usage: "auto (a container where podman or docker answers its info command, else a process), process or container", EnvVars: []string{"IONET_JOB_RUNNER"}, Value: "auto"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "job-image", Usage: "container image for jobs that name none", EnvVars: []string{"IONET_JOB_IMAGE"}, Value: "docker.io/library/ubuntu:24.04"}),
		altsrc.NewStringFlag(&cli.StringFlag{Name: "job-memory", Usage: "a job's address space (process) or memory (container), e.g. 64GiB (0: unlimited)", EnvVars: []string{"IONET_JOB_MEMORY"}, Value: "0"}),
		altsrc.NewUint64Flag(&cli.Uint64Flag{Name: "job-open-files", Usage: "a job's open files (0: unlimited)", EnvVars: []string{"IONET_JOB_OPEN_FILES"}, Value: 65536}),
		altsrc.NewUint64Flag(&cli.Uint64Flag{Name: "job-processes", Usage: "a job's processes (0: unlimited; for a process runner this counts the user's processes)", EnvVars: []string{"IONET_JOB_PROCESSES"}}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "job-poll", Usage: "how often running jobs' hires are checked on chain", EnvVars: []string{"IONET_JOB_POLL"}, Value: jobs.DefaultPoll}),
		altsrc.NewDurationFlag(&cli.DurationFlag{Name: "claim-every", Usage: "claim earnings this often while running (0: never; needs --keypair)", EnvVars: []string{"IONET_CLAIM_EVERY"}}),
		altsrc.NewStringSliceFlag(&cli.StringSliceFlag{Name: "keeper-url", Usage: "keepers to ask for proofs when claiming (default: every registered keeper's endpoint)", EnvVars: []string{"IONET_KEEPER_URLS"}}),
		// Only for tests of keepers: misbehave on purpose (worker/api faults).
		&cli.StringFlag{Name: "fault", Hidden: true, Usage: "wrong-row or slow", EnvVars: []string{"IONET_FAULT"}},
		&cli.DurationFlag{Name: "slow-delay", Hidden: true, EnvVars: []string{"IONET_SLOW_DELAY"}},
	}
}

// readConfig fills the flags the command line and environment left unset from
// --config; a file that cannot be read is a usage error.
func readConfig(fs []cli.Flag) cli.BeforeFunc {
	load := altsrc.InitInputSourceWithContext(fs, func(c *cli.Context) (altsrc.InputSourceContext, error) {
		path := c.String("config")
		if path == "" {
			return &altsrc.MapInputSource{}, nil
		}
		src, err := altsrc.NewYamlSourceFromFile(path)
		if err != nil {
			return nil, usagef("--config %s: %v", path, err)
		}
		return src, nil
	})
	return func(c *cli.Context) error {
		if err := load(c); err != nil {
			return usagef("%v", err)
		}
		return nil
	}
}

// logger is the logger --log-level and --log-format choose.
var logger = cliapp.Logger

// env is what every command needs: logs, the data dir, the worker identity.
type env struct {
	log        *slog.Logger
	dataDir    string
	workerFile string
	rpcURL     string
	threads    int
	calibrate  time.Duration // CPU speed-tier measurement (compute.CalibratedCPUClass)
	classGiven bool          // --class: no CPU measurement
	nvml       nvml.Interface
	mock       bool
	lookup     func(string) (classes.Class, error)
}

// publicLookup is classes.ByName, whose error for a localnet class names the flag
// that enables it.
func publicLookup(name string) (classes.Class, error) {
	c, err := classes.ByName(name)
	if err != nil && name == classes.LocalnetCPU.Name {
		return c, fmt.Errorf("%w (a localnet class: give --localnet-classes)", err)
	}
	return c, err
}

func newEnv(c *cli.Context, h *hooks) (*env, error) {
	log, err := logger(c)
	if err != nil {
		return nil, err
	}
	if err := cliapp.CheckRPCURL("--rpc-url", c.String("rpc-url")); err != nil {
		return nil, err
	}
	e := &env{log: log, dataDir: c.String("data-dir"), workerFile: c.String("worker-keypair"), rpcURL: c.String("rpc-url"),
		threads: c.Int("threads"), calibrate: c.Duration("cpu-calibration"), lookup: publicLookup}
	if c.Bool("localnet-classes") {
		e.lookup = classes.LocalnetLookup
	}
	if e.workerFile != "" {
		if _, err := cliapp.LoadKeypair("--worker-keypair", e.workerFile); err != nil {
			return nil, err
		}
	}
	if e.dataDir == "" {
		return nil, usagef("--data-dir must not be empty")
	}
	if e.threads < 0 || e.threads > classes.MaxCPUCores {
		return nil, usagef("--threads %d: want 0 to %d", e.threads, classes.MaxCPUCores)
	}
	if e.calibrate < 0 {
		return nil, usagef("--cpu-calibration must not be negative")
	}
	if c.String("class") != "" { // the class is given: nothing to measure it for
		e.calibrate, e.classGiven = 0, true
	}
	if s := c.String("mock-gpus"); s != "" {
		if e.nvml, err = agent.MockNVML(s); err != nil {
			return nil, usagef("--mock-gpus: %v", err)
		}
		e.mock = true
	}
	if h != nil && h.nvml != nil {
		e.nvml, e.mock = h.nvml, true
	}
	if h != nil && h.lookup != nil {
		e.lookup = h.lookup
	}
	return e, nil
}

func (e *env) identity() (ed25519.PrivateKey, error) {
	if e.workerFile != "" {
		k, err := solana.PrivateKeyFromSolanaKeygenFile(e.workerFile)
		if err != nil || len(k) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("--worker-keypair %s: %v", e.workerFile, err)
		}
		return ed25519.PrivateKey(k), nil
	}
	key, created, err := agent.LoadIdentity(e.dataDir)
	if err != nil {
		return nil, err
	}
	if created {
		e.log.Info("worker identity generated", "key", agent.PublicKey(key), "file", filepath.Join(e.dataDir, agent.IdentityFile))
	}
	return key, nil
}

func (e *env) discover(ctx context.Context) (agent.Hardware, error) {
	if err := os.MkdirAll(e.dataDir, 0o700); err != nil {
		return agent.Hardware{}, err
	}
	return agent.Discover(agent.DiscoverConfig{NVML: e.nvml, DataDir: e.dataDir, Threads: e.threads,
		CPUCalibration: e.calibrate, ClassGiven: e.classGiven, Context: ctx, Logger: e.log})
}

// cpuDeadline is a nearby keeper's deadline for a CPU class name (0 if unknown).
func cpuDeadline(name string) time.Duration {
	c, err := classes.ByName(name)
	if err != nil {
		return 0
	}
	return pow.Deadline(c, 0)
}

func operator(c *cli.Context) (solana.PrivateKey, error) {
	if c.String("keypair") == "" {
		return nil, usagef("--keypair is required: the operator's Solana CLI JSON keypair file")
	}
	return cliapp.LoadKeypair("--keypair", c.String("keypair"))
}

func gib(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

func discover(c *cli.Context, h *hooks) error {
	e, err := newEnv(c, h)
	if err != nil {
		return err
	}
	hw, err := e.discover(c.Context)
	if err != nil {
		return err
	}
	w := c.App.Writer
	if c.Bool("json") {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(hw)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(hw.GPUs) == 0 {
		fmt.Fprintf(tw, "GPUs\tnone\n")
	}
	for _, g := range hw.GPUs {
		class := g.Class
		if class == "" {
			class = "no class: " + g.Error
		}
		fmt.Fprintf(tw, "GPU %d\t%s\t%s\t%d MiB\t%s\n", g.Index, g.Model, class, g.VRAMMiB, g.UUID)
	}
	if hw.CPUGOPSPerCore > 0 {
		fmt.Fprintf(tw, "CPU class\t%s (%s; measured %.4g GOPS per core: a challenge in %.1f s, deadline %.0f s)\n",
			hw.CPUClass, hw.CPUISA, hw.CPUGOPSPerCore, hw.CPUChallengeS, cpuDeadline(hw.CPUClass).Seconds())
	} else {
		fmt.Fprintf(tw, "CPU class\t%s (%s)\n", hw.CPUClass, hw.CPUISA)
	}
	fmt.Fprintf(tw, "vCPUs\t%d\n", hw.VCPUs)
	fmt.Fprintf(tw, "RAM\t%s\n", gib(hw.RAMBytes))
	fmt.Fprintf(tw, "disk\t%s (%s)\n", gib(hw.DiskBytes), e.dataDir)
	fmt.Fprintf(tw, "node class\t%s (id %d), %d device(s)\n", hw.Class, hw.ClassID, hw.Devices)
	return tw.Flush()
}

func register(c *cli.Context, h *hooks) error {
	e, err := newEnv(c, h)
	if err != nil {
		return err
	}
	op, err := operator(c)
	if err != nil {
		return err
	}
	if c.String("ask") == "" {
		return usagef("--ask is required: the price in USD per GPU-hour, e.g. --ask 2.15 (or IONET_ASK, or ask: in --config)")
	}
	ask, err := staking.ParseUSDMicro(c.String("ask"))
	if err != nil || ask == 0 {
		return usagef("--ask %q: a positive price in USD per GPU-hour with at most 6 decimals", c.String("ask"))
	}
	compliance, err := agent.ParseCompliance(c.StringSlice("compliance"))
	if err != nil {
		return usagef("--compliance: %v", err)
	}
	bw := c.Uint("bandwidth-mbps")
	if uint64(bw) > 1<<32-1 {
		return usagef("--bandwidth-mbps %d: at most %d", bw, uint64(1<<32-1))
	}
	offer := agent.Offer{AskMicroUSD: ask, Location: c.String("location"), Compliance: compliance,
		BandwidthMbps: uint32(bw), Endpoint: c.String("endpoint")}
	if err := offer.Validate(); err != nil {
		flag := "--location"
		switch {
		case strings.HasPrefix(err.Error(), "endpoint"):
			flag = "--endpoint"
		case strings.HasPrefix(err.Error(), "ask"):
			flag = "--ask"
		}
		return usagef("%s: %v", flag, err)
	}
	var override *classes.Class
	if name := c.String("class"); name != "" {
		cl, err := e.lookup(name)
		if err != nil {
			return usagef("--class: %v", err)
		}
		override = &cl
	}
	key, err := e.identity()
	if err != nil {
		return err
	}
	hw, err := e.discover(c.Context)
	if err != nil {
		return err
	}
	if override != nil {
		hw = hw.WithClass(*override)
	}
	args, err := agent.NodeArgs(hw, offer)
	if err != nil {
		return err
	}
	worker := solana.PrivateKey(key)
	outcome, sig, err := agent.Register(c.Context, staking.New(e.rpcURL), op, worker, args)
	if err != nil {
		return err
	}
	// run listens on this endpoint's port when the chain cannot tell it.
	if err := agent.SaveEndpoint(e.dataDir, args.Endpoint); err != nil {
		e.log.Warn("the registered endpoint is not recorded in --data-dir", "err", err)
	}
	w := c.App.Writer
	fmt.Fprintf(w, "%s node %s\n", outcome, staking.NodeAddress(worker.PublicKey()))
	fmt.Fprintf(w, "  operator   %s\n  worker     %s\n", op.PublicKey(), worker.PublicKey())
	s := args.Spec
	memory := fmt.Sprintf("%d MiB each", s.VramMibPerGpu)
	if s.VramMibPerGpu == 0 {
		memory = "no GPU memory"
	}
	fmt.Fprintf(w, "  spec       %d × %s (id %d), %s, %d vCPUs, %d GiB RAM, %d Mbit/s, %s, nvlink %t, compliance %#x\n",
		s.GpuCount, hw.Class, s.GpuClass, memory, s.Vcpus, s.RamGib, s.BandwidthMbps, string(s.Location[:]), s.Nvlink, s.Compliance)
	if classes.Family(s.GpuClass) != "" {
		fmt.Fprintf(w, "  on chain   the family %s; keepers read %s from the worker (ionet-worker bench tells whether this machine passes it)\n",
			classes.Family(s.GpuClass), hw.Class)
	}
	fmt.Fprintf(w, "  ask        %s USD per GPU-hour\n  endpoint   %s\n", staking.FormatAmount(args.AskMicroUsd, staking.USDDecimals), args.Endpoint)
	if !sig.IsZero() {
		fmt.Fprintf(w, "  signature  %s\n", sig)
	}
	return nil
}

func stake(c *cli.Context) error {
	e, err := newEnv(c, nil)
	if err != nil {
		return err
	}
	op, err := operator(c)
	if err != nil {
		return err
	}
	var target uint64
	if s := c.String("amount"); s != "" {
		if target, err = staking.ParseIO(s); err != nil || target == 0 {
			return usagef("--amount %q: a positive amount of $IO with at most 8 decimals", s)
		}
	}
	key, err := e.identity()
	if err != nil {
		return err
	}
	node := staking.NodeAddress(agent.PublicKey(key))
	r, err := agent.Stake(c.Context, staking.New(e.rpcURL), op, node, target)
	if err != nil {
		return err
	}
	w := c.App.Writer
	fmt.Fprintf(w, "%s: node %s, operator stake %s $IO (was %s; required %s)\n", r.Outcome, node,
		staking.FormatIO(r.After), staking.FormatIO(r.Before), staking.FormatIO(r.Required))
	if !r.Signature.IsZero() {
		fmt.Fprintf(w, "  signature  %s\n", r.Signature)
	}
	return nil
}

func claim(c *cli.Context) error {
	e, err := newEnv(c, nil)
	if err != nil {
		return err
	}
	op, err := operator(c)
	if err != nil {
		return err
	}
	key, err := e.identity()
	if err != nil {
		return err
	}
	node := staking.NodeAddress(agent.PublicKey(key))
	keepers := c.StringSlice("keeper-url")
	if len(keepers) == 0 {
		if keepers, err = agent.KeeperEndpoints(c.Context, e.rpcURL); err != nil {
			return err
		}
	}
	// What was paid is printed even when a later claim failed (exit status 1 then).
	paid, err := agent.NewClaims(e.rpcURL).All(c.Context, op, node, keepers)
	noProof := errors.Is(err, agent.ErrNoProof)
	w := c.App.Writer
	if c.Bool("json") {
		if paid == nil {
			paid = []agent.Paid{}
		}
		if jerr := json.NewEncoder(w).Encode(paid); jerr != nil {
			return jerr
		}
	} else {
		if noProof {
			fmt.Fprintf(w, "no availability reward yet: no keeper holds a final report with node %s\n", node)
		}
		if len(paid) == 0 && (err == nil || noProof) {
			fmt.Fprintf(w, "nothing to claim for node %s\n", node)
		}
		cfg, cerr := staking.New(e.rpcURL).Config(c.Context)
		for _, p := range paid {
			amount := staking.FormatAmount(p.Amount, staking.USDDecimals) + " IOSD"
			if cerr == nil && p.Mint == cfg.IoMint.String() {
				amount = staking.FormatIO(p.Amount) + " $IO"
			}
			switch p.Kind {
			case "hire":
				fmt.Fprintf(w, "paid %s for order %s (signature %s)\n", amount, p.Order, p.Signature)
			default:
				if p.Amount == 0 {
					fmt.Fprintf(w, "epoch %d owed nothing more; its claim refreshed the node's attested capacity (signature %s)\n", p.Epoch, p.Signature)
					continue
				}
				fmt.Fprintf(w, "paid %s of availability rewards through epoch %d (signature %s)\n", amount, p.Epoch, p.Signature)
			}
		}
	}
	if err != nil && !noProof {
		return err
	}
	return nil
}

func parseBytes(s string) (uint64, error) {
	units := []struct {
		suffix string
		mult   uint64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			var v uint64
			if _, err := fmt.Sscan(n, &v); err != nil || fmt.Sprint(v) != n {
				return 0, fmt.Errorf("%q: a whole number with KiB, MiB, GiB or TiB", s)
			}
			return v * u.mult, nil
		}
	}
	var v uint64
	if _, err := fmt.Sscan(s, &v); err != nil || fmt.Sprint(v) != s {
		return 0, fmt.Errorf("%q: a whole number of bytes, or with KiB, MiB, GiB or TiB", s)
	}
	return v, nil
}

// registeredEndpoint is the endpoint node is registered with: its account on chain,
// else what register recorded in --data-dir; "" when neither says.
func registeredEndpoint(ctx context.Context, e *env, node solana.PublicKey) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if n, err := staking.New(e.rpcURL).Node(ctx, node); err == nil {
		return n.Endpoint
	}
	endpoint, err := agent.LoadEndpoint(e.dataDir)
	if err != nil {
		e.log.Warn("no registered endpoint to listen on", "err", err)
	}
	return endpoint
}

func run(c *cli.Context, h *hooks) error {
	e, err := newEnv(c, h)
	if err != nil {
		return err
	}
	var static []ed25519.PublicKey
	for _, s := range c.StringSlice("keeper") {
		k, err := solana.PublicKeyFromBase58(s)
		if err != nil {
			return usagef("--keeper %q: %v", s, err)
		}
		static = append(static, ed25519.PublicKey(k[:]))
	}
	if c.Duration("keeper-refresh") <= 0 {
		return usagef("--keeper-refresh %v: want a positive duration", c.Duration("keeper-refresh"))
	}
	if c.Duration("progress") < 0 || c.Duration("job-poll") <= 0 || c.Duration("claim-every") < 0 {
		return usagef("--progress and --claim-every must not be negative, --job-poll must be positive")
	}
	memory, err := parseBytes(c.String("job-memory"))
	if err != nil {
		return usagef("--job-memory %v", err)
	}
	runnerKind := c.String("job-runner")
	if runnerKind != "auto" && runnerKind != "process" && runnerKind != "container" {
		return usagef("--job-runner %q: want auto, process or container", runnerKind)
	}
	if class := c.String("class"); class != "" {
		if _, err := e.lookup(class); err != nil {
			return usagef("--class %q: %v", class, err)
		}
	}
	var nodeFlag solana.PublicKey
	if s := c.String("node"); s != "" {
		if nodeFlag, err = solana.PublicKeyFromBase58(s); err != nil {
			return usagef("--node %q: %v", s, err)
		}
	}
	fault, err := api.ParseFault(c.String("fault"))
	if err != nil {
		return usagef("--fault: %v", err)
	}
	if c.Duration("slow-delay") < 0 {
		return usagef("--slow-delay must not be negative")
	}
	var op solana.PrivateKey
	if c.Duration("claim-every") > 0 {
		if op, err = operator(c); err != nil {
			return err
		}
	}
	key, err := e.identity()
	if err != nil {
		return err
	}
	hw, err := e.discover(c.Context)
	if err != nil {
		return err
	}
	devs, err := agent.OpenDevices(agent.DeviceConfig{Key: key, Hardware: hw, UseGPUs: !e.mock, Class: c.String("class"),
		Open:    openGPU(e.log, c.Bool("gemm-autotune"), autotuneCache(e.dataDir, c.String("gemm-autotune-cache"))),
		Threads: e.threads, Lookup: e.lookup, Progress: c.Duration("progress"), Logger: e.log})
	if err != nil {
		return err
	}
	defer devs.Close()
	node := staking.NodeAddress(agent.PublicKey(key))
	if !nodeFlag.IsZero() {
		node = nodeFlag
	}
	listen, warn := agent.ListenAddr(c.String("listen"), c.IsSet("listen"), registeredEndpoint(c.Context, e, node))
	if warn != "" {
		e.log.Warn(warn)
	}
	cfg := agent.DaemonConfig{Key: key, Node: node, Listen: listen, Keepers: static,
		KeeperRefresh: c.Duration("keeper-refresh"), Devices: devs, Lookup: e.lookup, Version: version, Logger: e.log,
		Listened: h.listened, Fault: fault, SlowDelay: c.Duration("slow-delay")}
	if len(static) == 0 {
		cfg.RPCURL = e.rpcURL
	}
	if cfg.Journal, err = agent.OpenJournal(filepath.Join(e.dataDir, "commitments")); err != nil {
		return err
	}
	reg, metrics := newRegistry()
	cfg.Registry, cfg.Metrics = reg, metrics
	if c.Bool("jobs") {
		limits := jobs.Limits{AddressSpace: memory, OpenFiles: c.Uint64("job-open-files"), Processes: c.Uint64("job-processes")}
		var runner jobs.Runner
		rt, skipped := jobs.DetectRuntime()
		switch {
		case runnerKind == "container" && rt == "":
			if len(skipped) > 0 {
				return fmt.Errorf("--job-runner container: no container runtime answers (%s)", strings.Join(skipped, "; "))
			}
			return usagef("--job-runner container: neither podman nor docker is installed")
		case runnerKind == "container", runnerKind == "auto" && rt != "":
			runner = jobs.ContainerRunner{Runtime: rt, DefaultImage: c.String("job-image"), Limits: limits}
		default:
			self, err := os.Executable()
			if err != nil {
				return err
			}
			runner = jobs.ProcessRunner{Limits: limits, Helper: self}
			if runnerKind == "auto" && len(skipped) > 0 {
				e.log.Warn("no container runtime answers: jobs run as processes", "skipped", skipped)
			}
		}
		e.log.Info("jobs enabled", "runner", runner.Name())
		var uuids []string // mock GPUs are not there for jobs
		for _, g := range hw.NodeGPUs() {
			if !e.mock {
				uuids = append(uuids, g.UUID)
			}
		}
		m, err := jobs.New(jobs.Config{Node: node, Hires: jobs.ChainHires{Client: hire.New(e.rpcURL), Node: node}, Runner: runner,
			Dir: filepath.Join(e.dataDir, "jobs"), Poll: c.Duration("job-poll"), Running: metrics.JobsRunning, GPUs: uuids,
			Logger: e.log})
		if err != nil {
			return err
		}
		cfg.Jobs = m
	}
	if every := c.Duration("claim-every"); every > 0 {
		keepers := c.StringSlice("keeper-url")
		claims := agent.NewClaims(e.rpcURL)
		cfg.ClaimEvery = every
		cfg.Claim = func(ctx context.Context) ([]agent.Paid, error) {
			ks := keepers
			if len(ks) == 0 {
				var err error
				if ks, err = agent.KeeperEndpoints(ctx, e.rpcURL); err != nil {
					return nil, err
				}
			}
			paid, err := claims.All(ctx, op, node, ks)
			if errors.Is(err, agent.ErrNoProof) {
				err = nil
			}
			return paid, err
		}
	}
	return agent.Run(c.Context, cfg)
}
