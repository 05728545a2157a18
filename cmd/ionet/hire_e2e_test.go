package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/tests/localnode"
	"github.com/ionet-network/ionet/worker/jobs"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// The renter's side of a hire through the CLI, on a localnet with hour-long epochs:
// list, status (and its alias show), extend, and a 2-node job run through two real
// worker jobs APIs (worker/jobs managers reading the chain, behind HTTP servers that
// are the nodes' registered endpoints), with jobs and logs. Bad input is refused
// before anything is sent: the order's account, the escrow and the renter's balance
// are the same afterwards.
func TestCLIHireRenter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	node := localnode.Start(t)
	run := buildCLI(t, node)
	dir := t.TempDir()
	key := run.keygen(t, dir)
	keeperKey, keeper := key("keeper")
	renterKey, renter := key("renter")
	otherKey, other := key("other")
	run.ok(t, "dev", "fund", "--sol", "1", "--io", "10000", keeper)
	run.ok(t, "dev", "fund", "--sol", "1", "--io", "10", "--iosd", "100", renter)
	run.ok(t, "dev", "fund", "--sol", "1", "--iosd", "100", other)
	run.ok(t, "--keypair", keeperKey, "keeper", "register", "--endpoint", "http://127.0.0.1:7071")

	// Two nodes of 1 GPU, each with a jobs API at its registered endpoint.
	var nodes []string
	var servers []*httptest.Server
	for _, name := range []string{"a", "b"} {
		opKey, op := key("operator-" + name)
		workerKey, _ := key("worker-" + name)
		run.ok(t, "dev", "fund", "--sol", "1", "--io", "1000", op)
		wk, err := solana.PrivateKeyFromSolanaKeygenFile(workerKey)
		require.NoError(t, err)
		addr := staking.NodeAddress(wk.PublicKey())
		m, err := jobs.New(jobs.Config{Node: addr, Hires: jobs.ChainHires{Client: hire.New(node.RPCURL), Node: addr},
			Runner: jobs.ProcessRunner{}, Dir: t.TempDir(), Poll: 200 * time.Millisecond, StopGrace: time.Second, Logger: quietLogger()})
		require.NoError(t, err)
		mctx, mcancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- m.Run(mctx) }()
		hs := httptest.NewServer(m)
		servers = append(servers, hs)
		t.Cleanup(func() { hs.Close(); mcancel(); <-done })
		out := run.ok(t, "--keypair", opKey, "node", "register", "--worker-keypair", workerKey, "--class", "h100-sxm",
			"--gpus", "1", "--vram-mib", "81920", "--vcpus", "16", "--ram-gib", "128", "--location", "DE", "--ask", "1",
			"--endpoint", hs.URL)
		require.Contains(t, out, "registered node "+addr.String())
		run.ok(t, "--keypair", opKey, "node", "stake", addr.String(), "1000")
		nodes = append(nodes, addr.String())
	}
	// The keeper serves from epoch 1; the nodes' capacity is attested for it.
	run.ok(t, "dev", "warp", "--by", "1h")
	for _, n := range nodes {
		run.ok(t, "dev", "attest", "--tops", "100", n)
	}

	out := run.ok(t, "--keypair", renterKey, "hire", "create", "--mint", "iosd", "--gpus", "2", "--hours", "1",
		"--max-price", "2", "--class", "h100-sxm")
	order := address.FindString(strings.TrimPrefix(out, "created order "))
	require.NotEmpty(t, order, out)

	// list: the renter's by default, --renter, --all, --status.
	list := run.ok(t, "--keypair", renterKey, "hire", "list")
	assert.Contains(t, list, "1 order(s), renter "+renter+"'s")
	assert.Contains(t, list, order+"  id 1   Open")
	assert.Contains(t, run.ok(t, "hire", "list", "--renter", other), "0 order(s)")
	assert.Contains(t, run.ok(t, "hire", "list", "--all"), order)
	assert.Contains(t, run.ok(t, "hire", "list", "--all", "--status", "active"), "0 order(s)")
	var rows []OrderRow
	require.NoError(t, json.Unmarshal([]byte(run.ok(t, "--json", "hire", "list", "--renter", renter, "--status", "open")), &rows))
	require.Len(t, rows, 1)
	assert.Equal(t, order, rows[0].Order)
	assert.Equal(t, "Open", rows[0].Status)
	assert.Equal(t, "4.1", rows[0].Deposited.Tokens, "2 GPUs × 1 h × $2 and 2.5% fees")
	assert.Equal(t, "IOSD", rows[0].Mint)

	// An open order has nothing to extend and no node to run on.
	assert.Contains(t, run.fails(t, 1, "--keypair", renterKey, "hire", "extend", "--hours", "1", order), "only an active")
	assert.Contains(t, run.fails(t, 1, "--keypair", renterKey, "hire", "run", order, "--", "true"), "is Open")

	run.ok(t, "dev", "assign", "--keeper-keypair", keeperKey, order, nodes[0]+":1", nodes[1]+":1")
	status := run.ok(t, "hire", "status", order)
	assert.Contains(t, status, "status       Active")
	assert.Contains(t, status, "assignments  2 open")
	assert.Equal(t, status, run.ok(t, "hire", "show", order), "show is status's alias")
	var view OrderView
	require.NoError(t, json.Unmarshal([]byte(run.ok(t, "hire", "status", "--json", order)), &view))
	assert.Equal(t, "Active", view.Status)
	assert.Equal(t, "4.1", view.Deposited.Tokens)
	assert.Equal(t, "4100000", view.Deposited.BaseUnits)
	assert.Equal(t, "2.05", view.Escrow.Tokens, "the escrow above the $1 asks went back at the assignment")
	require.Len(t, view.Assignments, 2)
	assert.Equal(t, int64(3600), view.Assignments[0].Seconds)
	assert.Contains(t, run.ok(t, "--keypair", renterKey, "hire", "list", "--status", "active"), order)

	// Bad input: refused before sending, nothing changes on chain.
	c := rpc.New(node.RPCURL)
	orderKey := solana.MustPublicKeyFromBase58(order)
	renterIOSD := staking.ATA(solana.MustPublicKeyFromBase58(renter), mustIOSD(t, ctx, node.RPCURL))
	state := func() []string {
		var s []string
		for _, a := range []solana.PublicKey{orderKey, hire.EscrowAddress(orderKey), renterIOSD} {
			info, err := c.GetAccountInfoWithOpts(ctx, a, &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
			require.NoError(t, err)
			s = append(s, string(info.Value.Data.GetBinary()))
		}
		return s
	}
	before := state()
	unknown := solana.NewWallet().PublicKey().String()
	for _, bad := range []struct {
		code int
		args []string
		want string
	}{
		{2, []string{"--keypair", renterKey, "hire", "extend", "--hours", "x", order}, "invalid value \"x\" for flag --hours"},
		{2, []string{"--keypair", renterKey, "hire", "extend", "--hours", "0", order}, "--hours: 1 to 8760"},
		{2, []string{"--keypair", renterKey, "hire", "extend", "--hours", "-3", order}, "invalid value"},
		{2, []string{"--keypair", renterKey, "hire", "extend", "--hours", "8760", order}, "would run 8761 h, at most 8760"},
		{2, []string{"--keypair", renterKey, "hire", "extend", order}, "Required flag \"hours\""},
		{2, []string{"--keypair", renterKey, "hire", "extend", "--hours", "1", "nope"}, "not a base58 address"},
		{2, []string{"hire", "extend", "--hours", "1", order}, "--keypair is not given"},
		{1, []string{"--keypair", renterKey, "hire", "extend", "--hours", "1", unknown}, "not found"},
		{1, []string{"--keypair", otherKey, "hire", "extend", "--hours", "1", order}, "is renter " + renter + "'s"},
		{1, []string{"--keypair", otherKey, "hire", "run", order, "--", "true"}, "is renter " + renter + "'s"},
		{1, []string{"--keypair", otherKey, "hire", "jobs", order}, "is renter " + renter + "'s"},
		{1, []string{"--keypair", otherKey, "hire", "logs", order, "x"}, "is renter " + renter + "'s"},
		{1, []string{"--keypair", renterKey, "hire", "run", unknown, "--", "true"}, "not found"},
		{2, []string{"--keypair", renterKey, "hire", "run", order}, "no command after the order"},
		{2, []string{"--keypair", renterKey, "hire", "run", order, "--"}, "no command after the order"},
		{2, []string{"--keypair", renterKey, "hire", "run", "--env", "IONET_RANK=3", order, "--", "true"}, "set by the worker"},
		{2, []string{"--keypair", renterKey, "hire", "run", "--env", "NOVALUE", order, "--", "true"}, "NAME=VALUE"},
		{2, []string{"--keypair", renterKey, "hire", "list", "--all", "--renter", renter}, "one or the other"},
		{2, []string{"--keypair", renterKey, "hire", "list", "--status", "done"}, "open, active or ended"},
		{2, []string{"hire", "list"}, "--keypair is not given"},
		{2, []string{"--keypair", renterKey, "hire", "logs", order}, "takes 2 argument(s)"},
	} {
		assert.Contains(t, run.fails(t, bad.code, bad.args...), bad.want, "ionet %v", bad.args)
	}
	assert.Equal(t, before, state(), "nothing changed on chain")
	assert.Contains(t, run.ok(t, "--keypair", renterKey, "hire", "jobs", order), "0 job(s) of order "+order+" on 2 node(s)",
		"no job reached the workers")

	// extend: two more hours for both nodes at their $1 ask, 2.5% fees.
	var extended struct {
		Action  string
		Hours   uint32
		Amounts map[string]Amount
	}
	require.NoError(t, json.Unmarshal([]byte(run.ok(t, "--keypair", renterKey, "--json", "hire", "extend", "--hours", "2", order)), &extended))
	assert.Equal(t, "hire extend", extended.Action)
	assert.Equal(t, uint32(3), extended.Hours)
	assert.Equal(t, "4.1", extended.Amounts["top_up"].Tokens)
	assert.Equal(t, "8.2", extended.Amounts["deposited"].Tokens)
	out = run.ok(t, "--keypair", renterKey, "hire", "extend", "--hours", "1", order)
	assert.Contains(t, out, "extended order "+order+" by 1 h: 4 h in all")
	assert.Contains(t, out, "topped up    2.05 IOSD for 2 node(s)")
	assert.NotEqual(t, before, state())
	status = run.ok(t, "hire", "status", order)
	assert.Contains(t, status, "2 GPUs of h100-sxm, 4 h")
	assert.Contains(t, status, "stream 4 IOSD over 4 h")

	// run: one job per node, ranked by node key; jobs and logs.
	out = run.ok(t, "--keypair", renterKey, "hire", "run", "--wait", "--env", "GREETING=hello", order, "--",
		"sh", "-c", `echo "$GREETING from rank $IONET_RANK of $IONET_WORLD_SIZE, peers $IONET_PEERS"`)
	runID := strings.Fields(out)[1]
	require.True(t, strings.HasPrefix(runID, "run-"), out)
	assert.Contains(t, out, "rank 0 of 2")
	assert.Contains(t, out, "rank 1 of 2")
	assert.Equal(t, 2, strings.Count(out, "exited 0"), out)
	// The follow-up commands it prints run as printed: with the --keypair given.
	follow := out[strings.LastIndex(out, "\n  ionet ")+3:]
	require.Contains(t, follow, "ionet --keypair "+renterKey+" hire jobs "+order+"; ionet --keypair "+renterKey+" hire logs "+order+" "+runID, out)
	for _, cmd := range strings.Split(strings.TrimSpace(follow), "; ") {
		run.ok(t, strings.Fields(strings.TrimPrefix(cmd, "ionet "))...)
	}

	jobsOut := run.ok(t, "--keypair", renterKey, "hire", "jobs", order)
	assert.Contains(t, jobsOut, "2 job(s) of order "+order+" on 2 node(s)")
	assert.Equal(t, 2, strings.Count(jobsOut, runID+"  started"), jobsOut)
	var listed struct {
		Order string
		Jobs  []JobRow
	}
	require.NoError(t, json.Unmarshal([]byte(run.ok(t, "--keypair", renterKey, "--json", "hire", "jobs", order)), &listed))
	require.Len(t, listed.Jobs, 2)
	ranks := map[int]JobRow{}
	for _, j := range listed.Jobs {
		ranks[j.Job.Rank] = j
		assert.Equal(t, jobs.StateExited, j.Job.State)
		assert.Equal(t, runID, j.Job.Nonce)
		assert.Equal(t, 2, j.Job.WorldSize)
	}
	require.Len(t, ranks, 2)
	k0, k1 := solana.MustPublicKeyFromBase58(ranks[0].Node), solana.MustPublicKeyFromBase58(ranks[1].Node)
	assert.Negative(t, bytes.Compare(k0[:], k1[:]), "ranks follow the node keys' bytes")
	logs := run.ok(t, "--keypair", renterKey, "hire", "logs", order, runID)
	assert.Contains(t, logs, "hello from rank 0 of 2, peers 127.0.0.1")
	assert.Contains(t, logs, "hello from rank 1 of 2, peers 127.0.0.1")
	assert.Less(t, strings.Index(logs, "rank 0 of 2, node"), strings.Index(logs, "rank 1 of 2, node"), "rank order")
	one := run.ok(t, "--keypair", renterKey, "hire", "logs", "--node", ranks[1].Node, order, ranks[1].Job.ID)
	assert.Contains(t, one, "hello from rank 1 of 2")
	assert.NotContains(t, one, "rank 0 of 2")
	assert.Contains(t, run.fails(t, 1, "--keypair", renterKey, "hire", "logs", order, "run-nosuch"), "no job or run \"run-nosuch\"")

	// A long job, stopped by the renter on both ranks.
	out = run.ok(t, "--keypair", renterKey, "hire", "run", order, "--", "sleep", "300")
	sleeper := strings.Fields(out)[1]
	assert.Equal(t, 2, strings.Count(out, "  running"), out)
	stopped := run.ok(t, "--keypair", renterKey, "hire", "stop", order, sleeper)
	assert.Equal(t, 2, strings.Count(stopped, "stopped (stopped by the renter)"), stopped)
	assert.Contains(t, run.fails(t, 1, "--keypair", otherKey, "hire", "stop", order, sleeper), "is renter "+renter+"'s")
	jobsOut = run.ok(t, "--keypair", renterKey, "hire", "jobs", order)
	assert.Contains(t, jobsOut, "4 job(s) of order")
	assert.NotContains(t, jobsOut, "  running")

	// A run is all its ranks or none: with node b's worker gone, the rank that started
	// on node a is stopped again.
	servers[1].Close()
	_, errOut, code := run("--keypair", renterKey, "hire", "run", order, "--", "sleep", "300")
	assert.Equal(t, 1, code, errOut)
	assert.Contains(t, errOut, "1 of 2 node(s) refused the job; the ranks that started were stopped")
	a, err := jobs.Client{Key: ed25519.PrivateKey(mustKey(t, renterKey))}.List(ctx, servers[0].URL)
	require.NoError(t, err)
	require.Len(t, a, 3, "the first run's, the sleeper's and this one's rank on node a")
	for _, j := range a {
		assert.NotEqual(t, jobs.StateRunning, j.State, "job %s", j.ID)
	}

	// The renter cancels: the order is over, nothing more runs or extends; its nodes
	// keep what they earned.
	assert.Contains(t, run.ok(t, "--keypair", renterKey, "hire", "cancel", order), "nodes keep what they earned until now")
	assert.Contains(t, run.fails(t, 1, "--keypair", renterKey, "hire", "extend", "--hours", "1", order), "Ended (Cancelled)")
	assert.Contains(t, run.fails(t, 1, "--keypair", renterKey, "hire", "run", order, "--", "true"), "Ended (Cancelled)")
	assert.Contains(t, run.ok(t, "--keypair", renterKey, "hire", "list", "--status", "ended"), order)
	assert.Contains(t, run.fails(t, 1, "--keypair", otherKey, "hire", "close", order), "is renter "+renter+"'s")

	// Once its nodes are paid and the order closed, its jobs are still read from its
	// nodes with --node.
	for _, r := range ranks {
		run.ok(t, "--keypair", renterKey, "hire", "claim", order, r.Node)
	}
	run.ok(t, "--keypair", renterKey, "hire", "close", order)
	assert.Contains(t, run.fails(t, 1, "--keypair", renterKey, "hire", "logs", order, runID), "account not found")
	// nodes[0]'s worker still serves (nodes[1]'s was closed above).
	read := 0
	for _, r := range ranks {
		if r.Node == nodes[0] {
			closed := run.ok(t, "--keypair", renterKey, "hire", "logs", "--node", r.Node, order, r.Job.ID)
			assert.Contains(t, closed, fmt.Sprintf("hello from rank %d of 2", r.Job.Rank))
			read++
		}
	}
	assert.Equal(t, 1, read)
}

func mustKey(t *testing.T, path string) solana.PrivateKey {
	t.Helper()
	k, err := solana.PrivateKeyFromSolanaKeygenFile(path)
	require.NoError(t, err)
	return k
}

func mustIOSD(t *testing.T, ctx context.Context, url string) solana.PublicKey {
	t.Helper()
	cfg, err := hire.New(url).Config(ctx)
	require.NoError(t, err)
	return cfg.IosdMint
}
