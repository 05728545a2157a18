package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/chain/genesis"
)

func adminCommand() *cli.Command {
	return &cli.Command{
		Name:   "admin",
		Usage:  "deploy ionet on a cluster where the programs are deployed (anchor deploy): genesis",
		Action: noCommand,
		Subcommands: []*cli.Command{{
			Name: "genesis",
			Usage: "create the $IO mint (800M to --keypair, mint authority revoked) and the IOSD mint, then initialize " +
				"io-rewards (300M into its vault), io-staking and io-hire; --keypair must be the programs' upgrade " +
				"authority. Steps already on chain are skipped: run it again with the same mint keypairs to resume",
			ArgsUsage: " ",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "io-mint-keypair", Usage: "the $IO mint's keypair file (created when missing: keep it to resume)", Required: true},
				&cli.StringFlag{Name: "iosd-mint-keypair", Usage: "the IOSD mint's keypair file (created when missing)", Required: true},
				&cli.StringFlag{Name: "iosd-authority", Usage: "who may mint IOSD (default: --keypair)"},
				&cli.StringFlag{Name: "params", Usage: "a JSON file of the three programs' parameters, as chain/genesis/params.json (default: that file, docs/design.md's values)"},
				&cli.Int64Flag{Name: "epoch-seconds", Usage: "io-rewards' epoch length; the commit and vote windows follow (a sixth and a half of it)"},
				&cli.Uint64Flag{Name: "halving-epochs", Usage: "epochs per halving period"},
				&cli.Int64Flag{Name: "genesis-time", Usage: "unix time at which epoch 0 starts (default: the chain's clock now)"},
			},
			Action: adminGenesis,
		}},
	}
}

func adminGenesis(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	params := genesis.DefaultParams()
	if p := c.String("params"); p != "" {
		raw, err := os.ReadFile(p)
		if err != nil {
			return usagef("--params: %v", err)
		}
		if err := json.Unmarshal(raw, &params); err != nil {
			return usagef("--params: %s is not a parameters file: %v", p, err)
		}
	}
	if c.IsSet("epoch-seconds") {
		s := c.Int64("epoch-seconds")
		if s < 1 {
			return usagef("--epoch-seconds must be at least 1")
		}
		params.Rewards.EpochSeconds = s
		params.Rewards.CommitWindowSeconds = max(s/6, 1)
		params.Rewards.VoteWindowSeconds = max(s/2, 1)
	}
	if c.IsSet("halving-epochs") {
		if c.Uint64("halving-epochs") == 0 {
			return usagef("--halving-epochs must be at least 1")
		}
		params.Rewards.HalvingEpochs = c.Uint64("halving-epochs")
	}
	if c.IsSet("genesis-time") {
		params.Rewards.GenesisTs = c.Int64("genesis-time")
	}
	e := newEnv(c)
	deployer, err := e.wallet()
	if err != nil {
		return err
	}
	ioMint, err := keypairFileOrNew("--io-mint-keypair", c.String("io-mint-keypair"))
	if err != nil {
		return err
	}
	iosdMint, err := keypairFileOrNew("--iosd-mint-keypair", c.String("iosd-mint-keypair"))
	if err != nil {
		return err
	}
	var iosdAuthority solana.PublicKey
	if a := c.String("iosd-authority"); a != "" {
		if iosdAuthority, err = pubkeyArg("--iosd-authority", a); err != nil {
			return err
		}
	}
	r, err := genesis.Run(e.ctx, e.client.RPC, genesis.Options{
		Deployer: deployer, IOMint: ioMint, IOSDMint: iosdMint, IOSDAuthority: iosdAuthority, Params: params,
		Progress: func(step string) { fmt.Fprintln(c.App.ErrWriter, "  "+step) },
	})
	if err != nil {
		return err
	}
	e.printf("genesis done by %s\n", deployer.PublicKey())
	e.printf("  $IO mint        %s  (%s minted, mint authority revoked)\n", r.IOMint, fmtIO(genesis.IOSupply))
	e.printf("  IOSD mint       %s\n", r.IOSDMint)
	e.printf("  deployer's $IO  %s\n", r.GenesisIO)
	e.printf("  configs         io-staking %s, io-hire %s, io-rewards %s\n", r.StakingConfig, r.HireConfig, r.RewardsConfig)
	e.printf("  rewards vault   %s\n", r.RewardsVault)
	for _, s := range r.Steps {
		if s.Done {
			e.printf("  %-62s already on chain\n", s.Name)
		} else {
			e.printf("  %-62s %s\n", s.Name, s.Signature)
		}
	}
	return nil
}

// keypairFileOrNew loads a keypair file, or creates one (mode 0600) where none exists.
func keypairFileOrNew(flag, path string) (solana.PrivateKey, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		k, err := solana.NewRandomPrivateKey()
		if err != nil {
			return nil, err
		}
		if err := writeKeypair(path, k); err != nil {
			return nil, usagef("%s: %v", flag, err)
		}
		return k, nil
	}
	return loadKeypair(flag, path)
}

// writeKeypair writes k as a Solana CLI JSON keypair file (a JSON array of its 64
// bytes), refusing to overwrite one.
func writeKeypair(path string, k solana.PrivateKey) error {
	b := make([]int, len(k))
	for i, x := range k {
		b[i] = int(x)
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
