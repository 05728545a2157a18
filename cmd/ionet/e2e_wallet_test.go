package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/chain/txbatch"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/report"
	"github.com/ionet-network/ionet/tests/localnode"
)

// fakeKeeper serves what ionet-keeper serves claimers (keeper/server.go): the final
// reports by epoch and each node's latest final leaf with its proof. lie serves
// rewards one base unit higher than the chain's root says.
type fakeKeeper struct {
	mu      sync.Mutex
	ioMint  solana.PublicKey
	reports map[uint64]report.EpochReport
	lie     bool
}

func (k *fakeKeeper) add(r report.EpochReport) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.reports[r.Epoch] = r
}

func (k *fakeKeeper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	tamper := func(rep report.EpochReport) report.EpochReport {
		if !k.lie {
			return rep
		}
		leaves := append([]report.Leaf(nil), rep.Leaves...)
		for i := range leaves {
			leaves[i].EpochReward++
			leaves[i].CumulativeReward++
		}
		rep.Leaves = leaves
		return rep
	}
	if e, ok := strings.CutPrefix(r.URL.Path, "/reports/"); ok {
		epoch, _ := strconv.ParseUint(e, 10, 64)
		rep, found := k.reports[epoch]
		if !found {
			http.Error(w, `{"error":"no final report"}`, http.StatusNotFound)
			return
		}
		reply(tamper(rep))
		return
	}
	if n, ok := strings.CutPrefix(r.URL.Path, "/proofs/"); ok {
		node := solana.MustPublicKeyFromBase58(n)
		var latest *report.EpochReport
		for _, rep := range k.reports {
			for _, l := range rep.Leaves {
				if l.Node.Equals(node) && (latest == nil || rep.Epoch > latest.Epoch) {
					rep := rep
					latest = &rep
				}
			}
		}
		if latest == nil {
			http.Error(w, `{"error":"no final report holds that node"}`, http.StatusNotFound)
			return
		}
		rep := tamper(*latest)
		tree, err := report.Tree(latest.Leaves, iorewards.ProgramID, k.ioMint)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for i, l := range rep.Leaves {
			if l.Node.Equals(node) {
				p, err := tree.Proof(i)
				if err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
				reply(rewards.Proof{Leaf: l, Proof: p, Root: tree.Root()})
				return
			}
		}
	}
	http.NotFound(w, r)
}

// jsonOut runs a command with --json and decodes its output.
func (run cliRun) jsonOut(t *testing.T, v any, args ...string) {
	t.Helper()
	out := run.ok(t, append([]string{"--json"}, args...)...)
	require.NoError(t, json.Unmarshal([]byte(out), v), "ionet %v: %s", args, out)
}

