package txm

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/programerr"
)

func TestSubmitConfirmsAndCountsStates(t *testing.T) {
	chain := newFakeChain()
	chain.landOn = rpc.ConfirmationStatusConfirmed
	reg := prometheus.NewRegistry()
	metrics, err := NewMetrics(reg)
	require.NoError(t, err)
	m := open(t, fastConfig(t), Deps{RPC: chain, Metrics: metrics})

	tx, err := m.Submit(ctxFor(t), transfer("vote/epoch-42"))
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
	require.Len(t, tx.Signatures, 1)
	assert.Equal(t, tx.Signatures[0], tx.Landed)
	assert.Equal(t, []solana.Signature{tx.Signatures[0]}, chain.sends())
	assert.NoError(t, tx.Err())

	for _, s := range []State{Queued, Sent, Confirmed} {
		assert.Equal(t, 1.0, metricValue(t, reg, "ionet_txm_transitions_total", map[string]string{"state": string(s)}), s)
	}
	assert.Equal(t, 0.0, metricValue(t, reg, "ionet_txm_transitions_total", map[string]string{"state": string(Failed)}))
	assert.Equal(t, 1.0, metricValue(t, reg, "ionet_txm_transactions", map[string]string{"state": string(Confirmed)}))
	assert.Equal(t, 0.0, metricValue(t, reg, "ionet_txm_transactions", map[string]string{"state": string(Sent)}))
}

func TestSameKeyTwiceSendsOnce(t *testing.T) {
	chain := newFakeChain()
	chain.landOn = rpc.ConfirmationStatusConfirmed
	m := open(t, fastConfig(t), Deps{RPC: chain})
	ctx := ctxFor(t)

	first, err := m.Submit(ctx, transfer("claim/node-1"))
	require.NoError(t, err)
	// Other instructions under the same key change nothing.
	again, err := m.Submit(ctx, transfer("claim/node-1"))
	require.NoError(t, err)
	assert.Equal(t, first.Signatures, again.Signatures)
	assert.Equal(t, first.Created, again.Created)

	// Racing Enqueues of a new key make one record.
	var wg sync.WaitGroup
	got := make([]Tx, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := m.Enqueue(ctx, transfer("claim/node-2"))
			assert.NoError(t, err)
			got[i] = tx
		}()
	}
	wg.Wait()
	for _, tx := range got {
		assert.Equal(t, got[0].Created, tx.Created)
	}
	second, err := m.Wait(ctx, "claim/node-2")
	require.NoError(t, err)
	assert.Equal(t, Confirmed, second.State)
	assert.Equal(t, 2, chain.distinct(), "one signature per key")
	assert.Len(t, m.List(), 2)
}

// expire moves the chain past every blockhash handed out so far.
func expire(chain *fakeChain) {
	chain.with(func(f *fakeChain) { f.height += validFor + 1 })
}

func TestExpiredBlockhashIsSignedAgain(t *testing.T) {
	chain := newFakeChain()
	m := open(t, fastConfig(t), Deps{RPC: chain})
	ctx := ctxFor(t)
	_, err := m.Enqueue(ctx, transfer("vote/epoch-7"))
	require.NoError(t, err)
	eventually(t, func() bool { return chain.distinct() == 1 }, "first send")

	// At lastValidBlockHeight the blockhash is still usable: no new signature.
	chain.with(func(f *fakeChain) { f.height += validFor })
	polls := chain.heightCalls()
	eventually(t, func() bool { return chain.heightCalls() > polls+20 }, "polls at the last valid height")
	assert.Equal(t, 1, chain.distinct())

	chain.with(func(f *fakeChain) { f.height++ })
	eventually(t, func() bool { return chain.distinct() == 2 }, "a send with a fresh blockhash")
	sends := chain.sends()
	second := sends[len(sends)-1]
	chain.land(second, rpc.ConfirmationStatusConfirmed, nil)

	tx, err := m.Wait(ctx, "vote/epoch-7")
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
	require.Len(t, tx.Signatures, 2)
	assert.Equal(t, second, tx.Signatures[1])
	assert.Equal(t, second, tx.Landed)
	assert.Equal(t, 2, chain.simulations(), "each new signature is simulated")
}

