package main

import (
	"errors"
	"fmt"
	"math/big"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
)

// stakeGroupCommand is the delegator's side: delegate, undelegate, withdraw, claim, list.
// The operator's own stake is under `node stake|unstake`.
func stakeGroupCommand() *cli.Command {
	return &cli.Command{
		Name:   "stake",
		Usage:  "delegate $IO to nodes, undelegate, withdraw after the cooldown, claim rewards, list positions",
		Action: noCommand,
		Subcommands: []*cli.Command{
			delegateCommand(), undelegateCommand(), withdrawCommand(), claimCommand(), positionsCommand(),
		},
	}
}

func stakeCommand() *cli.Command {
	return &cli.Command{
		Name: "stake", Usage: "the operator (--keypair) adds $IO to its node's pool",
		ArgsUsage: "<node> <amount $IO>", Action: stake,
	}
}

func unstakeCommand() *cli.Command {
	return &cli.Command{
		Name: "unstake", Usage: "the operator moves stake into a cooldown ticket",
		ArgsUsage: "<node> <amount $IO>  (or --all)", Action: unstake,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "all", Usage: "all of the operator's shares"}},
	}
}

func delegateCommand() *cli.Command {
	return &cli.Command{
		Name: "delegate", Usage: "delegate $IO to a node, within its caps",
		ArgsUsage: "<node> <amount $IO>", Action: delegate,
	}
}

func undelegateCommand() *cli.Command {
	return &cli.Command{
		Name: "undelegate", Usage: "move delegated stake into a cooldown ticket",
		ArgsUsage: "<node> <amount $IO>  (or --all)", Action: undelegate,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "all", Usage: "the whole position"}},
	}
}

func withdrawCommand() *cli.Command {
	return &cli.Command{
		Name: "withdraw", Usage: "redeem a ticket after its cooldown into your $IO account",
		ArgsUsage: "<ticket>", Action: withdraw,
	}
}

func claimCommand() *cli.Command {
	return &cli.Command{
		Name: "claim", Usage: "claim a position's delegator rewards ($IO and IOSD)",
		ArgsUsage: "<node>", Action: claim,
	}
}

// nodeAndAmount reads "<node> <amount>" and loads the wallet, the node and the config.
func nodeAndAmount(c *cli.Context, all bool) (*env, solana.PrivateKey, solana.PublicKey, *iostaking.Node, *iostaking.StakingConfig, uint64, error) {
	var amount uint64
	if all {
		if err := args(c, "node"); err != nil {
			return nil, nil, solana.PublicKey{}, nil, nil, 0, err
		}
	} else {
		if err := args(c, "node", "amount"); err != nil {
			return nil, nil, solana.PublicKey{}, nil, nil, 0, err
		}
		var err error
		if amount, err = amountArg(c.Args().Get(1)); err != nil {
			return nil, nil, solana.PublicKey{}, nil, nil, 0, err
		}
	}
	e := newEnv(c)
	wallet, err := e.wallet()
	if err != nil {
		return nil, nil, solana.PublicKey{}, nil, nil, 0, err
	}
	addr, n, err := e.node(c.Args().First())
	if err != nil {
		return nil, nil, solana.PublicKey{}, nil, nil, 0, err
	}
	cfg, err := e.config()
	if err != nil {
		return nil, nil, solana.PublicKey{}, nil, nil, 0, err
	}
	return e, wallet, addr, n, cfg, amount, nil
}

func diff(after, before bin.Uint128) *big.Int {
	return new(big.Int).Sub(after.BigInt(), before.BigInt())
}

