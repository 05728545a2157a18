package main

import (
	"fmt"
	"io"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/staking"
)

// devCommand holds what only ionet-localnet answers: funding from its genesis faucet,
// the clock, the development-only attestation, and the stand-ins for ionet-keeper's
// epoch duty and order matching (devepoch.go).
func devCommand() *cli.Command {
	genesis := &cli.StringFlag{Name: "genesis", Usage: "the localnet's genesis.json (faucet keypair, mints); default: what the node at --rpc-url answers to ionet_genesis",
		EnvVars: []string{"IONET_GENESIS"}}
	return &cli.Command{
		Name:   "dev",
		Usage:  "ionet-localnet only: keys, funding from the faucet, the clock, and stand-ins for keepers (epochs, matching, attestation)",
		Action: noCommand,
		Subcommands: []*cli.Command{
			{
				Name: "keygen", Usage: "write a new Solana CLI JSON keypair file and print its address",
				ArgsUsage: "<file>", Action: devKeygen,
			},
			{
				Name: "fund", Usage: "send SOL and $IO from the genesis faucet, and mint IOSD (the faucet is its mint authority)",
				ArgsUsage: "<wallet>", Action: devFund,
				Flags: []cli.Flag{genesis,
					&cli.StringFlag{Name: "sol", Usage: "SOL to send", Value: "1"},
					&cli.StringFlag{Name: "io", Usage: "$IO to send", Value: "0"},
					&cli.StringFlag{Name: "iosd", Usage: "IOSD to mint (up to 6 decimals)", Value: "0"},
				},
			},
			devEpochCommand(genesis),
			devAssignCommand(),
			{
				Name: "warp", Usage: "move the chain's clock forward (ionet_warpSlot): cooldowns, epochs and hire streams pass",
				Action: devWarp,
				Flags: []cli.Flag{genesis,
					&cli.DurationFlag{Name: "by", Usage: "how far, e.g. 1h or 90s", Required: true},
				},
			},
			{
				Name: "attest", Usage: "write a node's attested capacity directly (ionet_attestCapacity; `dev epoch` does it the real way, through a claimed epoch report)",
				ArgsUsage: "<node>", Action: devAttest,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "tops", Usage: "attested TOPS (up to 3 decimals)", Required: true},
					&cli.Uint64Flag{Name: "epoch", Usage: "the epoch attested", Value: 1},
					&cli.UintFlag{Name: "uptime-bps", Usage: "uptime in basis points", Value: 10_000},
					&cli.StringFlag{Name: "epoch-reward", Usage: "the node's availability reward that epoch, $IO", Value: "0"},
				},
			},
		},
	}
}

func devKeygen(c *cli.Context) error {
	if err := args(c, "file"); err != nil {
		return err
	}
	k, err := solana.NewRandomPrivateKey()
	if err != nil {
		return err
	}
	if err := writeKeypair(c.Args().First(), k); err != nil {
		return fmt.Errorf("keygen: %w", err)
	}
	return output(c, struct {
		Address string `json:"address"`
		File    string `json:"file"`
	}{k.PublicKey().String(), c.Args().First()}, func(w io.Writer) { fmt.Fprintln(w, k.PublicKey()) })
}

func devFund(c *cli.Context) error {
	if err := args(c, "wallet"); err != nil {
		return err
	}
	to, err := pubkeyArg("wallet", c.Args().First())
	if err != nil {
		return err
	}
	lamports, err := staking.ParseAmount(c.String("sol"), 9)
	if err != nil {
		return usagef("--sol: %v", err)
	}
	amount, err := staking.ParseIO(c.String("io"))
	if err != nil {
		return usagef("--io: %v", err)
	}
	iosd, err := staking.ParseUSDMicro(c.String("iosd"))
	if err != nil {
		return usagef("--iosd: %v", err)
	}
	g, err := devGenesis(c)
	if err != nil {
		return err
	}
	faucet, err := g.Faucet()
	if err != nil {
		return err
	}
	ixs := g.FundInstructions(faucet.PublicKey(), to, lamports, amount)
	if iosd > 0 {
		ixs = append(ixs, g.MintIOSDInstructions(faucet.PublicKey(), to, iosd)...)
	}
	if len(ixs) == 0 {
		return usagef("nothing to send: --sol, --io and --iosd are all 0")
	}
	e := newEnv(c)
	sig, err := e.sendAsFaucet(faucet, ixs...)
	if err != nil {
		return fmt.Errorf("fund: %w", err)
	}
	r := txResult("dev fund", sig).account("wallet", to).amount("sol", solJSON(lamports)).amount("io", ioJSON(amount)).
		amount("iosd", iosdJSON(iosd))
	return output(c, r, func(w io.Writer) {
		fmt.Fprintf(w, "funded %s from the faucet: %s SOL, %s, %s IOSD\n  signature  %s\n", to,
			staking.FormatAmount(lamports, 9), fmtIO(amount), staking.FormatAmount(iosd, staking.USDDecimals), sig)
	})
}

func devAttest(c *cli.Context) error {
	if err := args(c, "node"); err != nil {
		return err
	}
	tops, err := staking.ParseAmount(c.String("tops"), 3)
	if err != nil {
		return usagef("--tops: %v", err)
	}
	reward, err := staking.ParseIO(c.String("epoch-reward"))
	if err != nil {
		return usagef("--epoch-reward: %v", err)
	}
	if c.Uint("uptime-bps") > 10_000 {
		return usagef("--uptime-bps: at most 10000")
	}
	e := newEnv(c)
	node, n, err := e.node(c.Args().First())
	if err != nil {
		return err
	}
	capacity := localnet.Capacity{Epoch: c.Uint64("epoch"), Class: n.Spec.GpuClass, TopsMilli: tops,
		UptimeBps: uint16(c.Uint("uptime-bps")), EpochReward: reward}
	slot, err := localnet.AttestCapacity(e.ctx, e.client.RPC, node, capacity)
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	after, err := e.client.Node(e.ctx, node)
	if err != nil {
		return err
	}
	e.printf("attested node %s (development only: io-rewards' claims do this from finalized epoch reports)\n", node)
	e.printf("  epoch %d, %s TOPS of %s, uptime %s%%, slot %d\n", capacity.Epoch, staking.FormatAmount(tops, 3),
		className(capacity.Class), staking.FormatAmount(uint64(capacity.UptimeBps), 2), slot)
	e.printf("  delegation cap by capacity: %s\n", fmtIO(staking.NodeCaps(after, cfg.Params).ByCapacity))
	return nil
}

// devGenesis is --genesis's file, or else the genesis the localnet at --rpc-url serves
// (ionet_genesis): the faucet's keypair file is on this machine either way.
func devGenesis(c *cli.Context) (*localnet.Genesis, error) {
	if p := c.String("genesis"); p != "" {
		return localnet.ReadGenesis(p)
	}
	return localnet.FetchGenesis(c.Context, newEnv(c).client.RPC)
}
