package txm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
)

// worker drives one record to a final state. It owns rec, a private copy of the
// entry's record, and publishes each change with commit.
type worker struct {
	m        *manager
	e        *entry
	rec      *record
	msg      solana.Message
	log      *slog.Logger
	lastSend time.Time // zero after a restart, so the first poll rebroadcasts
	// unknownHashes counts simulations in a row that did not know the blockhash.
	unknownHashes int
}

func (m *manager) work(e *entry, rec *record) {
	defer m.wg.Done()
	ctx := m.ctx
	w := &worker{m: m, e: e, rec: rec, log: m.log.With("key", rec.Key)}
	if err := w.msg.UnmarshalWithDecoder(bin.NewBinDecoder(rec.Message)); err != nil {
		_ = w.fail(ctx, &Failure{Kind: KindRejected, Reason: fmt.Sprintf("stored message does not decode: %v", err)})
		return
	}
	for ctx.Err() == nil && !w.rec.final(m.cfg.Finalize) {
		var err error
		switch w.rec.State {
		case Queued:
			err = w.attempt(ctx)
		case Sent, Confirmed:
			err = w.poll(ctx)
		default:
			err = fmt.Errorf("unexpected state %q", w.rec.State)
			_ = w.fail(ctx, &Failure{Kind: KindRejected, Reason: err.Error()})
		}
		if err != nil && ctx.Err() == nil {
			w.log.Error("transaction step", "state", w.rec.State, "err", err)
		}
	}
}

// attempt signs the message with a fresh blockhash, simulates it, stores the new
// signature and only then broadcasts it. It returns an error only when ctx ended
// or the store failed; a refusal fails the record.
func (w *worker) attempt(ctx context.Context) error {
	cfg := w.m.cfg
	if len(w.rec.Attempts) >= cfg.MaxAttempts {
		return w.fail(ctx, &Failure{Kind: KindExpired,
			Reason: fmt.Sprintf("%d blockhashes expired with no signature landed", len(w.rec.Attempts))})
	}
	var bh *rpc.GetLatestBlockhashResult
	if err := w.call(ctx, "getLatestBlockhash", func(ctx context.Context) (err error) {
		bh, err = w.m.rpc.GetLatestBlockhash(ctx, rpc.CommitmentConfirmed)
		if err == nil && (bh == nil || bh.Value == nil) {
			err = errors.New("empty answer")
		}
		return err
	}); err != nil {
		return w.rejected(ctx, err)
	}
	tx := &solana.Transaction{Message: w.msg}
	tx.Message.RecentBlockhash = bh.Value.Blockhash
	if _, err := tx.Sign(w.key); err != nil {
		return w.fail(ctx, &Failure{Kind: KindNoSigner, Reason: err.Error()})
	}
	var sim *rpc.SimulateTransactionResponse
	if err := w.call(ctx, "simulateTransaction", func(ctx context.Context) (err error) {
		// Processed: a keeper's transactions often build on its previous ones.
		sim, err = w.m.rpc.SimulateTransactionWithOpts(ctx, tx, &rpc.SimulateTransactionOpts{Commitment: rpc.CommitmentProcessed})
		if err == nil && (sim == nil || sim.Value == nil) {
			err = errors.New("empty answer")
		}
		return err
	}); err != nil {
		return w.rejected(ctx, err)
	}
	if sim.Value.Err == "BlockhashNotFound" {
		// A node behind the one that gave the blockhash (load-balanced RPC): the
		// transaction is fine, try again with another blockhash shortly.
		w.unknownHashes++
		w.log.Warn("simulation did not know the blockhash yet", "blockhash", bh.Value.Blockhash)
		return sleep(ctx, Backoff(w.unknownHashes-1, cfg.RetryMin, cfg.RetryMax))
	}
	w.unknownHashes = 0
	if sim.Value.Err != nil {
		return w.fail(ctx, failureOf(KindSimulation, sim.Value.Err, sim.Value.Logs, &tx.Message, w.m.decoders))
	}
	wire, err := tx.MarshalBinary()
	if err != nil {
		return w.fail(ctx, &Failure{Kind: KindRejected, Reason: fmt.Sprintf("encode transaction: %v", err)})
	}
	w.rec.Attempts = append(w.rec.Attempts, attempt{
		Signature:            tx.Signatures[0],
		Blockhash:            bh.Value.Blockhash,
		LastValidBlockHeight: bh.Value.LastValidBlockHeight,
		Wire:                 wire,
	})
	w.rec.State = Sent
	if err := w.commit(ctx); err != nil {
		return err
	}
	w.log.Info("transaction sent", "signature", tx.Signatures[0], "attempt", len(w.rec.Attempts),
		"last_valid_block_height", bh.Value.LastValidBlockHeight)
	return w.send(ctx, tx)
}

