package main

import (
	"fmt"
	"strconv"
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
			stakeCommand(), unstakeCommand(),
		},
	}
}

// nodeSpec reads the spec flags; it refuses what the program would, before sending.
func nodeSpec(c *cli.Context) (iostaking.RegisterNodeArgs, error) {
	var a iostaking.RegisterNodeArgs
	class, err := classes.LocalnetLookup(c.String("class"))
	if err != nil {
		id, perr := strconv.ParseUint(c.String("class"), 10, 8)
		if perr != nil {
			return a, usagef("--class: %v", err)
		}
		if class, err = classes.ByID(uint8(id)); err != nil {
			return a, usagef("--class: %v", err)
		}
	}
	loc := c.String("location")
	if len(loc) != 2 || loc[0] < 'A' || loc[0] > 'Z' || loc[1] < 'A' || loc[1] > 'Z' {
		return a, usagef("--location %q: two capital letters (ISO 3166), e.g. DE", loc)
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
	ask, err := staking.ParseUSDMicro(c.String("ask"))
	if err != nil || ask == 0 {
		return a, usagef("--ask %q: a positive price in USD per GPU-hour with at most 6 decimals", c.String("ask"))
	}
	if ep := c.String("endpoint"); len(ep) == 0 || len(ep) > 128 {
		return a, usagef("--endpoint must be 1 to 128 bytes")
	}
	a.Spec = iostaking.NodeSpec{
		GpuClass: class.ID, GpuCount: uint16(c.Uint("gpus")), VramMibPerGpu: uint32(c.Uint("vram-mib")),
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
	ix, err := staking.RegisterNode(operator.PublicKey(), worker.PublicKey(), cfg.IoMint, spec)
	if err != nil {
		return err
	}
	sig, err := e.client.Send(e.ctx, []solana.PrivateKey{operator, worker}, ix)
	if err != nil {
		return fmt.Errorf("node register: %w", err)
	}
	node := staking.NodeAddress(worker.PublicKey())
	e.printf("registered node %s\n", node)
	e.printf("  operator   %s\n  worker     %s\n  ask        %s USD per GPU-hour\n  signature  %s\n",
		operator.PublicKey(), worker.PublicKey(), staking.FormatAmount(spec.AskMicroUsd, staking.USDDecimals), sig)
	e.printf("  stake at least %s before the node may be matched: ionet node stake %s <amount>\n",
		fmtIO(staking.RequiredOperatorStake(&iostaking.Node{Spec: spec.Spec}, cfg.Params)), node)
	return nil
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
	caps := staking.NodeCaps(n, cfg.Params)
	delegated := staking.DelegatedStake(n)
	s := n.Spec
	e.printf("node %s\n", addr)
	e.printf("  operator        %s\n  worker          %s\n", n.Operator, n.Worker)
	e.printf("  spec            %d × %s, %d MiB each, %d vCPUs, %d GiB RAM, %d Mbit/s, %s, nvlink %t, compliance %#x\n",
		s.GpuCount, className(s.GpuClass), s.VramMibPerGpu, s.Vcpus, s.RamGib, s.BandwidthMbps, string(s.Location[:]), s.Nvlink, s.Compliance)
	e.printf("  ask             %s USD per GPU-hour\n  endpoint        %s\n", staking.FormatAmount(n.AskMicroUsd, staking.USDDecimals), n.Endpoint)
	e.printf("  operator stake  %s (required %s: eligible %t)\n", fmtIO(staking.OperatorStake(n)),
		fmtIO(staking.RequiredOperatorStake(n, cfg.Params)), staking.IsStaked(n, cfg.Params))
	e.printf("  delegated       %s in %d position(s)\n", fmtIO(delegated), n.Delegations)
	e.printf("  in cooldown     %s\n", fmtIO(staking.ValueOf(n.Pool, n.Pool.CoolingShares)))
	e.printf("  pool            %s, shares: operator %s, delegated %s, cooling %s\n", fmtIO(n.Pool.Tokens),
		n.Pool.OperatorShares, n.Pool.DelegatedShares, n.Pool.CoolingShares)
	e.printf("  caps            attested capacity %s, operator ratio %s: room for %s more\n",
		fmtIO(caps.ByCapacity), fmtIO(caps.ByOperatorStake), fmtIO(caps.Room(delegated)))
	a := n.Attested
	e.printf("  attested        epoch %d, %s, %s TOPS, uptime %s%%, epoch reward %s\n", a.Epoch, className(a.Class),
		staking.FormatAmount(a.TopsMilli, 3), staking.FormatAmount(uint64(a.UptimeBps), 2), fmtIO(a.EpochReward))
	e.printf("  hired GPUs      %d of %d\n  slashed total   %s\n", n.HiredGpus, s.GpuCount, fmtIO(n.SlashedTotal))
	return nil
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
	e.printf("%d node(s)\n", len(nodes))
	for _, na := range nodes {
		n := na.Node
		e.printf("%s  %d × %-10s %s  ask %s USD/GPU-h  stake %s  delegated %s  eligible %t  operator %s\n",
			na.Address, n.Spec.GpuCount, className(n.Spec.GpuClass), string(n.Spec.Location[:]),
			staking.FormatAmount(n.AskMicroUsd, staking.USDDecimals), fmtIO(staking.OperatorStake(n)),
			fmtIO(staking.DelegatedStake(n)), staking.IsStaked(n, cfg.Params), n.Operator)
	}
	return nil
}

// unlockIn says when a ticket unlocks relative to the chain's clock.
func unlockIn(unlocksAt, now int64) string {
	if now >= unlocksAt {
		return "ready to withdraw"
	}
	return "unlocks in " + (time.Duration(unlocksAt-now) * time.Second).String()
}
