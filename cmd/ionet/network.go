package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
)

func networkCommand() *cli.Command {
	return &cli.Command{
		Name:  "network",
		Usage: "the network as a whole",
		Subcommands: []*cli.Command{{
			Name:   "status",
			Usage:  "nodes by class, orders by status, keepers, the epoch, emission and the $IO supply ledger",
			Flags:  []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
			Action: networkStatus,
		}},
	}
}

// NetworkStatus is `ionet network status`: amounts in base units, $IO with 8
// decimals.
type NetworkStatus struct {
	Slot         uint64         `json:"slot"`
	Epoch        uint64         `json:"epoch"`
	EpochSeconds int64          `json:"epoch_seconds"`
	FinalEpoch   *uint64        `json:"final_epoch,omitempty"`
	Classes      []ClassCount   `json:"classes"`
	Orders       map[string]int `json:"orders"`
	Keepers      int            `json:"keepers"`
	Emitted      uint64         `json:"emitted"`
	EmissionCap  uint64         `json:"emission_cap"`
	Vault        uint64         `json:"vault"`
	Burned       uint64         `json:"burned"`
	Supply       uint64         `json:"supply"`
	// VaultOK: the rewards vault holds the cap less what was emitted.
	VaultOK bool `json:"vault_ok"`
	// SupplyOK: the supply is the genesis supply less the ledger's burns, or less
	// (holders may burn their own $IO outside the ledger).
	SupplyOK bool `json:"supply_ok"`
}

// ClassCount is the nodes of one class: all, the staked ones, their GPUs.
type ClassCount struct {
	Class  string `json:"class"`
	Nodes  int    `json:"nodes"`
	Staked int    `json:"staked"`
	GPUs   int    `json:"gpus"`
}

func networkStatus(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	e := newEnv(c)
	snap, err := follower.Read(e.ctx, c.String("rpc-url"))
	if err != nil {
		return err
	}
	if snap.RewardsConfig == nil || snap.StakingConfig == nil {
		return fmt.Errorf("the programs are not initialized on %s", c.String("rpc-url"))
	}
	now, err := e.client.Now(e.ctx)
	if err != nil {
		return err
	}
	rc := snap.RewardsConfig
	s := NetworkStatus{Slot: snap.Slot, Epoch: rewards.EpochsOf(rc.Params).At(now), EpochSeconds: rc.Params.EpochSeconds,
		FinalEpoch: rc.FinalEpoch, Orders: map[string]int{}, Emitted: rc.Emitted, EmissionCap: rc.Params.EmissionCap,
		Burned: rc.Burned}
	byClass := map[string]*ClassCount{}
	for _, n := range snap.Nodes {
		name := className(n.Spec.GpuClass)
		cc := byClass[name]
		if cc == nil {
			cc = &ClassCount{Class: name}
			byClass[name] = cc
		}
		cc.Nodes++
		cc.GPUs += int(n.Spec.GpuCount)
		if staking.IsStaked(n, snap.StakingConfig.Params) {
			cc.Staked++
		}
	}
	for _, cc := range byClass {
		s.Classes = append(s.Classes, *cc)
	}
	slices.SortFunc(s.Classes, func(a, b ClassCount) int { return cmp.Compare(a.Class, b.Class) })
	for _, o := range snap.Orders {
		s.Orders[orderStatus(o)]++
	}
	for _, k := range snap.Keepers {
		if k.ExitFrom == nil || s.Epoch < *k.ExitFrom {
			s.Keepers++
		}
	}
	if s.Vault, err = e.client.TokenBalance(e.ctx, rewards.VaultAddress()); err != nil {
		return err
	}
	supply, err := e.client.RPC.GetTokenSupply(e.ctx, rc.IoMint, rpc.CommitmentConfirmed)
	if err != nil {
		return fmt.Errorf("$IO supply: %w", err)
	}
	if s.Supply, err = strconv.ParseUint(supply.Value.Amount, 10, 64); err != nil {
		return fmt.Errorf("$IO supply %q: %w", supply.Value.Amount, err)
	}
	s.VaultOK = s.Emitted <= s.EmissionCap && s.Vault == s.EmissionCap-s.Emitted
	s.SupplyOK = s.Burned <= staking.GenesisSupply && s.Supply <= staking.GenesisSupply-s.Burned
	if c.Bool("json") {
		enc := json.NewEncoder(c.App.Writer)
		enc.SetIndent("", "  ")
		return enc.Encode(s)
	}
	final := "none yet"
	if s.FinalEpoch != nil {
		final = strconv.FormatUint(*s.FinalEpoch, 10)
	}
	e.printf("network at slot %d\n", s.Slot)
	e.printf("  epoch        %d (of %d s), final %s\n", s.Epoch, s.EpochSeconds, final)
	for _, cc := range s.Classes {
		e.printf("  nodes        %-14s %d (%d staked), %d GPUs\n", cc.Class, cc.Nodes, cc.Staked, cc.GPUs)
	}
	if len(s.Classes) == 0 {
		e.printf("  nodes        none\n")
	}
	statuses := make([]string, 0, len(s.Orders))
	for st := range s.Orders {
		statuses = append(statuses, st)
	}
	slices.Sort(statuses)
	for _, st := range statuses {
		e.printf("  orders       %-22s %d\n", st, s.Orders[st])
	}
	if len(statuses) == 0 {
		e.printf("  orders       none\n")
	}
	e.printf("  keepers      %d serving or joining\n", s.Keepers)
	e.printf("  emission     %s $IO emitted of the %s $IO cap; vault %s $IO (cap − emitted: %s)\n",
		ioAmount(s.Emitted), ioAmount(s.EmissionCap), ioAmount(s.Vault), check(s.VaultOK))
	e.printf("  supply       %s $IO = %s $IO at genesis − %s $IO burned in the ledger (%s)\n",
		ioAmount(s.Supply), ioAmount(staking.GenesisSupply), ioAmount(s.Burned), check(s.SupplyOK))
	return nil
}

func ioAmount(v uint64) string { return staking.FormatAmount(v, staking.IODecimals) }

func check(ok bool) string {
	if ok {
		return "checked"
	}
	return "MISMATCH"
}

// orderStatus names an order's status: "Open", "Active", "Ended (Cancelled)"…
func orderStatus(o *iohire.HireOrder) string {
	if o.EndReason != nil {
		return fmt.Sprintf("Ended (%s)", o.EndReason.String())
	}
	return o.Status.String()
}
