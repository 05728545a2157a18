package actions

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/programerr"
	"github.com/ionet-network/ionet/chain/staking"
)

// decoders name the custom errors of the programs a transaction calls.
var decoders = staking.Decoders{
	iostaking.ProgramID: iostaking.DecodeError,
	iohire.ProgramID:    iohire.DecodeError,
	iorewards.ProgramID: iorewards.DecodeError,
}

// transaction builds ixs into an unsigned transaction paid by payer with a recent
// blockhash, simulates it (no signature check), and returns it base64-encoded. A
// simulation the programs refuse is a 400 naming the program's error, so a wallet is
// never handed a transaction that would fail as the chain stands.
func (s *Server) transaction(ctx context.Context, what string, payer solana.PublicKey, ixs ...solana.Instruction) (string, error) {
	bh, err := s.staking.RPC.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	if err != nil {
		return "", unavailable("latest blockhash", err)
	}
	tx, err := solana.NewTransaction(ixs, bh.Value.Blockhash, solana.TransactionPayer(payer))
	if err != nil {
		return "", fmt.Errorf("%s: build transaction: %w", what, err)
	}
	sim, err := s.staking.RPC.SimulateTransactionWithOpts(ctx, tx, &rpc.SimulateTransactionOpts{
		Commitment: rpc.CommitmentConfirmed,
	})
	if err != nil {
		return "", unavailable("simulateTransaction", err)
	}
	if sim.Value != nil && sim.Value.Err != nil {
		return "", bad("%s: %s", what, refusal(sim.Value.Err, sim.Value.Logs, ixs))
	}
	b, err := tx.MarshalBinary()
	if err != nil {
		return "", fmt.Errorf("%s: encode transaction: %w", what, err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// refusal says why a simulation failed: the program's named error when one of ours
// refused, SPL Token's "insufficient funds" and the chain's own errors in words.
func refusal(err any, logs []string, ixs []solana.Instruction) string {
	if i, code, ok := programerr.FromTransactionError(err); ok && i < len(ixs) {
		var named *staking.Refused // the failing instruction's program named it, as the CLI's Send does
		if errors.As(staking.NameError(err, decoders, ixs), &named) {
			return "the chain refuses it: " + named.Err.Name + ": " + named.Err.Msg
		}
		for _, l := range logs {
			if strings.Contains(l, "insufficient funds") {
				return "no funds: the wallet's token account holds less than the transaction moves"
			}
		}
		return fmt.Sprintf("the chain refuses it: instruction %d failed with custom error %d", i, code)
	}
	b, _ := json.Marshal(err)
	text := string(b)
	switch {
	case strings.Contains(text, "AccountNotFound"), strings.Contains(text, "InsufficientFundsForFee"):
		return "no funds: the wallet has no SOL to pay the fee"
	case strings.Contains(text, "InsufficientFundsForRent"):
		return "no funds: the wallet has too little SOL for the rent of the accounts it opens"
	}
	return "the chain refuses it: " + text
}

// errNotFound tells a missing account from an RPC failure.
func isNotFound(err error) bool { return errors.Is(err, staking.ErrNotFound) }
