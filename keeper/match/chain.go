package match

import (
	"errors"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
)

// Input is one round's arguments read from the chain.
type Input struct {
	Orders []Order
	Nodes  []Node
	Config Config
}

// FromSnapshot reads a round's input from the follower's snapshot at the chain's
// unix time now: the open orders, every node, and the parameters of the three
// programs. maxNodesPerOrder is the keeper's transaction limit (0: the default).
func FromSnapshot(snap *follower.Snapshot, now int64, maxNodesPerOrder int) (Input, error) {
	if snap.HireConfig == nil || snap.StakingConfig == nil || snap.RewardsConfig == nil {
		return Input{}, errors.New("match: the programs are not initialized in the snapshot")
	}
	hp, sp := snap.HireConfig.Params, snap.StakingConfig.Params
	in := Input{Config: Config{
		Epoch:                   rewards.EpochsOf(snap.RewardsConfig.Params).At(now),
		Now:                     now,
		MaxAttestationAgeEpochs: hp.MaxAttestationAgeEpochs,
		UnmatchedTimeoutSeconds: hp.UnmatchedTimeoutSeconds,
		MinOperatorStake:        sp.MinOperatorStake,
		MinStakePerGPU:          sp.MinStakePerGpu,
		MaxNodesPerOrder:        maxNodesPerOrder,
	}}
	for address, o := range snap.Orders {
		if o.Status != iohire.OrderStatus_Open {
			continue
		}
		in.Orders = append(in.Orders, OrderOf(address, o, snap.HireConfig.IoMint))
	}
	in.Nodes = make([]Node, 0, len(snap.Nodes))
	for address, n := range snap.Nodes {
		in.Nodes = append(in.Nodes, NodeOf(address, n))
	}
	return in, nil
}

// OrderOf is an order account as the matcher reads it.
func OrderOf(address solana.PublicKey, o *iohire.HireOrder, ioMint solana.PublicKey) Order {
	s := o.Spec
	return Order{
		Address: address, CreatedAt: o.CreatedAt, Class: s.GpuClass, GPUs: s.Gpus,
		MinVRAMMiB: s.MinVramMib, MinVCPUs: s.MinVcpus, MinRAMGiB: s.MinRamGib, Locations: s.Locations,
		Compliance: s.Compliance, Hours: s.Hours, MaxPrice: s.MaxPriceMicroUsd,
		IsIO: o.Mint.Equals(ioMint), IOPrice: o.IoUsdPrice, RenterFeeBps: o.RenterFeeBps,
		Held: Held(o),
	}
}

// Held is what an order's escrow holds: deposited − paid − fees − refunded (0 if the
// books do not add up, which the program's conservation rules out).
func Held(o *iohire.HireOrder) uint64 {
	out := o.Paid + o.Fees + o.Refunded
	if out > o.Deposited || out < o.Paid {
		return 0
	}
	return o.Deposited - out
}

// NodeOf is a node account as the matcher reads it.
func NodeOf(address solana.PublicKey, n *iostaking.Node) Node {
	s := n.Spec
	return Node{
		Address: address, Class: s.GpuClass, GPUCount: s.GpuCount, HiredGPUs: n.HiredGpus,
		VRAMMiB: s.VramMibPerGpu, VCPUs: s.Vcpus, RAMGiB: s.RamGib, Location: s.Location,
		Compliance: s.Compliance, Ask: n.AskMicroUsd, Frozen: n.FrozenAtEpoch != nil,
		AttestedEpoch: n.Attested.Epoch, TopsMilli: n.Attested.TopsMilli,
		OperatorStake: staking.OperatorStake(n),
	}
}
