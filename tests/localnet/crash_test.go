package localnet_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
)

// TestKillUnderLoadLosesNothingConfirmed sends transfers from several goroutines,
// kills the node with SIGKILL while they run, restarts it on the same ledger, and
// checks that every transfer whose sendTransaction succeeded is still there.
func TestKillUnderLoadLosesNothingConfirmed(t *testing.T) {
	ctx := ctxFor(t)
	dir := t.TempDir()
	n, err := startNode(dir)
	if err != nil {
		t.Fatal(err)
	}
	const senders = 8
	type lane struct {
		from      solana.PrivateKey
		to        solana.PublicKey
		confirmed []solana.Signature
	}
	lanes := make([]*lane, senders)
	for i := range lanes {
		lanes[i] = &lane{from: fundedWallet(t, ctx, n, 10), to: solana.NewWallet().PublicKey()}
	}
	bh, err := n.client.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var sent atomic.Int64
	var wg sync.WaitGroup
	for _, l := range lanes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each transfer is rent-exempt-sized the first time, then one lamport more.
			for amount := uint64(1_000_000); ; amount++ {
				select {
				case <-stop:
					return
				default:
				}
				tx, err := solana.NewTransaction([]solana.Instruction{system.NewTransferInstruction(amount, l.from.PublicKey(), l.to).Build()},
					bh.Value.Blockhash, solana.TransactionPayer(l.from.PublicKey()))
				if err != nil {
					return
				}
				if _, err := tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &l.from }); err != nil {
					return
				}
				sendCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
				sig, err := n.client.SendTransaction(sendCtx, tx)
				cancel()
				if err != nil {
					return // the node is gone
				}
				l.confirmed = append(l.confirmed, sig)
				sent.Add(1)
			}
		}()
	}
	// Kill mid-stream, once some transfers have been answered (however busy the machine).
	for deadline := time.Now().Add(time.Minute); sent.Load() < 50 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	n.kill()
	close(stop)
	wg.Wait()

	n, err = startNode(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer n.kill()
	total := 0
	for _, l := range lanes {
		total += len(l.confirmed)
		for start := 0; start < len(l.confirmed); start += 256 {
			batch := l.confirmed[start:min(start+256, len(l.confirmed))]
			st, err := n.client.GetSignatureStatuses(ctx, true, batch...)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range st.Value {
				if s == nil || s.Err != nil {
					t.Fatalf("confirmed transfer %s lost after kill -9: %+v", batch[i], s)
				}
			}
		}
		// The destination holds at least every confirmed transfer.
		want := uint64(0)
		for i := range l.confirmed {
			want += 1_000_000 + uint64(i)
		}
		bal, err := n.client.GetBalance(ctx, l.to, rpc.CommitmentFinalized)
		if err != nil {
			t.Fatal(err)
		}
		if bal.Value < want {
			t.Fatalf("destination holds %d after restart, confirmed transfers add up to %d", bal.Value, want)
		}
	}
	if total == 0 {
		t.Fatal("no transfer was confirmed before the kill")
	}
	t.Logf("%d transfers confirmed before kill -9, all present after restart", total)
}
