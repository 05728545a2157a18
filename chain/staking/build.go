package staking

import (
	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

// The instructions a wallet sends, with every account derived. Token accounts are
// the owner's associated token accounts; payouts create them first when missing.

// ATA is owner's associated token account for mint.
func ATA(owner, mint solana.PublicKey) solana.PublicKey {
	a, _, err := solana.FindAssociatedTokenAddress(owner, mint)
	if err != nil {
		panic("associated token address: " + err.Error()) // unreachable for 32-byte keys
	}
	return a
}

// CreateATAIdempotent creates owner's associated token account for mint, paid by
// payer, and succeeds when it exists (the ATA program's CreateIdempotent, 1).
func CreateATAIdempotent(payer, owner, mint solana.PublicKey) solana.Instruction {
	return solana.NewInstruction(solana.SPLAssociatedTokenAccountProgramID, solana.AccountMetaSlice{
		solana.Meta(payer).WRITE().SIGNER(),
		solana.Meta(ATA(owner, mint)).WRITE(),
		solana.Meta(owner),
		solana.Meta(mint),
		solana.Meta(solana.SystemProgramID),
		solana.Meta(solana.TokenProgramID),
	}, []byte{1})
}

// RegisterNode lists the node of worker, signed by operator and worker.
func RegisterNode(operator, worker, ioMint solana.PublicKey, args iostaking.RegisterNodeArgs) (solana.Instruction, error) {
	node := NodeAddress(worker)
	return iostaking.NewRegisterNodeInstruction(args, operator, worker, ConfigAddress(), node,
		WorkerBindingAddress(worker), StakeVaultAddress(node), ioMint, solana.TokenProgramID, solana.SystemProgramID)
}

// Stake adds amount of the operator's $IO to its node's pool.
func Stake(operator, node, ioMint solana.PublicKey, amount uint64) (solana.Instruction, error) {
	return iostaking.NewStakeInstruction(amount, operator, ConfigAddress(), node, StakeVaultAddress(node),
		ATA(operator, ioMint), solana.TokenProgramID)
}

// Unstake moves the operator's shares into ticket id.
func Unstake(operator, node solana.PublicKey, shares bin.Uint128, ticketID uint64) (solana.Instruction, error) {
	return iostaking.NewUnstakeInstruction(iostaking.CooldownArgs{Shares: shares, TicketId: ticketID},
		operator, ConfigAddress(), node, TicketAddress(node, operator, ticketID), solana.SystemProgramID)
}

// Delegate adds amount of owner's $IO to node's pool as delegated shares.
func Delegate(owner, node, ioMint solana.PublicKey, amount uint64) (solana.Instruction, error) {
	return iostaking.NewDelegateInstruction(amount, owner, ConfigAddress(), node, DelegationAddress(node, owner),
		StakeVaultAddress(node), ATA(owner, ioMint), solana.TokenProgramID, solana.SystemProgramID)
}

// Undelegate moves owner's delegated shares into ticket id.
func Undelegate(owner, node solana.PublicKey, shares bin.Uint128, ticketID uint64) (solana.Instruction, error) {
	return iostaking.NewUndelegateInstruction(iostaking.CooldownArgs{Shares: shares, TicketId: ticketID},
		owner, ConfigAddress(), node, DelegationAddress(node, owner), TicketAddress(node, owner, ticketID),
		solana.SystemProgramID)
}

// Withdraw redeems a ticket after its cooldown into owner's $IO account, creating it
// when missing.
func Withdraw(owner, node, ticket, ioMint solana.PublicKey) ([]solana.Instruction, error) {
	ix, err := iostaking.NewWithdrawInstruction(owner, ConfigAddress(), node, ticket, StakeVaultAddress(node),
		ATA(owner, ioMint), solana.TokenProgramID)
	if err != nil {
		return nil, err
	}
	return []solana.Instruction{CreateATAIdempotent(owner, owner, ioMint), ix}, nil
}

// Claim pays owner's delegator rewards of node in mint into owner's account for
// mint, created (paid by payer) when missing.
func Claim(payer, owner, node, mint solana.PublicKey) ([]solana.Instruction, error) {
	ix, err := iostaking.NewClaimDelegatorRewardsInstruction(ConfigAddress(), node, DelegationAddress(node, owner),
		mint, DelegatorRewardsVault(mint), DelegatorRewardsAuthority(), ATA(owner, mint), solana.TokenProgramID)
	if err != nil {
		return nil, err
	}
	return []solana.Instruction{CreateATAIdempotent(payer, owner, mint), ix}, nil
}
