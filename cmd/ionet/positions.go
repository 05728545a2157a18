package main

import (
	"fmt"
	"io"

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
			return fmt.Errorf("stake list: give --owner, or a wallet: %w", err)
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
	type operatorRow struct {
		Node   string `json:"node"`
		Shares string `json:"shares"`
		Value  Amount `json:"value"`
	}
	type delegationRow struct {
		Node       string `json:"node"`
		Position   string `json:"position"`
		Shares     string `json:"shares"`
		Value      Amount `json:"value"`
		RewardIO   Amount `json:"reward_io"`
		RewardIOSD Amount `json:"reward_iosd"`
	}
	type ticketRow struct {
		Ticket    string `json:"ticket"`
		Node      string `json:"node"`
		ID        uint64 `json:"id"`
		Shares    string `json:"shares"`
		Value     Amount `json:"value"`
		UnlocksAt int64  `json:"unlocks_at"`
		Ready     bool   `json:"ready"`
	}
	out := struct {
		Owner       string          `json:"owner"`
		Operator    []operatorRow   `json:"operator_stake"`
		Delegations []delegationRow `json:"delegations"`
		Tickets     []ticketRow     `json:"tickets"`
	}{Owner: owner.String(), Operator: []operatorRow{}, Delegations: []delegationRow{}, Tickets: []ticketRow{}}
	for _, n := range nodes {
		out.Operator = append(out.Operator, operatorRow{n.Address.String(), n.Node.Pool.OperatorShares.String(), ioJSON(staking.OperatorStake(n.Node))})
	}
	for _, d := range delegations {
		n, err := nodeOf(d.Delegation.Node)
		if err != nil {
			return err
		}
		out.Delegations = append(out.Delegations, delegationRow{d.Delegation.Node.String(), d.Address.String(), d.Delegation.Shares.String(),
			ioJSON(staking.ValueOf(n.Pool, d.Delegation.Shares)), ioJSON(staking.PendingReward(n, d.Delegation, staking.RewardIO)),
			iosdJSON(staking.PendingReward(n, d.Delegation, staking.RewardIOSD))})
	}
	for _, t := range tickets {
		n, err := nodeOf(t.Ticket.Node)
		if err != nil {
			return err
		}
		out.Tickets = append(out.Tickets, ticketRow{t.Address.String(), t.Ticket.Node.String(), t.Ticket.Id, t.Ticket.Shares.String(),
			ioJSON(staking.ValueOf(n.Pool, t.Ticket.Shares)), t.Ticket.UnlocksAt, now >= t.Ticket.UnlocksAt})
	}
	return output(c, out, func(w io.Writer) {
		fmt.Fprintf(w, "positions of %s\n", owner)
		fmt.Fprintf(w, "operator stake: %d node(s)\n", len(out.Operator))
		for _, o := range out.Operator {
			fmt.Fprintf(w, "  node %s  %s shares, worth %s $IO\n", o.Node, o.Shares, o.Value.Tokens)
		}
		fmt.Fprintf(w, "delegations: %d\n", len(out.Delegations))
		for _, d := range out.Delegations {
			fmt.Fprintf(w, "  node %s  %s shares, worth %s $IO, rewards %s $IO and %s IOSD to claim  (position %s)\n",
				d.Node, d.Shares, d.Value.Tokens, d.RewardIO.Tokens, d.RewardIOSD.Tokens, d.Position)
		}
		fmt.Fprintf(w, "tickets: %d\n", len(out.Tickets))
		for _, t := range out.Tickets {
			fmt.Fprintf(w, "  ticket %s  node %s  id %d  %s shares, worth %s $IO, %s\n", t.Ticket, t.Node, t.ID,
				t.Shares, t.Value.Tokens, unlockIn(t.UnlocksAt, now))
		}
	})
}
