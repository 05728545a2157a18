package main

import (
	"fmt"
	"io"
	"strconv"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
)

// The listing's values as io-staking's validate_listing checks them, refused before
// anything is sent: a class the programs know, 1 to 1,024 GPUs, a location of two
// capital letters, a positive ask, an endpoint of 1 to 128 bytes.

const maxEndpoint = 128

// classArg reads a class name (localnet-cpu included) or id.
func classArg(s string) (uint8, error) {
	class, err := classes.LocalnetLookup(s)
	if err == nil {
		return class.ID, nil
	}
	id, perr := strconv.ParseUint(s, 10, 8)
	if perr != nil {
		return 0, usagef("--class %q: %v", s, err)
	}
	if classes.Family(uint8(id)) != "" {
		return uint8(id), nil
	}
	if _, err := classes.ByID(uint8(id)); err != nil {
		return 0, usagef("--class: %v", err)
	}
	return uint8(id), nil
}

func locationArg(loc string) error {
	if len(loc) != 2 || loc[0] < 'A' || loc[0] > 'Z' || loc[1] < 'A' || loc[1] > 'Z' {
		return usagef("--location %q: two capital letters (ISO 3166), e.g. DE", loc)
	}
	return nil
}

func askArg(s string) (uint64, error) {
	if s == "" {
		return 0, usagef(`--ask is empty: give the price in USD per GPU-hour, e.g. --ask 2.15`)
	}
	ask, err := staking.ParseUSDMicro(s)
	if err != nil {
		return 0, usagef("--ask %q: a price in USD per GPU-hour with at most 6 decimals, e.g. 2.15 (%v)", s, err)
	}
	if ask == 0 {
		return 0, usagef("--ask %q: the price must be above 0", s)
	}
	return ask, nil
}

func endpointArg(ep string) error {
	if len(ep) == 0 || len(ep) > maxEndpoint {
		return usagef("--endpoint must be 1 to %d bytes, got %d", maxEndpoint, len(ep))
	}
	return nil
}

func nodeUpdateCommand() *cli.Command {
	return &cli.Command{
		Name: "update",
		Usage: "the operator (--keypair) changes its node's ask, endpoint or spec (io-staking update_node); " +
			"flags not given keep their value; refused while any GPU is hired",
		ArgsUsage: "<node>",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "ask", Usage: "ask price in USD per GPU-hour, e.g. 2.15 (exact, micro-USD)"},
			&cli.StringFlag{Name: "endpoint", Usage: "the worker's HTTP endpoint (1 to 128 bytes)"},
			&cli.StringFlag{Name: "class", Usage: "device class name or id"},
			&cli.UintFlag{Name: "gpus", Usage: "GPU count (1 to 1024)"},
			&cli.UintFlag{Name: "vram-mib", Usage: "VRAM per GPU in MiB"},
			&cli.UintFlag{Name: "vcpus", Usage: "vCPUs"},
			&cli.UintFlag{Name: "ram-gib", Usage: "host RAM in GiB"},
			&cli.UintFlag{Name: "bandwidth-mbps", Usage: "network bandwidth in Mbit/s"},
			&cli.StringFlag{Name: "location", Usage: "ISO 3166 country code, two capital letters"},
			&cli.Uint64Flag{Name: "compliance", Usage: "compliance tag bits"},
			&cli.BoolFlag{Name: "nvlink", Usage: "the GPUs are linked with NVLink (--nvlink=false to clear)"},
		},
		Action: nodeUpdate,
	}
}

