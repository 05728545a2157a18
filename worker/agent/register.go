package agent

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
)

// Offer is what the operator adds to the discovered hardware: the ask, where the
// node is, its compliance tags and bandwidth, and where keepers and renters reach it.
type Offer struct {
	AskMicroUSD   uint64
	Location      string // ISO 3166-1 alpha-2, two capital letters
	Compliance    uint64 // tag bits
	BandwidthMbps uint32
	Endpoint      string // the worker's HTTP endpoint, 1 to 128 bytes
}

// ParseCompliance reads compliance tags: bit numbers 0–63, or a mask in 0x hex.
func ParseCompliance(tags []string) (uint64, error) {
	var bits uint64
	for _, t := range tags {
		for _, s := range strings.Split(t, ",") {
			s = strings.TrimSpace(s)
			if s == "" {
				continue
			}
			if hex, ok := strings.CutPrefix(s, "0x"); ok {
				v, err := strconv.ParseUint(hex, 16, 64)
				if err != nil {
					return 0, fmt.Errorf("compliance mask %q: %w", s, err)
				}
				bits |= v
				continue
			}
			n, err := strconv.ParseUint(s, 10, 8)
			if err != nil || n > 63 {
				return 0, fmt.Errorf("compliance tag %q: want a bit number 0 to 63 or a 0x mask", s)
			}
			bits |= 1 << n
		}
	}
	return bits, nil
}

// Validate refuses what io-staking would, before anything is sent.
func (o Offer) Validate() error {
	l := o.Location
	if len(l) != 2 || l[0] < 'A' || l[0] > 'Z' || l[1] < 'A' || l[1] > 'Z' {
		return fmt.Errorf("location %q: two capital letters (ISO 3166), e.g. DE", l)
	}
	if o.AskMicroUSD == 0 {
		return errors.New("ask: a positive price in USD per GPU-hour")
	}
	if len(o.Endpoint) == 0 || len(o.Endpoint) > 128 {
		return fmt.Errorf("endpoint %q: 1 to 128 bytes", o.Endpoint)
	}
	return nil
}

// NodeArgs is the node's registration from the hardware and the offer.
func NodeArgs(h Hardware, o Offer) (iostaking.RegisterNodeArgs, error) {
	if err := o.Validate(); err != nil {
		return iostaking.RegisterNodeArgs{}, err
	}
	spec := iostaking.NodeSpec{
		GpuClass: h.ClassID, GpuCount: uint16(max(1, h.Devices)),
		Vcpus: uint16(min(h.VCPUs, 1<<16-1)), RamGib: uint32(min(h.RAMBytes>>30, 1<<32-1)),
		BandwidthMbps: o.BandwidthMbps, Location: [2]uint8{o.Location[0], o.Location[1]}, Compliance: o.Compliance,
	}
	if g := h.NodeGPUs(); len(g) > 0 {
		spec.VramMibPerGpu = uint32(min(g[0].VRAMMiB, 1<<32-1))
		spec.Nvlink = true
		for _, d := range g {
			spec.VramMibPerGpu = min(spec.VramMibPerGpu, uint32(min(d.VRAMMiB, 1<<32-1)))
			spec.Nvlink = spec.Nvlink && d.NVLinks > 0
		}
	}
	return iostaking.RegisterNodeArgs{Spec: spec, AskMicroUsd: o.AskMicroUSD, Endpoint: o.Endpoint}, nil
}

// Outcome is what an idempotent chain action did.
type Outcome string

// Outcomes.
const (
	Registered Outcome = "registered"
	Updated    Outcome = "updated"
	Unchanged  Outcome = "unchanged"
	Staked     Outcome = "staked"
)

