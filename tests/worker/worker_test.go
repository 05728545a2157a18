// Package worker_test runs the real ionet-worker and ionet-keeper binaries against a
// localnet: the path `make demo` takes, and what the keeper tests' fake worker did.
package worker_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
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

// proc is a started binary whose output goes to a file.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	log  string
	done chan error
}

func start(t *testing.T, bin, log string, args ...string) *proc {
	t.Helper()
	f, err := os.Create(log)
	require.NoError(t, err)
	p := &proc{t: t, cmd: exec.Command(bin, args...), log: log, done: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = f, f
	require.NoError(t, p.cmd.Start())
	go func() { p.done <- p.cmd.Wait(); f.Close() }()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

func (p *proc) output() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// stop sends SIGTERM and returns the exit error.
func (p *proc) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("no exit after SIGTERM")
	}
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
	var keeperProcs []*proc
	t.Cleanup(func() {
		if t.Failed() {
			for i, p := range keeperProcs {
				l := p.output()
				t.Logf("keeper %d's log, last 4 kB:\n%s", i, l[max(0, len(l)-4000):])
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
		p    *proc
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
	}, 3*time.Minute, time.Second, "the keepers' claim attests the honest worker's TOPS; worker log:\n%s", honest.p.output())
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
		require.NoError(t, w.p.stop(), w.p.output())
		assert.Contains(t, w.p.output(), "worker stopped")
	}
}