// updatedListing is the node's listing with the flags given applied and checked.
func updatedListing(c *cli.Context, n *iostaking.Node) (iostaking.UpdateNodeArgs, []string, error) {
	a := iostaking.UpdateNodeArgs{Spec: n.Spec, AskMicroUsd: n.AskMicroUsd, Endpoint: n.Endpoint}
	var changed []string
	set := func(name string) bool {
		if c.IsSet(name) {
			changed = append(changed, name)
			return true
		}
		return false
	}
	var err error
	if set("ask") {
		if a.AskMicroUsd, err = askArg(c.String("ask")); err != nil {
			return a, nil, err
		}
	}
	if set("endpoint") {
		if err := endpointArg(c.String("endpoint")); err != nil {
			return a, nil, err
		}
		a.Endpoint = c.String("endpoint")
	}
	if set("class") {
		if a.Spec.GpuClass, err = classArg(c.String("class")); err != nil {
			return a, nil, err
		}
	}
	limits := []struct {
		flag     string
		min, max uint64
		to       func(uint64)
	}{
		{"gpus", 1, 1024, func(v uint64) { a.Spec.GpuCount = uint16(v) }},
		{"vram-mib", 0, 1<<32 - 1, func(v uint64) { a.Spec.VramMibPerGpu = uint32(v) }},
		{"vcpus", 0, 1<<16 - 1, func(v uint64) { a.Spec.Vcpus = uint16(v) }},
		{"ram-gib", 0, 1<<32 - 1, func(v uint64) { a.Spec.RamGib = uint32(v) }},
		{"bandwidth-mbps", 0, 1<<32 - 1, func(v uint64) { a.Spec.BandwidthMbps = uint32(v) }},
	}
	for _, l := range limits {
		if !set(l.flag) {
			continue
		}
		v := uint64(c.Uint(l.flag))
		if v < l.min || v > l.max {
			return a, nil, usagef("--%s %d: %d to %d", l.flag, v, l.min, l.max)
		}
		l.to(v)
	}
	if set("location") {
		loc := c.String("location")
		if err := locationArg(loc); err != nil {
			return a, nil, err
		}
		a.Spec.Location = [2]uint8{loc[0], loc[1]}
	}
	if set("compliance") {
		a.Spec.Compliance = c.Uint64("compliance")
	}
	if set("nvlink") {
		a.Spec.Nvlink = c.Bool("nvlink")
	}
	if len(changed) == 0 {
		return a, nil, usagef("node update: nothing to change: give --ask, --endpoint or a spec flag (see --help)")
	}
	return a, changed, nil
}

func nodeUpdate(c *cli.Context) error {
	if err := args(c, "node"); err != nil {
		return err
	}
	e := newEnv(c)
	w, err := e.wallet()
	if err != nil {
		return err
	}
	addr, n, err := e.node(c.Args().First())
	if err != nil {
		return err
	}
	a, changed, err := updatedListing(c, n)
	if err != nil {
		return err
	}
	if !n.Operator.Equals(w.PublicKey()) {
		return fmt.Errorf("node update: %s is not the operator of node %s (%s is)", w.PublicKey(), addr, n.Operator)
	}
	if n.HiredGpus > 0 {
		return fmt.Errorf("node update: node %s has %d GPU(s) hired: a listing never changes under a renter; update it once its orders end", addr, n.HiredGpus)
	}
	ix, err := iostaking.NewUpdateNodeInstruction(a, w.PublicKey(), addr)
	if err != nil {
		return err
	}
	sig, err := e.client.Send(e.ctx, []solana.PrivateKey{w}, ix)
	if err != nil {
		return fmt.Errorf("node update: %w", err)
	}
	after, err := e.client.Node(e.ctx, addr)
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	view := e.nodeView(addr, after, cfg.Params)
	r := struct {
		*TxResult
		Changed []string `json:"changed"`
		Node    NodeView `json:"node"`
	}{txResult("node update", sig).account("node", addr), changed, view}
	return output(c, r, func(w io.Writer) {
		fmt.Fprintf(w, "updated node %s: %v\n", addr, changed)
		fmt.Fprintf(w, "  ask        %s USD per GPU-hour\n  endpoint   %s\n  spec       %s\n",
			staking.FormatAmount(after.AskMicroUsd, staking.USDDecimals), after.Endpoint, view.SpecText)
		if !staking.IsStaked(after, cfg.Params) {
			fmt.Fprintf(w, "  stake      %s, now below the %s required: ionet node stake %s <amount>\n",
				fmtIO(staking.OperatorStake(after)), fmtIO(staking.RequiredOperatorStake(after, cfg.Params)), addr)
		}
		fmt.Fprintf(w, "  signature  %s\n", sig)
	})
}