// Register lists the worker's node with args, updates it when the spec, ask or
// endpoint changed, and does nothing when it is already as asked: running it twice
// is harmless. The operator signs and pays; a new node is also signed by the worker.
func Register(ctx context.Context, client *staking.Client, operator solana.PrivateKey, worker solana.PrivateKey, args iostaking.RegisterNodeArgs) (Outcome, solana.Signature, error) {
	address := staking.NodeAddress(worker.PublicKey())
	n, err := client.Node(ctx, address)
	switch {
	case errors.Is(err, staking.ErrNotFound):
		cfg, err := client.Config(ctx)
		if err != nil {
			return "", solana.Signature{}, err
		}
		ix, err := staking.RegisterNode(operator.PublicKey(), worker.PublicKey(), cfg.IoMint, args)
		if err != nil {
			return "", solana.Signature{}, err
		}
		sig, err := client.Send(ctx, []solana.PrivateKey{operator, worker}, ix)
		if err != nil {
			return "", sig, fmt.Errorf("register node %s: %w", address, err)
		}
		return Registered, sig, nil
	case err != nil:
		return "", solana.Signature{}, err
	}
	if !n.Operator.Equals(operator.PublicKey()) {
		return "", solana.Signature{}, fmt.Errorf("node %s belongs to operator %s, not %s", address, n.Operator, operator.PublicKey())
	}
	if !n.Worker.Equals(worker.PublicKey()) {
		return "", solana.Signature{}, fmt.Errorf("node %s has rotated to worker key %s; this agent holds %s", address, n.Worker, worker.PublicKey())
	}
	if n.Spec == args.Spec && n.AskMicroUsd == args.AskMicroUsd && n.Endpoint == args.Endpoint {
		return Unchanged, solana.Signature{}, nil
	}
	ix, err := iostaking.NewUpdateNodeInstruction(iostaking.UpdateNodeArgs{Spec: args.Spec, AskMicroUsd: args.AskMicroUsd,
		Endpoint: args.Endpoint}, operator.PublicKey(), address)
	if err != nil {
		return "", solana.Signature{}, err
	}
	sig, err := client.Send(ctx, []solana.PrivateKey{operator}, ix)
	if err != nil {
		return "", sig, fmt.Errorf("update node %s: %w", address, err)
	}
	return Updated, sig, nil
}

// StakeResult is what Stake did: the operator's stake before and after.
type StakeResult struct {
	Outcome        Outcome
	Before, After  uint64
	Required       uint64
	Signature      solana.Signature
	NodeAddress    solana.PublicKey
	OperatorWallet solana.PublicKey
}

// Stake brings the operator's stake in node up to target (base units of $IO; 0:
// the minimum io-staking requires of this node), staking only the difference, so
// running it twice is harmless.
func Stake(ctx context.Context, client *staking.Client, operator solana.PrivateKey, node solana.PublicKey, target uint64) (StakeResult, error) {
	cfg, err := client.Config(ctx)
	if err != nil {
		return StakeResult{}, err
	}
	n, err := client.Node(ctx, node)
	if err != nil {
		return StakeResult{}, fmt.Errorf("stake: %w (register the node first)", err)
	}
	if !n.Operator.Equals(operator.PublicKey()) {
		return StakeResult{}, fmt.Errorf("node %s belongs to operator %s, not %s", node, n.Operator, operator.PublicKey())
	}
	r := StakeResult{Required: staking.RequiredOperatorStake(n, cfg.Params), NodeAddress: node, OperatorWallet: operator.PublicKey()}
	if target == 0 {
		target = r.Required
	}
	r.Before = staking.OperatorStake(n)
	r.After = r.Before
	if r.Before >= target {
		r.Outcome = Unchanged
		return r, nil
	}
	ix, err := staking.Stake(operator.PublicKey(), node, cfg.IoMint, target-r.Before)
	if err != nil {
		return r, err
	}
	if r.Signature, err = client.Send(ctx, []solana.PrivateKey{operator}, ix); err != nil {
		return r, fmt.Errorf("stake %s $IO in %s: %w", staking.FormatIO(target-r.Before), node, err)
	}
	if n, err = client.Node(ctx, node); err != nil {
		return r, err
	}
	r.After, r.Outcome = staking.OperatorStake(n), Staked
	return r, nil
}