func TestOldSignatureLandingWins(t *testing.T) {
	chain := newFakeChain()
	m := open(t, fastConfig(t), Deps{RPC: chain})
	ctx := ctxFor(t)
	_, err := m.Enqueue(ctx, transfer("vote/epoch-8"))
	require.NoError(t, err)
	eventually(t, func() bool { return chain.distinct() == 1 }, "first send")
	first := chain.sends()[0]
	expire(chain)
	eventually(t, func() bool { return chain.distinct() == 2 }, "second send")

	// The node's status cache catches up with the first one late: it counts.
	chain.land(first, rpc.ConfirmationStatusConfirmed, nil)
	tx, err := m.Wait(ctx, "vote/epoch-8")
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
	assert.Equal(t, first, tx.Landed)
	assert.Len(t, tx.Signatures, 2)
	assert.Equal(t, 2, chain.distinct(), "nothing signed after a signature landed")
}

func TestSimulationFailureNamesTheProgramErrorAndSendsNothing(t *testing.T) {
	chain := newFakeChain()
	chain.simErr = map[string]any{"InstructionError": []any{float64(0), map[string]any{"Custom": float64(iorewards.ErrCodeInvalidQuorum)}}}
	chain.simLogs = []string{"Program io1 invoke [1]", "Program log: AnchorError occurred. Error Code: InvalidQuorum.", "Program io1 failed: custom program error: 0x1775"}
	reg := prometheus.NewRegistry()
	metrics, err := NewMetrics(reg)
	require.NoError(t, err)
	m := open(t, fastConfig(t), Deps{RPC: chain, Metrics: metrics})

	payer := solana.NewWallet().PrivateKey
	ix := solana.NewInstruction(iorewards.ProgramID, solana.AccountMetaSlice{solana.Meta(payer.PublicKey()).SIGNER().WRITE()}, []byte{1})
	tx, err := m.Submit(ctxFor(t), Request{Key: "config", Instructions: []solana.Instruction{ix}, FeePayer: payer})
	require.ErrorIs(t, err, ErrSimulationFailed)
	var named programerr.ProgramError
	require.ErrorAs(t, err, &named)
	assert.Equal(t, "InvalidQuorum", named.Name)
	assert.Equal(t, Failed, tx.State)
	assert.Contains(t, tx.Failure.Reason, "io_rewards error 6005 InvalidQuorum")
	assert.Contains(t, tx.Failure.Reason, "custom program error: 0x1775")
	assert.Empty(t, tx.Signatures)
	assert.Empty(t, chain.sends())
	assert.Equal(t, 1.0, metricValue(t, reg, "ionet_txm_transactions", map[string]string{"state": string(Failed)}))
}

func TestSimulationFailureOfAnotherProgramQuotesTheError(t *testing.T) {
	chain := newFakeChain()
	chain.simErr = map[string]any{"InstructionError": []any{float64(0), map[string]any{"Custom": float64(1)}}}
	chain.simLogs = []string{"Transfer: insufficient lamports 0, need 1"}
	m := open(t, fastConfig(t), Deps{RPC: chain})
	tx, err := m.Submit(ctxFor(t), transfer("pay"))
	require.ErrorIs(t, err, ErrSimulationFailed)
	var named programerr.ProgramError
	assert.False(t, errors.As(err, &named))
	assert.Equal(t, `{"InstructionError":[0,{"Custom":1}]} (logs: Transfer: insufficient lamports 0, need 1)`, tx.Failure.Reason)
	assert.Empty(t, chain.sends())
}