// The wallet's commands end to end on a localnet with hour-long epochs, which the test
// crosses with ionet_warpSlot: the default keypair, the IOSD faucet, node update,
// pre-flight refusals, JSON output, stake claim --all and rewards show|claim over
// many positions and nodes (several transactions each), and a keeper's exit.
func TestCLIWalletCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t)
	run, home := buildCLIHome(t, node)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	client := staking.New(node.RPCURL)
	g, err := localnet.ReadGenesis(node.Genesis)
	require.NoError(t, err)
	dir := t.TempDir()
	key := run.keygen(t, dir)
	ioOf := func(owner string) uint64 {
		v, err := client.TokenBalance(ctx, staking.ATA(solana.MustPublicKeyFromBase58(owner), g.Mints.IO))
		require.NoError(t, err)
		return v
	}
	iosdOf := func(owner string) uint64 {
		v, err := client.TokenBalance(ctx, staking.ATA(solana.MustPublicKeyFromBase58(owner), g.Mints.IOSD))
		require.NoError(t, err)
		return v
	}

	// The Solana CLI's default keypair, when neither --keypair nor IONET_KEYPAIR is given.
	idPath := filepath.Join(home, ".config", "solana", "id.json")
	assert.Contains(t, run.fails(t, 2, "address"), "the Solana CLI's default keypair "+idPath+" does not exist")
	assert.Contains(t, run.fails(t, 2, "stake", "list"), "stake list: give --owner, or a wallet: no wallet")
	noHome := buildCLIIn(t, node, "")
	assert.Contains(t, noHome.fails(t, 2, "address"), "--keypair is not given and there is no home directory for the default ~/.config/solana/id.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(idPath), 0o700))
	require.NoError(t, os.WriteFile(idPath, []byte("not json"), 0o600))
	assert.Contains(t, run.fails(t, 2, "address"), "keypair: "+idPath+" is not a Solana CLI JSON keypair")
	require.NoError(t, os.Remove(idPath))
	me := strings.TrimSpace(run.ok(t, "dev", "keygen", idPath))
	assert.Equal(t, me, strings.TrimSpace(run.ok(t, "address")))
	assert.Contains(t, run.fails(t, 2, "--keypair", filepath.Join(dir, "missing.json"), "address"), "keypair file "+filepath.Join(dir, "missing.json")+" does not exist")

	// faucet iosd: to the default wallet, to a recipient; bad amounts and a cluster
	// that is not a localnet change nothing.
	out := run.ok(t, "faucet", "iosd", "12.5")
	assert.Contains(t, out, "minted 12.5 IOSD to "+me)
	assert.Equal(t, uint64(12_500_000), iosdOf(me))
	stKey, st := key("staker")
	var minted TxResult
	run.jsonOut(t, &minted, "faucet", "iosd", "0.000001", st)
	assert.Equal(t, "faucet iosd", minted.Action)
	assert.Len(t, minted.Signatures, 1)
	assert.Equal(t, Amount{Tokens: "0.000001", BaseUnits: "1", Unit: "IOSD"}, minted.Amounts["minted"])
	assert.Equal(t, st, minted.Accounts["recipient"])
	notLocal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`))
	}))
	defer notLocal.Close()
	for _, c := range []struct {
		code int
		args []string
		want string
	}{
		{2, []string{"faucet", "iosd", "1.0000001", st}, "at most 6 decimals"},
		{2, []string{"faucet", "iosd", "0", st}, "the amount must be positive"},
		{2, []string{"faucet", "iosd", "1e3", st}, "only digits and one decimal point"},
		{2, []string{"faucet", "iosd", "1", "nope"}, "recipient \"nope\" is not a base58 address"},
		{1, []string{"--rpc-url", notLocal.URL, "faucet", "iosd", "1", st}, "is not an ionet-localnet (it does not answer ionet_genesis): IOSD has a faucet only on a local network"},
	} {
		assert.Contains(t, run.fails(t, c.code, c.args...), c.want, "ionet %v", c.args)
	}
	assert.Equal(t, uint64(1), iosdOf(st), "nothing more was minted")

	// A CPU node: node show says so, in the localnet's class name, and node update
	// changes its listing.
	opKey, op := key("operator")
	workerKey, worker := key("worker")
	run.ok(t, "dev", "fund", "--sol", "5", "--io", "2000", op)
	run.ok(t, "dev", "fund", "--sol", "5", "--io", "500", st)
	out = run.ok(t, "--keypair", opKey, "node", "register", "--worker-keypair", workerKey, "--class", "localnet-cpu",
		"--gpus", "1", "--vram-mib", "0", "--vcpus", "16", "--ram-gib", "64", "--location", "DE", "--ask", "0.10",
		"--endpoint", "http://10.0.0.9:7080")
	nodeAddr := address.FindString(strings.SplitN(out, "\n", 2)[0])
	assert.Contains(t, run.fails(t, 1, "--keypair", opKey, "node", "register", "--worker-keypair", workerKey, "--class", "a100",
		"--gpus", "1", "--vram-mib", "1", "--location", "DE", "--ask", "1", "--endpoint", "x"),
		"worker key "+worker+" already has node "+nodeAddr+" (one node per worker key; ionet node update changes its listing)")
	w2Key, w2 := key("worker2")
	var reg TxResult
	run.jsonOut(t, &reg, "--keypair", opKey, "node", "register", "--worker-keypair", w2Key, "--class", "h100-sxm",
		"--gpus", "8", "--vram-mib", "81920", "--location", "US", "--ask", "2.15", "--endpoint", "http://10.0.0.8:7080")
	assert.Equal(t, "node register", reg.Action)
	assert.Equal(t, w2, reg.Accounts["worker"])
	assert.Equal(t, op, reg.Accounts["operator"])
	assert.Equal(t, "2.15", reg.Amounts["ask_per_gpu_hour"].Tokens)
	var addr struct {
		Address string `json:"address"`
	}
	run.jsonOut(t, &addr, "--keypair", opKey, "address")
	assert.Equal(t, op, addr.Address)
	var nodes struct {
		Nodes []NodeView `json:"nodes"`
	}
	run.jsonOut(t, &nodes, "node", "list", "--operator", op)
	require.Len(t, nodes.Nodes, 2)
	status := run.ok(t, "network", "status")
	assert.Contains(t, status, "localnet-cpu")
	assert.NotContains(t, status, "cpu-generic-*")
	var ns struct {
		Classes []struct {
			Class string `json:"class"`
		} `json:"classes"`
	}
	run.jsonOut(t, &ns, "network", "status")
	var names []string
	for _, c := range ns.Classes {
		names = append(names, c.Class)
	}
	assert.ElementsMatch(t, []string{"h100-sxm", "localnet-cpu"}, names)
	show := run.ok(t, "node", "show", nodeAddr)
	assert.Contains(t, show, "1 × localnet-cpu, no GPU memory, 16 vCPUs, 64 GiB RAM")
	assert.NotContains(t, show, "0 MiB each")
	out = run.ok(t, "--keypair", opKey, "node", "update", "--ask", "3.5", "--endpoint", "http://10.0.0.9:7081", "--vcpus", "32", nodeAddr)
	assert.Contains(t, out, "updated node "+nodeAddr+": [ask endpoint vcpus]")
	var view NodeView
	run.jsonOut(t, &view, "node", "show", worker)
	assert.Equal(t, nodeAddr, view.Address)
	assert.Equal(t, "localnet-cpu", view.Class)
	assert.Equal(t, uint8(classes.CPUGenericID), view.ClassID)
	assert.Equal(t, Amount{Tokens: "3.5", BaseUnits: "3500000", Unit: "USD"}, view.Ask)
	assert.Equal(t, "http://10.0.0.9:7081", view.Endpoint)
	assert.Equal(t, uint16(32), view.VCPUs)
	assert.Equal(t, uint32(64), view.RAMGiB, "flags not given keep their value")
	var kg struct {
		Address string `json:"address"`
		File    string `json:"file"`
	}
	otherKey := filepath.Join(dir, "other.json")
	run.jsonOut(t, &kg, "dev", "keygen", otherKey)
	assert.Equal(t, otherKey, kg.File)
	var funded TxResult
	run.jsonOut(t, &funded, "dev", "fund", "--sol", "0.5", kg.Address)
	assert.Equal(t, Amount{Tokens: "0.5", BaseUnits: "500000000", Unit: "SOL"}, funded.Amounts["sol"])
	var warped struct {
		Slot        uint64 `json:"slot"`
		Before, Now int64
	}
	run.jsonOut(t, &warped, "dev", "warp", "--by", "10s")
	assert.GreaterOrEqual(t, warped.Now-warped.Before, int64(10))
	for _, c := range []struct {
		code int
		args []string
		want string
	}{
		{2, []string{"--keypair", opKey, "node", "update", "--ask", "", nodeAddr}, "--ask is empty: give the price in USD per GPU-hour, e.g. --ask 2.15"},
		{2, []string{"--keypair", opKey, "node", "update", "--ask", "0", nodeAddr}, "the price must be above 0"},
		{2, []string{"--keypair", opKey, "node", "update", "--ask", "1.1234567", nodeAddr}, "at most 6 decimals"},
		{2, []string{"--keypair", opKey, "node", "update", "--location", "de", nodeAddr}, "two capital letters"},
		{2, []string{"--keypair", opKey, "node", "update", "--gpus", "0", nodeAddr}, "--gpus 0: 1 to 1024"},
		{2, []string{"--keypair", opKey, "node", "update", "--class", "no-such-class", nodeAddr}, "--class \"no-such-class\""},
		{2, []string{"--keypair", opKey, "node", "update", "--class", "239", nodeAddr}, "--class: class id 239"},
		{2, []string{"--keypair", opKey, "node", "update", "--vcpus", "70000", nodeAddr}, "--vcpus 70000: 0 to 65535"},
		{2, []string{"--keypair", opKey, "node", "update", "--endpoint", strings.Repeat("x", 129), nodeAddr}, "--endpoint must be 1 to 128 bytes, got 129"},
		{2, []string{"--keypair", opKey, "node", "update", nodeAddr}, "nothing to change"},
		{1, []string{"--keypair", otherKey, "node", "update", "--ask", "1", nodeAddr}, "is not the operator of node " + nodeAddr},
		{1, []string{"--keypair", opKey, "node", "update", "--ask", "1", st}, "unknown node " + st + ": no io-staking node at that address or worker key"},
		{2, []string{"--keypair", opKey, "node", "register", "--worker-keypair", otherKey, "--class", "a100", "--gpus", "1",
			"--vram-mib", "1", "--location", "DE", "--ask", "", "--endpoint", "x"}, "--ask is empty"},
	} {
		assert.Contains(t, run.fails(t, c.code, c.args...), c.want, "ionet %v", c.args)
	}
	run.jsonOut(t, &view, "node", "show", nodeAddr)
	assert.Equal(t, "3.5", view.Ask.Tokens, "the refused updates changed nothing")

	// Pre-flight refusals of stake and delegate: nothing is sent, no balance moves.
	opBefore, stBefore := ioOf(op), ioOf(st)
	assert.Contains(t, run.fails(t, 1, "--keypair", opKey, "node", "stake", nodeAddr, "2000.00000001"),
		"insufficient funds: stake needs 2000.00000001 $IO but "+op+" holds 2000 $IO")
	run.ok(t, "--keypair", opKey, "node", "stake", nodeAddr, "100")
	opBefore -= 100 * 100_000_000
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "stake", "delegate", nodeAddr, "1"),
		"above its attested-capacity cap, 0 until a final epoch report attests the node's TOPS; room for 0 $IO (io-staking refuses it: OverCapacityCap)")
	run.ok(t, "dev", "attest", "--tops", "1000", nodeAddr) // capacity 10,000 $IO; the operator's 100 $IO allow 1,000
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "stake", "delegate", nodeAddr, "1000.00000001"),
		"above its operator-ratio cap of 1000 $IO (10 × the operator's 100 $IO); room for 1000 $IO (io-staking refuses it: OverOperatorRatioCap)")
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "stake", "delegate", nodeAddr, "600"),
		"insufficient funds: delegate needs 600 $IO but "+st+" holds 500 $IO")
	assert.Contains(t, run.fails(t, 1, "--keypair", opKey, "stake", "delegate", nodeAddr, "1"), "is node "+nodeAddr+"'s operator, whose stake is `ionet node stake`")
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "stake", "delegate", st, "1"), "unknown node "+st)
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "stake", "claim", nodeAddr), "has no delegation in node "+nodeAddr)
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "stake", "withdraw", op), "no ticket "+op)
	assert.Contains(t, run.fails(t, 2, "--keypair", stKey, "stake", "delegate", nodeAddr, "1,5"), "only digits and one decimal point")
	assert.Equal(t, opBefore, ioOf(op))
	assert.Equal(t, stBefore, ioOf(st))
}

// buildCLIHome is buildCLI with the HOME the commands see.
func buildCLIHome(t *testing.T, node *localnode.Node) (cliRun, string) {
	t.Helper()
	home := t.TempDir()
	return buildCLIIn(t, node, home), home
}

// Claims over many positions and nodes: stake claim --all and rewards show|claim,
// each in several transactions, against a keeper endpoint serving the final reports
// (and one lying about them), then a keeper's exit.
func TestCLIClaimsAcrossManyNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t)
	run := buildCLI(t, node)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	client := staking.New(node.RPCURL)
	rc := rewards.New(node.RPCURL)
	g, err := localnet.ReadGenesis(node.Genesis)
	require.NoError(t, err)
	dir := t.TempDir()
	ioOf := func(owner solana.PublicKey) uint64 {
		v, err := client.TokenBalance(ctx, staking.ATA(owner, g.Mints.IO))
		require.NoError(t, err)
		return v
	}

	honest := &fakeKeeper{ioMint: g.Mints.IO, reports: map[uint64]report.EpochReport{}}
	keeperSrv := httptest.NewServer(honest)
	defer keeperSrv.Close()
	liar := &fakeKeeper{ioMint: g.Mints.IO, reports: honest.reports, lie: true}
	liarSrv := httptest.NewServer(liar)
	defer liarSrv.Close()
	keeper := node.Keeper(t, ctx, keeperSrv.URL)
	keeperKey := localnode.KeypairFile(t, dir, "keeper", keeper)

	// Nothing final yet.
	staker, _ := node.Fund(t, ctx, 5_000_000_000, 1_000*100_000_000)
	stKey := localnode.KeypairFile(t, dir, "staker", staker)
	// 16 CPU nodes, each staked, attested (so that it may take delegations) and
	// delegated to by the staker.
	const nodes = 16
	var addrs []solana.PublicKey
	var items []txbatch.Item
	for i := range nodes {
		addr := node.WorkerNode(t, ctx, solana.NewWallet().PrivateKey, classes.CPUGenericID, "http://127.0.0.1:1/"+strconv.Itoa(i))
		_, err := localnet.AttestCapacity(ctx, client.RPC, addr, localnet.Capacity{Epoch: 0, Class: classes.CPUGenericID, TopsMilli: 100_000, UptimeBps: 10_000})
		require.NoError(t, err)
		ix, err := staking.Delegate(staker.PublicKey(), addr, g.Mints.IO, 10*100_000_000)
		require.NoError(t, err)
		addrs, items = append(addrs, addr), append(items, txbatch.Item{ix})
	}
	batches, err := txbatch.Pack(staker.PublicKey(), items, 0)
	require.NoError(t, err)
	_, err = (&txbatch.Sender{RPC: client.RPC, Signers: []solana.PrivateKey{staker}}).Send(ctx, batches, nil)
	require.NoError(t, err)
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "rewards", "claim", addrs[0].String()), "no epoch is final yet: there is nothing to claim")

	// An epoch finalized and claimed by the keepers: 5% of each node's reward goes to
	// its delegators.
	warp := func(ctx context.Context, ts int64) error {
		now, err := client.Now(ctx)
		if err != nil {
			return err
		}
		if ts > now {
			if _, err := localnet.Warp(ctx, client.RPC, g.SlotMs, time.Duration(ts-now+1)*time.Second); err != nil {
				return err
			}
		}
		return localnet.WaitUntil(ctx, client, ts)
	}
	round := rewards.Round{Keepers: []solana.PrivateKey{keeper}, Price: 2_000_000, Wait: warp,
		Measure: func(n rewards.NodeAccount) (rewards.Measured, bool) {
			return rewards.Measured{TOPSMilli: 100_000, UptimeBps: 10_000}, true
		}}
	first, err := rc.Run(ctx, round, keeper)
	require.NoError(t, err)
	require.Len(t, first.Claims, nodes)
	honest.add(first.Report)

	// stake claim --all: every position's $IO cut, in more than one transaction.
	var before struct {
		Delegations []struct {
			Node     string `json:"node"`
			RewardIO Amount `json:"reward_io"`
		} `json:"delegations"`
	}
	run.jsonOut(t, &before, "--keypair", stKey, "stake", "list")
	require.Len(t, before.Delegations, nodes)
	var owed uint64
	for _, d := range before.Delegations {
		v, err := strconv.ParseUint(d.RewardIO.BaseUnits, 10, 64)
		require.NoError(t, err)
		require.Positive(t, v, "node %s", d.Node)
		owed += v
	}
	ioBefore := ioOf(staker.PublicKey())
	// Through an RPC proxy that refuses the second transaction: the first one's
	// positions are paid, and the error says where the flow stopped.
	refusing := rpcProxy(t, node.RPCURL, func(n int) string { return map[bool]string{true: "refuse"}[n == 2] })
	errOut := run.fails(t, 1, "--rpc-url", refusing.URL, "--keypair", stKey, "stake", "claim", "--all")
	assert.Contains(t, errOut, "transaction 1 of 2: ", "progress on stderr")
	assert.Contains(t, errOut, "claim: 1 of 2 transaction(s) landed, then transaction 2 of 2 (items ")
	assert.Contains(t, errOut, "the proxy refuses it")
	assert.Contains(t, errOut, "(run the command again to go on)")
	partly := ioOf(staker.PublicKey())
	require.Greater(t, partly, ioBefore)
	require.Less(t, partly, ioBefore+owed)
	var left struct {
		Delegations []struct {
			RewardIO Amount `json:"reward_io"`
		} `json:"delegations"`
	}
	run.jsonOut(t, &left, "--keypair", stKey, "stake", "list")
	owedLeft := 0
	for _, d := range left.Delegations {
		if d.RewardIO.BaseUnits != "0" {
			owedLeft++
		}
	}
	require.Positive(t, owedLeft)
	// Run again, through a proxy that lets the chain move 151 blocks on before it
	// passes the transaction: its blockhash has expired, and the flow signs it again.
	expiring := rpcProxy(t, node.RPCURL, func(n int) string { return map[bool]string{true: "expire"}[n == 1] })
	out, errOut, code := run("--rpc-url", expiring.URL, "--keypair", stKey, "stake", "claim", "--all")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "claimed delegator rewards of "+strconv.Itoa(owedLeft)+" position(s) in 1 transaction(s)")
	assert.Contains(t, errOut, "transaction 1 of 1: blockhash expired before it was sent; signing it again")
	assert.Equal(t, ioBefore+owed, ioOf(staker.PublicKey()), "every position paid what stake list showed")
	var again ClaimResult
	run.jsonOut(t, &again, "--keypair", stKey, "stake", "claim", "--all")
	assert.Empty(t, again.Signatures, "nothing left: nothing sent")
	assert.Empty(t, again.Positions)
	assert.Equal(t, ioBefore+owed, ioOf(staker.PublicKey()))
	assert.Contains(t, run.ok(t, "--keypair", stKey, "stake", "claim", "--all"), "nothing to claim: no position of "+staker.PublicKey().String()+" is owed rewards")

	// A second epoch, final but not claimed: rewards show says what is owed.
	round.SkipClaims = true
	second, err := rc.Run(ctx, round, keeper)
	require.NoError(t, err)
	require.Empty(t, second.Claims)
	honest.add(second.Report)
	n0, err := client.Node(ctx, addrs[0])
	require.NoError(t, err)
	var shown RewardsShow
	run.jsonOut(t, &shown, "rewards", "show", "--operator", n0.Operator.String())
	require.Len(t, shown.Nodes, 1)
	require.Len(t, shown.Nodes[0].Epochs, 2)
	leaf := second.Report.Leaves[0]
	for _, l := range second.Report.Leaves {
		if l.Node.Equals(addrs[0]) {
			leaf = l
		}
	}
	e2, e1 := shown.Nodes[0].Epochs[0], shown.Nodes[0].Epochs[1]
	assert.Equal(t, second.Report.Epoch, e2.Epoch)
	assert.False(t, e2.Claimed)
	assert.Equal(t, strconv.FormatUint(leaf.EpochReward, 10), e2.Reward.BaseUnits)
	assert.Equal(t, first.Report.Epoch, e1.Epoch)
	assert.True(t, e1.Claimed)
	assert.Equal(t, strconv.FormatUint(leaf.EpochReward, 10), shown.Nodes[0].Owed.BaseUnits)
	text := run.ok(t, "rewards", "show", addrs[0].String(), addrs[1].String())
	assert.Contains(t, text, "latest final epoch "+strconv.FormatUint(second.Report.Epoch, 10))
	assert.Contains(t, text, "unclaimed")
	assert.Contains(t, text, "owed now "+staking.FormatIO(leaf.EpochReward)+" $IO")

	// A keeper whose report does not hash to the final root is not believed.
	_, errOut, code = run("--json", "rewards", "show", "--keeper-url", liarSrv.URL, addrs[0].String())
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, errOut, "does not hash to the chain's final root")
	assert.Contains(t, errOut, "the keeper's proof for epoch "+strconv.FormatUint(second.Report.Epoch, 10)+" does not verify")
	assert.Contains(t, run.ok(t, "rewards", "show", "--keeper-url", liarSrv.URL, addrs[0].String()),
		"owed now unknown (no keeper served a proof that verifies)")
	// Nor its proofs: nothing is claimed.
	opIO := ioOf(n0.Operator)
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "rewards", "claim", "--keeper-url", liarSrv.URL, addrs[0].String()),
		"does not verify")
	assert.Equal(t, opIO, ioOf(n0.Operator))
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "rewards", "claim", staker.PublicKey().String()), "unknown node")
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "rewards", "show"), "operates no node")

	// rewards claim: every node's second epoch, cranked by the staker (anyone may) and
	// paid to each operator, in several transactions.
	var claimed struct {
		TxResult
		Claims []NodeClaim `json:"claims"`
	}
	opBefore := map[solana.PublicKey]uint64{}
	for _, a := range addrs {
		n, err := client.Node(ctx, a)
		require.NoError(t, err)
		opBefore[n.Operator] = ioOf(n.Operator)
	}
	args := []string{"--keypair", stKey, "rewards", "claim"}
	for _, a := range addrs {
		args = append(args, a.String())
	}
	run.jsonOut(t, &claimed, args...)
	require.Len(t, claimed.Claims, nodes)
	assert.Greater(t, len(claimed.Signatures), 2, "16 claims do not fit one transaction")
	var paid uint64
	for op, b := range opBefore {
		paid += ioOf(op) - b
	}
	assert.Equal(t, claimed.Amounts["paid_to_operators"].BaseUnits, strconv.FormatUint(paid, 10))
	var sum uint64
	for _, l := range second.Report.Leaves {
		sum += l.EpochReward
	}
	// The operators get the rewards less the delegators' 5% cut (rounded down).
	assert.InDelta(t, float64(sum)*0.95, float64(paid), float64(nodes))
	for _, a := range addrs {
		st, err := rc.NodeClaims(ctx, a)
		require.NoError(t, err)
		require.NotNil(t, st.LastEpoch)
		assert.Equal(t, second.Report.Epoch, *st.LastEpoch)
	}
	out = run.ok(t, append([]string{"--keypair", stKey, "rewards", "claim", "--keeper-url", keeperSrv.URL}, args[4:]...)...)
	assert.Contains(t, out, "nothing to claim")
	run.jsonOut(t, &shown, "rewards", "show", "--operator", n0.Operator.String())
	assert.Equal(t, "0", shown.Nodes[0].Owed.BaseUnits)
	assert.True(t, shown.Nodes[0].Epochs[0].Claimed)

	// A node of the test's own, hired by a renter: its listing cannot change under the
	// renter, and it is in no final report yet.
	keyFile := run.keygen(t, dir)
	opKey, op := keyFile("operator")
	workerKey, _ := keyFile("worker")
	renterKey, renter := keyFile("renter")
	run.ok(t, "dev", "fund", "--sol", "2", "--io", "200", op)
	run.ok(t, "dev", "fund", "--sol", "1", renter)
	run.ok(t, "faucet", "iosd", "10", renter)
	out = run.ok(t, "--keypair", opKey, "node", "register", "--worker-keypair", workerKey, "--class", "localnet-cpu", "--gpus", "1",
		"--vram-mib", "0", "--location", "DE", "--ask", "0.5", "--endpoint", "http://127.0.0.1:1")
	own := address.FindString(strings.SplitN(out, "\n", 2)[0])
	run.ok(t, "--keypair", opKey, "node", "stake", own, "100")
	run.ok(t, "dev", "attest", "--tops", "1", "--epoch", strconv.FormatUint(second.Report.Epoch, 10), own)
	out = run.ok(t, "--keypair", renterKey, "hire", "create", "--mint", "iosd", "--gpus", "1", "--hours", "1", "--max-price", "1")
	order := address.FindString(strings.TrimPrefix(out, "created order "))
	run.ok(t, "dev", "assign", "--keeper-keypair", keeperKey, order, own+":1")
	assert.Contains(t, run.fails(t, 1, "--keypair", opKey, "node", "update", "--ask", "0.7", own),
		"node update: node "+own+" has 1 GPU(s) hired: a listing never changes under a renter")
	var ownView NodeView
	run.jsonOut(t, &ownView, "node", "show", own)
	assert.Equal(t, "0.5", ownView.Ask.Tokens)
	out = run.ok(t, "--keypair", opKey, "rewards", "claim")
	assert.Contains(t, out, "nothing to claim")
	assert.Contains(t, out, "skipped node "+own+": in no final report")

	// The keeper leaves: the exit is announced, then too early twice over (unbonding
	// and the vote window of the epoch it just voted in), then the bond comes back.
	out = run.ok(t, "--keypair", keeperKey, "keeper", "deregister")
	assert.Contains(t, out, "announced the exit of keeper "+keeper.PublicKey().String())
	assert.Contains(t, out, "unbonds for 168h0m0s")
	errOut = run.fails(t, 1, "--keypair", keeperKey, "keeper", "deregister")
	assert.Contains(t, errOut, "too early for keeper")
	assert.Contains(t, errOut, "UnbondingNotOver")
	assert.Contains(t, errOut, "the vote window of epoch "+strconv.FormatUint(second.Report.Epoch, 10)+", its last vote")
	assert.Contains(t, errOut, "VotedEpochOpen")
	var kv KeeperView
	run.jsonOut(t, &kv, "keeper", "show", keeper.PublicKey().String())
	require.NotNil(t, kv.ExitFrom)
	assert.Equal(t, Amount{Tokens: "10000", BaseUnits: "1000000000000", Unit: "$IO"}, kv.Bond)
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "keeper", "deregister"), "is not a keeper")
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "keeper", "register", "--endpoint", "http://x"),
		"insufficient funds: the keeper bond needs 10000 $IO")
	require.NoError(t, warp(ctx, mustNow(t, ctx, client)+7*24*3600))
	bond := ioOf(keeper.PublicKey())
	out = run.ok(t, "--keypair", keeperKey, "keeper", "deregister")
	assert.Contains(t, out, "deregistered keeper "+keeper.PublicKey().String()+": 10000 $IO bond returned")
	assert.Equal(t, bond+10_000*100_000_000, ioOf(keeper.PublicKey()))
	var list struct {
		Keepers []json.RawMessage `json:"keepers"`
	}
	run.jsonOut(t, &list, "keeper", "list")
	assert.Empty(t, list.Keepers)
	assert.Contains(t, run.fails(t, 1, "keeper", "show", keeper.PublicKey().String()), "is not a keeper")
	assert.Contains(t, run.fails(t, 1, "rewards", "show", addrs[0].String()), "no keeper is registered to ask for reports and proofs (give --keeper-url)")
	assert.Contains(t, run.fails(t, 2, "rewards", "show", addrs[0].String(), "--epochs", "3"), "looks like a flag; flags go before the arguments")
}

// rpcProxy forwards JSON-RPC to rpcURL; on the nth sendTransaction it does what
// act(n) says: "expire" moves the chain 151 blocks on first (one ionet_warpSlot each),
// so the transaction's blockhash has left the 150-block window when it arrives;
// "refuse" answers a JSON-RPC error instead of passing it on.
func rpcProxy(t *testing.T, rpcURL string, act func(n int) string) *httptest.Server {
	t.Helper()
	var mu sync.Mutex
	sends := 0
	client := rpc.New(rpcURL)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if strings.Contains(string(body), `"sendTransaction"`) {
			mu.Lock()
			sends++
			what := act(sends)
			mu.Unlock()
			switch what {
			case "expire":
				slot, err := client.GetSlot(r.Context(), rpc.CommitmentProcessed)
				for i := uint64(1); i <= 151 && err == nil; i++ {
					_, err = localnet.WarpSlot(r.Context(), client, slot+i)
				}
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadGateway)
					return
				}
			case "refuse":
				var req struct {
					ID json.RawMessage `json:"id"`
				}
				_ = json.Unmarshal(body, &req)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":` + string(req.ID) + `,"error":{"code":-32002,"message":"the proxy refuses it"}}`))
				return
			}
		}
		resp, err := http.Post(rpcURL, "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func mustNow(t *testing.T, ctx context.Context, c *staking.Client) int64 {
	t.Helper()
	now, err := c.Now(ctx)
	require.NoError(t, err)
	return now
}
