package localnet_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	associatedtokenaccount "github.com/gagliardetto/solana-go/programs/associated-token-account"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/jsonrpc"
	"github.com/stretchr/testify/require"
)

// Behaviours clients depend on, each against the value Agave 2.3 gives, through
// solana-go as a client sees them.

var token2022 = solana.MustPublicKeyFromBase58("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb")

// rpcErr is the JSON-RPC error inside err.
func rpcErr(t *testing.T, err error) *jsonrpc.RPCError {
	t.Helper()
	require.Error(t, err)
	var e *jsonrpc.RPCError
	require.ErrorAs(t, err, &e)
	return e
}

// call posts one request and decodes its answer into a generic value.
func call(t *testing.T, method string, params ...any) map[string]any {
	t.Helper()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	require.NoError(t, err)
	_, v := post(t, string(body))
	obj, ok := v.(map[string]any)
	require.True(t, ok, "answer %v", v)
	return obj
}

func TestGetBlockHoldsTheTransfer(t *testing.T) {
	ctx := ctxFor(t)
	// The genesis block (slot 0) has no parent: land the transfer in a later block.
	require.Eventually(t, func() bool {
		slot, err := shared.client.GetSlot(ctx, rpc.CommitmentFinalized)
		return err == nil && slot > 0
	}, 10*time.Second, 50*time.Millisecond)
	wallet := fundedWallet(t, ctx, shared, 1)
	to := solana.NewWallet().PublicKey()
	sig, err := send(ctx, shared.client, []solana.PrivateKey{wallet},
		system.NewTransferInstruction(1_000_000, wallet.PublicKey(), to).Build())
	require.NoError(t, err)
	st, err := shared.client.GetSignatureStatuses(ctx, false, sig)
	require.NoError(t, err)
	slot := st.Value[0].Slot

	block, err := shared.client.GetBlockWithOpts(ctx, slot, &rpc.GetBlockOpts{
		MaxSupportedTransactionVersion: &rpc.MaxSupportedTransactionVersion0,
	})
	require.NoError(t, err)
	require.False(t, block.Blockhash.IsZero())
	require.False(t, block.PreviousBlockhash.IsZero())
	require.Less(t, block.ParentSlot, slot)
	require.NotNil(t, block.BlockHeight)
	require.NotNil(t, block.BlockTime)
	var found bool
	for _, tx := range block.Transactions {
		decoded, err := tx.GetTransaction()
		require.NoError(t, err)
		if decoded.Signatures[0] == sig {
			found = true
			require.Equal(t, uint64(5000), tx.Meta.Fee)
		}
	}
	require.True(t, found, "the transfer is in block %d", slot)

	parent, err := shared.client.GetBlockWithOpts(ctx, block.ParentSlot, &rpc.GetBlockOpts{
		TransactionDetails: rpc.TransactionDetailsNone,
	})
	require.NoError(t, err)
	require.Equal(t, block.PreviousBlockhash, parent.Blockhash)
	require.Equal(t, *block.BlockHeight, *parent.BlockHeight+1)

	sigs, err := shared.client.GetBlockWithOpts(ctx, slot, &rpc.GetBlockOpts{
		TransactionDetails: rpc.TransactionDetailsSignatures,
	})
	require.NoError(t, err)
	require.Contains(t, sigs.Signatures, sig)

	end := slot
	blocks, err := shared.client.GetBlocks(ctx, slot, &end, rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.Equal(t, rpc.BlocksResult{slot}, blocks)
	limited, err := shared.client.GetBlocksWithLimit(ctx, slot, 1, rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.Equal(t, rpc.BlocksResult{slot}, *limited)
	height, err := shared.client.GetBlockHeight(ctx, rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.GreaterOrEqual(t, height, *block.BlockHeight)
	commitment, err := shared.client.GetBlockCommitment(ctx, slot)
	require.NoError(t, err)
	require.Nil(t, commitment.Commitment)

	// A slot the chain has not reached yet.
	_, err = shared.client.GetBlock(ctx, slot+1_000_000)
	e := rpcErr(t, err)
	require.Equal(t, -32004, e.Code)
	require.Equal(t, fmt.Sprintf("Block not available for slot %d", slot+1_000_000), e.Message)
}

func TestJSONParsedTransactionsAndTokenBalances(t *testing.T) {
	ctx := ctxFor(t)
	owner := solana.NewWallet().PublicKey()
	mint := solana.MustPublicKeyFromBase58(shared.genesis.Mints.IO)
	ata, _, err := solana.FindAssociatedTokenAddress(owner, mint)
	require.NoError(t, err)
	faucetIO := solana.MustPublicKeyFromBase58(shared.genesis.Accounts.FaucetIO)
	sig, err := send(ctx, shared.client, []solana.PrivateKey{shared.faucet},
		associatedtokenaccount.NewCreateInstruction(shared.faucet.PublicKey(), owner, mint).Build(),
		token.NewTransferCheckedInstruction(250_000_000, shared.genesis.Mints.IODecimals,
			faucetIO, mint, ata, shared.faucet.PublicKey(), nil).Build())
	require.NoError(t, err)

	v := call(t, "getTransaction", sig.String(), map[string]any{"encoding": "jsonParsed"})
	require.Nil(t, v["error"])
	res := v["result"].(map[string]any)
	msg := res["transaction"].(map[string]any)["message"].(map[string]any)
	keys := msg["accountKeys"].([]any)
	require.Equal(t, map[string]any{
		"pubkey": shared.faucet.PublicKey().String(), "signer": true, "writable": true, "source": "transaction",
	}, keys[0])
	ixs := msg["instructions"].([]any)
	create := ixs[0].(map[string]any)
	require.Equal(t, "spl-associated-token-account", create["program"])
	require.Equal(t, "create", create["parsed"].(map[string]any)["type"])
	transfer := ixs[1].(map[string]any)
	require.Equal(t, "spl-token", transfer["program"])
	parsed := transfer["parsed"].(map[string]any)
	require.Equal(t, "transferChecked", parsed["type"])
	require.Equal(t, map[string]any{
		"source": faucetIO.String(), "mint": mint.String(), "destination": ata.String(),
		"authority": shared.faucet.PublicKey().String(),
		"tokenAmount": map[string]any{
			"amount": "250000000", "decimals": json.Number("8"), "uiAmount": json.Number("2.5"), "uiAmountString": "2.5",
		},
	}, parsed["info"])

	// Token balances before and after, through solana-go.
	tx, err := shared.client.GetTransaction(ctx, sig, &rpc.GetTransactionOpts{Commitment: rpc.CommitmentFinalized})
	require.NoError(t, err)
	var after *rpc.TokenBalance
	for i := range tx.Meta.PostTokenBalances {
		b := &tx.Meta.PostTokenBalances[i]
		if b.Owner != nil && b.Owner.Equals(owner) {
			after = b
		}
	}
	require.NotNil(t, after, "postTokenBalances %v", tx.Meta.PostTokenBalances)
	require.Equal(t, "250000000", after.UiTokenAmount.Amount)
	require.Equal(t, mint, after.Mint)
	require.Len(t, tx.Meta.PreTokenBalances, 1, "only the faucet's account existed before")
}

func TestAccountEncodingsAndRentEpoch(t *testing.T) {
	ctx := ctxFor(t)
	wallet := fundedWallet(t, ctx, shared, 2)
	mint := solana.MustPublicKeyFromBase58(shared.genesis.Mints.IO)

	plain, err := shared.client.GetAccountInfoWithOpts(ctx, mint, &rpc.GetAccountInfoOpts{Encoding: solana.EncodingBase64})
	require.NoError(t, err)
	zstd, err := shared.client.GetAccountInfoWithOpts(ctx, mint, &rpc.GetAccountInfoOpts{Encoding: solana.EncodingBase64Zstd})
	require.NoError(t, err)
	require.Equal(t, solana.EncodingBase64Zstd, zstdEncoding(t, mint))
	require.Equal(t, plain.Value.Data.GetBinary(), zstd.Value.Data.GetBinary())

	// A rent-exempt account made after genesis: rentEpoch u64::MAX.
	acc, err := shared.client.GetAccountInfo(ctx, wallet.PublicKey())
	require.NoError(t, err)
	require.Equal(t, fmt.Sprint(uint64(math.MaxUint64)), acc.Value.RentEpoch.String())

	// jsonParsed token accounts in getMultipleAccounts.
	v := call(t, "getMultipleAccounts", []string{shared.genesis.Accounts.FaucetIO}, map[string]any{"encoding": "jsonParsed"})
	data := v["result"].(map[string]any)["value"].([]any)[0].(map[string]any)["data"].(map[string]any)
	require.Equal(t, "spl-token", data["program"])
	require.Equal(t, shared.genesis.Accounts.Faucet, data["parsed"].(map[string]any)["info"].(map[string]any)["owner"])

	// Token-2022's program id is a filter like SPL Token's.
	out, err := shared.client.GetTokenAccountsByOwner(ctx, wallet.PublicKey(),
		&rpc.GetTokenAccountsConfig{ProgramId: &token2022}, &rpc.GetTokenAccountsOpts{Encoding: solana.EncodingBase64})
	require.NoError(t, err)
	require.Empty(t, out.Value)
}

// zstdEncoding reports whether the node labels getAccountInfo's base64+zstd data so.
func zstdEncoding(t *testing.T, key solana.PublicKey) solana.EncodingType {
	t.Helper()
	v := call(t, "getAccountInfo", key.String(), map[string]any{"encoding": "base64+zstd"})
	data := v["result"].(map[string]any)["value"].(map[string]any)["data"].([]any)
	_, err := base64.StdEncoding.DecodeString(data[0].(string))
	require.NoError(t, err)
	return solana.EncodingType(data[1].(string))
}

func TestMinContextSlotFeesAndErrorTexts(t *testing.T) {
	ctx := ctxFor(t)
	slot, err := shared.client.GetSlot(ctx, rpc.CommitmentFinalized)
	require.NoError(t, err)
	far := slot + 1000
	key := shared.faucet.PublicKey()

	_, err = shared.client.GetAccountInfoWithOpts(ctx, key, &rpc.GetAccountInfoOpts{MinContextSlot: &far})
	e := rpcErr(t, err)
	require.Equal(t, -32016, e.Code)
	require.Equal(t, "Minimum context slot has not been reached", e.Message)
	ctxSlot, err := e.Data.(map[string]any)["contextSlot"].(json.Number).Int64()
	require.NoError(t, err)
	require.GreaterOrEqual(t, uint64(ctxSlot), slot)
	v := call(t, "getBalance", key.String(), map[string]any{"minContextSlot": far})
	require.Equal(t, json.Number("-32016"), v["error"].(map[string]any)["code"])

	// getFeeForMessage: a blockhash the node does not know has no fee.
	bh, err := shared.client.GetLatestBlockhash(ctx, rpc.CommitmentFinalized)
	require.NoError(t, err)
	message := func(hash solana.Hash) string {
		tx, err := solana.NewTransaction([]solana.Instruction{
			system.NewTransferInstruction(1, key, solana.NewWallet().PublicKey()).Build(),
		}, hash, solana.TransactionPayer(key))
		require.NoError(t, err)
		raw, err := tx.Message.MarshalBinary()
		require.NoError(t, err)
		return base64.StdEncoding.EncodeToString(raw)
	}
	fee, err := shared.client.GetFeeForMessage(ctx, message(bh.Value.Blockhash), rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.NotNil(t, fee.Value)
	require.Equal(t, uint64(5000), *fee.Value)
	unknown, err := shared.client.GetFeeForMessage(ctx, message(solana.Hash{1, 2, 3}), rpc.CommitmentFinalized)
	require.NoError(t, err)
	require.Nil(t, unknown.Value)

	// Agave's words: no prefix of the localnet's own.
	keys := make([]solana.PublicKey, 101)
	for i := range keys {
		keys[i] = solana.NewWallet().PublicKey()
	}
	_, err = shared.client.GetMultipleAccounts(ctx, keys...)
	e = rpcErr(t, err)
	require.Equal(t, -32602, e.Code)
	require.Equal(t, "Too many inputs provided; max 100", e.Message)
	v = call(t, "getBalance", "xyz")
	require.Equal(t, map[string]any{"code": json.Number("-32602"), "message": "Invalid param: WrongSize"}, v["error"])
	v = call(t, "getTokenAccountsByOwner", key.String(), map[string]any{"programId": "11111111111111111111111111111111"})
	require.Equal(t, "Invalid param: unrecognized Token program id", v["error"].(map[string]any)["message"])
	v = call(t, "getBlock", slot, map[string]any{"commitment": "processed"})
	require.Equal(t, "Method does not support commitment below `confirmed`", v["error"].(map[string]any)["message"])
	_, raw := post(t, `{"jsonrpc":"2.0","id":1,"method":"getBalance","params":[1]}`)
	require.Equal(t, "Invalid params: invalid type: integer `1`, expected a string.",
		raw.(map[string]any)["error"].(map[string]any)["message"])
}
