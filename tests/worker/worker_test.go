// Package worker_test runs the real ionet-worker and ionet-keeper binaries against a
// localnet: the path `make demo` takes, and what the keeper tests' fake worker did.
package worker_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/tests/localnode"
)

// workerBin and keeperBin are built once by TestMain.
var workerBin, keeperBin string

func TestMain(m *testing.M) {
	dir, err := localnode.BuildCommands("ionet-worker", "ionet-keeper")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workerBin, keeperBin = filepath.Join(dir, "ionet-worker"), filepath.Join(dir, "ionet-keeper")
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// start starts bin with args, its output in the file log, until the test ends.
func start(t *testing.T, bin, log string, args ...string) *localnode.Proc {
	t.Helper()
	p := localnode.NewProc(t, bin, log, "", args...)
	p.Start()
	return p
}

// Real processes: three ionet-keeper daemons and two ionet-worker agents, each
// worker registered, staked and run through its own CLI in the localnet class. The
// honest worker passes every keeper's challenge and the keepers' claim attests its
// measured TOPS on chain; the one started with --fault wrong-row (what the keeper
// tests' fake worker offered) fails every challenge with wrong-row. Both workers
// exit 0 on SIGTERM.
func TestWorkerProcessesWithKeeperProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet, ionet-keeper and ionet-worker processes")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	node := localnode.Start(t, "--epoch-seconds", "15")
	g, err := localnet.ReadGenesis(node.Genesis)
	require.NoError(t, err)
	faucet, err := g.Faucet()
	require.NoError(t, err)
	client := staking.New(node.RPCURL)

	var keepers []string
	var keeperProcs []*localnode.Proc
	t.Cleanup(func() {
		if t.Failed() {
			for i, p := range keeperProcs {
				t.Logf("keeper %d's log, last 4 kB:\n%s", i, p.Tail(4000))
			}
		}
	})
	for range 3 {
		addr := localnode.FreeAddr(t)
		key := node.Keeper(t, ctx, "http://"+addr)
		dir := t.TempDir()
		localnode.WriteKeypair(t, filepath.Join(dir, "keeper.json"), key)
		keeperProcs = append(keeperProcs, start(t, keeperBin, filepath.Join(dir, "keeper.log"), append([]string{"--keypair", filepath.Join(dir, "keeper.json"),
			"--rpc-url", node.RPCURL, "--ws-url", node.WSURL, "--listen", addr, "--data-dir", filepath.Join(dir, "data"),
			"--price", "2.00"}, localnode.KeeperFlags...)...))
		keepers = append(keepers, "http://"+addr)
	}

	type worker struct {
		url  string
		node solana.PublicKey
		p    *localnode.Proc
	}
	run := func(fault string) worker {
		dir := t.TempDir()
		op := solana.NewWallet().PrivateKey
		_, err := client.Send(ctx, []solana.PrivateKey{faucet}, g.FundInstructions(faucet.PublicKey(), op.PublicKey(), 1_000_000_000, 5_000*100_000_000)...)
		require.NoError(t, err)
		localnode.WriteKeypair(t, filepath.Join(dir, "operator.json"), op)
		addr := localnode.FreeAddr(t)
		global := []string{"--data-dir", filepath.Join(dir, "data"), "--keypair", filepath.Join(dir, "operator.json"),
			"--rpc-url", node.RPCURL, "--localnet-classes", "--threads", "1"}
		cli := func(args ...string) string {
			out, err := exec.CommandContext(ctx, workerBin, append(append([]string{}, global...), args...)...).CombinedOutput()
			require.NoError(t, err, "%v: %s", args, out)
			return string(out)
		}
		assert.Contains(t, cli("discover"), "node class")
		assert.Contains(t, cli("register", "--class", classes.LocalnetCPU.Name, "--ask", "1", "--location", "FR",
			"--endpoint", "http://"+addr), "registered node ")
		assert.Contains(t, cli("stake"), "staked: ")
		args := append(append([]string{}, global...), "run", "--listen", addr, "--class", classes.LocalnetCPU.Name,
			"--keeper-refresh", "1s", "--job-runner", "process")
		if fault != "" {
			args = append(args, "--fault", fault)
		}
		p := start(t, workerBin, filepath.Join(dir, "worker.log"), args...)
		key, err := solana.PrivateKeyFromSolanaKeygenFile(filepath.Join(dir, "data", "worker-key.json"))
		require.NoError(t, err)
		return worker{url: "http://" + addr, node: staking.NodeAddress(key.PublicKey()), p: p}
	}
	honest, faulty := run(""), run("wrong-row")

	require.Eventually(t, func() bool {
		n, err := client.Node(ctx, honest.node)
		return err == nil && n.Attested.TopsMilli > 0
	}, 3*time.Minute, time.Second, "the keepers' claim attests the honest worker's TOPS; worker log:\n%s", honest.p.Output())
	n, err := client.Node(ctx, honest.node)
	require.NoError(t, err)
	t.Logf("honest node attested: epoch %d, %d milli-TOPS, uptime %d bps", n.Attested.Epoch, n.Attested.TopsMilli, n.Attested.UptimeBps)
	assert.Equal(t, classes.LocalnetCPU.ID, n.Attested.Class)
	assert.GreaterOrEqual(t, localnode.Metric(honest.url, `ionet_worker_challenges_total{result="answered"}`), 1.0)
	assert.GreaterOrEqual(t, localnode.Metric(honest.url, `ionet_worker_probes_total{result="answered"}`), 1.0)
	for _, k := range keepers {
		assert.GreaterOrEqual(t, localnode.Metric(k, `ionet_keeper_challenges_total{reason="wrong-row",result="failed"}`), 1.0, "keeper %s", k)
	}
	f, err := client.Node(ctx, faulty.node)
	require.NoError(t, err)
	assert.Zero(t, f.Attested.TopsMilli, "a wrong row earns no TOPS")

	for _, w := range []worker{honest, faulty} {
		require.NoError(t, w.p.Stop(), w.p.Output())
		assert.Contains(t, w.p.Output(), "worker stopped")
	}
}
