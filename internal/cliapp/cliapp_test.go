package cliapp

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

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
