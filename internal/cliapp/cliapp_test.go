package cliapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"
)

func TestExitCode(t *testing.T) {
	var buf bytes.Buffer
	assert.Equal(t, 0, ExitCode(&buf, "ionet", nil))
	assert.Empty(t, buf.String())
	assert.Equal(t, 2, ExitCode(&buf, "ionet", Usagef("--price %q: bad", "x")))
	assert.Equal(t, "ionet: --price \"x\": bad\n", buf.String())
	assert.Equal(t, 2, ExitCode(&buf, "ionet", fmt.Errorf("wrapped: %w", UsageError{"inner"})))
	assert.Equal(t, 2, ExitCode(&buf, "ionet", errors.New(`Required flag "keypair" not set`)))
	assert.Equal(t, 1, ExitCode(&buf, "ionet", errors.New("rpc down")))
}

func TestLogger(t *testing.T) {
	for _, c := range []struct {
		level, format string
		ok            bool
	}{{"info", "text", true}, {"debug", "json", true}, {"loud", "text", false}, {"warn", "xml", false}} {
		var errOut bytes.Buffer
		var got error
		app := &cli.App{ErrWriter: &errOut, Flags: []cli.Flag{
			&cli.StringFlag{Name: "log-level"}, &cli.StringFlag{Name: "log-format"}},
			Action: func(ctx *cli.Context) error {
				log, err := Logger(ctx)
				if err == nil {
					log.Warn("hello")
				}
				got = err
				return nil
			}}
		require.NoError(t, app.Run([]string{"x", "--log-level", c.level, "--log-format", c.format}))
		if c.ok {
			assert.NoError(t, got, "%+v", c)
			assert.Contains(t, errOut.String(), "hello")
		} else {
			var u UsageError
			assert.ErrorAs(t, got, &u, "%+v", c)
		}
	}
}

func TestLoadKeypairSaysWhatIsWrong(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadKeypair("--keypair", "")
	assert.EqualError(t, err, "--keypair is required (a Solana CLI JSON keypair file)")
	missing := filepath.Join(dir, "missing.json")
	_, err = LoadKeypair("--keypair", missing)
	assert.EqualError(t, err, "--keypair: keypair file "+missing+" does not exist")
	var u UsageError
	assert.ErrorAs(t, err, &u)
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("[1,2,3]"), 0o600))
	_, err = LoadKeypair("--worker-keypair", bad)
	assert.ErrorContains(t, err, "--worker-keypair: "+bad+" is not a Solana CLI JSON keypair (a JSON array of 64 numbers)")
	assert.NotContains(t, err.Error(), "keygen")
	k := solana.NewWallet().PrivateKey
	ints := make([]int, len(k))
	for i, b := range k {
		ints[i] = int(b)
	}
	raw, err := json.Marshal(ints)
	require.NoError(t, err)
	good := filepath.Join(dir, "good.json")
	require.NoError(t, os.WriteFile(good, raw, 0o600))
	got, err := LoadKeypair("--keypair", good)
	require.NoError(t, err)
	assert.Equal(t, k, got)
}

// Go's flag package names a flag "-name"; users type "--name", and so do the errors.
func TestOnUsageErrorNamesFlagsAsTyped(t *testing.T) {
	for in, want := range map[string]string{
		`invalid value "abc" for flag -fraction: parse error`: `invalid value "abc" for flag --fraction: parse error`,
		"flag provided but not defined: -bogus":               "flag provided but not defined: --bogus",
		`invalid boolean value "x" for -json: parse error`:    `invalid boolean value "x" for --json: parse error`,
		"flag needs an argument: -class":                      "flag needs an argument: --class",
		"--amount -3: want a positive amount":                 "--amount -3: want a positive amount",
	} {
		err := OnUsageError(nil, errors.New(in), false)
		var u UsageError
		require.ErrorAs(t, err, &u)
		assert.Equal(t, want, u.Msg)
	}
}

func TestCheckRPCURL(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8899", "https://api.mainnet-beta.solana.com", "http://[::1]:8899/"} {
		assert.NoError(t, CheckRPCURL("--rpc-url", ok), ok)
	}
	for _, bad := range []string{"notaurl", "127.0.0.1:8899", "ws://127.0.0.1:8900", "http://", "", "http://%zz"} {
		var u UsageError
		assert.ErrorAs(t, CheckRPCURL("--rpc-url", bad), &u, bad)
	}
}
