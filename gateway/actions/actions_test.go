package actions

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/tests/localnode"
)

const ioUnit = 100_000_000 // base units in one $IO

// answer is one HTTP exchange with the gateway.
type answer struct {
	status int
	header http.Header
	raw    string
	body   map[string]any
}

func call(t *testing.T, method, url string, body any) answer {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		require.NoError(t, err)
		r = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	a := answer{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(raw, &a.body), "%s %s: %s", method, url, raw)
	}
	return a
}

// chainID is the localnet's CAIP-2 id: solana: and the first 32 characters of its
// genesis hash.
var chainID string

// requireCORS checks the Actions specification's headers on an answer.
func requireCORS(t *testing.T, a answer, what string) {
	t.Helper()
	assert.Equal(t, "*", a.header.Get("Access-Control-Allow-Origin"), what)
	assert.Equal(t, "GET,POST,PUT,OPTIONS", a.header.Get("Access-Control-Allow-Methods"), what)
	assert.Equal(t, "Content-Type, Authorization, Content-Encoding, Accept-Encoding, X-Action-Version, X-Blockchain-Ids",
		a.header.Get("Access-Control-Allow-Headers"), what)
	assert.Equal(t, "X-Action-Version, X-Blockchain-Ids", a.header.Get("Access-Control-Expose-Headers"), what)
	assert.Equal(t, Version, a.header.Get("X-Action-Version"), what)
	assert.Equal(t, chainID, a.header.Get("X-Blockchain-Ids"), what)
}

// requireRefused checks a refusal: its status, CORS headers, a message containing
// want, and no transaction.
func requireRefused(t *testing.T, a answer, status int, want, what string) {
	t.Helper()
	require.Equal(t, status, a.status, "%s: %s", what, a.raw)
	requireCORS(t, a, what)
	assert.Equal(t, "application/json", a.header.Get("Content-Type"), what)
	assert.Contains(t, a.body["message"], want, what)
	assert.NotContains(t, a.body, "transaction", what)
	assert.Len(t, a.body, 1, "%s: only a message: %s", what, a.raw)
}

// transaction decodes a POST's answer: a transaction for account to sign, unsigned.
func transaction(t *testing.T, a answer, account solana.PublicKey, what string) *solana.Transaction {
	t.Helper()
	require.Equal(t, http.StatusOK, a.status, "%s: %s", what, a.raw)
	requireCORS(t, a, what)
	assert.Equal(t, "transaction", a.body["type"], what)
	b64, _ := a.body["transaction"].(string)
	tx, err := solana.TransactionFromBase64(b64)
	require.NoError(t, err, what)
	require.Equal(t, account, tx.Message.AccountKeys[0], "%s: the wallet pays", what)
	require.Equal(t, uint8(1), tx.Message.Header.NumRequiredSignatures, "%s: the wallet is the only signer", what)
	for _, s := range tx.Signatures {
		require.True(t, s.IsZero(), "%s: returned unsigned", what)
	}
	return tx
}

// signAndSend signs tx with the test wallet, sends it to the localnet and waits until
// it is confirmed without error.
func signAndSend(t *testing.T, ctx context.Context, client *rpc.Client, tx *solana.Transaction, wallet solana.PrivateKey) {
	t.Helper()
	_, err := tx.Sign(func(k solana.PublicKey) *solana.PrivateKey {
		if k.Equals(wallet.PublicKey()) {
			return &wallet
		}
		return nil
	})
	require.NoError(t, err)
	sig, err := client.SendTransactionWithOpts(ctx, tx, rpc.TransactionOpts{PreflightCommitment: rpc.CommitmentConfirmed})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		out, err := client.GetSignatureStatuses(ctx, false, sig)
		if err != nil || len(out.Value) != 1 || out.Value[0] == nil {
			return false
		}
		require.Nil(t, out.Value[0].Err, "transaction %s failed", sig)
		return out.Value[0].ConfirmationStatus == rpc.ConfirmationStatusConfirmed || out.Value[0].ConfirmationStatus == rpc.ConfirmationStatusFinalized
	}, 30*time.Second, 50*time.Millisecond)
}

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// args decodes an instruction's Borsh arguments after its discriminator.
func args(t *testing.T, tx *solana.Transaction, index int, v any) {
	t.Helper()
	data := tx.Message.Instructions[index].Data
	require.NoError(t, bin.NewBorshDecoder(data[8:]).Decode(v))
}

