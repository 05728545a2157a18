package main

import (
	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
)

func positionsCommand() *cli.Command {
	return &cli.Command{
		Name:   "list",
		Usage:  "a wallet's operator stake, delegations and cooldown tickets",
		Flags:  []cli.Flag{&cli.StringFlag{Name: "owner", Usage: "the wallet (default: --keypair's)"}},
		Action: positions,
	}
}

func positions(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	e := newEnv(c)
	var owner solana.PublicKey
	if o := c.String("owner"); o != "" {
		k, err := pubkeyArg("--owner", o)
		if err != nil {
			return err
		}
		owner = k
	} else {
		w, err := e.wallet()
		if err != nil {
			return usagef("positions needs --owner or --keypair")
		}
		owner = w.PublicKey()
	}
	nodes, err := e.client.Nodes(e.ctx, staking.OperatorNodesFilter(owner))
	if err != nil {
		return err
	}
	delegations, err := e.client.Delegations(e.ctx, staking.OwnerDelegationsFilter(owner))
	if err != nil {
		return err
	}
	tickets, err := e.client.Tickets(e.ctx, staking.OwnerTicketsFilter(owner))
	if err != nil {
		return err
	}
	now, err := e.client.Now(e.ctx)
	if err != nil {
		return err
	}
	e.printf("positions of %s\n", owner)
	e.printf("operator stake: %d node(s)\n", len(nodes))
	for _, n := range nodes {
		e.printf("  node %s  %s shares, worth %s\n", n.Address, n.Node.Pool.OperatorShares, fmtIO(staking.OperatorStake(n.Node)))
	}
	// Shares are priced by their node's pool; read each node once.
	pools := map[solana.PublicKey]*iostaking.Node{}
	nodeOf := func(k solana.PublicKey) (*iostaking.Node, error) {
		if n, ok := pools[k]; ok {
			return n, nil
		}
		n, err := e.client.Node(e.ctx, k)
		if err == nil {
			pools[k] = n
		}
		return n, err
	}
	e.printf("delegations: %d\n", len(delegations))
	for _, d := range delegations {
		n, err := nodeOf(d.Delegation.Node)
		if err != nil {
			return err
		}
		e.printf("  node %s  %s shares, worth %s, rewards %s and %s IOSD to claim  (position %s)\n",
			d.Delegation.Node, d.Delegation.Shares, fmtIO(staking.ValueOf(n.Pool, d.Delegation.Shares)),
			fmtIO(staking.PendingReward(n, d.Delegation, staking.RewardIO)),
			staking.FormatAmount(staking.PendingReward(n, d.Delegation, staking.RewardIOSD), staking.USDDecimals), d.Address)
	}
	e.printf("tickets: %d\n", len(tickets))
	for _, t := range tickets {
		n, err := nodeOf(t.Ticket.Node)
		if err != nil {
			return err
		}
		e.printf("  ticket %s  node %s  id %d  %s shares, worth %s, %s\n", t.Address, t.Ticket.Node, t.Ticket.Id,
			t.Ticket.Shares, fmtIO(staking.ValueOf(n.Pool, t.Ticket.Shares)), unlockIn(t.Ticket.UnlocksAt, now))
	}
	return nil
}
