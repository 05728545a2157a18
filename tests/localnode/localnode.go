// Package localnode starts ionet-localnet for Go tests that drive it from outside
// (the CLI's and the demo's end-to-end tests): the binary from $IONET_LOCALNET_BIN or
// `cargo build -p ionet-localnet`, a ledger in a temporary directory, free ports.
package localnode

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
)

// Node is a running ionet-localnet.
type Node struct {
	RPCURL  string
	WSURL   string
	Ledger  string
	Genesis string // path of genesis.json

	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// Root is the repository root (where go.mod and Cargo.toml are).
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		_, goMod := os.Stat(filepath.Join(dir, "go.mod"))
		_, cargo := os.Stat(filepath.Join(dir, "Cargo.toml"))
		if goMod == nil && cargo == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root not found")
		}
		dir = parent
	}
}

// Bin is $IONET_LOCALNET_BIN (relative to the root unless absolute), or what
// `cargo build -p ionet-localnet` leaves in $CARGO_TARGET_DIR (or target)/debug.
func Bin() (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	if p := os.Getenv("IONET_LOCALNET_BIN"); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		return p, nil
	}
	build := exec.Command("cargo", "build", "-p", "ionet-localnet")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("cargo build -p ionet-localnet: %w", err)
	}
	target := os.Getenv("CARGO_TARGET_DIR")
	if target == "" {
		target = filepath.Join(root, "target")
	} else if !filepath.IsAbs(target) {
		target = filepath.Join(root, target)
	}
	return filepath.Join(target, "debug", "ionet-localnet"), nil
}

// Start runs ionet-localnet on free ports with a fresh ledger until the test ends;
// extra arguments go to ionet-localnet (e.g. "--epoch-seconds", "6").
func Start(t testing.TB, extra ...string) *Node {
	t.Helper()
	n := &Node{Ledger: t.TempDir()}
	n.Genesis = filepath.Join(n.Ledger, "genesis.json")
	n.args = extra
	n.start(t, "0", "0")
	t.Cleanup(n.Kill)
	return n
}

// Kill stops the node with SIGKILL (a crash: the ledger keeps what was synced) and
// waits for it to exit. Killing a stopped node does nothing.
func (n *Node) Kill() {
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Kill()
	<-n.done
	n.cmd = nil
}

// Restart starts the node again on its ledger and its ports (clients reconnect to
// the same URLs), after Kill.
func (n *Node) Restart(t testing.TB) {
	t.Helper()
	n.Kill()
	n.start(t, port(t, n.RPCURL), port(t, n.WSURL))
}

func port(t testing.TB, url string) string {
	i := strings.LastIndex(url, ":")
	if i < 0 {
		t.Fatalf("no port in %q", url)
	}
	return strings.TrimRight(url[i+1:], "/")
}

func (n *Node) start(t testing.TB, rpcPort, wsPort string) {
	t.Helper()
	bin, err := Bin()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"--rpc-port", rpcPort, "--ws-port", wsPort, "--ledger", n.Ledger}, n.args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "RUST_LOG=warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuilder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	ready := make(chan [2]string, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if rest, ok := strings.CutPrefix(scanner.Text(), "ionet-localnet ready "); ok {
				var urls [2]string
				for _, f := range strings.Fields(rest) {
					if v, ok := strings.CutPrefix(f, "rpc="); ok {
						urls[0] = v
					}
					if v, ok := strings.CutPrefix(f, "ws="); ok {
						urls[1] = v
					}
				}
				ready <- urls
			}
		}
		close(ready)
	}()
	go func() { _ = cmd.Wait(); close(done) }()
	n.cmd, n.done = cmd, done
	select {
	case urls, ok := <-ready:
		if !ok {
			<-done
			n.cmd = nil
			t.Fatalf("ionet-localnet exited before it was ready: %s", stderr.String())
		}
		n.RPCURL, n.WSURL = urls[0], urls[1]
	case <-time.After(2 * time.Minute):
		t.Fatal("ionet-localnet did not start in 2 minutes")
	}
}

