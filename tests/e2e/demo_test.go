// Package e2e runs `make demo`'s script as a user would and checks what it did on the
// chain, so the demo stays integrated and working.
package e2e

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/tests/localnode"
)

func freePort(t *testing.T) int {
	t.Helper()
	// Two consecutive free ports: RPC and websockets.
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		port := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port+1))
		l.Close()
		if err == nil {
			l2.Close()
			return port
		}
	}
	t.Fatal("no two consecutive free ports")
	return 0
}

func TestDemoStakingStory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts ionet-localnet")
	}
	root, err := localnode.Root()
	require.NoError(t, err)
	bin, err := localnode.Bin()
	require.NoError(t, err)
	port := freePort(t)
	ledger := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "demo"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "IONET_LOCALNET_BIN="+bin, "IONET_LEDGER="+ledger,
		"IONET_DEMO_PORT="+strconv.Itoa(port), "IONET_DEMO_EXIT=1")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "scripts/demo:\n%s", out)
	text := string(out)
	for _, step := range []string{
		"funded ", "registered node ", "staked 1000 $IO", "DEVELOPMENT ONLY", "delegation cap by capacity: 1000 $IO",
		"delegated 600 $IO", "room for 400 $IO more", "1 node(s)", "tickets: 0", "the staking story is done",
	} {
		assert.Contains(t, text, step)
	}

	// The script stopped its chain on exit; start the same ledger and read what it left.
	_, err = exec.Command("curl", "-sf", "http://127.0.0.1:"+strconv.Itoa(port)+"/health").Output()
	assert.Error(t, err, "the demo's localnet still answers after the script exited")
	node := regexp.MustCompile(`registered node (\S+)`).FindStringSubmatch(text)
	require.Len(t, node, 2)
	n := restart(t, ledger)
	c := staking.New(n)
	got, err := c.Node(ctx, solana.MustPublicKeyFromBase58(node[1]))
	require.NoError(t, err)
	assert.Equal(t, uint64(1_000*100_000_000), staking.OperatorStake(got))
	assert.Equal(t, uint64(600*100_000_000), staking.DelegatedStake(got))
	assert.Equal(t, uint64(100_000), got.Attested.TopsMilli)
	assert.Equal(t, uint32(1), got.Delegations)
}

// restart runs ionet-localnet on ledger again and returns its RPC URL.
func restart(t *testing.T, ledger string) string {
	t.Helper()
	bin, err := localnode.Bin()
	require.NoError(t, err)
	port := freePort(t)
	cmd := exec.Command(bin, "--ledger", ledger, "--rpc-port", strconv.Itoa(port), "--ws-port", strconv.Itoa(port+1))
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	for range 300 {
		if exec.Command("curl", "-sf", url+"/health").Run() == nil {
			return url
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the restarted localnet did not answer /health")
	return ""
}
