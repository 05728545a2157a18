package localnet_test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/ws"
)

// signed builds and signs a one-payer transaction with `blockhash`.
func signed(t *testing.T, payer solana.PrivateKey, blockhash solana.Hash, ixs ...solana.Instruction) *solana.Transaction {
	t.Helper()
	tx, err := solana.NewTransaction(ixs, blockhash, solana.TransactionPayer(payer.PublicKey()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &payer }); err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestSkipPreflightFailureIsRecorded(t *testing.T) {
	ctx := ctxFor(t)
	alice := fundedWallet(t, ctx, shared, 1)
	aliceIO, err := giveIO(ctx, shared, alice.PublicKey(), 5)
	if err != nil {
		t.Fatal(err)
	}
	mint := solana.MustPublicKeyFromBase58(shared.genesis.Mints.IO)
	bh, err := shared.client.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	tx := signed(t, alice, bh.Value.Blockhash, token.NewTransferCheckedInstruction(6, 8, aliceIO, mint,
		solana.MustPublicKeyFromBase58(shared.genesis.Accounts.FaucetIO), alice.PublicKey(), nil).Build())
	sig, err := shared.client.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{SkipPreflight: true})
	if err != nil {
		t.Fatal(err)
	}
	st, err := waitConfirmed(ctx, shared.client, sig)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(st.Err) != "map[InstructionError:[0 map[Custom:1]]]" {
		t.Fatalf("status err = %v", st.Err)
	}
	v0 := uint64(0)
	got, err := shared.client.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Encoding: solana.EncodingBase64, MaxSupportedTransactionVersion: &v0})
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta.Err == nil || got.Meta.Fee != 5000 || got.Meta.PostBalances[0] != got.Meta.PreBalances[0]-5000 {
		t.Fatalf("meta = %+v", got.Meta)
	}
	if !strings.Contains(strings.Join(got.Meta.LogMessages, "\n"), "insufficient funds") {
		t.Fatalf("logs = %v", got.Meta.LogMessages)
	}
	bal, err := shared.client.GetBalance(ctx, alice.PublicKey(), rpc.CommitmentFinalized)
	if err != nil || bal.Value != got.Meta.PostBalances[0] {
		t.Fatalf("balance %v, want %d (%v)", bal, got.Meta.PostBalances[0], err)
	}
	list, err := shared.client.GetSignaturesForAddress(ctx, alice.PublicKey())
	if err != nil || len(list) < 3 || list[0].Signature != sig || list[0].Err == nil {
		t.Fatalf("signatures for address = %v (%v)", list, err)
	}
}

func TestBlockhashesAndSimulation(t *testing.T) {
	ctx := ctxFor(t)
	alice := fundedWallet(t, ctx, shared, 1)
	bh, err := shared.client.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	valid, err := shared.client.IsBlockhashValid(ctx, bh.Value.Blockhash, rpc.CommitmentFinalized)
	if err != nil || !valid.Value {
		t.Fatalf("latest blockhash not valid (%v)", err)
	}
	unknown := solana.Hash(solana.NewWallet().PublicKey())
	valid, err = shared.client.IsBlockhashValid(ctx, unknown, rpc.CommitmentFinalized)
	if err != nil || valid.Value {
		t.Fatalf("a made-up blockhash is valid (%v)", err)
	}
	transfer := system.NewTransferInstruction(1, alice.PublicKey(), solana.NewWallet().PublicKey()).Build()
	_, err = shared.client.SendTransaction(ctx, signed(t, alice, unknown, transfer))
	rpcErr := asRPCError(t, err)
	if rpcErr.Code != -32002 || rpcErr.Data.(map[string]any)["err"] != "BlockhashNotFound" {
		t.Fatalf("unknown blockhash: %d %v", rpcErr.Code, rpcErr.Data)
	}
	sim, err := shared.client.SimulateTransactionWithOpts(ctx, signed(t, alice, unknown, transfer),
		&rpc.SimulateTransactionOpts{ReplaceRecentBlockhash: true})
	if err != nil || sim.Value.Err != nil || len(sim.Value.Logs) == 0 {
		t.Fatalf("simulation = %+v (%v)", sim, err)
	}
	// A simulation commits nothing.
	bal, err := shared.client.GetBalance(ctx, alice.PublicKey(), rpc.CommitmentFinalized)
	if err != nil || bal.Value != solana.LAMPORTS_PER_SOL {
		t.Fatalf("balance after simulation = %v (%v)", bal, err)
	}
	version, err := shared.client.GetVersion(ctx)
	if err != nil || version.SolanaCore == "" {
		t.Fatalf("getVersion = %v (%v)", version, err)
	}
	epoch, err := shared.client.GetEpochInfo(ctx, rpc.CommitmentFinalized)
	if err != nil || epoch.SlotsInEpoch != 432_000 {
		t.Fatalf("getEpochInfo = %+v (%v)", epoch, err)
	}
}