// send broadcasts tx once. Only a refusal for good is remembered: the transaction
// may have reached the node whatever else went wrong, and polling will tell.
func (w *worker) send(ctx context.Context, tx *solana.Transaction) error {
	w.lastSend = time.Now()
	cctx, cancel := context.WithTimeout(ctx, w.m.cfg.RPCTimeout)
	defer cancel()
	// The manager has just simulated it; a node's preflight would only repeat that.
	_, err := w.m.rpc.SendTransactionWithOpts(cctx, tx, rpc.TransactionOpts{SkipPreflight: true})
	if err == nil || ctx.Err() != nil {
		return nil
	}
	class := Classify(err)
	w.log.Warn("sendTransaction failed", "signature", tx.Signatures[0], "class", class, "err", summary(err))
	if class != ClassInvalid && class != ClassPreflight {
		return nil
	}
	last := &w.rec.Attempts[len(w.rec.Attempts)-1]
	if last.Signature != tx.Signatures[0] {
		return nil
	}
	last.Rejected = summary(err)
	return w.commit(ctx)
}

// poll watches every signature sent until one lands (confirmed, finalized or
// failed), or until all their blockhashes expired with none landed, when it signs
// again. It returns after a state change or a new attempt, or when ctx ends.
func (w *worker) poll(ctx context.Context) error {
	cfg := w.m.cfg
	for n := 0; ; n++ {
		if err := sleep(ctx, Backoff(n, cfg.PollMin, cfg.PollMax)); err != nil {
			return err
		}
		// Height first: if it is already past every lastValidBlockHeight and the
		// statuses read after it show nothing, nothing can land any more.
		var height uint64
		if err := w.once(ctx, func(ctx context.Context) (err error) {
			height, err = w.m.rpc.GetBlockHeight(ctx, rpc.CommitmentConfirmed)
			return err
		}); err != nil {
			w.log.Debug("getBlockHeight failed", "class", Classify(err), "err", summary(err))
			continue
		}
		sigs := make([]solana.Signature, len(w.rec.Attempts))
		for i, a := range w.rec.Attempts {
			sigs[i] = a.Signature
		}
		var statuses *rpc.GetSignatureStatusesResult
		if err := w.once(ctx, func(ctx context.Context) (err error) {
			// History too: after a long restart a landed signature may have left
			// the recent status cache.
			statuses, err = w.m.rpc.GetSignatureStatuses(ctx, true, sigs...)
			return err
		}); err != nil {
			w.log.Debug("getSignatureStatuses failed", "class", Classify(err), "err", summary(err))
			continue
		}
		landed := false
		for i, st := range statuses.Value {
			if st == nil || i >= len(sigs) {
				continue
			}
			landed = true
			changed, err := w.landed(ctx, sigs[i], st)
			if err != nil || changed {
				return err
			}
		}
		if landed || w.rec.State != Sent {
			continue
		}
		if height > w.rec.lastValid() {
			last := w.rec.Attempts[len(w.rec.Attempts)-1]
			if last.Rejected != "" {
				return w.fail(ctx, &Failure{Kind: KindRejected,
					Reason: fmt.Sprintf("signature %s: %s", last.Signature, last.Rejected)})
			}
			w.log.Info("blockhash expired with nothing landed, signing again",
				"block_height", height, "last_valid_block_height", w.rec.lastValid())
			return w.attempt(ctx)
		}
		if time.Since(w.lastSend) >= cfg.Rebroadcast {
			if err := w.rebroadcast(ctx); err != nil {
				return err
			}
		}
	}
}

