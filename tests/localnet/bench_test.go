package localnet_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
)

// benchSenders is how many wallets (one goroutine each) send transfers at once.
const benchSenders = 256

// benchBatch is how many transfers a sender sends before confirming them all with one
// getSignatureStatuses.
const benchBatch = 16

// BenchmarkSPLTransfers measures sustained SPL Token transfers per second, each sent
// with preflight in its own sendTransaction call and confirmed by
// getSignatureStatuses, from Go:
//
//	go test -run '^$' -bench SPLTransfers -benchtime 30000x ./tests/localnet/
func BenchmarkSPLTransfers(b *testing.B) { benchTransfers(b, false) }

// BenchmarkSPLTransfersBatched is the same with each sender's transfers sent as one
// JSON-RPC batch of sendTransaction calls (fewer HTTP round trips on both sides).
func BenchmarkSPLTransfersBatched(b *testing.B) { benchTransfers(b, true) }

func benchTransfers(b *testing.B, batched bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	n := shared
	transport := &http.Transport{MaxIdleConnsPerHost: benchSenders * 2, MaxConnsPerHost: benchSenders * 2}
	raw := jsonrpc.NewClientWithOpts(n.rpcURL, &jsonrpc.RPCClientOpts{
		HTTPClient: &http.Client{Transport: transport},
	})
	client := rpc.NewWithCustomRPCClient(raw)
	mint := solana.MustPublicKeyFromBase58(n.genesis.Mints.IO)
	type sender struct {
		key solana.PrivateKey
		ata solana.PublicKey
	}
	senders := make([]sender, benchSenders)
	for i := range senders {
		key := solana.NewWallet().PrivateKey
		sig, err := n.client.RequestAirdrop(ctx, key.PublicKey(), 1_000*solana.LAMPORTS_PER_SOL, rpc.CommitmentFinalized)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := waitConfirmed(ctx, n.client, sig); err != nil {
			b.Fatal(err)
		}
		ata, err := giveIO(ctx, n, key.PublicKey(), 100_000*100_000_000)
		if err != nil {
			b.Fatal(err)
		}
		senders[i] = sender{key, ata}
	}
	dest, err := giveIO(ctx, n, solana.NewWallet().PublicKey(), 1)
	if err != nil {
		b.Fatal(err)
	}

	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, benchSenders)
	b.ResetTimer()
	start := time.Now()
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			amount := uint64(0)
			var blockhash solana.Hash
			var fetched time.Time
			for {
				first := next.Add(benchBatch) - benchBatch
				if first >= int64(b.N) {
					return
				}
				count := min(int64(benchBatch), int64(b.N)-first)
				if time.Since(fetched) > 5*time.Second {
					bh, err := client.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
					if err != nil {
						errs <- err
						return
					}
					blockhash, fetched = bh.Value.Blockhash, time.Now()
				}
				sigs := make([]solana.Signature, 0, count)
				requests := make(jsonrpc.RPCRequests, 0, count)
				for range count {
					amount++ // distinct messages, distinct signatures
					ix := token.NewTransferCheckedInstruction(amount, 8, s.ata, mint, dest, s.key.PublicKey(), nil).Build()
					tx, err := solana.NewTransaction([]solana.Instruction{ix}, blockhash, solana.TransactionPayer(s.key.PublicKey()))
					if err != nil {
						errs <- err
						return
					}
					if _, err := tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &s.key }); err != nil {
						errs <- err
						return
					}
					if !batched {
						sig, err := client.SendTransaction(ctx, tx)
						if err != nil {
							errs <- fmt.Errorf("send: %w", err)
							return
						}
						sigs = append(sigs, sig)
						continue
					}
					wire, err := tx.MarshalBinary()
					if err != nil {
						errs <- err
						return
					}
					sigs = append(sigs, tx.Signatures[0])
					requests = append(requests, jsonrpc.NewRequest("sendTransaction",
						base64.StdEncoding.EncodeToString(wire), map[string]any{"encoding": "base64"}))
				}
				if batched {
					answers, err := raw.CallBatch(ctx, requests)
					if err != nil {
						errs <- fmt.Errorf("send batch: %w", err)
						return
					}
					for _, a := range answers {
						if a.Error != nil {
							errs <- fmt.Errorf("send: %v", a.Error)
							return
						}
					}
				}
				st, err := client.GetSignatureStatuses(ctx, false, sigs...)
				if err != nil {
					errs <- err
					return
				}
				for i, v := range st.Value {
					if v == nil || v.Err != nil {
						errs <- fmt.Errorf("transfer %s not confirmed: %+v", sigs[i], v)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "tx/s")
}
