package txbatch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
)

// State is where a flow stands, one entry per batch: kept by the caller across runs
// (Sender.Save writes it after every change), it lets a run that crashed resume.
type State struct {
	Batches []BatchState `json:"batches"`
}

// BatchState is one batch: the signature and blockhash of its latest signed
// transaction (recorded before it is sent, so a crash after sending still knows
// it) and whether it is confirmed.
type BatchState struct {
	Signature solana.Signature `json:"signature"`
	Blockhash solana.Hash      `json:"blockhash"`
	Confirmed bool             `json:"confirmed"`
}

// Sender sends batches in order, each once.
type Sender struct {
	RPC *rpc.Client
	// Signers sign every transaction; the first pays.
	Signers []solana.PrivateKey
	// Name turns a refused transaction's error into the program's named error
	// (staking.NameError with the programs' decoders); nil leaves it as it is.
	Name func(err any, ixs []solana.Instruction) error
	// Progress gets one line per batch sent and per blockhash that expired; nil for
	// none. Long flows write it to stderr.
	Progress io.Writer
	// Save is called with the state after every change (nil: not kept).
	Save func(State) error
	// Poll is the wait between status checks (100 ms when 0); Expiries bounds how
	// many times one batch is signed again after its blockhash expired (10 when 0).
	Poll     time.Duration
	Expiries int
	// MaxWait bounds the wait for one transaction's status when its blockhash's
	// validity cannot be told (2 minutes when 0): the batch then fails without being
	// sent again, since it may still land, and its state keeps the signature.
	MaxWait time.Duration

	// Test hooks: the blockhash a batch is signed with, and a call before each send.
	blockhash  func(ctx context.Context) (solana.Hash, error)
	beforeSend func(batch int, tx *solana.Transaction) error
}

// ErrBatch is wrapped by a batch that failed; the batches before it are confirmed.
var ErrBatch = errors.New("batch failed")

// Send sends batches in order and waits for each to be confirmed before the next.
// st is the state of an earlier run of the same batches (nil or empty for a new
// flow): confirmed batches are skipped, and a batch whose transaction may have been
// sent is looked up first, so nothing lands twice. It returns the state and the
// signature of each confirmed batch. A refused batch stops the flow with an error
// naming it and the program's error; the state then says where to resume.
func (s *Sender) Send(ctx context.Context, batches []Batch, st *State) (State, error) {
	var state State
	if st != nil {
		state = *st
	}
	if len(state.Batches) == 0 {
		state.Batches = make([]BatchState, len(batches))
	}
	if len(state.Batches) != len(batches) {
		return state, fmt.Errorf("the state has %d batches, the flow %d", len(state.Batches), len(batches))
	}
	for i, b := range batches {
		if state.Batches[i].Confirmed {
			continue
		}
		if err := s.sendOne(ctx, i, len(batches), b, &state); err != nil {
			return state, fmt.Errorf("transaction %d of %d (items %d-%d): %w: %w", i+1, len(batches), b.First+1, b.End, ErrBatch, err)
		}
	}
	return state, nil
}

func (s *Sender) save(st *State) error {
	if s.Save == nil {
		return nil
	}
	return s.Save(*st)
}

func (s *Sender) progress(format string, args ...any) {
	if s.Progress != nil {
		fmt.Fprintf(s.Progress, format+"\n", args...)
	}
}

func (s *Sender) name(err any, ixs []solana.Instruction) error {
	if s.Name != nil {
		return s.Name(err, ixs)
	}
	if e, ok := err.(error); ok {
		return e
	}
	return fmt.Errorf("%v", err)
}

// outcome of waiting on a signature.
type outcome int

const (
	landed  outcome = iota // confirmed without error
	expired                // not landed and its blockhash is no longer valid: it never will
)

// sendOne brings batch i to confirmed: it first settles a transaction an earlier
// attempt or run may have sent, then signs and sends until one lands.
func (s *Sender) sendOne(ctx context.Context, i, n int, b Batch, st *State) error {
	bs := &st.Batches[i]
	if !bs.Signature.IsZero() {
		out, err := s.wait(ctx, bs.Signature, bs.Blockhash, b.Instructions)
		if err != nil {
			return err
		}
		if out == landed {
			bs.Confirmed = true
			s.progress("transaction %d of %d: %s (confirmed earlier)", i+1, n, bs.Signature)
			return s.save(st)
		}
		s.progress("transaction %d of %d: blockhash expired before %s landed; signing it again", i+1, n, bs.Signature)
	}
	limit := s.Expiries
	if limit <= 0 {
		limit = 10
	}
	for attempt := 0; ; attempt++ {
		if attempt > limit {
			return fmt.Errorf("blockhash expired %d times", attempt)
		}
		tx, bh, err := s.sign(ctx, b.Instructions)
		if err != nil {
			return err
		}
		*bs = BatchState{Signature: tx.Signatures[0], Blockhash: bh}
		if err := s.save(st); err != nil {
			return err
		}
		if s.beforeSend != nil {
			if err := s.beforeSend(i, tx); err != nil {
				return err
			}
		}
		_, err = s.RPC.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentConfirmed})
		switch {
		case err == nil, IsTxError(err, "AlreadyProcessed"):
		case IsTxError(err, "BlockhashNotFound"):
			// Refused before it was admitted: it can never land.
			s.progress("transaction %d of %d: blockhash expired before it was sent; signing it again", i+1, n)
			continue
		case isRefusal(err):
			// The preflight refused it: nothing was sent.
			*bs = BatchState{}
			if serr := s.save(st); serr != nil {
				return serr
			}
			return s.name(err, b.Instructions)
		default:
			// A transport error: it may have been sent; its status says.
		}
		out, err := s.wait(ctx, bs.Signature, bh, b.Instructions)
		if err != nil {
			return err
		}
		if out == landed {
			bs.Confirmed = true
			s.progress("transaction %d of %d: %s (%d instruction(s))", i+1, n, bs.Signature, len(b.Instructions))
			return s.save(st)
		}
		s.progress("transaction %d of %d: blockhash expired before %s landed; signing it again", i+1, n, bs.Signature)
	}
}