func TestSimulationOnANodeBehindTriesAnotherBlockhash(t *testing.T) {
	chain := newFakeChain()
	chain.simErrs = []any{"BlockhashNotFound", "BlockhashNotFound"}
	chain.landOn = rpc.ConfirmationStatusConfirmed
	m := open(t, fastConfig(t), Deps{RPC: chain})
	tx, err := m.Submit(ctxFor(t), transfer("k"))
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
	assert.Equal(t, 3, chain.simulations())
	assert.Equal(t, 1, chain.distinct())
}

func TestLandedWithErrorFails(t *testing.T) {
	chain := newFakeChain()
	m := open(t, fastConfig(t), Deps{RPC: chain})
	ctx := ctxFor(t)
	_, err := m.Enqueue(ctx, transfer("k"))
	require.NoError(t, err)
	eventually(t, func() bool { return chain.distinct() == 1 }, "send")
	sig := chain.sends()[0]
	chain.land(sig, rpc.ConfirmationStatusConfirmed, map[string]any{"InstructionError": []any{float64(0), map[string]any{"Custom": float64(1)}}})
	tx, err := m.Wait(ctx, "k")
	require.ErrorIs(t, err, ErrTransactionFailed)
	assert.Equal(t, Failed, tx.State)
	assert.Equal(t, sig, tx.Landed)
}

// leaveSent enqueues req on a manager whose chain lands nothing, waits until the
// record is sent and closes the manager: the file holds a record in `sent`, as a
// crash right after broadcasting leaves it.
func leaveSent(t *testing.T, cfg Config, chain *fakeChain, req Request) Tx {
	t.Helper()
	m, err := Open(cfg, Deps{RPC: chain, Logger: testLogger(t)})
	require.NoError(t, err)
	_, err = m.Enqueue(ctxFor(t), req)
	require.NoError(t, err)
	eventually(t, func() bool {
		tx, err := m.Get(req.Key)
		return err == nil && tx.State == Sent
	}, "record sent")
	require.NoError(t, m.Close())
	tx, err := m.Get(req.Key)
	require.NoError(t, err)
	return tx
}

func TestRestartFindsTheSignatureThatLanded(t *testing.T) {
	chain := newFakeChain()
	cfg := fastConfig(t)
	left := leaveSent(t, cfg, chain, transfer("vote/epoch-9"))
	require.Len(t, left.Signatures, 1)
	chain.land(left.Signatures[0], rpc.ConfirmationStatusConfirmed, nil)
	expire(chain) // expired, but landed: nothing to sign again

	m := open(t, cfg, Deps{RPC: chain})
	tx, err := m.Wait(ctxFor(t), "vote/epoch-9")
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
	assert.Equal(t, left.Signatures, tx.Signatures)
	assert.Equal(t, 1, chain.simulations())
	assert.Equal(t, 1, chain.distinct())
}

func TestRestartBroadcastsWhatWasStoredButNeverSent(t *testing.T) {
	chain := newFakeChain()
	chain.dropSends = true // the process "dies" between storing and broadcasting
	cfg := fastConfig(t)
	left := leaveSent(t, cfg, chain, transfer("vote/epoch-10"))
	require.Empty(t, chain.sends())

	chain.with(func(f *fakeChain) { f.dropSends, f.landOn = false, rpc.ConfirmationStatusConfirmed })
	m := open(t, cfg, Deps{RPC: chain})
	tx, err := m.Wait(ctxFor(t), "vote/epoch-10")
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
	assert.Equal(t, left.Signatures, tx.Signatures, "the stored transaction, not a new one")
	assert.Equal(t, left.Signatures[0], chain.sends()[0])
	assert.Equal(t, 1, chain.simulations())
}

