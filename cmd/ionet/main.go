// Command ionet is the wallet side of ionet: operators register nodes and stake,
// stakers delegate, undelegate, withdraw and claim, and anyone lists nodes and
// positions, all against io-staking on the cluster at --rpc-url.
//
//	ionet node register --worker-keypair w.json --class h100-sxm --gpus 8 … --ask 2.15 --endpoint http://…
//	ionet node stake <node> 1000
//	ionet stake delegate <node> 250.5
//	ionet stake list
//
// Amounts are $IO with up to 8 decimals, read exactly. Exit status: 0 done, 1 failed
// (a refused transaction prints io-staking's named error), 2 bad usage.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/internal/cliapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := newApp(os.Stdout, os.Stderr).RunContext(ctx, os.Args)
	stop()
	os.Exit(exitCode(os.Stderr, err))
}

func exitCode(stderr io.Writer, err error) int { return cliapp.ExitCode(stderr, "ionet", err) }

// usageError and usagef: a bad flag, argument or config value (exit status 2).
type usageError = cliapp.UsageError

var usagef = cliapp.Usagef

func newApp(stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:      "ionet",
		Usage:     "register nodes, stake and delegate $IO (io-staking), keep (io-rewards) and hire GPUs (io-hire) on ionet",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "rpc-url", Usage: "Solana JSON-RPC endpoint", EnvVars: []string{"IONET_RPC_URL"}, Value: "http://127.0.0.1:8899"},
			&cli.StringFlag{Name: "keypair", Usage: "the signing wallet: a Solana CLI JSON keypair file (default: ~/.config/solana/id.json, as the Solana CLI's)", EnvVars: []string{"IONET_KEYPAIR"}},
			jsonFlag(),
		},
		// Unknown flags and the like come back as errors; main prints them and exits 2.
		OnUsageError:   cliapp.OnUsageError,
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			nodeCommand(),
			stakeGroupCommand(),
			keeperCommand(),
			rewardsCommand(),
			hireCommand(),
			balancesCommand(),
			networkCommand(),
			faucetCommand(),
			adminCommand(),
			devCommand(),
			{Name: "address", Usage: "print --keypair's address", Action: printAddress},
		},
		Before: func(c *cli.Context) error { return cliapp.CheckRPCURL("--rpc-url", c.String("rpc-url")) },
		Action: noCommand,
	}
	addJSONFlags(app.Commands)
	usageErrors(app.Commands)
	return app
}

// usageErrors makes every command's flag errors usage errors (exit 2), as the app's.
func usageErrors(cmds []*cli.Command) {
	for _, c := range cmds {
		c.OnUsageError = cliapp.OnUsageError
		usageErrors(c.Subcommands)
	}
}

// noCommand is the action of the app and of command groups: help without arguments,
// a usage error for a word that is no command.
func noCommand(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("no command %q (see --help)", c.Args().First())
	}
	return cli.ShowAppHelp(c)
}

func printAddress(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	w, err := newEnv(c).wallet()
	if err != nil {
		return err
	}
	return output(c, struct {
		Address string `json:"address"`
	}{w.PublicKey().String()}, func(out io.Writer) { fmt.Fprintln(out, w.PublicKey()) })
}
