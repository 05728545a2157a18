package main

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

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
		Usage:  "join io-rewards' keeper set (bond $IO), show and list keepers, leave the set",
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
			{
				Name: "deregister", Usage: "leave the keeper set (--keypair's keeper): the first run announces the exit (it stops serving from the next epoch " +
					"and the bond starts unbonding); run again once the unbonding is over and the vote window of its last voted epoch has closed, " +
					"it returns the bond and closes the keeper account (too early, it says what is left to wait)",
				Action: keeperDeregister,
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
	if err := e.checkFunds(w.PublicKey(), rc.IoMint, rc.Params.KeeperBond, "the keeper bond"); err != nil {
		return err
	}
	ix, err := rewards.RegisterKeeper(w.PublicKey(), rc.IoMint, endpoint)
	if err != nil {
		return err
	}
	sig, err := e.rewards.Send(e.ctx, []solana.PrivateKey{w}, ix)
	if err != nil {
		return fmt.Errorf("keeper register: %w", err)
	}
	v, err := e.keeperView(w.PublicKey())
	if err != nil {
		return err
	}
	r := struct {
		*TxResult
		Keeper KeeperView `json:"keeper"`
	}{txResult("keeper register", sig).account("keeper", rewards.KeeperAddress(w.PublicKey())).amount("bond", ioJSON(rc.Params.KeeperBond)), v}
	return output(c, r, func(out io.Writer) {
		fmt.Fprintf(out, "registered keeper %s: bonded %s\n", w.PublicKey(), fmtIO(rc.Params.KeeperBond))
		fmt.Fprintf(out, "  signature  %s\n", sig)
		v.print(out)
	})
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
	v, err := e.keeperView(authority)
	if err != nil {
		return err
	}
	return output(e.c, v, v.print)
}

// KeeperView is a keeper as `ionet keeper show` prints it.
type KeeperView struct {
	Authority    string  `json:"authority"`
	Account      string  `json:"account"`
	Bond         Amount  `json:"bond"`
	Endpoint     string  `json:"endpoint"`
	ActiveFrom   uint64  `json:"active_from"`
	Epoch        uint64  `json:"epoch"`
	EpochSeconds int64   `json:"epoch_seconds"`
	ExitFrom     *uint64 `json:"exit_from,omitempty"`
	// UnbondedAt is when the bond may come back (unix seconds), once the exit is announced.
	UnbondedAt    *int64  `json:"unbonded_at,omitempty"`
	LastVoteEpoch *uint64 `json:"last_vote_epoch,omitempty"`
}

func (e *env) keeperView(authority solana.PublicKey) (KeeperView, error) {
	k, err := e.rewards.Keeper(e.ctx, authority)
	if errors.Is(err, staking.ErrNotFound) {
		return KeeperView{}, fmt.Errorf("%s is not a keeper (no io-rewards keeper account; `ionet keeper register` bonds one)", authority)
	}
	if err != nil {
		return KeeperView{}, err
	}
	rc, err := e.rewards.Config(e.ctx)
	if err != nil {
		return KeeperView{}, err
	}
	now, err := e.client.Now(e.ctx)
	if err != nil {
		return KeeperView{}, err
	}
	v := KeeperView{Authority: authority.String(), Account: rewards.KeeperAddress(authority).String(), Bond: ioJSON(k.Bond),
		Endpoint: k.Endpoint, ActiveFrom: k.ActiveFrom, Epoch: rewards.EpochsOf(rc.Params).At(now),
		EpochSeconds: rc.Params.EpochSeconds, ExitFrom: k.ExitFrom, LastVoteEpoch: k.LastVoteEpoch}
	if w, ok := rewards.ExitWaitOf(k, rc.Params); ok {
		v.UnbondedAt = &w.UnbondedAt
	}
	return v, nil
}

func (v KeeperView) print(w io.Writer) {
	fmt.Fprintf(w, "keeper %s\n", v.Authority)
	fmt.Fprintf(w, "  account      %s\n", v.Account)
	fmt.Fprintf(w, "  bond         %s $IO\n", v.Bond.Tokens)
	fmt.Fprintf(w, "  endpoint     %s\n", v.Endpoint)
	fmt.Fprintf(w, "  serves from  epoch %d (now epoch %d of %ds)\n", v.ActiveFrom, v.Epoch, v.EpochSeconds)
	if v.ExitFrom != nil {
		fmt.Fprintf(w, "  exit         from epoch %d, bond unbonded at %s\n", *v.ExitFrom, time.Unix(*v.UnbondedAt, 0).UTC().Format(time.RFC3339))
	}
	if v.LastVoteEpoch != nil {
		fmt.Fprintf(w, "  last vote    epoch %d\n", *v.LastVoteEpoch)
	}
}

