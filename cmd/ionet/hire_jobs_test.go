package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"
)

func TestHireShellJoin(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"python", "train.py", "--epochs=3"}, "python train.py --epochs=3"},
		{[]string{"sh", "-c", `echo "rank $IONET_RANK"`}, `sh -c 'echo "rank $IONET_RANK"'`},
		{[]string{"echo", "it's", ""}, `echo 'it'\''s' ''`},
	} {
		assert.Equal(t, c.want, shellJoin(c.args))
	}
}

// The follow-up commands hire run prints carry --keypair when it came from the flag;
// from IONET_KEYPAIR or the default keypair they work as printed without it.
func TestHireFollowUpCarriesTheKeypairFlag(t *testing.T) {
	for _, c := range []struct {
		env  string
		args []string
		want string
	}{
		{"", []string{"--keypair", "renter.json"}, "ionet --keypair renter.json"},
		{"", []string{"--keypair", "my keys/renter.json"}, "ionet --keypair 'my keys/renter.json'"},
		{"", nil, "ionet"},
		{"renter.json", nil, "ionet"},
		{"other.json", []string{"--keypair", "renter.json"}, "ionet --keypair renter.json"},
	} {
		t.Setenv("IONET_KEYPAIR", c.env)
		var got string
		app := &cli.App{
			Flags:  []cli.Flag{&cli.StringFlag{Name: "keypair", EnvVars: []string{"IONET_KEYPAIR"}}},
			Action: func(ctx *cli.Context) error { got = followUp(ctx); return nil },
		}
		require.NoError(t, app.Run(append([]string{"ionet"}, c.args...)))
		assert.Equal(t, c.want, got, "IONET_KEYPAIR=%q %v", c.env, c.args)
	}
}
