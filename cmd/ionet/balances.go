package main

import (
	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/staking"
)

func balancesCommand() *cli.Command {
	return &cli.Command{
		Name: "balances", Usage: "wallets' SOL, $IO and IOSD (their associated token accounts), and io-hire's treasuries",
		ArgsUsage: "[name=]<wallet>…", Action: balances,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "treasury", Usage: "add io-hire's fee treasuries"}},
	}
}

func balances(c *cli.Context) error {
	type row struct {
		name      string
		sol       string
		io, iosd  solana.PublicKey
		hasWallet bool
	}
	e := newEnv(c)
	cfg, err := e.hire.Config(e.ctx)
	if err != nil {
		return err
	}
	var rows []row
	for _, a := range c.Args().Slice() {
		name, addr, named := cutName(a)
		w, err := pubkeyArg("wallet", addr)
		if err != nil {
			return err
		}
		if !named {
			name = w.String()
		}
		rows = append(rows, row{name: name, sol: w.String(), io: staking.ATA(w, cfg.IoMint), iosd: staking.ATA(w, cfg.IosdMint), hasWallet: true})
	}
	if c.Bool("treasury") {
		rows = append(rows, row{name: "io-hire treasury", io: hire.TreasuryAddress(cfg.IoMint), iosd: hire.TreasuryAddress(cfg.IosdMint)})
	}
	if len(rows) == 0 {
		return usagef("balances takes wallets (name=address to label them) or --treasury")
	}
	for _, r := range rows {
		v, err := e.balances(r.io, r.iosd)
		if err != nil {
			return err
		}
		sol := ""
		if r.hasWallet {
			out, err := e.client.RPC.GetBalance(e.ctx, solana.MustPublicKeyFromBase58(r.sol), "confirmed")
			if err != nil {
				return err
			}
			sol = ", " + staking.FormatAmount(out.Value, 9) + " SOL"
		}
		e.printf("  %-18s %s, %s IOSD%s\n", r.name, fmtIO(v[0]), hire.FormatUSD(v[1]), sol)
	}
	return nil
}

// cutName splits "name=address"; named is false for a bare address.
func cutName(s string) (name, address string, named bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			return s[:i], s[i+1:], true
		}
	}
	return "", s, false
}
