package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
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
		name     string
		wallet   *solana.PublicKey // nil for the treasuries
		io, iosd solana.PublicKey
	}
	if c.NArg() == 0 && !c.Bool("treasury") {
		return usagef("balances takes wallets (name=address to label them) or --treasury")
	}
	e := newEnv(c)
	cfg, err := e.hire.Config(e.ctx)
	if err != nil {
		return err
	}
	var rows []row
	for _, a := range c.Args().Slice() {
		name, addr, named := strings.Cut(a, "=")
		if !named {
			addr = name
		}
		w, err := pubkeyArg("wallet", addr)
		if err != nil {
			return err
		}
		if !named {
			name = w.String()
		}
		rows = append(rows, row{name: name, wallet: &w, io: staking.ATA(w, cfg.IoMint), iosd: staking.ATA(w, cfg.IosdMint)})
	}
	if c.Bool("treasury") {
		rows = append(rows, row{name: "io-hire treasury", io: hire.TreasuryAddress(cfg.IoMint), iosd: hire.TreasuryAddress(cfg.IosdMint)})
	}
	type balance struct {
		Name   string  `json:"name"`
		Wallet string  `json:"wallet,omitempty"`
		IO     Amount  `json:"io"`
		IOSD   Amount  `json:"iosd"`
		SOL    *Amount `json:"sol,omitempty"`
	}
	out := make([]balance, 0, len(rows))
	for _, r := range rows {
		v, err := e.balances(r.io, r.iosd)
		if err != nil {
			return err
		}
		b := balance{Name: r.name, IO: ioJSON(v[0]), IOSD: iosdJSON(v[1])}
		if r.wallet != nil {
			got, err := e.client.RPC.GetBalance(e.ctx, *r.wallet, rpc.CommitmentConfirmed)
			if err != nil {
				return err
			}
			sol := solJSON(got.Value)
			b.Wallet, b.SOL = r.wallet.String(), &sol
		}
		out = append(out, b)
	}
	return output(c, struct {
		Balances []balance `json:"balances"`
	}{out}, func(w io.Writer) {
		for _, b := range out {
			sol := ""
			if b.SOL != nil {
				sol = ", " + b.SOL.Tokens + " SOL"
			}
			fmt.Fprintf(w, "  %-18s %s $IO, %s IOSD%s\n", b.Name, b.IO.Tokens, b.IOSD.Tokens, sol)
		}
	})
}
