package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
)

func nodeCommand() *cli.Command {
	return &cli.Command{
		Name:   "node",
		Usage:  "register, show and list nodes; the operator stakes and unstakes",
		Action: noCommand,
		Subcommands: []*cli.Command{
			{
				Name:      "register",
				Usage:     "list a node: signed by --keypair (the operator) and --worker-keypair (the worker's identity key)",
				ArgsUsage: " ",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "worker-keypair", Usage: "the worker's identity keypair file; its key is the node's id", Required: true},
					&cli.StringFlag{Name: "class", Usage: "device class name (oracle/classes: h100-sxm, a100, rtx4090, …, localnet-cpu on a local network) or id", Required: true},
					&cli.UintFlag{Name: "gpus", Usage: "GPU count (1 to 1024)", Required: true},
					&cli.UintFlag{Name: "vram-mib", Usage: "VRAM per GPU in MiB", Required: true},
					&cli.UintFlag{Name: "vcpus", Usage: "vCPUs"},
					&cli.UintFlag{Name: "ram-gib", Usage: "host RAM in GiB"},
					&cli.UintFlag{Name: "bandwidth-mbps", Usage: "network bandwidth in Mbit/s"},
					&cli.StringFlag{Name: "location", Usage: "ISO 3166 country code, two capital letters", Required: true},
					&cli.Uint64Flag{Name: "compliance", Usage: "compliance tag bits"},
					&cli.BoolFlag{Name: "nvlink", Usage: "the GPUs are linked with NVLink"},
					&cli.StringFlag{Name: "ask", Usage: "ask price in USD per GPU-hour, e.g. 2.15 (exact, micro-USD)", Required: true},
					&cli.StringFlag{Name: "endpoint", Usage: "the worker's HTTP endpoint (1 to 128 bytes)", Required: true},
				},
				Action: nodeRegister,
			},
			{Name: "show", Usage: "a node's spec, pool, caps and attested capacity", ArgsUsage: "<node address or worker key>", Action: nodeShow},
			{
				Name:   "list",
				Usage:  "every node, or an operator's",
				Flags:  []cli.Flag{&cli.StringFlag{Name: "operator", Usage: "only this operator's nodes"}},
				Action: nodeList,
			},
			nodeUpdateCommand(), stakeCommand(), unstakeCommand(),
		},
	}
}

// nodeSpec reads the spec flags; it refuses what the program would, before sending.
func nodeSpec(c *cli.Context) (iostaking.RegisterNodeArgs, error) {
	var a iostaking.RegisterNodeArgs
	class, err := classArg(c.String("class"))
	if err != nil {
		return a, err
	}
	loc := c.String("location")
	if err := locationArg(loc); err != nil {
		return a, err
	}
	limits := []struct {
		flag string
		max  uint64
	}{{"gpus", 1024}, {"vram-mib", 1<<32 - 1}, {"vcpus", 1<<16 - 1}, {"ram-gib", 1<<32 - 1}, {"bandwidth-mbps", 1<<32 - 1}}
	for _, l := range limits {
		if v := uint64(c.Uint(l.flag)); v > l.max {
			return a, usagef("--%s %d: at most %d", l.flag, v, l.max)
		}
	}
	if c.Uint("gpus") == 0 {
		return a, usagef("--gpus must be at least 1")
	}
	ask, err := askArg(c.String("ask"))
	if err != nil {
		return a, err
	}
	if err := endpointArg(c.String("endpoint")); err != nil {
		return a, err
	}
	a.Spec = iostaking.NodeSpec{
		GpuClass: class, GpuCount: uint16(c.Uint("gpus")), VramMibPerGpu: uint32(c.Uint("vram-mib")),
		Vcpus: uint16(c.Uint("vcpus")), RamGib: uint32(c.Uint("ram-gib")), BandwidthMbps: uint32(c.Uint("bandwidth-mbps")),
		Location: [2]uint8{loc[0], loc[1]}, Compliance: c.Uint64("compliance"), Nvlink: c.Bool("nvlink"),
	}
	a.AskMicroUsd, a.Endpoint = ask, c.String("endpoint")
	return a, nil
}

