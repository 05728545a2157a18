package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/tests/localnode"
)

// cliRun runs the built ionet binary and returns stdout, stderr and the exit status.
type cliRun func(args ...string) (string, string, int)

func buildCLI(t *testing.T, node *localnode.Node) cliRun {
	t.Helper()
	// A home without a Solana CLI keypair: commands without --keypair find none.
	return buildCLIIn(t, node, t.TempDir())
}

// buildCLIIn builds the CLI and runs it with home as $HOME.
func buildCLIIn(t *testing.T, node *localnode.Node, home string) cliRun {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ionet")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return func(args ...string) (string, string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"IONET_RPC_URL=" + node.RPCURL, "IONET_GENESIS=" + node.Genesis, "HOME=" + home}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("ionet %v: %v", args, err)
		}
		return stdout.String(), stderr.String(), code
	}
}

// ok runs a command that must succeed and returns its output.
func (run cliRun) ok(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := run(args...)
	require.Equal(t, 0, code, "ionet %v failed: %s", args, errOut)
	return out
}

// fails runs a command that must exit with code and returns its stderr.
func (run cliRun) fails(t *testing.T, code int, args ...string) string {
	t.Helper()
	out, errOut, got := run(args...)
	require.Equal(t, code, got, "ionet %v: stdout %s stderr %s", args, out, errOut)
	return errOut
}

// keygen makes wallets with `ionet dev keygen` in dir: name's keypair file and its
// address.
func (run cliRun) keygen(t *testing.T, dir string) func(name string) (string, string) {
	return func(name string) (string, string) {
		path := filepath.Join(dir, name+".json")
		return path, strings.TrimSpace(run.ok(t, "dev", "keygen", path))
	}
}

var address = regexp.MustCompile(`[1-9A-HJ-NP-Za-km-z]{32,44}`)