func TestRestartSignsAnExpiredRecordAgain(t *testing.T) {
	chain := newFakeChain()
	cfg := fastConfig(t)
	req := transfer("vote/epoch-11")
	left := leaveSent(t, cfg, chain, req)
	expire(chain)
	chain.with(func(f *fakeChain) { f.landOn = rpc.ConfirmationStatusConfirmed })

	m := open(t, cfg, Deps{RPC: chain, Keys: KeysOf(req.FeePayer)})
	tx, err := m.Wait(ctxFor(t), "vote/epoch-11")
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
	require.Len(t, tx.Signatures, 2)
	assert.Equal(t, left.Signatures[0], tx.Signatures[0])
	assert.Equal(t, tx.Signatures[1], tx.Landed)
}

func TestRestartWithoutTheKeyCannotSignAgain(t *testing.T) {
	chain := newFakeChain()
	cfg := fastConfig(t)
	leaveSent(t, cfg, chain, transfer("vote/epoch-12"))
	expire(chain)

	m := open(t, cfg, Deps{RPC: chain})
	tx, err := m.Wait(ctxFor(t), "vote/epoch-12")
	require.ErrorIs(t, err, ErrNoSigner)
	assert.Len(t, tx.Signatures, 1)
	assert.Equal(t, 1, chain.distinct())
}

func TestRPCDownThenUp(t *testing.T) {
	chain := newFakeChain()
	chain.down = errRefused
	reg := prometheus.NewRegistry()
	metrics, err := NewMetrics(reg)
	require.NoError(t, err)
	m := open(t, fastConfig(t), Deps{RPC: chain, Metrics: metrics})
	ctx := ctxFor(t)

	_, err = m.Enqueue(ctx, transfer("vote/epoch-13"))
	require.NoError(t, err)
	eventually(t, func() bool {
		var n int
		chain.with(func(f *fakeChain) { n = f.downCalls })
		return n >= 20
	}, "retries while down")
	tx, err := m.Get("vote/epoch-13")
	require.NoError(t, err)
	assert.Equal(t, Queued, tx.State)
	assert.GreaterOrEqual(t, metricValue(t, reg, "ionet_txm_rpc_errors_total",
		map[string]string{"method": "getLatestBlockhash", "class": string(ClassTransport)}), 20.0)

	chain.with(func(f *fakeChain) { f.down, f.landOn = nil, rpc.ConfirmationStatusConfirmed })
	tx, err = m.Wait(ctx, "vote/epoch-13")
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
}

