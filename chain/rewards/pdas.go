package rewards

import (
	"encoding/binary"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iorewards"
)

// pda derives an io-rewards address from the IDL's seed constants.
func pda(seeds ...[]byte) solana.PublicKey {
	a, _, err := solana.FindProgramAddress(seeds, iorewards.ProgramID)
	if err != nil {
		panic(fmt.Sprintf("io-rewards PDA %q: %v", seeds, err))
	}
	return a
}

// ConfigAddress is the RewardsConfig PDA, ["config"].
func ConfigAddress() solana.PublicKey { return pda(iorewards.CONFIG_SEED) }

// KeeperAddress is a keeper's account, ["keeper", authority].
func KeeperAddress(authority solana.PublicKey) solana.PublicKey {
	return pda(iorewards.KEEPER_SEED, authority[:])
}

// EpochAddress is epoch's report, ["epoch", epoch as u64 LE].
func EpochAddress(epoch uint64) solana.PublicKey {
	return pda(iorewards.EPOCH_SEED, binary.LittleEndian.AppendUint64(nil, epoch))
}

// NodeClaimsAddress is what a node's claims have paid, ["node-claims", node].
func NodeClaimsAddress(node solana.PublicKey) solana.PublicKey {
	return pda(iorewards.NODE_CLAIMS_SEED, node[:])
}

// VaultAddress is the rewards vault, ["vault"]; VaultAuthority signs for it.
func VaultAddress() solana.PublicKey   { return pda(iorewards.REWARDS_VAULT_SEED) }
func VaultAuthority() solana.PublicKey { return pda(iorewards.REWARDS_VAULT_AUTHORITY_SEED) }

// KeeperBondsAddress holds the keepers' bonds, ["keeper-bonds"].
func KeeperBondsAddress() solana.PublicKey { return pda(iorewards.KEEPER_BONDS_SEED) }

// KeeperBondsAuthority owns the keeper bonds vault, ["keeper-bonds-authority"].
func KeeperBondsAuthority() solana.PublicKey { return pda(iorewards.KEEPER_BONDS_AUTHORITY_SEED) }

// AttestorAddress signs set_attested_capacity into io-staking, ["attestor"].
func AttestorAddress() solana.PublicKey { return pda(iorewards.ATTESTOR_SEED) }