func (s *Sender) sign(ctx context.Context, ixs []solana.Instruction) (*solana.Transaction, solana.Hash, error) {
	if len(s.Signers) == 0 {
		return nil, solana.Hash{}, errors.New("no signers")
	}
	var bh solana.Hash
	if s.blockhash != nil {
		h, err := s.blockhash(ctx)
		if err != nil {
			return nil, bh, err
		}
		bh = h
	} else {
		out, err := s.RPC.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
		if err != nil {
			return nil, bh, fmt.Errorf("getLatestBlockhash: %w", err)
		}
		bh = out.Value.Blockhash
	}
	tx, err := solana.NewTransaction(ixs, bh, solana.TransactionPayer(s.Signers[0].PublicKey()))
	if err != nil {
		return nil, bh, fmt.Errorf("build transaction: %w", err)
	}
	if _, err := tx.Sign(func(key solana.PublicKey) *solana.PrivateKey {
		for i := range s.Signers {
			if s.Signers[i].PublicKey().Equals(key) {
				return &s.Signers[i]
			}
		}
		return nil
	}); err != nil {
		return nil, bh, fmt.Errorf("sign transaction: %w", err)
	}
	return tx, bh, nil
}

// wait polls sig's status until it is confirmed (landed), failed (the named error),
// or absent while its blockhash is no longer valid (expired): a transaction whose
// blockhash expired cannot land any more, so signing it again sends it once.
func (s *Sender) wait(ctx context.Context, sig solana.Signature, bh solana.Hash, ixs []solana.Instruction) (outcome, error) {
	poll := s.Poll
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	maxWait := s.MaxWait
	if maxWait <= 0 {
		maxWait = 2 * time.Minute
	}
	deadline := time.Now().Add(maxWait)
	for {
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("%s: no status after %s and its blockhash's validity unknown: it may still land, so it is not sent again", sig, maxWait)
		}
		out, err := s.RPC.GetSignatureStatuses(ctx, true, sig)
		if err != nil && ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if err == nil && len(out.Value) == 1 && out.Value[0] != nil {
			st := out.Value[0]
			if st.Err != nil {
				return 0, fmt.Errorf("%s failed: %w", sig, s.name(st.Err, ixs))
			}
			if st.ConfirmationStatus == rpc.ConfirmationStatusConfirmed || st.ConfirmationStatus == rpc.ConfirmationStatusFinalized {
				return landed, nil
			}
		} else if err == nil {
			valid, verr := s.RPC.IsBlockhashValid(ctx, bh, rpc.CommitmentProcessed)
			if verr == nil && !valid.Value {
				// Check the status once more: it may have landed just before.
				again, aerr := s.RPC.GetSignatureStatuses(ctx, true, sig)
				if aerr == nil && len(again.Value) == 1 && again.Value[0] != nil {
					continue
				}
				if aerr == nil {
					return expired, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// IsTxError says whether a sendTransaction error is the transaction error name
// ("BlockhashNotFound", "AlreadyProcessed"), as the RPC's data or its message says.
func IsTxError(err error, name string) bool {
	var rpcErr *jsonrpc.RPCError
	if errors.As(err, &rpcErr) {
		if data, ok := rpcErr.Data.(map[string]any); ok {
			if e, ok := data["err"].(string); ok && e == name {
				return true
			}
		}
	}
	msg := err.Error()
	switch name {
	case "BlockhashNotFound":
		return strings.Contains(msg, "BlockhashNotFound") || strings.Contains(msg, "Blockhash not found")
	case "AlreadyProcessed":
		return strings.Contains(msg, "AlreadyProcessed") || strings.Contains(msg, "already been processed")
	}
	return false
}

// isRefusal says whether sendTransaction answered with an error of its own (a failed
// preflight, a malformed transaction): the transaction was not admitted. Anything
// else (a timeout, a refused connection) may have reached the node.
func isRefusal(err error) bool {
	var rpcErr *jsonrpc.RPCError
	return errors.As(err, &rpcErr)
}
