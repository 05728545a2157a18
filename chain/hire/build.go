package hire

import (
	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
)

// Part is one node's share of an order: how many of its GPUs.
type Part struct {
	Node solana.PublicKey
	GPUs uint16
}

// CreateOrder escrows renter's order id for spec in mint from renter's account for
// mint.
func CreateOrder(renter, mint solana.PublicKey, id uint64, spec iohire.OrderSpec) (solana.Instruction, error) {
	order := OrderAddress(renter, id)
	return iohire.NewCreateOrderInstruction(iohire.CreateOrderArgs{Id: id, Spec: spec},
		renter, ConfigAddress(), rewards.ConfigAddress(), order, mint, EscrowAuthority(),
		EscrowAddress(order), staking.ATA(renter, mint), solana.TokenProgramID, solana.SystemProgramID)
}

// Assign is keeper's assignment of parts to o (renter's order in mint); the (node,
// assignment) pairs follow the named accounts.
func Assign(keeper, order, renter, mint solana.PublicKey, parts []Part) (solana.Instruction, error) {
	gpus := make([]uint16, len(parts))
	for i, p := range parts {
		gpus[i] = p.GPUs
	}
	ix, err := iohire.NewAssignInstruction(iohire.AssignArgs{Gpus: gpus}, keeper, rewards.KeeperAddress(keeper),
		ConfigAddress(), rewards.ConfigAddress(), staking.ConfigAddress(), order, EscrowAddress(order),
		staking.ATA(renter, mint), EscrowAuthority(), AssignerAddress(), iostaking.ProgramID,
		solana.TokenProgramID, solana.SystemProgramID)
	if err != nil {
		return nil, err
	}
	var pairs []*solana.AccountMeta
	for _, p := range parts {
		pairs = append(pairs, solana.Meta(p.Node).WRITE(), solana.Meta(AssignmentAddress(order, p.Node)).WRITE())
	}
	return withAccounts(ix, pairs...)
}

// ClaimEarnings pays node's earnings on order so far to operator's account for mint
// (created first, paid by payer, when missing); the assignment's rent, once it
// closes, goes back to rentPayer. Anyone may crank it.
func ClaimEarnings(payer, order, node, operator, mint, rentPayer solana.PublicKey) ([]solana.Instruction, error) {
	ix, err := iohire.NewClaimEarningsInstruction(payer, ConfigAddress(), staking.ConfigAddress(), order,
		AssignmentAddress(order, node), node, EscrowAddress(order), EscrowAuthority(), staking.ATA(operator, mint),
		TreasuryAddress(mint), mint, staking.DelegatorRewardsVault(mint), rentPayer, AssignerAddress(),
		iostaking.ProgramID, solana.TokenProgramID)
	if err != nil {
		return nil, err
	}
	return []solana.Instruction{staking.CreateATAIdempotent(payer, operator, mint), ix}, nil
}

// Cancel is the renter's cancellation of order; nodes are those of its open
// assignments.
func Cancel(renter, order, mint solana.PublicKey, nodes []solana.PublicKey) (solana.Instruction, error) {
	ix, err := iohire.NewCancelInstruction(renter, ConfigAddress(), staking.ConfigAddress(), order,
		EscrowAddress(order), staking.ATA(renter, mint), EscrowAuthority(), AssignerAddress(), iostaking.ProgramID,
		solana.TokenProgramID)
	if err != nil {
		return nil, err
	}
	var pairs []*solana.AccountMeta
	for _, n := range nodes {
		pairs = append(pairs, solana.Meta(AssignmentAddress(order, n)).WRITE(), solana.Meta(n).WRITE())
	}
	return withAccounts(ix, pairs...)
}

// CloseOrder closes an ended order, its rent and any stray escrow to the renter.
func CloseOrder(renter, order, mint solana.PublicKey) (solana.Instruction, error) {
	return iohire.NewCloseOrderInstruction(renter, ConfigAddress(), order, EscrowAddress(order),
		staking.ATA(renter, mint), EscrowAuthority(), solana.TokenProgramID)
}

// withAccounts appends remaining accounts to an instruction the bindings built.
func withAccounts(ix solana.Instruction, extra ...*solana.AccountMeta) (solana.Instruction, error) {
	data, err := ix.Data()
	if err != nil {
		return nil, err
	}
	return solana.NewInstruction(ix.ProgramID(), append(ix.Accounts(), extra...), data), nil
}

// ExpireUnmatched refunds in full an open order nobody matched within the timeout
// (renter's order in mint). Anyone may crank it.
func ExpireUnmatched(order, renter, mint solana.PublicKey) (solana.Instruction, error) {
	return iohire.NewExpireUnmatchedInstruction(ConfigAddress(), order, EscrowAddress(order),
		staking.ATA(renter, mint), EscrowAuthority(), solana.TokenProgramID)
}

// ReportFailure is keeper's vote that node failed its part of order (renter's order
// in mint), with the hash of the evidence it serves; at the epoch's keeper quorum
// the node is slashed (burned from its stake vault) and the renter refunded.
func ReportFailure(keeper, order, renter, mint, node, ioMint solana.PublicKey, evidence [32]byte) (solana.Instruction, error) {
	return iohire.NewReportFailureInstruction(evidence, keeper, rewards.KeeperAddress(keeper), ConfigAddress(),
		rewards.ConfigAddress(), staking.ConfigAddress(), order, AssignmentAddress(order, node), node,
		EscrowAddress(order), staking.ATA(renter, mint), EscrowAuthority(), AssignerAddress(), SlasherAddress(),
		staking.StakeVaultAddress(node), ioMint, SlashBurnerAddress(), iorewards.ProgramID, iostaking.ProgramID,
		solana.TokenProgramID)
}
