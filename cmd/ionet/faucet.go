package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/chain/txbatch"
)

// faucetCommand is `ionet faucet iosd`: on an ionet-localnet the genesis faucet is
// IOSD's mint authority, so it mints test dollars; elsewhere IOSD has no faucet.
func faucetCommand() *cli.Command {
	return &cli.Command{
		Name:   "faucet",
		Usage:  "test tokens from an ionet-localnet's genesis faucet (localnet only)",
		Action: noCommand,
		Subcommands: []*cli.Command{{
			Name:      "iosd",
			Usage:     "mint IOSD (up to 6 decimals) to a wallet (default: --keypair's); refused on any RPC that is not an ionet-localnet",
			ArgsUsage: "<amount IOSD> [recipient]",
			Action:    faucetIOSD,
		}},
	}
}

func faucetIOSD(c *cli.Context) error {
	names := []string{"amount"}
	if c.NArg() > 1 {
		names = append(names, "recipient")
	}
	if err := args(c, names...); err != nil {
		return err
	}
	amount, err := staking.ParseUSDMicro(c.Args().First())
	if err != nil {
		return usagef("faucet iosd: %v", err)
	}
	if amount == 0 {
		return usagef("faucet iosd: the amount must be positive")
	}
	e := newEnv(c)
	var to solana.PublicKey
	if c.NArg() > 1 {
		if to, err = pubkeyArg("recipient", c.Args().Get(1)); err != nil {
			return err
		}
	} else {
		w, err := e.wallet()
		if err != nil {
			return err
		}
		to = w.PublicKey()
	}
	g, err := localnet.FetchGenesis(e.ctx, e.client.RPC)
	if errors.Is(err, localnet.ErrNotLocalnet) {
		return fmt.Errorf("faucet iosd: %s is %w: IOSD has a faucet only on a local network, whose genesis faucet is its mint authority",
			c.String("rpc-url"), err)
	}
	if err != nil {
		return err
	}
	faucet, err := g.Faucet()
	if err != nil {
		return fmt.Errorf("faucet iosd: %w", err)
	}
	account := staking.ATA(to, g.Mints.IOSD)
	before, err := e.client.TokenBalance(e.ctx, account)
	if err != nil {
		return err
	}
	sig, err := e.sendAsFaucet(faucet, g.MintIOSDInstructions(faucet.PublicKey(), to, amount)...)
	if err != nil {
		return fmt.Errorf("faucet iosd: %w", err)
	}
	after, err := e.client.TokenBalance(e.ctx, account)
	if err != nil {
		return err
	}
	r := txResult("faucet iosd", sig).account("recipient", to).account("iosd_account", account).
		amount("minted", iosdJSON(amount)).amount("balance", iosdJSON(after))
	return output(c, r, func(w io.Writer) {
		fmt.Fprintf(w, "minted %s IOSD to %s from the localnet's faucet (was %s IOSD, now %s IOSD)\n  signature  %s\n",
			staking.FormatAmount(amount, staking.USDDecimals), to, staking.FormatAmount(before, staking.USDDecimals),
			staking.FormatAmount(after, staking.USDDecimals), sig)
	})
}

// sendAsFaucet sends ixs signed by the localnet's faucet alone. Two identical
// requests (same recipient and amount) within one blockhash are the same
// transaction, which the chain refuses as already processed; each request is meant
// as a new one, so the second is sent again under the next blockhash.
func (e *env) sendAsFaucet(faucet solana.PrivateKey, ixs ...solana.Instruction) (solana.Signature, error) {
	signers := []solana.PrivateKey{faucet}
	deadline := time.Now().Add(10 * time.Second)
	for {
		sig, err := e.client.Send(e.ctx, signers, ixs...)
		if err == nil || !txbatch.IsTxError(err, "AlreadyProcessed") || time.Now().After(deadline) {
			return sig, err
		}
		select { // Send takes the latest blockhash: once it moves, the transaction is new
		case <-e.ctx.Done():
			return sig, e.ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