// lockedBuilder is a strings.Builder the child's stderr may write while a test reads.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Fund sends a new key lamports and io $IO base units from the genesis faucet and
// returns it, with the genesis (mints) it read.
func (n *Node) Fund(t testing.TB, ctx context.Context, lamports, io uint64) (solana.PrivateKey, *localnet.Genesis) {
	t.Helper()
	g, err := localnet.ReadGenesis(n.Genesis)
	if err != nil {
		t.Fatal(err)
	}
	faucet, err := g.Faucet()
	if err != nil {
		t.Fatal(err)
	}
	k := solana.NewWallet().PrivateKey
	if _, err := staking.New(n.RPCURL).Send(ctx, []solana.PrivateKey{faucet}, g.FundInstructions(faucet.PublicKey(), k.PublicKey(), lamports, io)...); err != nil {
		t.Fatalf("fund %s: %v", k.PublicKey(), err)
	}
	return k, g
}

// Keeper funds a new key from the genesis faucet (1 SOL, 20,000 $IO) and registers
// it as an io-rewards keeper serving at endpoint; it serves from the next epoch.
func (n *Node) Keeper(t testing.TB, ctx context.Context, endpoint string) solana.PrivateKey {
	t.Helper()
	k, g := n.Fund(t, ctx, 1_000_000_000, 20_000*100_000_000)
	ix, err := rewards.RegisterKeeper(k.PublicKey(), g.Mints.IO, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rewards.New(n.RPCURL).Send(ctx, []solana.PrivateKey{k}, ix); err != nil {
		t.Fatalf("register keeper: %v", err)
	}
	return k
}

// WorkerNode funds a new operator from the genesis faucet, registers the node of
// worker (one device of class id classID, the operator and the worker both signing)
// serving at endpoint, and stakes what io-staking requires, so keepers observe it
// from the next epoch. It returns the node's address.
func (n *Node) WorkerNode(t testing.TB, ctx context.Context, worker solana.PrivateKey, classID uint8, endpoint string) solana.PublicKey {
	t.Helper()
	client := staking.New(n.RPCURL)
	cfg, err := client.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	spec := iostaking.NodeSpec{GpuClass: classID, GpuCount: 1, Vcpus: 2, RamGib: 4, BandwidthMbps: 100,
		Location: [2]uint8{'D', 'E'}}
	stake := staking.RequiredOperatorStake(&iostaking.Node{Spec: spec}, cfg.Params)
	operator, g := n.Fund(t, ctx, 1_000_000_000, stake)
	reg, err := staking.RegisterNode(operator.PublicKey(), worker.PublicKey(), g.Mints.IO,
		iostaking.RegisterNodeArgs{Spec: spec, AskMicroUsd: 1_000_000, Endpoint: endpoint})
	if err != nil {
		t.Fatal(err)
	}
	address := staking.NodeAddress(worker.PublicKey())
	st, err := staking.Stake(operator.PublicKey(), address, g.Mints.IO, stake)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Send(ctx, []solana.PrivateKey{operator, worker}, reg, st); err != nil {
		t.Fatalf("register and stake node: %v", err)
	}
	return address
}

// ServedEpoch is the first epoch that starts after now in which every keeper of keys
// serves: the first one they can all observe from its start.
func (n *Node) ServedEpoch(t testing.TB, ctx context.Context, keys ...solana.PrivateKey) uint64 {
	t.Helper()
	client := rewards.New(n.RPCURL)
	rc, err := client.Config(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now, err := client.Staking.Now(ctx)
	if err != nil {
		t.Fatal(err)
	}
	target := rewards.EpochsOf(rc.Params).At(now) + 1
	for _, key := range keys {
		k, err := client.Keeper(ctx, key.PublicKey())
		if err != nil {
			t.Fatal(err)
		}
		target = max(target, k.ActiveFrom)
	}
	return target
}

// WaitFinal waits up to within for epoch to be final on chain.
func (n *Node) WaitFinal(t testing.TB, ctx context.Context, epoch uint64, within time.Duration) {
	t.Helper()
	client := rewards.New(n.RPCURL)
	for deadline := time.Now().Add(within); ; {
		rc, err := client.Config(ctx)
		if err == nil && rc.FinalEpoch != nil && *rc.FinalEpoch >= epoch {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("epoch %d not final within %v (last error: %v)", epoch, within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