func stake(c *cli.Context) error {
	e, op, node, n, cfg, amount, err := nodeAndAmount(c, false)
	if err != nil {
		return err
	}
	if !n.Operator.Equals(op.PublicKey()) {
		return fmt.Errorf("stake: %s is not the operator of node %s (%s is; delegators use `ionet stake delegate`)", op.PublicKey(), node, n.Operator)
	}
	ix, err := staking.Stake(op.PublicKey(), node, cfg.IoMint, amount)
	if err != nil {
		return err
	}
	sig, err := e.client.Send(e.ctx, []solana.PrivateKey{op}, ix)
	if err != nil {
		return fmt.Errorf("stake: %w", err)
	}
	after, err := e.client.Node(e.ctx, node)
	if err != nil {
		return err
	}
	e.printf("staked %s on node %s\n", fmtIO(amount), node)
	e.printf("  shares     %s (operator shares now %s)\n", diff(after.Pool.OperatorShares, n.Pool.OperatorShares), after.Pool.OperatorShares)
	e.printf("  stake      %s (required %s: eligible %t)\n", fmtIO(staking.OperatorStake(after)),
		fmtIO(staking.RequiredOperatorStake(after, cfg.Params)), staking.IsStaked(after, cfg.Params))
	e.printf("  pool       %s\n  signature  %s\n", fmtIO(after.Pool.Tokens), sig)
	return nil
}

func delegate(c *cli.Context) error {
	e, owner, node, _, cfg, amount, err := nodeAndAmount(c, false)
	if err != nil {
		return err
	}
	position := staking.DelegationAddress(node, owner.PublicKey())
	before := bin.Uint128{}
	if d, err := e.client.Delegation(e.ctx, position); err == nil {
		before = d.Shares
	} else if !errors.Is(err, staking.ErrNotFound) {
		return err
	}
	ix, err := staking.Delegate(owner.PublicKey(), node, cfg.IoMint, amount)
	if err != nil {
		return err
	}
	sig, err := e.client.Send(e.ctx, []solana.PrivateKey{owner}, ix)
	if err != nil {
		return fmt.Errorf("delegate: %w", err)
	}
	after, err := e.client.Node(e.ctx, node)
	if err != nil {
		return err
	}
	d, err := e.client.Delegation(e.ctx, position)
	if err != nil {
		return err
	}
	delegated := staking.DelegatedStake(after)
	e.printf("delegated %s to node %s\n", fmtIO(amount), node)
	e.printf("  position   %s: %s shares, worth %s\n", position, d.Shares, fmtIO(staking.ValueOf(after.Pool, d.Shares)))
	e.printf("  shares     %s bought\n", diff(d.Shares, before))
	e.printf("  node       %s delegated, room for %s more\n", fmtIO(delegated), fmtIO(staking.NodeCaps(after, cfg.Params).Room(delegated)))
	e.printf("  signature  %s\n", sig)
	return nil
}

// sharesFor turns an amount of $IO into the shares that redeem for at most it; all
// takes every share held.
func sharesFor(n *iostaking.Node, held bin.Uint128, amount uint64, all bool) (bin.Uint128, error) {
	return staking.CooldownShares(n, held, amount, all)
}

func unstake(c *cli.Context) error { return cooldown(c, true) }

func undelegate(c *cli.Context) error { return cooldown(c, false) }

