package hire

import (
	"encoding/binary"
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iostaking"
)

// pda derives an io-hire address from the IDL's seed constants.
func pda(seeds ...[]byte) solana.PublicKey {
	a, _, err := solana.FindProgramAddress(seeds, iohire.ProgramID)
	if err != nil {
		panic(fmt.Sprintf("io-hire PDA %q: %v", seeds, err))
	}
	return a
}

// ConfigAddress is the HireConfig PDA, ["config"].
func ConfigAddress() solana.PublicKey { return pda(iohire.CONFIG_SEED) }

// OrderAddress is renter's order id, ["order", renter, id as u64 LE].
func OrderAddress(renter solana.PublicKey, id uint64) solana.PublicKey {
	return pda(iohire.ORDER_SEED, renter[:], binary.LittleEndian.AppendUint64(nil, id))
}

// EscrowAddress holds an order's tokens, ["escrow", order]; EscrowAuthority signs.
func EscrowAddress(order solana.PublicKey) solana.PublicKey { return pda(iohire.ESCROW_SEED, order[:]) }
func EscrowAuthority() solana.PublicKey                     { return pda(iohire.ESCROW_AUTHORITY_SEED) }

// AssignmentAddress is node's part of order, ["assignment", order, node].
func AssignmentAddress(order, node solana.PublicKey) solana.PublicKey {
	return pda(iohire.ASSIGNMENT_SEED, order[:], node[:])
}

// AssignerAddress is io-hire's signer for io-staking's reserve_gpus and release_gpus,
// ["assigner"] (the IDL declares no constant for it).
func AssignerAddress() solana.PublicKey { return pda([]byte("assigner")) }

// SlasherAddress is io-hire's signer for io-staking's slash, ["slasher"].
func SlasherAddress() solana.PublicKey { return pda([]byte("slasher")) }

// SlashBurnerAddress is io-staking's slash burner, ["slash-burner"] under io-staking.
func SlashBurnerAddress() solana.PublicKey {
	a, _, err := solana.FindProgramAddress([][]byte{iostaking.SLASH_BURNER_SEED}, iostaking.ProgramID)
	if err != nil {
		panic(err)
	}
	return a
}

// TreasuryAuthority owns the fee treasury's vaults, ["treasury"].
func TreasuryAuthority() solana.PublicKey { return pda(iohire.TREASURY_SEED) }

// TreasuryAddress collects fees in mint, ["treasury-vault", mint].
func TreasuryAddress(mint solana.PublicKey) solana.PublicKey {
	return pda(iohire.TREASURY_VAULT_SEED, mint[:])
}