func TestRPCDownWhilePolling(t *testing.T) {
	chain := newFakeChain()
	m := open(t, fastConfig(t), Deps{RPC: chain})
	ctx := ctxFor(t)
	_, err := m.Enqueue(ctx, transfer("k"))
	require.NoError(t, err)
	eventually(t, func() bool { return chain.distinct() == 1 }, "send")
	chain.with(func(f *fakeChain) { f.down = errRefused })
	expire(chain) // the node cannot say so while down
	eventually(t, func() bool {
		var n int
		chain.with(func(f *fakeChain) { n = f.downCalls })
		return n >= 20
	}, "polls while down")
	chain.land(chain.sends()[0], rpc.ConfirmationStatusConfirmed, nil)
	chain.with(func(f *fakeChain) { f.down = nil })
	tx, err := m.Wait(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
	assert.Equal(t, 1, chain.distinct())
}

func TestCloseWhileRPCDownReturnsAndKeepsTheRecord(t *testing.T) {
	chain := newFakeChain()
	chain.down = errRefused
	cfg := fastConfig(t)
	cfg.RetryMin, cfg.RetryMax = time.Hour, time.Hour // the worker is asleep in a retry
	m, err := Open(cfg, Deps{RPC: chain, Logger: testLogger(t)})
	require.NoError(t, err)
	ctx := ctxFor(t)
	req := transfer("k")
	_, err = m.Enqueue(ctx, req)
	require.NoError(t, err)
	eventually(t, func() bool {
		var n int
		chain.with(func(f *fakeChain) { n = f.downCalls })
		return n >= 1
	}, "a failed call")
	waited := make(chan error, 1)
	go func() { _, err := m.Wait(ctx, "k"); waited <- err }()
	require.NoError(t, m.Close())
	require.ErrorIs(t, <-waited, ErrClosed)
	_, err = m.Enqueue(ctx, transfer("other"))
	require.ErrorIs(t, err, ErrClosed)
	require.NoError(t, m.Close(), "twice")

	chain.with(func(f *fakeChain) { f.down, f.landOn = nil, rpc.ConfirmationStatusConfirmed })
	cfg.RetryMin, cfg.RetryMax = time.Millisecond, 5*time.Millisecond
	m = open(t, cfg, Deps{RPC: chain, Keys: KeysOf(req.FeePayer)})
	tx, err := m.Wait(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, Confirmed, tx.State)
}

func TestExpiringTooOftenFails(t *testing.T) {
	chain := newFakeChain()
	cfg := fastConfig(t)
	cfg.MaxAttempts = 3
	m := open(t, cfg, Deps{RPC: chain})
	ctx := ctxFor(t)
	_, err := m.Enqueue(ctx, transfer("k"))
	require.NoError(t, err)
	for i := 1; i <= 3; i++ {
		eventually(t, func() bool { return chain.distinct() == i }, "a send")
		expire(chain)
	}
	tx, err := m.Wait(ctx, "k")
	require.ErrorIs(t, err, ErrExpired)
	assert.Len(t, tx.Signatures, 3)
	assert.Equal(t, 3, chain.distinct())
}

func TestRejectedSendFailsOnceExpired(t *testing.T) {
	chain := newFakeChain()
	chain.sendErr = &jsonrpc.RPCError{Code: codeSignatureVerification, Message: "Transaction signature verification failure"}
	m := open(t, fastConfig(t), Deps{RPC: chain})
	ctx := ctxFor(t)
	_, err := m.Enqueue(ctx, transfer("k"))
	require.NoError(t, err)
	eventually(t, func() bool {
		tx, err := m.Get("k")
		return err == nil && tx.State == Sent && chain.distinct() == 1
	}, "send")
	expire(chain)
	tx, err := m.Wait(ctx, "k")
	require.ErrorIs(t, err, ErrRejected)
	assert.Contains(t, tx.Failure.Reason, "-32003")
	assert.Equal(t, 1, chain.distinct(), "not signed again")
}

func TestRebroadcastsWhileValid(t *testing.T) {
	chain := newFakeChain()
	cfg := fastConfig(t)
	cfg.Rebroadcast = time.Millisecond
	m := open(t, cfg, Deps{RPC: chain})
	_, err := m.Enqueue(ctxFor(t), transfer("k"))
	require.NoError(t, err)
	eventually(t, func() bool { return len(chain.sends()) >= 3 }, "rebroadcasts")
	assert.Equal(t, 1, chain.distinct(), "the same signed transaction")
}

func TestFinalizeWaitsForFinalized(t *testing.T) {
	chain := newFakeChain()
	cfg := fastConfig(t)
	cfg.Finalize = true
	m := open(t, cfg, Deps{RPC: chain})
	ctx := ctxFor(t)
	_, err := m.Enqueue(ctx, transfer("k"))
	require.NoError(t, err)
	eventually(t, func() bool { return chain.distinct() == 1 }, "send")
	sig := chain.sends()[0]
	chain.land(sig, rpc.ConfirmationStatusConfirmed, nil)
	eventually(t, func() bool { tx, _ := m.Get("k"); return tx.State == Confirmed }, "confirmed")

	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	tx, err := m.Wait(short, "k")
	require.ErrorIs(t, err, context.DeadlineExceeded, "confirmed is not final here")
	assert.Equal(t, Confirmed, tx.State)

	chain.land(sig, rpc.ConfirmationStatusFinalized, nil)
	tx, err = m.Wait(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, Finalized, tx.State)
}

func TestRetentionDropsFinishedRecords(t *testing.T) {
	chain := newFakeChain()
	chain.landOn = rpc.ConfirmationStatusConfirmed
	cfg := fastConfig(t)
	cfg.Retention = time.Hour
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	reg := prometheus.NewRegistry()
	metrics, err := NewMetrics(reg)
	require.NoError(t, err)
	m, err := Open(cfg, Deps{RPC: chain, Now: clock, Logger: testLogger(t), Metrics: metrics})
	require.NoError(t, err)
	ctx := ctxFor(t)
	_, err = m.Submit(ctx, transfer("old"))
	require.NoError(t, err)

	advance(time.Hour)
	m.(*manager).sweep()
	_, err = m.Get("old")
	require.NoError(t, err, "kept for the whole window")

	advance(time.Second)
	m.(*manager).sweep()
	_, err = m.Get("old")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, 0.0, metricValue(t, reg, "ionet_txm_transactions", map[string]string{"state": string(Confirmed)}))
	require.NoError(t, m.Close())

	m = open(t, cfg, Deps{RPC: chain, Now: clock})
	_, err = m.Get("old")
	require.ErrorIs(t, err, ErrNotFound, "dropped from the file too")
	tx, err := m.Submit(ctx, transfer("old"))
	require.NoError(t, err, "the key is free again")
	assert.Equal(t, 2, chain.distinct())
	assert.Equal(t, Confirmed, tx.State)
}

