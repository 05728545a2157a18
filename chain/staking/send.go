package staking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/programerr"
)

// ErrTimeout is wrapped when a sent transaction has no status in time.
var ErrTimeout = errors.New("transaction not confirmed in time")

// ConfirmTimeout bounds how long Send waits for a status.
const ConfirmTimeout = 60 * time.Second

// Decoder names a program's custom error codes: a bindings package's DecodeError.
type Decoder func(err any) (programerr.ProgramError, bool)

// Decoders maps a program id to the Decoder of its errors.
type Decoders map[solana.PublicKey]Decoder

// StakingErrors names io-staking's errors.
var StakingErrors = Decoders{iostaking.ProgramID: iostaking.DecodeError}

// Send signs ixs with signers (the first pays), sends them with a preflight and waits
// until the transaction is confirmed. When io-staking refuses it, the error wraps the
// program's named error (errors.As with programerr.ProgramError finds it) as well as
// the RPC error.
func (c *Client) Send(ctx context.Context, signers []solana.PrivateKey, ixs ...solana.Instruction) (solana.Signature, error) {
	return c.SendNamed(ctx, StakingErrors, signers, ixs...)
}

// SendNamed is Send naming the errors of the programs in decoders: a custom error is
// looked up in the table of the program whose instruction failed.
func (c *Client) SendNamed(ctx context.Context, decoders Decoders, signers []solana.PrivateKey, ixs ...solana.Instruction) (solana.Signature, error) {
	name := func(err any) error { return named(err, decoders, ixs) }
	bh, err := c.RPC.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
	if err != nil {
		return solana.Signature{}, fmt.Errorf("getLatestBlockhash: %w", err)
	}
	tx, err := solana.NewTransaction(ixs, bh.Value.Blockhash, solana.TransactionPayer(signers[0].PublicKey()))
	if err != nil {
		return solana.Signature{}, fmt.Errorf("build transaction: %w", err)
	}
	if _, err := tx.Sign(func(key solana.PublicKey) *solana.PrivateKey {
		for i := range signers {
			if signers[i].PublicKey().Equals(key) {
				return &signers[i]
			}
		}
		return nil
	}); err != nil {
		return solana.Signature{}, fmt.Errorf("sign transaction: %w", err)
	}
	sig, err := c.RPC.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentConfirmed})
	if err != nil {
		return sig, name(err)
	}
	return sig, c.confirm(ctx, sig, name)
}

func (c *Client) confirm(ctx context.Context, sig solana.Signature, name func(any) error) error {
	ctx, cancel := context.WithTimeout(ctx, ConfirmTimeout)
	defer cancel()
	for {
		out, err := c.RPC.GetSignatureStatuses(ctx, false, sig)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("getSignatureStatuses %s: %w", sig, err)
		}
		if err == nil && len(out.Value) == 1 && out.Value[0] != nil {
			st := out.Value[0]
			if st.Err != nil {
				return fmt.Errorf("transaction %s failed: %w", sig, name(st.Err))
			}
			if st.ConfirmationStatus == rpc.ConfirmationStatusConfirmed || st.ConfirmationStatus == rpc.ConfirmationStatusFinalized {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", sig, ErrTimeout)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// NameError is the error of a failed transaction of ixs as Send reports it: the
// named error of the program whose instruction failed, when decoders knows that
// program and the code, else the RPC's error in one line. txbatch's senders use it.
func NameError(err any, decoders Decoders, ixs []solana.Instruction) error {
	return named(err, decoders, ixs)
}

// named wraps a failed transaction's error with the named error of the program whose
// instruction failed, when decoders knows that program and the code.
func named(err any, decoders Decoders, ixs []solana.Instruction) error {
	var pe programerr.ProgramError
	ok := false
	if i, _, found := programerr.FromTransactionError(err); found && i < len(ixs) {
		if d := decoders[ixs[i].ProgramID()]; d != nil {
			pe, ok = d(err)
		}
	}
	e, isErr := err.(error)
	if !isErr {
		e = fmt.Errorf("%v", err)
	}
	var rpcErr *jsonrpc.RPCError
	if errors.As(e, &rpcErr) {
		e = &rpcFailure{rpcErr}
	}
	if !ok {
		return e
	}
	return &Refused{Err: pe, Cause: e}
}

// Refused is a transaction a program refused with one of its named errors.
type Refused struct {
	Err   programerr.ProgramError
	Cause error
}

func (r *Refused) Error() string { return r.Err.Error() }

// Unwrap gives both the named error and the RPC's.
func (r *Refused) Unwrap() []error { return []error{r.Err, r.Cause} }

// rpcFailure shows a failed preflight in one line: the RPC's message and the program
// log lines that say what went wrong, not the whole response.
type rpcFailure struct{ err *jsonrpc.RPCError }

func (r *rpcFailure) Unwrap() error { return r.err }

func (r *rpcFailure) Error() string {
	msg := fmt.Sprintf("%s (RPC error %d)", r.err.Message, r.err.Code)
	data, _ := r.err.Data.(map[string]any)
	logs, _ := data["logs"].([]any)
	var said []string
	for _, l := range logs {
		if s, ok := l.(string); ok && strings.Contains(s, "rror") {
			said = append(said, s)
		}
	}
	if len(said) > 0 {
		msg += ": " + strings.Join(said, "; ")
	}
	return msg
}