// cooldown opens a ticket: the operator's (unstake) or a delegator's (undelegate).
func cooldown(c *cli.Context, operator bool) error {
	name := map[bool]string{true: "unstake", false: "undelegate"}[operator]
	e, w, node, n, _, amount, err := nodeAndAmount(c, c.Bool("all"))
	if err != nil {
		return err
	}
	owner := w.PublicKey()
	var held bin.Uint128
	if operator {
		if !n.Operator.Equals(owner) {
			return fmt.Errorf("%s: %s is not the operator of node %s", name, owner, node)
		}
		held = n.Pool.OperatorShares
	} else {
		d, err := e.client.Delegation(e.ctx, staking.DelegationAddress(node, owner))
		if err != nil {
			return fmt.Errorf("%s: no position of %s in node %s: %w", name, owner, node, err)
		}
		held = d.Shares
	}
	shares, err := sharesFor(n, held, amount, c.Bool("all"))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	id, err := e.client.NextTicketID(e.ctx, node, owner)
	if err != nil {
		return err
	}
	var ix solana.Instruction
	if operator {
		ix, err = staking.Unstake(owner, node, shares, id)
	} else {
		ix, err = staking.Undelegate(owner, node, shares, id)
	}
	if err != nil {
		return err
	}
	sig, err := e.client.Send(e.ctx, []solana.PrivateKey{w}, ix)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	ticket := staking.TicketAddress(node, owner, id)
	t, err := e.client.Ticket(e.ctx, ticket)
	if err != nil {
		return err
	}
	after, err := e.client.Node(e.ctx, node)
	if err != nil {
		return err
	}
	now, err := e.client.Now(e.ctx)
	if err != nil {
		return err
	}
	e.printf("%s: %s shares of node %s into cooldown\n", name, t.Shares, node)
	e.printf("  ticket     %s (id %d), worth %s now, %s\n", ticket, t.Id, fmtIO(staking.ValueOf(after.Pool, t.Shares)), unlockIn(t.UnlocksAt, now))
	e.printf("  then       ionet stake withdraw %s\n  signature  %s\n", ticket, sig)
	return nil
}

func withdraw(c *cli.Context) error {
	if err := args(c, "ticket"); err != nil {
		return err
	}
	addr, err := pubkeyArg("ticket", c.Args().First())
	if err != nil {
		return err
	}
	e := newEnv(c)
	w, err := e.wallet()
	if err != nil {
		return err
	}
	t, err := e.client.Ticket(e.ctx, addr)
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	dest := staking.ATA(w.PublicKey(), cfg.IoMint)
	before, err := e.client.TokenBalance(e.ctx, dest)
	if err != nil {
		return err
	}
	ixs, err := staking.Withdraw(w.PublicKey(), t.Node, addr, cfg.IoMint)
	if err != nil {
		return err
	}
	sig, err := e.client.Send(e.ctx, []solana.PrivateKey{w}, ixs...)
	if err != nil {
		return fmt.Errorf("withdraw: %w", err)
	}
	after, err := e.client.TokenBalance(e.ctx, dest)
	if err != nil {
		return err
	}
	e.printf("withdrew %s from node %s (ticket %s, %s shares, closed)\n", fmtIO(after-before), t.Node, addr, t.Shares)
	e.printf("  to         %s\n  signature  %s\n", dest, sig)
	return nil
}

func claim(c *cli.Context) error {
	if err := args(c, "node"); err != nil {
		return err
	}
	e := newEnv(c)
	w, err := e.wallet()
	if err != nil {
		return err
	}
	node, _, err := e.node(c.Args().First())
	if err != nil {
		return err
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	owner := w.PublicKey()
	mints := []struct {
		name     string
		mint     solana.PublicKey
		decimals uint8
	}{{"$IO", cfg.IoMint, staking.IODecimals}, {"IOSD", cfg.IosdMint, staking.USDDecimals}}
	var ixs []solana.Instruction
	before := make([]uint64, len(mints))
	for i, m := range mints {
		if before[i], err = e.client.TokenBalance(e.ctx, staking.ATA(owner, m.mint)); err != nil {
			return err
		}
		more, err := staking.Claim(owner, owner, node, m.mint)
		if err != nil {
			return err
		}
		ixs = append(ixs, more...)
	}
	sig, err := e.client.Send(e.ctx, []solana.PrivateKey{w}, ixs...)
	if err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	e.printf("claimed delegator rewards of node %s\n", node)
	for i, m := range mints {
		after, err := e.client.TokenBalance(e.ctx, staking.ATA(owner, m.mint))
		if err != nil {
			return err
		}
		e.printf("  %-5s      %s\n", m.name, staking.FormatAmount(after-before[i], m.decimals))
	}
	e.printf("  signature  %s\n", sig)
	return nil
}