// clock reads the Clock sysvar: slot and unix_timestamp.
func clock(t *testing.T, n *node) (uint64, int64) {
	t.Helper()
	acct, err := n.client.GetAccountInfo(ctxFor(t), solana.SysVarClockPubkey)
	if err != nil {
		t.Fatal(err)
	}
	data := acct.Value.Data.GetBinary()
	return binary.LittleEndian.Uint64(data[0:8]), int64(binary.LittleEndian.Uint64(data[32:40]))
}

func TestWarpSlotMovesTheClock(t *testing.T) {
	ctx := ctxFor(t)
	slot, ts := clock(t, shared)
	var now uint64
	// ionet_warpSlot is the localnet's development-only method.
	if err := shared.client.RPCCallForInto(ctx, &now, "ionet_warpSlot", []any{slot + 9_000}); err != nil {
		t.Fatal(err)
	}
	if now < slot+9_000 {
		t.Fatalf("warped to %d, want ≥ %d", now, slot+9_000)
	}
	slot2, ts2 := clock(t, shared)
	// 9,000 slots of 400 ms: an hour, give or take the slots that passed meanwhile.
	if slot2 < slot+9_000 || ts2-ts < 3_600 {
		t.Fatalf("clock moved from (%d, %d) to (%d, %d)", slot, ts, slot2, ts2)
	}
	// The chain still accepts transactions after the jump.
	fundedWallet(t, ctx, shared, 1)
}

func TestProgramAndLogsNotifications(t *testing.T) {
	ctx := ctxFor(t)
	client, err := ws.Connect(ctx, shared.wsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	owner := solana.NewWallet().PublicKey()
	progSub, err := client.ProgramSubscribeWithOpts(solana.TokenProgramID, rpc.CommitmentConfirmed, solana.EncodingBase64,
		[]rpc.RPCFilter{{DataSize: 165}, {Memcmp: &rpc.RPCFilterMemcmp{Offset: 32, Bytes: solana.Base58(owner.Bytes())}}})
	if err != nil {
		t.Fatal(err)
	}
	defer progSub.Unsubscribe()
	logSub, err := client.LogsSubscribeMentions(owner, rpc.CommitmentConfirmed)
	if err != nil {
		t.Fatal(err)
	}
	defer logSub.Unsubscribe()
	ata, err := giveIO(ctx, shared, owner, 99)
	if err != nil {
		t.Fatal(err)
	}
	got, err := progSub.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Value.Pubkey.Equals(ata) {
		t.Fatalf("program notification for %s, want %s", got.Value.Pubkey, ata)
	}
	var acct token.Account
	if err := acct.UnmarshalWithDecoder(binDecoder(got.Value.Account.Data.GetBinary())); err != nil || acct.Amount != 99 {
		t.Fatalf("notified account = %+v (%v)", acct, err)
	}
	logs, err := logSub.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if logs.Value.Err != nil || len(logs.Value.Logs) == 0 {
		t.Fatalf("logs notification = %+v", logs.Value)
	}
}

func TestGracefulRestartWritesASnapshot(t *testing.T) {
	ctx := ctxFor(t)
	dir := t.TempDir()
	n, err := startNode(dir)
	if err != nil {
		t.Fatal(err)
	}
	wallet := fundedWallet(t, ctx, n, 2)
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	<-n.done
	if !n.cmd.ProcessState.Success() {
		t.Fatalf("exit after SIGTERM: %v", n.cmd.ProcessState)
	}
	// Everything went into the snapshot; the change log starts empty.
	if info, err := os.Stat(filepath.Join(dir, "accounts.log")); err != nil || info.Size() != 0 {
		t.Fatalf("accounts.log after a graceful stop: %v (%v)", info, err)
	}
	n, err = startNode(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer n.kill()
	bal, err := n.client.GetBalance(ctx, wallet.PublicKey(), rpc.CommitmentFinalized)
	if err != nil || bal.Value != 2*solana.LAMPORTS_PER_SOL {
		t.Fatalf("after a graceful restart: %v (%v)", bal, err)
	}
	// --reset starts a new chain: new mints, the wallet is gone.
	n.kill()
	old := n.genesis.Mints.IO
	n, err = startNode(dir, "--reset")
	if err != nil {
		t.Fatal(err)
	}
	defer n.kill()
	if n.genesis.Mints.IO == old {
		t.Fatal("--reset kept the old genesis")
	}
	bal, err = n.client.GetBalance(ctx, wallet.PublicKey(), rpc.CommitmentFinalized)
	if err != nil || bal.Value != 0 {
		t.Fatalf("after --reset: %v (%v)", bal, err)
	}
}
