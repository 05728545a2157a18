package main

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/worker/jobs"
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

// A closed order's id can be taken again, at the same address: its jobs are told
// apart by the order's creation time.
func TestOfOrderTellsAReusedAddressApart(t *testing.T) {
	order := solana.NewWallet().PublicKey()
	now := &iohire.HireOrder{CreatedAt: 2_000}
	assert.True(t, ofOrder(jobs.Status{Order: order.String(), OrderCreatedAt: 2_000}, order, now))
	assert.False(t, ofOrder(jobs.Status{Order: order.String(), OrderCreatedAt: 1_000}, order, now), "the earlier order's job")
	assert.True(t, ofOrder(jobs.Status{Order: order.String()}, order, now), "a worker that does not say")
	assert.True(t, ofOrder(jobs.Status{Order: order.String(), OrderCreatedAt: 1_000}, order, &iohire.HireOrder{}), "an order already closed")
	assert.False(t, ofOrder(jobs.Status{Order: solana.NewWallet().PublicKey().String(), OrderCreatedAt: 2_000}, order, now))
}