func TestCLIAgainstTheLocalnet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts ionet-localnet")
	}
	node := localnode.Start(t)
	run := buildCLI(t, node)
	dir := t.TempDir()
	key := run.keygen(t, dir)
	opKey, op := key("operator")
	workerKey, worker := key("worker")
	stKey, st := key("staker")
	run.ok(t, "dev", "fund", "--sol", "5", "--io", "2000", op)
	run.ok(t, "dev", "fund", "--sol", "5", "--io", "1000.5", st)

	out := run.ok(t, "--keypair", opKey, "node", "register", "--worker-keypair", workerKey, "--class", "h100-sxm",
		"--gpus", "8", "--vram-mib", "81920", "--vcpus", "96", "--ram-gib", "1024", "--bandwidth-mbps", "10000",
		"--location", "DE", "--nvlink", "--ask", "2.15", "--endpoint", "http://10.0.0.7:7070")
	nodeAddr := address.FindString(strings.SplitN(out, "\n", 2)[0])
	require.NotEmpty(t, nodeAddr, out)
	assert.Contains(t, out, "2.15 USD per GPU-hour")

	list := run.ok(t, "node", "list", "--operator", op)
	assert.Contains(t, list, "1 node(s)")
	assert.Contains(t, list, nodeAddr)
	assert.Contains(t, run.ok(t, "node", "list", "--operator", st), "0 node(s)")

	out = run.ok(t, "--keypair", opKey, "node", "stake", nodeAddr, "1000")
	assert.Contains(t, out, "staked 1000 $IO")
	assert.Contains(t, out, "eligible true")

	// No attestation yet: the capacity cap is zero, and the refusal is named.
	errOut := run.fails(t, 1, "--keypair", stKey, "stake", "delegate", nodeAddr, "1")
	assert.Contains(t, errOut, "OverCapacityCap")
	assert.NotContains(t, errOut, "jsonrpc.RPCError", "the RPC error is summarized, not dumped")

	assert.Contains(t, run.ok(t, "node", "show", nodeAddr), "attested        not yet: no final epoch report covers this node")
	out = run.ok(t, "dev", "attest", "--tops", "100", nodeAddr)
	assert.Contains(t, out, "delegation cap by capacity: 1000 $IO")
	out = run.ok(t, "--keypair", stKey, "stake", "delegate", nodeAddr, "600.5")
	assert.Contains(t, out, "delegated 600.5 $IO")
	assert.Contains(t, out, "60050000000 shares, worth 600.5 $IO")
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "stake", "delegate", nodeAddr, "400"), "OverCapacityCap")

	// The worker key finds the node too.
	show := run.ok(t, "node", "show", worker)
	for _, want := range []string{"node " + nodeAddr, "8 × h100-sxm", "operator stake  1000 $IO", "delegated       600.5 $IO in 1 position(s)", "100 TOPS"} {
		assert.Contains(t, show, want)
	}

	out = run.ok(t, "--keypair", stKey, "stake", "undelegate", nodeAddr, "200")
	ticket := address.FindString(out[strings.Index(out, "ticket"):])
	require.NotEmpty(t, ticket, out)
	assert.Contains(t, out, "worth 200 $IO now, unlocks in 168h0m0s")
	pos := run.ok(t, "stake", "list", "--owner", st)
	assert.Contains(t, pos, "worth 400.5 $IO")
	assert.Contains(t, pos, "ticket "+ticket)
	assert.Contains(t, run.fails(t, 1, "--keypair", stKey, "stake", "withdraw", ticket), "CooldownNotOver")
	assert.Contains(t, run.fails(t, 1, "--keypair", opKey, "stake", "withdraw", ticket), "ticket "+ticket+" is "+st+"'s, not "+op+"'s")

	// Past the 7-day cooldown (400 ms slots).
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := localnet.WarpSlot(ctx, rpc.New(node.RPCURL), 2_000_000)
	require.NoError(t, err)
	assert.Contains(t, run.ok(t, "stake", "list", "--owner", st), "ready to withdraw")
	assert.Contains(t, run.ok(t, "--keypair", stKey, "stake", "withdraw", ticket), "withdrew 200 $IO")
	// No reward was deposited: nothing is owed, and nothing is sent.
	out = run.ok(t, "--keypair", stKey, "stake", "claim", nodeAddr)
	assert.Contains(t, out, "nothing to claim: the position of "+st+" in node "+nodeAddr+" is owed no rewards")
	assert.NotContains(t, out, "signature")
	var none ClaimResult
	require.NoError(t, json.Unmarshal([]byte(run.ok(t, "--json", "--keypair", stKey, "stake", "claim", nodeAddr)), &none))
	assert.Empty(t, none.Signatures, "nothing sent")
	assert.Empty(t, none.Positions)
	assert.Contains(t, run.ok(t, "--keypair", stKey, "stake", "list"), "tickets: 0")
	out = run.ok(t, "--keypair", opKey, "node", "unstake", "--all", nodeAddr)
	assert.Contains(t, out, "100000000000 shares")
	assert.Contains(t, run.ok(t, "stake", "list", "--owner", op), "tickets: 1")

	// Usage errors exit 2 and say what is wrong; nothing is sent.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--keypair", stKey, "stake", "delegate", nodeAddr, "1.000000001"}, "at most 8 decimals"},
		{[]string{"--keypair", stKey, "stake", "delegate", nodeAddr, "-1"}, "looks like a flag"},
		{[]string{"--keypair", stKey, "stake", "delegate", nodeAddr}, "takes 2 argument(s)"},
		{[]string{"stake", "delegate", nodeAddr, "1"}, "no wallet: --keypair is not given (nor IONET_KEYPAIR) and the Solana CLI's default keypair"},
		{[]string{"--keypair", stKey, "stake", "delegate", "not-a-key", "1"}, "not a base58 address"},
		{[]string{"--keypair", opKey, "node", "register", "--worker-keypair", workerKey, "--class", "h100-sxm", "--gpus", "8",
			"--vram-mib", "1", "--location", "de", "--ask", "1", "--endpoint", "x"}, "two capital letters"},
		{[]string{"node", "show", "--bogus"}, "flag provided but not defined"},
		{[]string{"nosuch"}, `no command "nosuch"`},
		{[]string{"--keypair", opKey, "node", "register", "--class", "a100"}, "Required flag"},
	} {
		assert.Contains(t, run.fails(t, 2, c.args...), c.want, "ionet %v", c.args)
	}
}