// The actions against a real localnet: every transaction a POST returns is decoded
// and checked against the IDL, signed with a test wallet, sent, and its result read
// back from the chain; every refusal is a 400 with a message that changes nothing.
func TestActionsAgainstTheLocalnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	node := localnode.Start(t)
	client := staking.New(node.RPCURL)
	hc := &hire.Client{Staking: client}
	genesis, err := client.RPC.GetGenesisHash(ctx)
	require.NoError(t, err)
	chainID = "solana:" + genesis.String()[:32]
	server, err := New(Config{RPCURL: node.RPCURL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, nil)
	require.NoError(t, err)
	srv := httptest.NewServer(server.Handler())
	defer srv.Close()
	api := srv.URL + Prefix

	// A one-GPU node staked at the minimum (100 $IO: a 1,000 $IO cap from the
	// operator's stake), attested at 100 TOPS (a 1,000 $IO cap from capacity).
	worker := solana.NewWallet().PrivateKey
	nodeAddr := node.WorkerNode(t, ctx, worker, classes.LocalnetCPU.ID, "http://127.0.0.1:1")
	attest := func(topsMilli uint64) {
		rc, err := rewards.New(node.RPCURL).Config(ctx)
		require.NoError(t, err)
		now, err := client.Now(ctx)
		require.NoError(t, err)
		_, err = localnet.AttestCapacity(ctx, client.RPC, nodeAddr, localnet.Capacity{Epoch: rewards.EpochsOf(rc.Params).At(now),
			Class: classes.LocalnetCPU.ID, TopsMilli: topsMilli, UptimeBps: 10_000})
		require.NoError(t, err)
	}
	attest(100_000)
	staker, g := node.Fund(t, ctx, 1_000_000_000, 700*ioUnit)
	ioBalance := func(owner solana.PublicKey) uint64 {
		v, err := client.TokenBalance(ctx, staking.ATA(owner, g.Mints.IO))
		require.NoError(t, err)
		return v
	}
	pool := func() uint64 {
		n, err := client.Node(ctx, nodeAddr)
		require.NoError(t, err)
		return n.Pool.Tokens
	}

	// The rules, the icon and the CORS preflight of every action.
	a := call(t, http.MethodGet, srv.URL+RulesPath, nil)
	require.Equal(t, http.StatusOK, a.status)
	requireCORS(t, a, "actions.json")
	assert.JSONEq(t, `{"rules":[{"pathPattern":"/api/actions/**","apiPath":"/api/actions/**"}]}`, a.raw)
	a = call(t, http.MethodGet, srv.URL+IconPath, nil)
	require.Equal(t, http.StatusOK, a.status)
	requireCORS(t, a, "icon")
	assert.Equal(t, "image/svg+xml", a.header.Get("Content-Type"))
	assert.True(t, strings.HasPrefix(a.raw, "<svg"), a.raw)
	for _, path := range []string{"delegate/" + nodeAddr.String(), "undelegate/" + nodeAddr.String(), "withdraw/" + nodeAddr.String(),
		"claim/" + nodeAddr.String(), "hire", "nope"} {
		a = call(t, http.MethodOptions, api+path, nil)
		assert.Equal(t, http.StatusOK, a.status, path)
		requireCORS(t, a, "OPTIONS "+path)
	}

	// Each action's metadata: an absolute icon, a title, a label and its inputs.
	for _, path := range []string{"delegate/" + nodeAddr.String(), "undelegate/" + nodeAddr.String(), "withdraw/" + nodeAddr.String(),
		"claim/" + nodeAddr.String(), "hire", "delegate/" + worker.PublicKey().String()} {
		a = call(t, http.MethodGet, api+path, nil)
		require.Equal(t, http.StatusOK, a.status, "%s: %s", path, a.raw)
		requireCORS(t, a, "GET "+path)
		assert.Equal(t, "action", a.body["type"], path)
		assert.Equal(t, srv.URL+IconPath, a.body["icon"], path)
		for _, k := range []string{"title", "description", "label"} {
			assert.NotEmpty(t, a.body[k], "%s: %s", path, k)
		}
		links := a.body["links"].(map[string]any)["actions"].([]any)
		require.NotEmpty(t, links, path)
		for _, l := range links {
			assert.True(t, strings.HasPrefix(l.(map[string]any)["href"].(string), api), "%s: %v", path, l)
		}
	}
	a = call(t, http.MethodGet, api+"delegate/"+nodeAddr.String(), nil)
	link := a.body["links"].(map[string]any)["actions"].([]any)[0].(map[string]any)
	assert.Equal(t, api+"delegate/"+nodeAddr.String()+"?amount={amount}", link["href"])
	param := link["parameters"].([]any)[0].(map[string]any)
	assert.Equal(t, "amount", param["name"])
	assert.Equal(t, true, param["required"])
	assert.Equal(t, 1000.0, param["max"], "room under both caps")
	assert.Contains(t, a.body["description"], "Room for 1000 $IO more")
	assert.Contains(t, a.body["description"], ": 1 × localnet-cpu in ", "the class the CLI and the explorer name on a localnet")
	a = call(t, http.MethodGet, api+"hire", nil)
	names := []string{}
	for _, p := range a.body["links"].(map[string]any)["actions"].([]any)[0].(map[string]any)["parameters"].([]any) {
		names = append(names, p.(map[string]any)["name"].(string))
	}
	assert.Equal(t, []string{"class", "gpus", "hours", "mint", "price"}, names)

	// Delegate 600 $IO: one io-staking delegate instruction, as the IDL lays it out.
	delegateURL := api + "delegate/" + nodeAddr.String()
	a = call(t, http.MethodPost, delegateURL+"?amount=600", map[string]string{"account": staker.PublicKey().String()})
	tx := transaction(t, a, staker.PublicKey(), "delegate")
	assert.Contains(t, a.body["message"], "Delegate 600 $IO to node "+nodeAddr.String())
	require.Len(t, tx.Message.Instructions, 1)
	checkAgainstIDL(t, tx, 0, "io_staking", "delegate", map[string]solana.PublicKey{
		"owner": staker.PublicKey(), "node": nodeAddr, "source": staking.ATA(staker.PublicKey(), g.Mints.IO)}, nil)
	var amount uint64
	args(t, tx, 0, &amount)
	assert.Equal(t, uint64(600*ioUnit), amount)
	signAndSend(t, ctx, client.RPC, tx, staker)
	d, err := client.Delegation(ctx, staking.DelegationAddress(nodeAddr, staker.PublicKey()))
	require.NoError(t, err)
	assert.Equal(t, staking.U128(600*ioUnit), d.Shares, "1:1 in a pool never slashed")
	assert.Equal(t, uint64(100*ioUnit), ioBalance(staker.PublicKey()))
	assert.Equal(t, uint64(700*ioUnit), pool(), "the operator's 100 and the staker's 600")

	// Refusals: 400 (405 for a wrong method) with a message, no transaction, nothing changed.
	poor, _ := node.Fund(t, ctx, 1_000_000_000, 50*ioUnit)
	broke := solana.NewWallet().PrivateKey // no SOL at all
	operator, err := client.Node(ctx, nodeAddr)
	require.NoError(t, err)
	before := []uint64{ioBalance(staker.PublicKey()), ioBalance(poor.PublicKey()), pool()}
	account := func(k solana.PrivateKey) map[string]string {
		return map[string]string{"account": k.PublicKey().String()}
	}
	unknown := solana.NewWallet().PublicKey()
	for _, c := range []struct {
		method, url string
		body        any
		status      int
		want        string
	}{
		{"POST", api + "delegate/" + unknown.String() + "?amount=1", account(staker), 400, "unknown node " + unknown.String()},
		{"GET", api + "delegate/" + unknown.String(), nil, 400, "unknown node"},
		{"POST", api + "delegate/not-a-node?amount=1", account(staker), 400, `unknown node "not-a-node"`},
		{"POST", api + "claim/" + unknown.String(), account(staker), 400, "unknown node"},
		{"POST", delegateURL + "?amount=abc", account(staker), 400, `amount "abc" is not an amount of $IO`},
		{"POST", delegateURL + "?amount=1.000000001", account(staker), 400, "at most 8 decimals"},
		{"POST", delegateURL + "?amount=-5", account(staker), 400, "is not an amount of $IO"},
		{"POST", delegateURL + "?amount=0", account(staker), 400, "more than 0"},
		{"POST", delegateURL, account(staker), 400, "amount is required"},
		{"POST", delegateURL + "?amount=400.00000001", account(staker), 400, "node " + nodeAddr.String() + ": delegation over the node's cap: 400.00000001 $IO would bring the delegated stake to 1000.00000001 $IO, above its attested-capacity cap of 1000 $IO (100 TOPS × 10 $IO per TOPS); room for 400 $IO (io-staking refuses it: OverCapacityCap)"},
		{"POST", delegateURL + "?amount=100", account(poor), 400, "no funds: " + poor.PublicKey().String() + " holds 50 $IO, less than the 100 $IO"},
		{"POST", delegateURL + "?amount=1", account(broke), 400, "no funds: " + broke.PublicKey().String() + " has no SOL"},
		{"POST", delegateURL + "?amount=1", map[string]string{"account": "not-base58!"}, 400, `account "not-base58!" is not a base58 public key`},
		{"POST", delegateURL + "?amount=1", map[string]string{}, 400, "account is required"},
		{"POST", delegateURL + "?amount=1", "{not json", 400, "the body must be JSON"},
		{"POST", delegateURL + "?amount=1", map[string]string{"account": operator.Operator.String()}, 400, "operator"},
		{"PUT", delegateURL + "?amount=1", account(staker), 405, "PUT is not allowed"},
		{"DELETE", delegateURL, nil, 405, "DELETE is not allowed"},
		{"POST", srv.URL + RulesPath, account(staker), 405, "POST is not allowed"},
		{"GET", api + "nope", nil, 404, "no action at /api/actions/nope"},
		{"POST", api + "undelegate/" + nodeAddr.String() + "?amount=601", account(staker), 400, "601 $IO is worth more than the 600 $IO held"},
		{"POST", api + "undelegate/" + nodeAddr.String() + "?amount=all", account(poor), 400, "has no delegation in node"},
		{"POST", api + "withdraw/" + nodeAddr.String(), account(staker), 400, "has no cooldown ticket on node"},
		{"POST", api + "claim/" + nodeAddr.String(), account(staker), 400, "nothing to claim"},
		{"POST", api + "claim/" + nodeAddr.String(), account(poor), 400, "has no delegation in node"},
		{"POST", api + "hire?class=h200-imaginary&gpus=1&hours=1&price=2", account(staker), 400, `class "h200-imaginary"`},
		{"POST", api + "hire?class=any&gpus=many&hours=1&price=2", account(staker), 400, `gpus "many" is not a whole number`},
		{"POST", api + "hire?class=any&gpus=1025&hours=1&price=2", account(staker), 400, "gpus 1025: want 1 to 1024"},
		{"POST", api + "hire?class=any&gpus=1&hours=1&price=two", account(staker), 400, `price "two" is not an amount of USD`},
		{"POST", api + "hire?class=any&gpus=1&hours=1&price=2&mint=usd", account(staker), 400, `mint "usd"`},
		{"POST", api + "hire?class=any&gpus=1&hours=1&price=2&mint=iosd", account(staker), 400, "no funds: " + staker.PublicKey().String() + " holds 0 IOSD, less than the 2.05 IOSD"},
		{"POST", api + "hire?class=any&gpus=1&hours=1&price=2&mint=io", account(staker), 400, "no fresh IO/USD price"},
	} {
		what := c.method + " " + strings.TrimPrefix(c.url, srv.URL)
		requireRefused(t, call(t, c.method, c.url, c.body), c.status, c.want, what)
	}
	assert.Equal(t, before, []uint64{ioBalance(staker.PublicKey()), ioBalance(poor.PublicKey()), pool()}, "refusals change nothing")
	d2, err := client.Delegation(ctx, staking.DelegationAddress(nodeAddr, staker.PublicKey()))
	require.NoError(t, err)
	assert.Equal(t, d.Shares, d2.Shares)
	_, err = client.Delegation(ctx, staking.DelegationAddress(nodeAddr, poor.PublicKey()))
	assert.ErrorIs(t, err, staking.ErrNotFound)

	// The amount may come in the body's data instead of the URL.
	a = call(t, http.MethodPost, delegateURL, map[string]any{"account": poor.PublicKey().String(), "data": map[string]any{"amount": 20}})
	tx = transaction(t, a, poor.PublicKey(), "delegate with data")
	args(t, tx, 0, &amount)
	assert.Equal(t, uint64(20*ioUnit), amount)

	// Undelegate 150 $IO into ticket 0, then 50 into ticket 1.
	a = call(t, http.MethodPost, api+"undelegate/"+nodeAddr.String()+"?amount=150", account(staker))
	tx = transaction(t, a, staker.PublicKey(), "undelegate")
	ticket := staking.TicketAddress(nodeAddr, staker.PublicKey(), 0)
	assert.Contains(t, a.body["message"], "cooldown ticket "+ticket.String())
	require.Len(t, tx.Message.Instructions, 1)
	checkAgainstIDL(t, tx, 0, "io_staking", "undelegate", map[string]solana.PublicKey{"owner": staker.PublicKey(), "node": nodeAddr},
		map[string][]byte{"args.ticket_id": le64(0)})
	var cooldown iostaking.CooldownArgs
	args(t, tx, 0, &cooldown)
	assert.Equal(t, iostaking.CooldownArgs{Shares: staking.U128(150 * ioUnit), TicketId: 0}, cooldown)
	signAndSend(t, ctx, client.RPC, tx, staker)
	tk, err := client.Ticket(ctx, ticket)
	require.NoError(t, err)
	assert.Equal(t, staking.U128(150*ioUnit), tk.Shares)
	a = call(t, http.MethodPost, api+"undelegate/"+nodeAddr.String()+"?amount=50", account(staker))
	tx = transaction(t, a, staker.PublicKey(), "undelegate again")
	ticket1 := staking.TicketAddress(nodeAddr, staker.PublicKey(), 1)
	checkAgainstIDL(t, tx, 0, "io_staking", "undelegate", map[string]solana.PublicKey{"owner": staker.PublicKey(), "node": nodeAddr},
		map[string][]byte{"args.ticket_id": le64(1)})
	args(t, tx, 0, &cooldown)
	assert.Equal(t, iostaking.CooldownArgs{Shares: staking.U128(50 * ioUnit), TicketId: 1}, cooldown, "the next free ticket id")
	signAndSend(t, ctx, client.RPC, tx, staker)
	d, err = client.Delegation(ctx, staking.DelegationAddress(nodeAddr, staker.PublicKey()))
	require.NoError(t, err)
	assert.Equal(t, staking.U128(400*ioUnit), d.Shares)

	// Withdraw: refused during the cooldown, then both tickets' 200 $IO come back in
	// one transaction.
	withdrawURL := api + "withdraw/" + nodeAddr.String()
	requireRefused(t, call(t, http.MethodPost, withdrawURL, account(staker)), 400, "has finished its cooldown: the first unlocks at", "early withdraw")
	_, err = localnet.WarpSlot(ctx, client.RPC, 2_000_000) // past the 7-day cooldown (400 ms slots)
	require.NoError(t, err)
	a = call(t, http.MethodPost, withdrawURL, account(staker))
	tx = transaction(t, a, staker.PublicKey(), "withdraw")
	assert.Contains(t, a.body["message"], "Withdraw 2 ticket(s) from node "+nodeAddr.String()+", worth 200 $IO")
	require.Len(t, tx.Message.Instructions, 3, "one account creation, two withdrawals")
	ataIx := tx.Message.Instructions[0]
	ataProgram, err := tx.Message.Program(ataIx.ProgramIDIndex)
	require.NoError(t, err)
	assert.Equal(t, solana.SPLAssociatedTokenAccountProgramID, ataProgram, "the $IO account is created when missing")
	assert.Equal(t, []byte{1}, []byte(ataIx.Data), "CreateIdempotent")
	withdrawn := map[solana.PublicKey]bool{}
	for i := 1; i <= 2; i++ {
		metas, err := tx.Message.Instructions[i].ResolveInstructionAccounts(&tx.Message)
		require.NoError(t, err)
		tk := metas[3].PublicKey
		withdrawn[tk] = true
		checkAgainstIDL(t, tx, i, "io_staking", "withdraw", map[string]solana.PublicKey{"owner": staker.PublicKey(), "node": nodeAddr,
			"ticket": tk, "destination": staking.ATA(staker.PublicKey(), g.Mints.IO)}, nil)
	}
	assert.Equal(t, map[solana.PublicKey]bool{ticket: true, ticket1: true}, withdrawn)
	signAndSend(t, ctx, client.RPC, tx, staker)
	assert.Equal(t, uint64(300*ioUnit), ioBalance(staker.PublicKey()))
	for _, tk := range []solana.PublicKey{ticket, ticket1} {
		_, err = client.Ticket(ctx, tk)
		assert.ErrorIs(t, err, staking.ErrNotFound, "the ticket is closed")
	}
	requireRefused(t, call(t, http.MethodPost, withdrawURL, account(staker)), 400, "has no cooldown ticket", "withdraw twice")

	// Hire: a renter escrows 1 GPU of localnet-cpu for 1 h at most $2 in IOSD.
	renter, _ := node.Fund(t, ctx, 1_000_000_000, 0)
	faucet, err := g.Faucet()
	require.NoError(t, err)
	_, err = client.Send(ctx, []solana.PrivateKey{faucet}, g.MintIOSDInstructions(faucet.PublicKey(), renter.PublicKey(), 10_000_000)...)
	require.NoError(t, err)
	iosd := func(owner solana.PublicKey) uint64 {
		v, err := client.TokenBalance(ctx, staking.ATA(owner, g.Mints.IOSD))
		require.NoError(t, err)
		return v
	}
	a = call(t, http.MethodPost, api+"hire?class=localnet-cpu&gpus=1&hours=1&mint=iosd&price=2", account(renter))
	tx = transaction(t, a, renter.PublicKey(), "hire")
	order := hire.OrderAddress(renter.PublicKey(), 1)
	assert.Contains(t, a.body["message"], "Escrow 2.05 IOSD for order "+order.String()+" (id 1)")
	require.Len(t, tx.Message.Instructions, 1)
	checkAgainstIDL(t, tx, 0, "io_hire", "create_order", map[string]solana.PublicKey{"renter": renter.PublicKey(),
		"rewards_config": rewards.ConfigAddress(), "mint": g.Mints.IOSD, "source": staking.ATA(renter.PublicKey(), g.Mints.IOSD)},
		map[string][]byte{"args.id": le64(1)})
	var create iohire.CreateOrderArgs
	args(t, tx, 0, &create)
	assert.Equal(t, uint64(1), create.Id)
	assert.Equal(t, iohire.OrderSpec{GpuClass: classes.LocalnetCPU.ID, Gpus: 1, Hours: 1, MaxPriceMicroUsd: 2_000_000, Locations: create.Spec.Locations}, create.Spec)
	assert.Empty(t, create.Spec.Locations)
	signAndSend(t, ctx, client.RPC, tx, renter)
	o, err := hc.Order(ctx, order)
	require.NoError(t, err)
	assert.Equal(t, uint64(2_050_000), o.Deposited)
	assert.Equal(t, iohire.OrderStatus_Open, o.Status)
	assert.Equal(t, uint64(10_000_000-2_050_000), iosd(renter.PublicKey()))
	escrow, err := client.TokenBalance(ctx, hire.EscrowAddress(order))
	require.NoError(t, err)
	assert.Equal(t, uint64(2_050_000), escrow)

	// A keeper assigns the order to the node; half an hour later the node's earnings
	// are claimed, and the delegators' 1% cut reaches the staker's position.
	keeper := node.Keeper(t, ctx, "http://127.0.0.1:1")
	rc, err := rewards.New(node.RPCURL).Config(ctx)
	require.NoError(t, err)
	kk, err := rewards.New(node.RPCURL).Keeper(ctx, keeper.PublicKey())
	require.NoError(t, err)
	now, err := client.Now(ctx)
	require.NoError(t, err)
	_, err = localnet.Warp(ctx, client.RPC, g.SlotMs, time.Duration(rewards.EpochsOf(rc.Params).Start(kk.ActiveFrom)-now+1)*time.Second)
	require.NoError(t, err)
	attest(100_000)
	assign, err := hire.Assign(keeper.PublicKey(), order, renter.PublicKey(), g.Mints.IOSD, []hire.Part{{Node: nodeAddr, GPUs: 1}})
	require.NoError(t, err)
	_, err = hc.Send(ctx, []solana.PrivateKey{keeper}, assign)
	require.NoError(t, err)
	_, err = localnet.Warp(ctx, client.RPC, g.SlotMs, 30*time.Minute)
	require.NoError(t, err)
	claimEarnings, err := hire.ClaimEarnings(keeper.PublicKey(), order, nodeAddr, operator.Operator, g.Mints.IOSD, keeper.PublicKey())
	require.NoError(t, err)
	_, err = hc.Send(ctx, []solana.PrivateKey{keeper}, claimEarnings...)
	require.NoError(t, err)
	n, err := client.Node(ctx, nodeAddr)
	require.NoError(t, err)
	pending := staking.PendingReward(n, d, staking.RewardIOSD)
	require.Positive(t, pending, "the delegators' cut of the hire earnings")
	assert.Zero(t, staking.PendingReward(n, d, staking.RewardIO))

	// Claim: only the IOSD reward, into the staker's IOSD account, created on the way.
	a = call(t, http.MethodPost, api+"claim/"+nodeAddr.String(), account(staker))
	tx = transaction(t, a, staker.PublicKey(), "claim")
	assert.Contains(t, a.body["message"], "Claim "+staking.FormatAmount(pending, staking.USDDecimals)+" IOSD of delegator rewards")
	require.Len(t, tx.Message.Instructions, 2)
	ataProgram, err = tx.Message.Program(tx.Message.Instructions[0].ProgramIDIndex)
	require.NoError(t, err)
	assert.Equal(t, solana.SPLAssociatedTokenAccountProgramID, ataProgram)
	checkAgainstIDL(t, tx, 1, "io_staking", "claim_delegator_rewards", map[string]solana.PublicKey{"node": nodeAddr,
		"mint": g.Mints.IOSD, "destination": staking.ATA(staker.PublicKey(), g.Mints.IOSD)},
		map[string][]byte{"delegation.owner": staker.PublicKey().Bytes()})
	assert.Equal(t, uint64(0), iosd(staker.PublicKey()))
	signAndSend(t, ctx, client.RPC, tx, staker)
	assert.Equal(t, pending, iosd(staker.PublicKey()))
	requireRefused(t, call(t, http.MethodPost, api+"claim/"+nodeAddr.String(), account(staker)), 400, "nothing to claim", "claim twice")

	// Undelegate all: the whole position, named by the worker's key.
	a = call(t, http.MethodPost, api+"undelegate/"+worker.PublicKey().String()+"?amount=all", account(staker))
	tx = transaction(t, a, staker.PublicKey(), "undelegate all")
	args(t, tx, 0, &cooldown)
	assert.Equal(t, iostaking.CooldownArgs{Shares: staking.U128(400 * ioUnit), TicketId: 0}, cooldown, "ticket 0 is free again")
	signAndSend(t, ctx, client.RPC, tx, staker)
	d, err = client.Delegation(ctx, staking.DelegationAddress(nodeAddr, staker.PublicKey()))
	require.NoError(t, err)
	assert.Equal(t, staking.U128(0), d.Shares)

	// Attested at 0 TOPS, the node has no room: its delegate action is shown disabled,
	// and a POST is refused with the cap's name.
	attest(0)
	a = call(t, http.MethodGet, delegateURL, nil)
	require.Equal(t, http.StatusOK, a.status, a.raw)
	assert.Equal(t, true, a.body["disabled"])
	assert.Equal(t, map[string]any{"message": "the node's delegation caps are full"}, a.body["error"])
	assert.Contains(t, a.body["description"], "Room for 0 $IO more")
	requireRefused(t, call(t, http.MethodPost, delegateURL+"?amount=1", account(staker)), 400,
		"above its attested-capacity cap, 0 until a final epoch report attests the node's TOPS; room for 0 $IO (io-staking refuses it: OverCapacityCap)", "delegate to a full node")
}
