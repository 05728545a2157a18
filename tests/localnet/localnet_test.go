package localnet_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	associatedtokenaccount "github.com/gagliardetto/solana-go/programs/associated-token-account"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/gagliardetto/solana-go/rpc/ws"

	"github.com/ionet-network/ionet/chain/staking"
)

// shared is the node most tests use; TestRestartKeepsBalances runs its own.
var shared *node

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "ionet-localnet-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared, err = startNode(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start ionet-localnet:", err)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	shared.kill()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// send signs `ixs` with `signers` (the first pays), sends them with preflight and
// waits for the status.
func send(ctx context.Context, client *rpc.Client, signers []solana.PrivateKey, ixs ...solana.Instruction) (solana.Signature, error) {
	bh, err := client.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	if err != nil {
		return solana.Signature{}, err
	}
	tx, err := solana.NewTransaction(ixs, bh.Value.Blockhash, solana.TransactionPayer(signers[0].PublicKey()))
	if err != nil {
		return solana.Signature{}, err
	}
	if _, err := tx.Sign(func(key solana.PublicKey) *solana.PrivateKey {
		for i := range signers {
			if signers[i].PublicKey().Equals(key) {
				return &signers[i]
			}
		}
		return nil
	}); err != nil {
		return solana.Signature{}, err
	}
	sig, err := client.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentProcessed})
	if err != nil {
		return sig, err
	}
	st, err := waitConfirmed(ctx, client, sig)
	if err != nil {
		return sig, err
	}
	if st.Err != nil {
		return sig, fmt.Errorf("transaction %s failed: %v", sig, st.Err)
	}
	return sig, nil
}

// fundedWallet is a new keypair holding `sol` SOL from an airdrop.
func fundedWallet(t *testing.T, ctx context.Context, n *node, sol uint64) solana.PrivateKey {
	t.Helper()
	wallet := solana.NewWallet().PrivateKey
	sig, err := n.client.RequestAirdrop(ctx, wallet.PublicKey(), sol*solana.LAMPORTS_PER_SOL, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatalf("requestAirdrop: %v", err)
	}
	if _, err := waitConfirmed(ctx, n.client, sig); err != nil {
		t.Fatalf("airdrop status: %v", err)
	}
	return wallet
}

// giveIO creates `owner`'s $IO ATA and sends it `amount` base units from the faucet.
func giveIO(ctx context.Context, n *node, owner solana.PublicKey, amount uint64) (solana.PublicKey, error) {
	mint := solana.MustPublicKeyFromBase58(n.genesis.Mints.IO)
	ata, _, err := solana.FindAssociatedTokenAddress(owner, mint)
	if err != nil {
		return ata, err
	}
	create := associatedtokenaccount.NewCreateInstruction(n.faucet.PublicKey(), owner, mint).Build()
	transfer := token.NewTransferCheckedInstruction(amount, n.genesis.Mints.IODecimals,
		solana.MustPublicKeyFromBase58(n.genesis.Accounts.FaucetIO), mint, ata, n.faucet.PublicKey(), nil).Build()
	_, err = send(ctx, n.client, []solana.PrivateKey{n.faucet}, create, transfer)
	return ata, err
}

