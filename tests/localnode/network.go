package localnode

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/report"
)

// MarketFlags make ionet-keeper probe a hired node every second and vote its failure
// after three misses over three seconds, as make demo does.
var MarketFlags = []string{"--hire-probe-every", "1s", "--failure-misses", "3", "--failure-span", "3s",
	"--probe-timeout", "1s"}

// Proc is one started daemon (ionet-keeper, ionet-worker); its output goes to Log,
// appended across restarts. It is killed when the test ends.
type Proc struct {
	t    testing.TB
	Bin  string
	Args []string
	Log  string
	// Addr is the host:port it serves HTTP on.
	Addr string
	cmd  *exec.Cmd
	done chan error
}

// NewProc describes a process, not started; the test's cleanup kills it.
func NewProc(t testing.TB, bin, log, addr string, args ...string) *Proc {
	p := &Proc{t: t, Bin: bin, Args: args, Log: log, Addr: addr}
	t.Cleanup(p.Kill)
	return p
}

// Start starts the process (again, after Kill or Stop).
func (p *Proc) Start() {
	p.t.Helper()
	log, err := os.OpenFile(p.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(p.t, err)
	cmd := exec.Command(p.Bin, p.Args...)
	cmd.Stdout, cmd.Stderr = log, log
	require.NoError(p.t, cmd.Start())
	done := make(chan error, 1)
	p.cmd, p.done = cmd, done
	go func() { done <- cmd.Wait(); log.Close() }()
}

// Kill sends SIGKILL (no shutdown, no flush) and waits for the exit.
func (p *Proc) Kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
	p.cmd = nil
}

// Stop sends SIGTERM and returns the exit error (SIGKILL after 30 s).
func (p *Proc) Stop() error {
	if p.cmd == nil {
		return nil
	}
	defer func() { p.cmd = nil }()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		return err
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s: no exit 30 s after SIGTERM", filepath.Base(p.Bin))
	}
}

// Started reports whether the process was started and not stopped since.
func (p *Proc) Started() bool { return p.cmd != nil }

// Alive fails the test if the process exited.
func (p *Proc) Alive() {
	p.t.Helper()
	select {
	case err := <-p.done:
		p.cmd = nil
		p.t.Fatalf("%s exited (%v); log:\n%s", filepath.Base(p.Bin), err, p.Tail(6000))
	default:
	}
}

// Output is the log so far.
func (p *Proc) Output() string {
	b, _ := os.ReadFile(p.Log)
	return string(b)
}

// Tail is the log's last n bytes.
func (p *Proc) Tail(n int) string {
	l := p.Output()
	return l[max(0, len(l)-n):]
}

// URL is http://Addr.
func (p *Proc) URL() string { return "http://" + p.Addr }

// Metric reads one series from the process's GET /metrics (see Metric).
func (p *Proc) Metric(series string) float64 { return Metric(p.URL(), series) }

// Keeper is an ionet-keeper process with its registered authority.
type Keeper struct {
	*Proc
	Key solana.PrivateKey
}

// KeeperProc registers a funded keeper serving at a free address and returns its
// ionet-keeper process (bin), not started: its data directory and log in a new
// temporary directory, voting $2.00 per $IO, extra flags after.
func (n *Node) KeeperProc(t testing.TB, ctx context.Context, bin string, extra ...string) *Keeper {
	t.Helper()
	addr := FreeAddr(t)
	key := n.Keeper(t, ctx, "http://"+addr)
	dir := t.TempDir()
	keyFile := KeypairFile(t, dir, "keeper.json", key)
	args := append([]string{"--keypair", keyFile, "--rpc-url", n.RPCURL, "--ws-url", n.WSURL, "--listen", addr,
		"--data-dir", filepath.Join(dir, "data"), "--price", "2.00", "--log-level", "debug"}, extra...)
	return &Keeper{Proc: NewProc(t, bin, filepath.Join(dir, "keeper.log"), addr, args...), Key: key}
}

// Report is the epoch report a keeper serves (GET /reports/{epoch}), waiting up to
// 30 s for it.
func (k *Keeper) Report(t testing.TB, epoch uint64) report.EpochReport {
	t.Helper()
	var rep report.EpochReport
	require.Eventually(t, func() bool {
		resp, err := http.Get(fmt.Sprintf("%s/reports/%d", k.URL(), epoch))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&rep) == nil
	}, 30*time.Second, 200*time.Millisecond, "keeper %s serves the report of epoch %d", k.Addr, epoch)
	return rep
}

// Worker is an ionet-worker agent: its operator, node and data directory.
type Worker struct {
	*Proc
	Operator solana.PrivateKey
	// Keypair is the operator's keypair file.
	Keypair string
	Node    solana.PublicKey
	// Data is the worker's --data-dir (identity, commitment journal, jobs).
	Data string
	// Staked is the operator's $IO balance left after registering and staking: what
	// its rewards are counted from.
	Staked uint64
}