func nodeRegister(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	spec, err := nodeSpec(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	operator, err := e.wallet()
	if err != nil {
		return err
	}
	worker, err := loadKeypair("--worker-keypair", c.String("worker-keypair"))
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	node := staking.NodeAddress(worker.PublicKey())
	if _, err := e.client.Node(e.ctx, node); err == nil {
		return fmt.Errorf("node register: worker key %s already has node %s (one node per worker key; ionet node update changes its listing)", worker.PublicKey(), node)
	} else if !errors.Is(err, staking.ErrNotFound) {
		return err
	}
	ix, err := staking.RegisterNode(operator.PublicKey(), worker.PublicKey(), cfg.IoMint, spec)
	if err != nil {
		return err
	}
	sig, err := e.client.Send(e.ctx, []solana.PrivateKey{operator, worker}, ix)
	if err != nil {
		return fmt.Errorf("node register: %w", err)
	}
	required := staking.RequiredOperatorStake(&iostaking.Node{Spec: spec.Spec}, cfg.Params)
	r := txResult("node register", sig).account("node", node).account("operator", operator.PublicKey()).
		account("worker", worker.PublicKey()).amount("ask_per_gpu_hour", usdJSON(spec.AskMicroUsd)).amount("required_stake", ioJSON(required))
	return output(c, r, func(w io.Writer) {
		fmt.Fprintf(w, "registered node %s\n", node)
		fmt.Fprintf(w, "  operator   %s\n  worker     %s\n  ask        %s USD per GPU-hour\n  signature  %s\n",
			operator.PublicKey(), worker.PublicKey(), staking.FormatAmount(spec.AskMicroUsd, staking.USDDecimals), sig)
		fmt.Fprintf(w, "  stake at least %s before the node may be matched: ionet node stake %s <amount>\n", fmtIO(required), node)
	})
}

// className names a class id (chain/network).
func className(id uint8) string { return network.ClassName(id) }

func nodeShow(c *cli.Context) error {
	if err := args(c, "node"); err != nil {
		return err
	}
	e := newEnv(c)
	addr, n, err := e.node(c.Args().First())
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	v := e.nodeView(addr, n, cfg.Params)
	return output(c, v, func(w io.Writer) {
		p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
		p("node %s\n", v.Address)
		p("  operator        %s\n  worker          %s\n", v.Operator, v.Worker)
		p("  spec            %s\n", v.SpecText)
		p("  ask             %s USD per GPU-hour\n  endpoint        %s\n", v.Ask.Tokens, v.Endpoint)
		p("  operator stake  %s $IO (required %s $IO: eligible %t)\n", v.OperatorStake.Tokens, v.RequiredStake.Tokens, v.Eligible)
		p("  delegated       %s $IO in %d position(s)\n", v.Delegated.Tokens, v.Delegations)
		p("  in cooldown     %s $IO\n", v.Cooling.Tokens)
		p("  pool            %s $IO, shares: operator %s, delegated %s, cooling %s\n", v.Pool.Tokens,
			v.Shares.Operator, v.Shares.Delegated, v.Shares.Cooling)
		p("  caps            attested capacity %s $IO, operator ratio %s $IO: room for %s $IO more\n",
			v.Caps.ByCapacity.Tokens, v.Caps.ByOperatorStake.Tokens, v.Caps.Room.Tokens)
		a := v.Attested
		if a.Epoch == 0 {
			p("  attested        not yet: no final epoch report covers this node\n")
		} else {
			p("  attested        epoch %d, %s, %s TOPS, uptime %s%%, epoch reward %s $IO\n", a.Epoch, a.Class,
				a.TOPS, staking.FormatAmount(uint64(a.UptimeBps), 2), a.EpochReward.Tokens)
		}
		p("  hired GPUs      %d of %d\n  slashed total   %s $IO\n", v.HiredGPUs, v.GPUs, v.SlashedTotal.Tokens)
	})
}

// NodeView is a node as `ionet node show` and `node list` print it.
type NodeView struct {
	Address       string `json:"address"`
	Operator      string `json:"operator"`
	Worker        string `json:"worker"`
	Class         string `json:"class"`
	ClassID       uint8  `json:"class_id"`
	GPUs          uint16 `json:"gpus"`
	VRAMMiBPerGPU uint32 `json:"vram_mib_per_gpu"`
	VCPUs         uint16 `json:"vcpus"`
	RAMGiB        uint32 `json:"ram_gib"`
	BandwidthMbps uint32 `json:"bandwidth_mbps"`
	Location      string `json:"location"`
	NVLink        bool   `json:"nvlink"`
	Compliance    uint64 `json:"compliance"`
	// SpecText is the spec in words, for the table.
	SpecText      string `json:"-"`
	Ask           Amount `json:"ask_per_gpu_hour"`
	Endpoint      string `json:"endpoint"`
	OperatorStake Amount `json:"operator_stake"`
	RequiredStake Amount `json:"required_stake"`
	Eligible      bool   `json:"eligible"`
	Delegated     Amount `json:"delegated"`
	Delegations   uint32 `json:"delegations"`
	Cooling       Amount `json:"cooling"`
	Pool          Amount `json:"pool"`
	Shares        struct {
		Operator  string `json:"operator"`
		Delegated string `json:"delegated"`
		Cooling   string `json:"cooling"`
	} `json:"shares"`
	Caps struct {
		ByCapacity      Amount `json:"by_capacity"`
		ByOperatorStake Amount `json:"by_operator_stake"`
		Room            Amount `json:"room"`
	} `json:"caps"`
	Attested struct {
		Epoch       uint64 `json:"epoch"`
		Class       string `json:"class"`
		TOPS        string `json:"tops"`
		UptimeBps   uint16 `json:"uptime_bps"`
		EpochReward Amount `json:"epoch_reward"`
	} `json:"attested"`
	HiredGPUs    uint16 `json:"hired_gpus"`
	SlashedTotal Amount `json:"slashed_total"`
}

// isCPUClass: the CPU classes (their ids 240-242), whose nodes count one device and
// have no GPU memory.
func isCPUClass(id uint8) bool {
	return id == classes.CPUVNNIID || id == classes.CPUAVX2ID || id == classes.CPUGenericID
}

// specText is a node's spec in words: "8 × h100-sxm, 81920 MiB each, …", and for a
// CPU node (or one without GPU memory) "1 × localnet-cpu, no GPU memory, …".
func specText(s iostaking.NodeSpec, class string) string {
	mem := fmt.Sprintf("%d MiB each", s.VramMibPerGpu)
	if isCPUClass(s.GpuClass) || s.VramMibPerGpu == 0 {
		mem = "no GPU memory"
	}
	return fmt.Sprintf("%d × %s, %s, %d vCPUs, %d GiB RAM, %d Mbit/s, %s, nvlink %t, compliance %#x",
		s.GpuCount, class, mem, s.Vcpus, s.RamGib, s.BandwidthMbps, string(s.Location[:]), s.Nvlink, s.Compliance)
}

func (e *env) nodeView(addr solana.PublicKey, n *iostaking.Node, params iostaking.StakingParams) NodeView {
	s := n.Spec
	v := NodeView{Address: addr.String(), Operator: n.Operator.String(), Worker: n.Worker.String(),
		Class: e.className(s.GpuClass), ClassID: s.GpuClass, GPUs: s.GpuCount, VRAMMiBPerGPU: s.VramMibPerGpu,
		VCPUs: s.Vcpus, RAMGiB: s.RamGib, BandwidthMbps: s.BandwidthMbps, Location: string(s.Location[:]),
		NVLink: s.Nvlink, Compliance: s.Compliance, Ask: usdJSON(n.AskMicroUsd), Endpoint: n.Endpoint,
		OperatorStake: ioJSON(staking.OperatorStake(n)), RequiredStake: ioJSON(staking.RequiredOperatorStake(n, params)),
		Eligible: staking.IsStaked(n, params), Delegations: n.Delegations,
		Cooling: ioJSON(staking.ValueOf(n.Pool, n.Pool.CoolingShares)), Pool: ioJSON(n.Pool.Tokens),
		HiredGPUs: n.HiredGpus, SlashedTotal: ioJSON(n.SlashedTotal)}
	v.SpecText = specText(s, v.Class)
	delegated := staking.DelegatedStake(n)
	v.Delegated = ioJSON(delegated)
	v.Shares.Operator, v.Shares.Delegated, v.Shares.Cooling = n.Pool.OperatorShares.String(),
		n.Pool.DelegatedShares.String(), n.Pool.CoolingShares.String()
	caps := staking.NodeCaps(n, params)
	v.Caps.ByCapacity, v.Caps.ByOperatorStake, v.Caps.Room = ioJSON(caps.ByCapacity), ioJSON(caps.ByOperatorStake),
		ioJSON(caps.Room(delegated))
	a := n.Attested
	v.Attested.Epoch, v.Attested.Class, v.Attested.TOPS, v.Attested.UptimeBps, v.Attested.EpochReward =
		a.Epoch, e.className(a.Class), staking.FormatAmount(a.TopsMilli, 3), a.UptimeBps, ioJSON(a.EpochReward)
	return v
}

func nodeList(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	e := newEnv(c)
	filters := staking.NodesFilter()
	if op := c.String("operator"); op != "" {
		k, err := pubkeyArg("--operator", op)
		if err != nil {
			return err
		}
		filters = staking.OperatorNodesFilter(k)
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	nodes, err := e.client.Nodes(e.ctx, filters)
	if err != nil {
		return err
	}
	views := make([]NodeView, len(nodes))
	for i, na := range nodes {
		views[i] = e.nodeView(na.Address, na.Node, cfg.Params)
	}
	return output(c, struct {
		Nodes []NodeView `json:"nodes"`
	}{views}, func(w io.Writer) {
		fmt.Fprintf(w, "%d node(s)\n", len(views))
		for _, v := range views {
			fmt.Fprintf(w, "%s  %d × %-12s %s  ask %s USD/GPU-h  stake %s $IO  delegated %s $IO  eligible %t  operator %s\n",
				v.Address, v.GPUs, v.Class, v.Location, v.Ask.Tokens, v.OperatorStake.Tokens, v.Delegated.Tokens, v.Eligible, v.Operator)
		}
	})
}

// unlockIn says when a ticket unlocks relative to the chain's clock.
func unlockIn(unlocksAt, now int64) string {
	if now >= unlocksAt {
		return "ready to withdraw"
	}
	return "unlocks in " + (time.Duration(unlocksAt-now) * time.Second).String()
}