func TestAirdrop(t *testing.T) {
	ctx := ctxFor(t)
	wallet := fundedWallet(t, ctx, shared, 3)
	bal, err := shared.client.GetBalance(ctx, wallet.PublicKey(), rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	if bal.Value != 3*solana.LAMPORTS_PER_SOL {
		t.Fatalf("balance = %d, want %d", bal.Value, 3*solana.LAMPORTS_PER_SOL)
	}
}

func TestGenesisSupply(t *testing.T) {
	ctx := ctxFor(t)
	supply, err := shared.client.GetTokenSupply(ctx, solana.MustPublicKeyFromBase58(shared.genesis.Mints.IO), rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	if supply.Value.Amount != strconv.FormatUint(staking.GenesisSupply, 10) || supply.Value.Decimals != staking.IODecimals {
		t.Fatalf("supply = %+v", supply.Value)
	}
	vault, err := shared.client.GetTokenAccountBalance(ctx, solana.MustPublicKeyFromBase58(shared.genesis.Vaults.Rewards), rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	if vault.Value.Amount != "30000000000000000" {
		t.Fatalf("rewards vault = %s", vault.Value.Amount)
	}
}

func TestSPLTransfer(t *testing.T) {
	ctx := ctxFor(t)
	alice := fundedWallet(t, ctx, shared, 1)
	bob := solana.NewWallet().PrivateKey
	aliceIO, err := giveIO(ctx, shared, alice.PublicKey(), 1_000*100_000_000)
	if err != nil {
		t.Fatal(err)
	}
	mint := solana.MustPublicKeyFromBase58(shared.genesis.Mints.IO)
	bobIO, _, _ := solana.FindAssociatedTokenAddress(bob.PublicKey(), mint)
	sig, err := send(ctx, shared.client, []solana.PrivateKey{alice},
		associatedtokenaccount.NewCreateInstruction(alice.PublicKey(), bob.PublicKey(), mint).Build(),
		token.NewTransferCheckedInstruction(250*100_000_000, 8, aliceIO, mint, bobIO, alice.PublicKey(), nil).Build(),
	)
	if err != nil {
		t.Fatal(err)
	}
	for acct, want := range map[solana.PublicKey]string{aliceIO: "75000000000", bobIO: "25000000000"} {
		bal, err := shared.client.GetTokenAccountBalance(ctx, acct, rpc.CommitmentFinalized)
		if err != nil {
			t.Fatal(err)
		}
		if bal.Value.Amount != want {
			t.Fatalf("%s holds %s, want %s", acct, bal.Value.Amount, want)
		}
	}
	v0 := uint64(0)
	got, err := shared.client.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Encoding: solana.EncodingBase64, MaxSupportedTransactionVersion: &v0})
	if err != nil {
		t.Fatal(err)
	}
	if got.Meta == nil || got.Meta.Err != nil || got.Meta.Fee != 5000 {
		t.Fatalf("meta = %+v", got.Meta)
	}
	// The ATA program calls the token program and the system program: inner instructions.
	if len(got.Meta.InnerInstructions) == 0 || len(got.Meta.LogMessages) == 0 {
		t.Fatalf("no inner instructions or logs: %+v", got.Meta)
	}
	decoded, err := got.Transaction.GetTransaction()
	if err != nil || decoded.Signatures[0] != sig {
		t.Fatalf("transaction does not decode to itself: %v", err)
	}
}

func TestProgramAccountsMemcmp(t *testing.T) {
	ctx := ctxFor(t)
	owner := solana.NewWallet().PublicKey()
	ata, err := giveIO(ctx, shared, owner, 7)
	if err != nil {
		t.Fatal(err)
	}
	out, err := shared.client.GetProgramAccountsWithOpts(ctx, solana.TokenProgramID, &rpc.GetProgramAccountsOpts{
		Filters: []rpc.RPCFilter{
			{DataSize: 165},
			{Memcmp: &rpc.RPCFilterMemcmp{Offset: 32, Bytes: solana.Base58(owner.Bytes())}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || !out[0].Pubkey.Equals(ata) {
		t.Fatalf("got %d accounts, want exactly %s", len(out), ata)
	}
	var acct token.Account
	if err := acct.UnmarshalWithDecoder(binDecoder(out[0].Account.Data.GetBinary())); err != nil {
		t.Fatal(err)
	}
	if acct.Amount != 7 || !acct.Owner.Equals(owner) {
		t.Fatalf("account = %+v", acct)
	}
	// The rewards config is the one account io-rewards owns with its size and admin.
	mintFilter, err := shared.client.GetProgramAccountsWithOpts(ctx, solana.TokenProgramID, &rpc.GetProgramAccountsOpts{
		Filters: []rpc.RPCFilter{{Memcmp: &rpc.RPCFilterMemcmp{Offset: 0, Bytes: solana.Base58(solana.MustPublicKeyFromBase58(shared.genesis.Mints.IO).Bytes())}}, {DataSize: 165}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(mintFilter) < 3 { // rewards vault, faucet ATA, this owner's ATA, …
		t.Fatalf("only %d $IO token accounts", len(mintFilter))
	}
}

func TestPreflightFailureCarriesErrAndLogs(t *testing.T) {
	ctx := ctxFor(t)
	alice := fundedWallet(t, ctx, shared, 1)
	aliceIO, err := giveIO(ctx, shared, alice.PublicKey(), 10)
	if err != nil {
		t.Fatal(err)
	}
	mint := solana.MustPublicKeyFromBase58(shared.genesis.Mints.IO)
	before, err := shared.client.GetBalance(ctx, alice.PublicKey(), rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	// More than she holds: SPL Token's InsufficientFunds, custom error 1.
	overdraw := token.NewTransferCheckedInstruction(11, 8, aliceIO, mint,
		solana.MustPublicKeyFromBase58(shared.genesis.Accounts.FaucetIO), alice.PublicKey(), nil).Build()
	_, err = send(ctx, shared.client, []solana.PrivateKey{alice}, overdraw)
	rpcErr := asRPCError(t, err)
	if rpcErr.Code != -32002 || !strings.HasPrefix(rpcErr.Message, "Transaction simulation failed") {
		t.Fatalf("error = %d %q", rpcErr.Code, rpcErr.Message)
	}
	data := rpcErr.Data.(map[string]any)
	wantErr := map[string]any{"InstructionError": []any{float64(0), map[string]any{"Custom": float64(1)}}}
	if fmt.Sprint(data["err"]) != fmt.Sprint(wantErr) {
		t.Fatalf("err = %v, want %v", data["err"], wantErr)
	}
	logs := fmt.Sprint(data["logs"])
	if !strings.Contains(logs, "Program "+solana.TokenProgramID.String()+" failed") {
		t.Fatalf("logs = %s", logs)
	}
	after, err := shared.client.GetBalance(ctx, alice.PublicKey(), rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	if after.Value != before.Value {
		t.Fatalf("a failed preflight charged %d lamports", before.Value-after.Value)
	}

	// An Anchor program's error reaches the client too: an unknown instruction.
	bogus := solana.NewInstruction(solana.MustPublicKeyFromBase58("9aAKPA5yEFNLHQAV3NpaRuxzsjQDS57VPhK88LgYqVM6"),
		solana.AccountMetaSlice{}, []byte{1, 2, 3, 4, 5, 6, 7, 8})
	_, err = send(ctx, shared.client, []solana.PrivateKey{alice}, bogus)
	rpcErr = asRPCError(t, err)
	data = rpcErr.Data.(map[string]any)
	wantErr = map[string]any{"InstructionError": []any{float64(0), map[string]any{"Custom": float64(101)}}}
	if fmt.Sprint(data["err"]) != fmt.Sprint(wantErr) {
		t.Fatalf("err = %v, want %v", data["err"], wantErr)
	}
	if !strings.Contains(fmt.Sprint(data["logs"]), "InstructionFallbackNotFound") {
		t.Fatalf("logs = %v", data["logs"])
	}
}

func asRPCError(t *testing.T, err error) *jsonrpc.RPCError {
	t.Helper()
	var rpcErr *jsonrpc.RPCError
	if !errors.As(err, &rpcErr) {
		t.Fatalf("want a JSON-RPC error, got %v", err)
	}
	return rpcErr
}

func TestAccountNotification(t *testing.T) {
	ctx := ctxFor(t)
	client, err := ws.Connect(ctx, shared.wsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	wallet := solana.NewWallet().PublicKey()
	sub, err := client.AccountSubscribe(wallet, rpc.CommitmentConfirmed)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	slots, err := client.SlotSubscribe()
	if err != nil {
		t.Fatal(err)
	}
	defer slots.Unsubscribe()
	if _, err := slots.Recv(ctx); err != nil {
		t.Fatalf("slot notification: %v", err)
	}
	sig, err := shared.client.RequestAirdrop(ctx, wallet, 42*solana.LAMPORTS_PER_SOL, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sub.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Value.Lamports != 42*solana.LAMPORTS_PER_SOL || !got.Value.Owner.Equals(solana.SystemProgramID) {
		t.Fatalf("notification = %+v", got.Value)
	}
	sigSub, err := client.SignatureSubscribe(sig, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}
	done, err := sigSub.Recv(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if done.Value.Err != nil {
		t.Fatalf("signature notification err = %v", done.Value.Err)
	}
}

func TestRestartKeepsBalances(t *testing.T) {
	ctx := ctxFor(t)
	dir := t.TempDir()
	n, err := startNode(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { n.kill() }()
	wallet := fundedWallet(t, ctx, n, 5)
	ata, err := giveIO(ctx, n, wallet.PublicKey(), 123_456)
	if err != nil {
		t.Fatal(err)
	}
	dest := solana.NewWallet().PublicKey()
	sig, err := send(ctx, n.client, []solana.PrivateKey{wallet}, system.NewTransferInstruction(1_000_000, wallet.PublicKey(), dest).Build())
	if err != nil {
		t.Fatal(err)
	}
	slot, err := n.client.GetSlot(ctx, rpc.CommitmentFinalized)
	if err != nil {
		t.Fatal(err)
	}

	n.kill() // SIGKILL: no snapshot, only the fsynced log
	n, err = startNode(dir)
	if err != nil {
		t.Fatal(err)
	}
	bal, err := n.client.GetBalance(ctx, dest, rpc.CommitmentFinalized)
	if err != nil || bal.Value != 1_000_000 {
		t.Fatalf("after restart dest holds %v (%v)", bal, err)
	}
	tok, err := n.client.GetTokenAccountBalance(ctx, ata, rpc.CommitmentFinalized)
	if err != nil || tok.Value.Amount != "123456" {
		t.Fatalf("after restart the ATA holds %v (%v)", tok, err)
	}
	st, err := n.client.GetSignatureStatuses(ctx, true, sig)
	if err != nil || st.Value[0] == nil {
		t.Fatalf("the transfer's status is lost: %v", err)
	}
	now, err := n.client.GetSlot(ctx, rpc.CommitmentFinalized)
	if err != nil || now < slot {
		t.Fatalf("slot went back from %d to %d (%v)", slot, now, err)
	}
	// The restarted chain still takes transactions.
	if _, err := send(ctx, n.client, []solana.PrivateKey{wallet}, system.NewTransferInstruction(1, wallet.PublicKey(), dest).Build()); err != nil {
		t.Fatal(err)
	}
}