// landed applies the status of sig; changed reports a new state.
func (w *worker) landed(ctx context.Context, sig solana.Signature, st *rpc.SignatureStatusesResult) (changed bool, err error) {
	if st.Err != nil {
		w.rec.Landed, w.rec.Slot = sig, st.Slot
		f := failureOf(KindTransaction, st.Err, nil, &w.msg, w.m.decoders)
		return true, w.fail(ctx, f)
	}
	state := stateOf(st)
	if state == "" || state == w.rec.State {
		return false, nil
	}
	w.rec.Landed, w.rec.Slot, w.rec.State = sig, st.Slot, state
	if err := w.commit(ctx); err != nil {
		return false, err
	}
	w.log.Info("transaction landed", "signature", sig, "slot", st.Slot, "state", state)
	return true, nil
}

// stateOf maps a signature status to Confirmed or Finalized, or "" when it is only
// processed.
func stateOf(st *rpc.SignatureStatusesResult) State {
	switch st.ConfirmationStatus {
	case rpc.ConfirmationStatusFinalized:
		return Finalized
	case rpc.ConfirmationStatusConfirmed:
		return Confirmed
	case rpc.ConfirmationStatusProcessed:
		return ""
	}
	// Nodes that predate confirmationStatus: null confirmations means rooted.
	if st.Confirmations == nil {
		return Finalized
	}
	return ""
}

// rebroadcast sends the newest signed transaction again, unless the RPC refused it.
func (w *worker) rebroadcast(ctx context.Context) error {
	last := w.rec.Attempts[len(w.rec.Attempts)-1]
	if last.Rejected != "" {
		return nil
	}
	tx, err := solana.TransactionFromBytes(last.Wire)
	if err != nil {
		return w.fail(ctx, &Failure{Kind: KindRejected, Reason: fmt.Sprintf("stored transaction does not decode: %v", err)})
	}
	w.log.Debug("rebroadcasting", "signature", last.Signature)
	return w.send(ctx, tx)
}

func (w *worker) key(pub solana.PublicKey) *solana.PrivateKey {
	if w.e.keys != nil {
		if k := w.e.keys(pub); k != nil {
			return k
		}
	}
	return w.m.keys(pub)
}

// call runs fn with the per-call timeout, retrying retryable errors with backoff
// until ctx ends. It returns ctx's error or the first error that is not retryable.
func (w *worker) call(ctx context.Context, method string, fn func(context.Context) error) error {
	cfg := w.m.cfg
	for n := 0; ; n++ {
		err := w.once(ctx, fn)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		class := Classify(err)
		if !class.Retryable() {
			return fmt.Errorf("%s: %w", method, err)
		}
		wait := Backoff(n, cfg.RetryMin, cfg.RetryMax)
		w.log.Warn("RPC call failed, retrying", "method", method, "class", class, "retry_in", wait, "err", summary(err))
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func (w *worker) once(ctx context.Context, fn func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, w.m.cfg.RPCTimeout)
	defer cancel()
	return fn(cctx)
}

// rejected fails the record after a call refused for good; ctx's end is returned.
func (w *worker) rejected(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return w.fail(ctx, &Failure{Kind: KindRejected, Reason: summary(err)})
}

func (w *worker) fail(ctx context.Context, f *Failure) error {
	w.rec.State, w.rec.Failure = Failed, f
	if err := w.commit(ctx); err != nil {
		return err
	}
	w.log.Warn("transaction failed", "reason", f.Reason, "kind", f.Kind)
	return nil
}

// commit persists and publishes rec, retrying a failing store until ctx ends: a
// signature is never broadcast before it is on disk.
func (w *worker) commit(ctx context.Context) error {
	for n := 0; ; n++ {
		err := w.m.commit(w.e, w.rec)
		if err == nil {
			return nil
		}
		w.log.Error("storing transaction", "err", err)
		if err := sleep(ctx, Backoff(n, w.m.cfg.RetryMin, w.m.cfg.RetryMax)); err != nil {
			return err
		}
	}
}

// summary is an RPC error in one line: jsonrpc.RPCError's own Error() dumps the
// whole structure.
func summary(err error) string {
	var rpcErr *jsonrpc.RPCError
	if errors.As(err, &rpcErr) {
		s := fmt.Sprintf("JSON-RPC error %d: %s", rpcErr.Code, rpcErr.Message)
		if data, ok := rpcErr.Data.(map[string]any); ok && data["err"] != nil {
			s += fmt.Sprintf(" (%v)", data["err"])
		}
		return s
	}
	return err.Error()
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
