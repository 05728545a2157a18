package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
)

// keeperCommand holds a keeper's side of io-rewards: bonding into the keeper set and
// reading a keeper back.
func keeperCommand() *cli.Command {
	return &cli.Command{
		Name:   "keeper",
		Usage:  "join io-rewards' keeper set (bond $IO) and show a keeper",
		Action: noCommand,
		Subcommands: []*cli.Command{
			{
				Name: "register", Usage: "bond io-rewards' keeper bond from --keypair's $IO and list the endpoint of its observation logs; it serves from the next epoch",
				Action: keeperRegister,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "endpoint", Usage: "URL where the keeper serves its observation logs (1-128 bytes)", Required: true},
				},
			},
			{
				Name: "show", Usage: "a keeper's bond, endpoint and epochs (default: --keypair's)",
				ArgsUsage: "[keeper authority]", Action: keeperShow,
			},
			{
				Name: "list", Usage: "every keeper io-rewards lists: authority, bond, endpoint, epochs served",
				Action: keeperList,
			},
		},
	}
}

func keeperRegister(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	endpoint := c.String("endpoint")
	if len(endpoint) == 0 || len(endpoint) > 128 {
		return usagef("--endpoint: 1 to 128 bytes, got %d", len(endpoint))
	}
	e := newEnv(c)
	w, err := e.wallet()
	if err != nil {
		return err
	}
	if _, err := e.rewards.Keeper(e.ctx, w.PublicKey()); err == nil {
		return fmt.Errorf("keeper %s is already registered (ionet keeper show)", w.PublicKey())
	} else if !errors.Is(err, staking.ErrNotFound) {
		return err
	}
	rc, err := e.rewards.Config(e.ctx)
	if err != nil {
		return err
	}
	ix, err := rewards.RegisterKeeper(w.PublicKey(), rc.IoMint, endpoint)
	if err != nil {
		return err
	}
	sig, err := e.rewards.Send(e.ctx, []solana.PrivateKey{w}, ix)
	if err != nil {
		return err
	}
	e.printf("registered keeper %s: bonded %s\n", w.PublicKey(), fmtIO(rc.Params.KeeperBond))
	e.printf("  signature  %s\n", sig)
	return e.showKeeper(w.PublicKey())
}

func keeperShow(c *cli.Context) error {
	e := newEnv(c)
	var authority solana.PublicKey
	switch c.NArg() {
	case 0:
		w, err := e.wallet()
		if err != nil {
			return err
		}
		authority = w.PublicKey()
	default:
		if err := args(c, "keeper"); err != nil {
			return err
		}
		k, err := pubkeyArg("keeper", c.Args().First())
		if err != nil {
			return err
		}
		authority = k
	}
	return e.showKeeper(authority)
}

func (e *env) showKeeper(authority solana.PublicKey) error {
	k, err := e.rewards.Keeper(e.ctx, authority)
	if err != nil {
		return err
	}
	rc, err := e.rewards.Config(e.ctx)
	if err != nil {
		return err
	}
	now, err := e.client.Now(e.ctx)
	if err != nil {
		return err
	}
	current := rewards.EpochsOf(rc.Params).At(now)
	e.printf("keeper %s\n", authority)
	e.printf("  account      %s\n", rewards.KeeperAddress(authority))
	e.printf("  bond         %s\n", fmtIO(k.Bond))
	e.printf("  endpoint     %s\n", k.Endpoint)
	e.printf("  serves from  epoch %d (now epoch %d of %ds)\n", k.ActiveFrom, current, rc.Params.EpochSeconds)
	if k.ExitFrom != nil {
		e.printf("  exit         from epoch %d\n", *k.ExitFrom)
	}
	if k.LastVoteEpoch != nil {
		e.printf("  last vote    epoch %d\n", *k.LastVoteEpoch)
	}
	return nil
}

// keeperList is `ionet keeper list`: every keeper account, by the epoch it serves
// from, then authority.
func keeperList(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	e := newEnv(c)
	snap, err := follower.Read(e.ctx, c.String("rpc-url"))
	if err != nil {
		return err
	}
	if snap.RewardsConfig == nil {
		return fmt.Errorf("io-rewards is not initialized on %s", c.String("rpc-url"))
	}
	ks := make([]*iorewards.Keeper, 0, len(snap.Keepers))
	for _, k := range snap.Keepers {
		ks = append(ks, k)
	}
	slices.SortFunc(ks, func(a, b *iorewards.Keeper) int {
		return cmp.Or(cmp.Compare(a.ActiveFrom, b.ActiveFrom), bytes.Compare(a.Authority[:], b.Authority[:]))
	})
	e.printf("%d keeper(s)\n", len(ks))
	for _, k := range ks {
		exit := ""
		if k.ExitFrom != nil {
			exit = fmt.Sprintf(", exits from epoch %d", *k.ExitFrom)
		}
		e.printf("  %s  bond %s, serves from epoch %d%s, %s\n", k.Authority, fmtIO(k.Bond), k.ActiveFrom, exit, k.Endpoint)
	}
	return nil
}
