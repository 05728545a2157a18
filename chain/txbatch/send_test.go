package txbatch

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/tests/localnode"
)

// lockedLines collects the sender's progress lines.
type lockedLines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// transfers is one SOL transfer per new recipient, each of its own amount: a batch
// sent twice would pay some recipient twice.
func transfers(t *testing.T, from solana.PublicKey, n int) ([]Item, []solana.PublicKey) {
	items := make([]Item, n)
	to := make([]solana.PublicKey, n)
	for i := range items {
		to[i] = solana.NewWallet().PublicKey()
		ix, err := system.NewTransferInstruction(amountOf(i), from, to[i]).ValidateAndBuild()
		require.NoError(t, err)
		items[i] = Item{ix}
	}
	return items, to
}

func amountOf(i int) uint64 { return 1_000_000 + uint64(i) }

// expire moves the localnet 151 blocks on (one ionet_warpSlot per block): every
// blockhash handed out before is out of the 150-block window.
func expire(t *testing.T, ctx context.Context, client *rpc.Client) {
	t.Helper()
	slot, err := client.GetSlot(ctx, rpc.CommitmentProcessed)
	require.NoError(t, err)
	for i := uint64(1); i <= 151; i++ {
		_, err := localnet.WarpSlot(ctx, client, slot+i)
		require.NoError(t, err)
	}
}

// paidOnce checks that every recipient holds exactly its transfer.
func paidOnce(t *testing.T, ctx context.Context, client *rpc.Client, to []solana.PublicKey) {
	t.Helper()
	for i, k := range to {
		out, err := client.GetBalance(ctx, k, rpc.CommitmentConfirmed)
		require.NoError(t, err)
		require.Equal(t, amountOf(i), out.Value, "recipient %d", i)
	}
}

// signaturesOf counts the transactions payer signed that landed.
func signaturesOf(t *testing.T, ctx context.Context, client *rpc.Client, payer solana.PublicKey) int {
	t.Helper()
	out, err := client.GetSignaturesForAddress(ctx, payer)
	require.NoError(t, err)
	return len(out)
}

func TestSenderAgainstTheLocalnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	client := rpc.New(node.RPCURL)
	named := func(err any, ixs []solana.Instruction) error {
		return staking.NameError(err, staking.StakingErrors, ixs)
	}

	t.Run("a blockhash expires between signing and sending", func(t *testing.T) {
		payer, _ := node.Fund(t, ctx, 10_000_000_000, 0)
		funded := signaturesOf(t, ctx, client, payer.PublicKey())
		items, to := transfers(t, payer.PublicKey(), 90)
		batches, err := Pack(payer.PublicKey(), items, 0)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(batches), 3)
		var progress lockedLines
		expired := false
		s := &Sender{RPC: client, Signers: []solana.PrivateKey{payer}, Name: named, Progress: &progress,
			beforeSend: func(batch int, _ *solana.Transaction) error {
				// The second transaction is signed; the chain moves 151 blocks before it is sent.
				if batch == 1 && !expired {
					expired = true
					expire(t, ctx, client)
				}
				return nil
			}}
		st, err := s.Send(ctx, batches, nil)
		require.NoError(t, err)
		require.True(t, expired)
		for i, b := range st.Batches {
			assert.True(t, b.Confirmed, "batch %d", i)
		}
		paidOnce(t, ctx, client, to)
		assert.Equal(t, funded+len(batches), signaturesOf(t, ctx, client, payer.PublicKey()), "one transaction per batch landed")
		assert.Contains(t, progress.String(), "transaction 2 of ")
		assert.Contains(t, progress.String(), "blockhash expired before it was sent; signing it again")
	})

	t.Run("a crashed flow resumes at the first unconfirmed batch", func(t *testing.T) {
		payer, _ := node.Fund(t, ctx, 10_000_000_000, 0)
		funded := signaturesOf(t, ctx, client, payer.PublicKey())
		items, to := transfers(t, payer.PublicKey(), 120)
		batches, err := Pack(payer.PublicKey(), items, 0)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(batches), 4)
		// The saved state, as a file would keep it.
		var saved State
		save := func(st State) error {
			saved = State{Batches: append([]BatchState(nil), st.Batches...)}
			return nil
		}
		crash := errors.New("crash")
		s := &Sender{RPC: client, Signers: []solana.PrivateKey{payer}, Name: named, Save: save,
			beforeSend: func(batch int, _ *solana.Transaction) error {
				if batch == 3 {
					return crash // signed and recorded, never sent
				}
				return nil
			}}
		_, err = s.Send(ctx, batches, nil)
		require.ErrorIs(t, err, crash)
		require.ErrorIs(t, err, ErrBatch)
		assert.Contains(t, err.Error(), "transaction 4 of ")
		require.True(t, saved.Batches[2].Confirmed)
		require.False(t, saved.Batches[3].Confirmed)
		require.False(t, saved.Batches[3].Signature.IsZero(), "the signature is recorded before sending")
		// The crash came between batch 3's landing and the record of it.
		saved.Batches[2].Confirmed = false
		landedBefore := signaturesOf(t, ctx, client, payer.PublicKey())
		require.Equal(t, funded+3, landedBefore)

		// Batch 4's transaction was never sent; once its blockhash expired it can never
		// land, so the resumed flow signs it again.
		expire(t, ctx, client)
		var progress lockedLines
		var sent []int
		resumed := &Sender{RPC: client, Signers: []solana.PrivateKey{payer}, Name: named, Save: save, Progress: &progress,
			beforeSend: func(batch int, _ *solana.Transaction) error {
				sent = append(sent, batch)
				return nil
			}}
		st, err := resumed.Send(ctx, batches, &saved)
		require.NoError(t, err)
		for i, b := range st.Batches {
			assert.True(t, b.Confirmed, "batch %d", i)
		}
		want := []int{}
		for i := 3; i < len(batches); i++ {
			want = append(want, i)
		}
		assert.Equal(t, want, sent, "batches 1-3 are not sent again")
		paidOnce(t, ctx, client, to)
		assert.Equal(t, funded+len(batches), signaturesOf(t, ctx, client, payer.PublicKey()))
		assert.Contains(t, progress.String(), "transaction 3 of "+strconv.Itoa(len(batches))+": "+saved.Batches[2].Signature.String()+" (confirmed earlier)")
		assert.Contains(t, progress.String(), "blockhash expired before")
	})

	t.Run("a refused batch stops the flow with the program's error", func(t *testing.T) {
		payer, _ := node.Fund(t, ctx, 100_000_000, 0)
		items, _ := transfers(t, payer.PublicKey(), 10)
		// More than the payer holds.
		big, err := system.NewTransferInstruction(1_000_000_000, payer.PublicKey(), solana.NewWallet().PublicKey()).ValidateAndBuild()
		require.NoError(t, err)
		batches := []Batch{{First: 0, End: 10, Instructions: flatten(items)}, {First: 10, End: 11, Instructions: []solana.Instruction{big}}}
		s := &Sender{RPC: client, Signers: []solana.PrivateKey{payer}, Name: named}
		st, err := s.Send(ctx, batches, nil)
		require.ErrorIs(t, err, ErrBatch)
		assert.Contains(t, err.Error(), "transaction 2 of 2 (items 11-11)")
		assert.True(t, st.Batches[0].Confirmed)
		assert.Equal(t, BatchState{}, st.Batches[1], "a refused preflight sent nothing")
	})

	t.Run("a program's refusal is named from its error table", func(t *testing.T) {
		worker := solana.NewWallet().PrivateKey
		addr := node.WorkerNode(t, ctx, worker, 242, "http://127.0.0.1:1")
		staker, g := node.Fund(t, ctx, 1_000_000_000, 100*100_000_000)
		// Not attested yet: the capacity cap is zero.
		ix, err := staking.Delegate(staker.PublicKey(), addr, g.Mints.IO, 100_000_000)
		require.NoError(t, err)
		batches, err := Pack(staker.PublicKey(), []Item{{ix}}, 0)
		require.NoError(t, err)
		_, err = (&Sender{RPC: client, Signers: []solana.PrivateKey{staker}, Name: named}).Send(ctx, batches, nil)
		require.ErrorIs(t, err, ErrBatch)
		assert.Contains(t, err.Error(), "io_staking error 6")
		assert.Contains(t, err.Error(), "OverCapacityCap")
		assert.NotContains(t, err.Error(), "Custom")
	})
}

func flatten(items []Item) []solana.Instruction {
	var out []solana.Instruction
	for _, it := range items {
		out = append(out, it...)
	}
	return out
}
