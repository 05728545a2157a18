// Package network reads the network as a whole from the chain: nodes by class, orders
// by status, keepers, the epoch, emission and the $IO supply ledger with its two
// checks. `ionet network status` prints it; the gateway's explorer serves it.
package network

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/classes"
)

// Status is the network at one slot: amounts in base units, $IO with 8 decimals.
type Status struct {
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

// Read takes one snapshot of every account of the programs at rpcURL and the
// network's status computed from it, with the chain's clock, the rewards vault and
// the $IO mint's supply read alongside.
func Read(ctx context.Context, rpcURL string) (*Status, *follower.Snapshot, error) {
	snap, err := follower.Read(ctx, rpcURL)
	if err != nil {
		return nil, nil, err
	}
	if snap.RewardsConfig == nil || snap.StakingConfig == nil {
		return nil, nil, fmt.Errorf("the programs are not initialized on %s", rpcURL)
	}
	s, err := StatusOf(ctx, staking.New(rpcURL), snap)
	if err != nil {
		return nil, nil, err
	}
	return s, snap, nil
}

// StatusOf computes the status from snap, reading the clock, the rewards vault and
// the $IO supply through client.
func StatusOf(ctx context.Context, client *staking.Client, snap *follower.Snapshot) (*Status, error) {
	if snap.RewardsConfig == nil || snap.StakingConfig == nil {
		return nil, errors.New("the programs are not initialized")
	}
	now, err := client.Now(ctx)
	if err != nil {
		return nil, err
	}
	rc := snap.RewardsConfig
	s := &Status{Slot: snap.Slot, Epoch: rewards.EpochsOf(rc.Params).At(now), EpochSeconds: rc.Params.EpochSeconds,
		FinalEpoch: rc.FinalEpoch, Orders: map[string]int{}, Emitted: rc.Emitted, EmissionCap: rc.Params.EmissionCap,
		Burned: rc.Burned}
	byClass := map[string]*ClassCount{}
	for _, n := range snap.Nodes {
		name := ClassName(n.Spec.GpuClass)
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
		s.Orders[OrderStatus(o)]++
	}
	for _, k := range snap.Keepers {
		if k.ExitFrom == nil || s.Epoch < *k.ExitFrom {
			s.Keepers++
		}
	}
	if s.Vault, err = client.TokenBalance(ctx, rewards.VaultAddress()); err != nil {
		return nil, err
	}
	if s.Supply, err = Supply(ctx, client, rc.IoMint); err != nil {
		return nil, err
	}
	s.VaultOK = s.Emitted <= s.EmissionCap && s.Vault == s.EmissionCap-s.Emitted
	s.SupplyOK = s.Burned <= staking.GenesisSupply && s.Supply <= staking.GenesisSupply-s.Burned
	return s, nil
}

// Supply is the $IO mint's supply in base units.
func Supply(ctx context.Context, client *staking.Client, mint solana.PublicKey) (uint64, error) {
	supply, err := client.RPC.GetTokenSupply(ctx, mint, rpc.CommitmentConfirmed)
	if err != nil {
		return 0, fmt.Errorf("$IO supply: %w", err)
	}
	v, err := strconv.ParseUint(supply.Value.Amount, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("$IO supply %q: %w", supply.Value.Amount, err)
	}
	return v, nil
}

// ClassName names a class id: the class's name, a derived family's name with the
// id ("cpu-generic-* (id 242)"), or "class N".
func ClassName(id uint8) string {
	if c, err := classes.ByID(id); err == nil {
		return c.Name
	}
	if f := classes.Family(id); f != "" {
		return fmt.Sprintf("%s (id %d)", f, id)
	}
	return fmt.Sprintf("class %d", id)
}

// ClassNameOn names a class id as ClassName does, except that on an ionet-localnet
// (localnet.Detect) the generic-CPU id is the class its workers answer, localnet-cpu,
// as ionet-worker names it. The ionet CLI, the explorer and the gateway's actions
// name classes so.
func ClassNameOn(id uint8, localnet bool) string {
	if localnet && id == classes.LocalnetCPU.ID {
		return classes.LocalnetCPU.Name
	}
	return ClassName(id)
}

// OrderStatus names an order's status: "Open", "Active", "Ended (Cancelled)"…
func OrderStatus(o *iohire.HireOrder) string {
	if o.EndReason != nil {
		return fmt.Sprintf("Ended (%s)", o.EndReason.String())
	}
	return o.Status.String()
}
