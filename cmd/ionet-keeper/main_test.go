package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run runs the command line and returns its exit status and stderr.
func runArgs(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := newApp(&stdout, &stderr).RunContext(context.Background(), append([]string{"ionet-keeper"}, args...))
	code := exitCode(&stderr, err)
	return code, stderr.String()
}

func keyFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "k.json")
	b, err := json.Marshal([]byte(solana.NewWallet().PrivateKey))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

func TestBadUsageExitsTwoWithAClearMessage(t *testing.T) {
	key := keyFile(t)
	garbled := filepath.Join(t.TempDir(), "garbled.json")
	require.NoError(t, os.WriteFile(garbled, []byte("[1,2"), 0o600))
	badYAML := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(badYAML, []byte("keypair: [unclosed"), 0o600))
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--keypair is required"},
		{[]string{"--keypair", garbled}, "--keypair: " + garbled + " is not a Solana CLI JSON keypair"},
		{[]string{"--keypair", key, "--price", "-1"}, "--price"},
		{[]string{"--keypair", key, "--price", "0"}, "--price"},
		{[]string{"--keypair", key, "--keepers-per-node", "0"}, "--keepers-per-node"},
		{[]string{"--keypair", key, "--challenge-windows", "0"}, "--challenge-windows"},
		{[]string{"--keypair", key, "--challenge-window", "0s"}, "--challenge-window"},
		{[]string{"--keypair", key, "--challenge-lead", "-1s"}, "--challenge-windows must be"},
		{[]string{"--keypair", key, "--challenge-verify", "soon"}, "challenge-verify"},
		{[]string{"--keypair", key, "--match-every", "0s"}, "--match-every"},
		{[]string{"--keypair", key, "--failure-misses", "0"}, "--failure-misses"},
		{[]string{"--keypair", key, "--renter-keypair", "/nonexistent.json"}, "--renter-keypair"},
		{[]string{"--keypair", key, "--log-level", "loud"}, "--log-level"},
		{[]string{"--keypair", key, "--log-format", "xml"}, "--log-format"},
		{[]string{"--keypair", key, "--rpc-url", "ftp://x"}, "rpc url"},
		{[]string{"--keypair", key, "stray"}, "stray"},
		{[]string{"--no-such-flag"}, "no-such-flag"},
		{[]string{"--config", badYAML}, "--config"},
	} {
		code, stderr := runArgs(t, c.args...)
		assert.Equal(t, 2, code, "%v: %s", c.args, stderr)
		assert.Contains(t, stderr, c.want, "%v", c.args)
	}
}

func TestTheConfigFileFillsFlagsTheCommandLineLeavesOut(t *testing.T) {
	key := keyFile(t)
	path := filepath.Join(t.TempDir(), "keeper.yaml")
	require.NoError(t, os.WriteFile(path, []byte("keypair: "+key+"\nlog-level: loud\n"), 0o600))
	// The file's value is read (and refused here) ...
	code, stderr := runArgs(t, "--config", path)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--log-level "loud"`)
	// ... and the command line wins over it.
	code, stderr = runArgs(t, "--config", path, "--log-level", "warn", "--price", "nope")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `--price "nope"`)
}