func TestRequestsThatCannotBeSent(t *testing.T) {
	m := open(t, fastConfig(t), Deps{RPC: newFakeChain()})
	ctx := ctxFor(t)
	payer := solana.NewWallet().PrivateKey
	other := solana.NewWallet().PublicKey()
	ix := system.NewTransferInstruction(1, payer.PublicKey(), other).Build()
	for name, req := range map[string]Request{
		"no key":          {Instructions: []solana.Instruction{ix}, FeePayer: payer},
		"no instructions": {Key: "k", FeePayer: payer},
		"no fee payer":    {Key: "k", Instructions: []solana.Instruction{ix}},
		"a signer without its key": {Key: "k", FeePayer: payer, Instructions: []solana.Instruction{
			system.NewTransferInstruction(1, other, payer.PublicKey()).Build()}},
	} {
		_, err := m.Enqueue(ctx, req)
		assert.ErrorIs(t, err, ErrInvalidRequest, name)
	}
	assert.Empty(t, m.List())
	_, err := m.Wait(ctx, "k")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = m.Get("k")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestTheStoreHasOneOwner(t *testing.T) {
	cfg := fastConfig(t)
	open(t, cfg, Deps{RPC: newFakeChain()})
	_, err := Open(cfg, Deps{RPC: newFakeChain()})
	require.Error(t, err)
}

func TestConfig(t *testing.T) {
	got, err := Config{Path: "x"}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, 250*time.Millisecond, got.PollMin)
	assert.Equal(t, 20, got.MaxAttempts)
	assert.Equal(t, 24*time.Hour, got.Retention)
	for name, c := range map[string]Config{
		"no path":       {},
		"negative":      {Path: "x", RPCTimeout: -1},
		"poll max<min":  {Path: "x", PollMin: time.Second, PollMax: time.Millisecond},
		"retry max<min": {Path: "x", RetryMin: time.Second, RetryMax: time.Millisecond},
		"attempts":      {Path: "x", MaxAttempts: -1},
	} {
		_, err := c.withDefaults()
		assert.Error(t, err, name)
	}
	_, err = Open(Config{Path: "x"}, Deps{})
	assert.Error(t, err, "no RPC")
}

func TestMetricsRegisterOncePerRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	_, err := NewMetrics(reg)
	require.NoError(t, err)
	_, err = NewMetrics(reg)
	require.Error(t, err)
}
