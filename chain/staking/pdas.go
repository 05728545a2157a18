package staking

import (
	"encoding/binary"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

// pda derives an io-staking address from the IDL's seed constants. Seeds here are
// constants and 32-byte keys, so a bump always exists: an error is a broken build.
func pda(seeds ...[]byte) solana.PublicKey {
	a, _, err := solana.FindProgramAddress(seeds, iostaking.ProgramID)
	if err != nil {
		panic(fmt.Sprintf("io-staking PDA %q: %v", seeds, err))
	}
	return a
}

// ConfigAddress is the StakingConfig PDA, ["config"].
func ConfigAddress() solana.PublicKey { return pda(iostaking.CONFIG_SEED) }

// NodeAddress is the node a worker key registered, ["node", worker]. It stays the
// node's address when the worker key rotates.
func NodeAddress(nodeID solana.PublicKey) solana.PublicKey {
	return pda(iostaking.NODE_SEED, nodeID[:])
}

// WorkerBindingAddress is ["worker", key]: which node a worker key serves.
func WorkerBindingAddress(worker solana.PublicKey) solana.PublicKey {
	return pda(iostaking.WORKER_SEED, worker[:])
}

// StakeVaultAddress is the node's pool, an SPL token account at ["stake-vault", node].
func StakeVaultAddress(node solana.PublicKey) solana.PublicKey {
	return pda(iostaking.STAKE_VAULT_SEED, node[:])
}

// DelegationAddress is owner's position in node, ["delegation", node, owner].
func DelegationAddress(node, owner solana.PublicKey) solana.PublicKey {
	return pda(iostaking.DELEGATION_SEED, node[:], owner[:])
}

// TicketAddress is a cooldown ticket, ["ticket", node, owner, id as u64 LE].
func TicketAddress(node, owner solana.PublicKey, id uint64) solana.PublicKey {
	le := binary.LittleEndian.AppendUint64(nil, id)
	return pda(iostaking.TICKET_SEED, node[:], owner[:], le)
}

// DelegatorRewardsVault is the pot of delegator rewards in mint,
// ["delegator-rewards", mint].
func DelegatorRewardsVault(mint solana.PublicKey) solana.PublicKey {
	return pda(iostaking.DELEGATOR_REWARDS_VAULT_SEED, mint[:])
}

// DelegatorRewardsAuthority signs payouts from the reward pots.
func DelegatorRewardsAuthority() solana.PublicKey {
	return pda(iostaking.DELEGATOR_REWARDS_AUTHORITY_SEED)
}
