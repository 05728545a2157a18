package txm_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/keeper/txm"
	"github.com/ionet-network/ionet/tests/localnode"
)

// Through a real ionet-localnet: a transfer from the genesis faucet confirms and
// moves the lamports; an overdraft fails in simulation and moves nothing (not even
// a fee); the records survive reopening the store.
func TestLocalnetTransfers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	genesis, err := localnet.ReadGenesis(node.Genesis)
	require.NoError(t, err)
	faucet, err := genesis.Faucet()
	require.NoError(t, err)
	client := rpc.New(node.RPCURL)

	metrics, err := txm.NewMetrics(prometheus.NewRegistry())
	require.NoError(t, err)
	cfg := txm.Config{Path: filepath.Join(t.TempDir(), "txm.db"), PollMin: 20 * time.Millisecond, PollMax: 200 * time.Millisecond}
	deps := txm.Deps{RPC: client, Logger: slog.New(slog.DiscardHandler), Metrics: metrics}
	m, err := txm.Open(cfg, deps)
	require.NoError(t, err)
	defer func() { require.NoError(t, m.Close()) }()

	alice := solana.NewWallet().PrivateKey
	const funded = 2 * solana.LAMPORTS_PER_SOL
	fund := txm.Request{
		Key:          "fund/alice",
		Instructions: genesis.FundInstructions(faucet.PublicKey(), alice.PublicKey(), funded, 0),
		FeePayer:     faucet,
	}
	tx, err := m.Submit(ctx, fund)
	require.NoError(t, err)
	assert.Contains(t, []txm.State{txm.Confirmed, txm.Finalized}, tx.State, "a single-node chain may finalize at once")
	require.Len(t, tx.Signatures, 1)
	assert.Equal(t, tx.Signatures[0], tx.Landed)
	assert.Equal(t, funded, balance(t, ctx, client, alice.PublicKey()))

	again, err := m.Submit(ctx, fund)
	require.NoError(t, err)
	assert.Equal(t, tx.Signatures, again.Signatures)
	assert.Equal(t, funded, balance(t, ctx, client, alice.PublicKey()), "the same key moved nothing more")

	bob := solana.NewWallet().PublicKey()
	over, err := m.Submit(ctx, txm.Request{
		Key:          "alice/overdraft",
		Instructions: []solana.Instruction{system.NewTransferInstruction(funded+1, alice.PublicKey(), bob).Build()},
		FeePayer:     alice,
	})
	require.ErrorIs(t, err, txm.ErrSimulationFailed)
	assert.Equal(t, txm.Failed, over.State)
	assert.Empty(t, over.Signatures)
	assert.Contains(t, over.Failure.Reason, `{"InstructionError":[0,{"Custom":1}]}`)
	assert.Contains(t, over.Failure.Reason, "insufficient lamports")
	t.Logf("overdraft: %v", err)
	assert.Equal(t, funded, balance(t, ctx, client, alice.PublicKey()), "no fee was paid")
	assert.Equal(t, uint64(0), balance(t, ctx, client, bob))

	require.NoError(t, m.Close())
	m, err = txm.Open(cfg, deps)
	require.NoError(t, err)
	kept, err := m.Get("fund/alice")
	require.NoError(t, err)
	assert.Equal(t, tx.State, kept.State)
	assert.Equal(t, tx.Signatures, kept.Signatures)
}

// blind is a node the manager can send to but never hears back from about
// statuses, or (dropSends) cannot send to at all: a process that dies at those points.
type blind struct {
	*rpc.Client
	dropSends bool
}

func (b *blind) SendTransactionWithOpts(ctx context.Context, tx *solana.Transaction, opts rpc.TransactionOpts) (solana.Signature, error) {
	if b.dropSends {
		return solana.Signature{}, errors.New("the process died before broadcasting")
	}
	return b.Client.SendTransactionWithOpts(ctx, tx, opts)
}

func (b *blind) GetSignatureStatuses(context.Context, bool, ...solana.Signature) (*rpc.GetSignatureStatusesResult, error) {
	return nil, errors.New("the process died before it saw the status")
}

// A restart never repeats a transfer: one that landed while the manager could not
// see it is found, one stored but never broadcast is broadcast with the stored
// signature; each moves its lamports once.
func TestLocalnetRestartMovesEachTransferOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	genesis, err := localnet.ReadGenesis(node.Genesis)
	require.NoError(t, err)
	faucet, err := genesis.Faucet()
	require.NoError(t, err)
	client := rpc.New(node.RPCURL)
	cfg := txm.Config{Path: filepath.Join(t.TempDir(), "txm.db"), PollMin: 20 * time.Millisecond, PollMax: 200 * time.Millisecond}
	logger := slog.New(slog.DiscardHandler)

	landed, stored := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	pay := func(key string, to solana.PublicKey) txm.Request {
		return txm.Request{Key: key, FeePayer: faucet,
			Instructions: []solana.Instruction{system.NewTransferInstruction(solana.LAMPORTS_PER_SOL, faucet.PublicKey(), to).Build()}}
	}
	for _, step := range []struct {
		key  string
		to   solana.PublicKey
		node *blind
	}{
		{"pay/landed", landed, &blind{Client: client}},
		{"pay/stored", stored, &blind{Client: client, dropSends: true}},
	} {
		m, err := txm.Open(cfg, txm.Deps{RPC: step.node, Logger: logger})
		require.NoError(t, err)
		_, err = m.Enqueue(ctx, pay(step.key, step.to))
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			tx, err := m.Get(step.key)
			return err == nil && tx.State == txm.Sent
		}, time.Minute, 10*time.Millisecond)
		require.NoError(t, m.Close())
	}
	require.Eventually(t, func() bool { return balance(t, ctx, client, landed) == solana.LAMPORTS_PER_SOL },
		time.Minute, 10*time.Millisecond, "the first transfer landed unseen")
	assert.Equal(t, uint64(0), balance(t, ctx, client, stored), "the second was never broadcast")

	m, err := txm.Open(cfg, txm.Deps{RPC: client, Logger: logger, Keys: txm.KeysOf(faucet)})
	require.NoError(t, err)
	defer func() { require.NoError(t, m.Close()) }()
	for _, key := range []string{"pay/landed", "pay/stored"} {
		tx, err := m.Wait(ctx, key)
		require.NoError(t, err, key)
		assert.Len(t, tx.Signatures, 1, "%s: no new signature", key)
		assert.Equal(t, tx.Signatures[0], tx.Landed, key)
	}
	assert.Equal(t, solana.LAMPORTS_PER_SOL, balance(t, ctx, client, landed))
	assert.Equal(t, solana.LAMPORTS_PER_SOL, balance(t, ctx, client, stored))
}

func balance(t *testing.T, ctx context.Context, client *rpc.Client, key solana.PublicKey) uint64 {
	t.Helper()
	out, err := client.GetBalance(ctx, key, rpc.CommitmentConfirmed)
	require.NoError(t, err)
	return out.Value
}