// WorkerProc funds an operator from the genesis faucet (1 SOL, 1,000 $IO), then runs
// ionet-worker (bin) as a supplier does: register in class localnet-cpu at ask (USD
// per GPU-hour) in DE, serving at a free address, and stake the minimum. It returns
// the `run` process (one GEMM thread, the keeper set read every second, jobs as
// processes, extra run flags after), not started.
func (n *Node) WorkerProc(t testing.TB, ctx context.Context, bin, ask string, extra ...string) *Worker {
	t.Helper()
	op, g := n.Fund(t, ctx, 1_000_000_000, 1_000*100_000_000)
	dir := t.TempDir()
	addr := FreeAddr(t)
	data := filepath.Join(dir, "data")
	keypair := KeypairFile(t, dir, "operator.json", op)
	global := []string{"--data-dir", data, "--keypair", keypair,
		"--rpc-url", n.RPCURL, "--localnet-classes", "--threads", "1"}
	cli := func(args ...string) string {
		out, err := exec.CommandContext(ctx, bin, append(append([]string{}, global...), args...)...).CombinedOutput()
		require.NoError(t, err, "ionet-worker %v: %s", args, out)
		return string(out)
	}
	require.Contains(t, cli("register", "--class", classes.LocalnetCPU.Name, "--ask", ask, "--location", "DE",
		"--endpoint", "http://"+addr), "registered node ")
	require.Contains(t, cli("stake"), "staked: ")
	key, err := solana.PrivateKeyFromSolanaKeygenFile(filepath.Join(data, "worker-key.json"))
	require.NoError(t, err)
	client := staking.New(n.RPCURL)
	staked, err := client.TokenBalance(ctx, staking.ATA(op.PublicKey(), g.Mints.IO))
	require.NoError(t, err)
	args := append(append([]string{}, global...), "run", "--listen", addr, "--class", classes.LocalnetCPU.Name,
		"--keeper-refresh", "1s", "--job-runner", "process")
	return &Worker{Proc: NewProc(t, bin, filepath.Join(dir, "worker.log"), addr, append(args, extra...)...),
		Operator: op, Keypair: keypair, Node: staking.NodeAddress(key.PublicKey()), Data: data, Staked: staked}
}

// WaitAttested waits up to within for a keepers' claim to attest each node's
// measured TOPS (> 0) in io-staking: from then on keepers may assign it.
func (n *Node) WaitAttested(t testing.TB, ctx context.Context, within time.Duration, nodes ...solana.PublicKey) {
	t.Helper()
	client := staking.New(n.RPCURL)
	for _, node := range nodes {
		require.Eventually(t, func() bool {
			got, err := client.Node(ctx, node)
			return err == nil && got.Attested.TopsMilli > 0
		}, within, 500*time.Millisecond, "no claim attested node %s's TOPS", node)
	}
}

// SupplyLedger is the $IO supply ledger as `ionet network status --json` (ionet is the
// CLI's binary) prints it, once both of its checks hold exactly: the rewards vault
// holds the 300M cap less what was emitted, and the mint's supply is the genesis 800M
// less what was burned. The CLI reads the config and the vault one after the other, so
// a claim landing between them is read again (for up to 10 s), never excused.
func (n *Node) SupplyLedger(t testing.TB, ctx context.Context, ionet string) network.Status {
	t.Helper()
	var s network.Status
	var last string
	ok := assert.Eventually(t, func() bool {
		out, err := exec.CommandContext(ctx, ionet, "--rpc-url", n.RPCURL, "network", "status", "--json").Output()
		if err != nil {
			last = fmt.Sprintf("%v: %s", err, out)
			return false
		}
		last = string(out)
		s = network.Status{}
		if err := json.Unmarshal(out, &s); err != nil {
			return false
		}
		return s.VaultOK && s.SupplyOK && s.EmissionCap == 300_000_000*100_000_000 &&
			s.Vault == s.EmissionCap-s.Emitted && s.Supply == staking.GenesisSupply-s.Burned
	}, 10*time.Second, 300*time.Millisecond, "the supply ledger does not check out")
	if !ok {
		t.Fatalf("ionet network status --json: %s", strings.TrimSpace(last))
	}
	// The CLI agrees with the chain read directly.
	rc, err := rewards.New(n.RPCURL).Config(ctx)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, rc.Emitted, s.Emitted)
	assert.GreaterOrEqual(t, rc.Burned, s.Burned)
	return s
}

// Until calls cond every poll until it holds and reports whether it did within
// within. Unlike require.Eventually it calls cond in the test's goroutine, so cond may
// fail the test itself (a daemon that exited, a read that must succeed).
func Until(cond func() bool, within, poll time.Duration) bool {
	for deadline := time.Now().Add(within); !cond(); time.Sleep(poll) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