// keeperDeregister is `ionet keeper deregister`: announce_exit, then, once the rule of
// docs/rewards.md allows it, deregister_keeper.
func keeperDeregister(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	e := newEnv(c)
	w, err := e.wallet()
	if err != nil {
		return err
	}
	authority := w.PublicKey()
	k, err := e.rewards.Keeper(e.ctx, authority)
	if errors.Is(err, staking.ErrNotFound) {
		return fmt.Errorf("keeper deregister: %s is not a keeper (no io-rewards keeper account)", authority)
	}
	if err != nil {
		return err
	}
	rc, err := e.rewards.Config(e.ctx)
	if err != nil {
		return err
	}
	if k.ExitFrom == nil {
		ix, err := rewards.AnnounceExit(authority)
		if err != nil {
			return err
		}
		sig, err := e.rewards.Send(e.ctx, []solana.PrivateKey{w}, ix)
		if err != nil {
			return fmt.Errorf("keeper deregister: announce exit: %w", err)
		}
		v, err := e.keeperView(authority)
		if err != nil {
			return err
		}
		r := struct {
			*TxResult
			Keeper KeeperView `json:"keeper"`
		}{txResult("keeper announce exit", sig).account("keeper", rewards.KeeperAddress(authority)), v}
		return output(c, r, func(out io.Writer) {
			fmt.Fprintf(out, "announced the exit of keeper %s: it serves until epoch %d, and its %s bond unbonds for %s\n",
				authority, *v.ExitFrom, fmtIO(k.Bond), time.Duration(rc.Params.KeeperUnbondingSeconds)*time.Second)
			fmt.Fprintf(out, "  then       ionet keeper deregister (from %s) returns the bond\n", time.Unix(*v.UnbondedAt, 0).UTC().Format(time.RFC3339))
			fmt.Fprintf(out, "  signature  %s\n", sig)
		})
	}
	now, err := e.client.Now(e.ctx)
	if err != nil {
		return err
	}
	wait, _ := rewards.ExitWaitOf(k, rc.Params)
	unbonding, votes := wait.Left(now)
	if unbonding > 0 || votes > 0 {
		var left []string
		if unbonding > 0 {
			left = append(left, fmt.Sprintf("the unbonding, %s more (until %s; io-rewards refuses before: UnbondingNotOver)",
				time.Duration(unbonding)*time.Second, time.Unix(wait.UnbondedAt, 0).UTC().Format(time.RFC3339)))
		}
		if votes > 0 {
			left = append(left, fmt.Sprintf("the vote window of epoch %d, its last vote, %s more (io-rewards refuses before: VotedEpochOpen)",
				*wait.LastVoteEpoch, time.Duration(votes)*time.Second))
		}
		return fmt.Errorf("keeper deregister: too early for keeper %s: wait for %s", authority, strings.Join(left, ", and "))
	}
	ixs, err := rewards.DeregisterKeeper(authority, rc.IoMint)
	if err != nil {
		return err
	}
	dest := staking.ATA(authority, rc.IoMint)
	before, err := e.client.TokenBalance(e.ctx, dest)
	if err != nil {
		return err
	}
	sig, err := e.rewards.Send(e.ctx, []solana.PrivateKey{w}, ixs...)
	if err != nil {
		return fmt.Errorf("keeper deregister: %w", err)
	}
	after, err := e.client.TokenBalance(e.ctx, dest)
	if err != nil {
		return err
	}
	r := txResult("keeper deregister", sig).account("keeper", rewards.KeeperAddress(authority)).account("to", dest).
		amount("bond_returned", ioJSON(after-before))
	return output(c, r, func(out io.Writer) {
		fmt.Fprintf(out, "deregistered keeper %s: %s bond returned to %s, keeper account closed\n  signature  %s\n",
			authority, fmtIO(after-before), dest, sig)
	})
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
	type row struct {
		Authority     string  `json:"authority"`
		Bond          Amount  `json:"bond"`
		Endpoint      string  `json:"endpoint"`
		ActiveFrom    uint64  `json:"active_from"`
		ExitFrom      *uint64 `json:"exit_from,omitempty"`
		LastVoteEpoch *uint64 `json:"last_vote_epoch,omitempty"`
	}
	rows := make([]row, len(ks))
	for i, k := range ks {
		rows[i] = row{k.Authority.String(), ioJSON(k.Bond), k.Endpoint, k.ActiveFrom, k.ExitFrom, k.LastVoteEpoch}
	}
	return output(c, struct {
		Keepers []row `json:"keepers"`
	}{rows}, func(w io.Writer) {
		fmt.Fprintf(w, "%d keeper(s)\n", len(rows))
		for _, k := range rows {
			exit := ""
			if k.ExitFrom != nil {
				exit = fmt.Sprintf(", exits from epoch %d", *k.ExitFrom)
			}
			fmt.Fprintf(w, "  %s  bond %s $IO, serves from epoch %d%s, %s\n", k.Authority, k.Bond.Tokens, k.ActiveFrom, exit, k.Endpoint)
		}
	})
}
