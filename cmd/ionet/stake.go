package main

import (
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/chain/txbatch"
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
		Name: "claim", Usage: "claim a position's delegator rewards ($IO and IOSD), or with --all every position's of the wallet, " +
			"in as few transactions as fit (a flow cut short, by an expired blockhash or an interrupt, resumes where it stopped when run again)",
		ArgsUsage: "<node>  (or --all)", Action: claim,
		Flags: []cli.Flag{&cli.BoolFlag{Name: "all", Usage: "every delegation of the wallet with rewards to claim"}},
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

// checkFunds refuses an amount above what owner's account for mint holds, before
// anything is sent.
func (e *env) checkFunds(owner, mint solana.PublicKey, amount uint64, what string) error {
	held, err := e.client.TokenBalance(e.ctx, staking.ATA(owner, mint))
	if err != nil {
		return err
	}
	if held < amount {
		return fmt.Errorf("insufficient funds: %s needs %s but %s holds %s", what, fmtIO(amount), owner, fmtIO(held))
	}
	return nil
}

func stake(c *cli.Context) error {
	e, op, node, n, cfg, amount, err := nodeAndAmount(c, false)
	if err != nil {
		return err
	}
	if !n.Operator.Equals(op.PublicKey()) {
		return fmt.Errorf("stake: %s is not the operator of node %s (%s is; delegators use `ionet stake delegate`)", op.PublicKey(), node, n.Operator)
	}
	if err := e.checkFunds(op.PublicKey(), cfg.IoMint, amount, "stake"); err != nil {
		return err
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
	r := txResult("node stake", sig).account("node", node).account("operator", op.PublicKey()).
		amount("staked", ioJSON(amount)).amount("operator_stake", ioJSON(staking.OperatorStake(after))).
		amount("required_stake", ioJSON(staking.RequiredOperatorStake(after, cfg.Params))).amount("pool", ioJSON(after.Pool.Tokens))
	return output(c, r, func(w io.Writer) {
		fmt.Fprintf(w, "staked %s on node %s\n", fmtIO(amount), node)
		fmt.Fprintf(w, "  shares     %s (operator shares now %s)\n", diff(after.Pool.OperatorShares, n.Pool.OperatorShares), after.Pool.OperatorShares)
		fmt.Fprintf(w, "  stake      %s (required %s: eligible %t)\n", fmtIO(staking.OperatorStake(after)),
			fmtIO(staking.RequiredOperatorStake(after, cfg.Params)), staking.IsStaked(after, cfg.Params))
		fmt.Fprintf(w, "  pool       %s\n  signature  %s\n", fmtIO(after.Pool.Tokens), sig)
	})
}

func delegate(c *cli.Context) error {
	e, owner, node, n, cfg, amount, err := nodeAndAmount(c, false)
	if err != nil {
		return err
	}
	if n.Operator.Equals(owner.PublicKey()) {
		return fmt.Errorf("delegate: %s is node %s's operator, whose stake is `ionet node stake`", owner.PublicKey(), node)
	}
	if err := staking.CheckDelegation(n, cfg.Params, amount); err != nil {
		return fmt.Errorf("delegate to node %s: %w", node, err)
	}
	if err := e.checkFunds(owner.PublicKey(), cfg.IoMint, amount, "delegate"); err != nil {
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
	room := staking.NodeCaps(after, cfg.Params).Room(delegated)
	r := txResult("stake delegate", sig).account("node", node).account("position", position).
		amount("delegated", ioJSON(amount)).amount("position_value", ioJSON(staking.ValueOf(after.Pool, d.Shares))).
		amount("node_delegated", ioJSON(delegated)).amount("room", ioJSON(room))
	return output(c, r, func(w io.Writer) {
		fmt.Fprintf(w, "delegated %s to node %s\n", fmtIO(amount), node)
		fmt.Fprintf(w, "  position   %s: %s shares, worth %s\n", position, d.Shares, fmtIO(staking.ValueOf(after.Pool, d.Shares)))
		fmt.Fprintf(w, "  shares     %s bought\n", diff(d.Shares, before))
		fmt.Fprintf(w, "  node       %s delegated, room for %s more\n", fmtIO(delegated), fmtIO(room))
		fmt.Fprintf(w, "  signature  %s\n", sig)
	})
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
	value := staking.ValueOf(after.Pool, t.Shares)
	r := struct {
		*TxResult
		Shares    string `json:"shares"`
		TicketID  uint64 `json:"ticket_id"`
		UnlocksAt int64  `json:"unlocks_at"`
	}{txResult("node "+name, sig).account("node", node).account("ticket", ticket).amount("value", ioJSON(value)),
		t.Shares.String(), t.Id, t.UnlocksAt}
	if !operator {
		r.Action = "stake " + name
	}
	return output(c, r, func(w io.Writer) {
		fmt.Fprintf(w, "%s: %s shares of node %s into cooldown\n", name, t.Shares, node)
		fmt.Fprintf(w, "  ticket     %s (id %d), worth %s now, %s\n", ticket, t.Id, fmtIO(value), unlockIn(t.UnlocksAt, now))
		fmt.Fprintf(w, "  then       ionet stake withdraw %s\n  signature  %s\n", ticket, sig)
	})
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
	if errors.Is(err, staking.ErrNotFound) || errors.Is(err, staking.ErrWrongOwner) {
		return fmt.Errorf("withdraw: no ticket %s (withdrawn already? `ionet stake list` shows the wallet's tickets)", addr)
	}
	if err != nil {
		return err
	}
	if !t.Owner.Equals(w.PublicKey()) {
		return fmt.Errorf("withdraw: ticket %s is %s's, not %s's", addr, t.Owner, w.PublicKey())
	}
	now, err := e.client.Now(e.ctx)
	if err != nil {
		return err
	}
	if now < t.UnlocksAt {
		return fmt.Errorf("withdraw: ticket %s %s (io-staking refuses it before: CooldownNotOver)", addr, unlockIn(t.UnlocksAt, now))
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
	r := txResult("stake withdraw", sig).account("node", t.Node).account("ticket", addr).account("to", dest).
		amount("withdrawn", ioJSON(after-before))
	return output(c, r, func(w io.Writer) {
		fmt.Fprintf(w, "withdrew %s from node %s (ticket %s, %s shares, closed)\n", fmtIO(after-before), t.Node, addr, t.Shares)
		fmt.Fprintf(w, "  to         %s\n  signature  %s\n", dest, sig)
	})
}

// rewardMint is one of the two mints delegator rewards are paid in.
type rewardMint struct {
	name     string
	index    int // staking.RewardIO or RewardIOSD
	mint     solana.PublicKey
	decimals uint8
}

func rewardMints(cfg *iostaking.StakingConfig) []rewardMint {
	return []rewardMint{{"$IO", staking.RewardIO, cfg.IoMint, staking.IODecimals}, {"IOSD", staking.RewardIOSD, cfg.IosdMint, staking.USDDecimals}}
}

// PositionClaim is one position's claim under `stake claim`.
type PositionClaim struct {
	Node     string `json:"node"`
	Position string `json:"position"`
	IO       Amount `json:"io"`
	IOSD     Amount `json:"iosd"`
}

// ClaimResult is what `stake claim` prints under --json: the positions claimed with
// what each was owed, and what reached the wallet's accounts.
type ClaimResult struct {
	*TxResult
	Positions []PositionClaim `json:"positions"`
}

func claim(c *cli.Context) error {
	all := c.Bool("all")
	if all {
		if err := args(c); err != nil {
			return err
		}
	} else if err := args(c, "node"); err != nil {
		return err
	}
	e := newEnv(c)
	w, err := e.wallet()
	if err != nil {
		return err
	}
	owner := w.PublicKey()
	cfg, err := e.config()
	if err != nil {
		return err
	}
	var positions []staking.DelegationAccount
	nodes := map[solana.PublicKey]*iostaking.Node{}
	if all {
		if positions, err = e.client.Delegations(e.ctx, staking.OwnerDelegationsFilter(owner)); err != nil {
			return err
		}
		for _, p := range positions {
			if nodes[p.Delegation.Node] == nil {
				n, err := e.client.Node(e.ctx, p.Delegation.Node)
				if err != nil {
					return err
				}
				nodes[p.Delegation.Node] = n
			}
		}
	} else {
		node, n, err := e.node(c.Args().First())
		if err != nil {
			return err
		}
		position := staking.DelegationAddress(node, owner)
		d, err := e.client.Delegation(e.ctx, position)
		if errors.Is(err, staking.ErrNotFound) {
			return fmt.Errorf("claim: %s has no delegation in node %s (`ionet stake list` shows the wallet's)", owner, node)
		}
		if err != nil {
			return err
		}
		positions, nodes[node] = []staking.DelegationAccount{{Address: position, Delegation: d}}, n
	}
	mints := rewardMints(cfg)
	// One item per position and mint with something owed, after one item per mint that
	// creates the wallet's account when missing; a position owed nothing is left out,
	// so a flow run again after an interruption claims only what is still owed.
	var items []txbatch.Item
	var claims []PositionClaim
	needs := make([]bool, len(mints))
	for _, p := range positions {
		n := nodes[p.Delegation.Node]
		owed := []uint64{staking.PendingReward(n, p.Delegation, staking.RewardIO), staking.PendingReward(n, p.Delegation, staking.RewardIOSD)}
		if owed[0] == 0 && owed[1] == 0 {
			continue
		}
		claims = append(claims, PositionClaim{Node: p.Delegation.Node.String(), Position: p.Address.String(), IO: ioJSON(owed[0]), IOSD: iosdJSON(owed[1])})
		for i, m := range mints {
			if owed[i] == 0 {
				continue
			}
			ixs, err := staking.Claim(owner, owner, p.Delegation.Node, m.mint)
			if err != nil {
				return err
			}
			needs[i] = true
			items = append(items, txbatch.Item{ixs[1]})
		}
	}
	var first []txbatch.Item
	for i, m := range mints {
		if needs[i] {
			first = append(first, txbatch.Item{staking.CreateATAIdempotent(owner, owner, m.mint)})
		}
	}
	items = append(first, items...)
	if len(claims) == 0 { // nothing is sent
		r := ClaimResult{TxResult: txResult("stake claim"), Positions: []PositionClaim{}}
		r.account("owner", owner)
		for _, m := range mints {
			r.amount("claimed_"+strings.ToLower(strings.TrimPrefix(m.name, "$")), amountOf(0, m.decimals, m.name))
		}
		return output(c, r, func(w io.Writer) {
			if all {
				fmt.Fprintf(w, "nothing to claim: no position of %s is owed rewards\n", owner)
			} else {
				fmt.Fprintf(w, "nothing to claim: the position of %s in node %s is owed no rewards\n", owner, positions[0].Delegation.Node)
			}
		})
	}
	before := make([]uint64, len(mints))
	for i, m := range mints {
		if before[i], err = e.client.TokenBalance(e.ctx, staking.ATA(owner, m.mint)); err != nil {
			return err
		}
	}
	sigs, err := e.sendBatches(w, items, staking.StakingErrors)
	if err != nil {
		return fmt.Errorf("claim: %w", err)
	}
	r := ClaimResult{TxResult: txResult("stake claim", sigs...), Positions: claims}
	r.account("owner", owner)
	got := make([]uint64, len(mints))
	for i, m := range mints {
		after, err := e.client.TokenBalance(e.ctx, staking.ATA(owner, m.mint))
		if err != nil {
			return err
		}
		got[i] = after - before[i]
		r.amount("claimed_"+strings.ToLower(strings.TrimPrefix(m.name, "$")), amountOf(got[i], m.decimals, m.name))
	}
	return output(c, r, func(w io.Writer) {
		if all {
			fmt.Fprintf(w, "claimed delegator rewards of %d position(s) in %d transaction(s)\n", len(claims), len(sigs))
			for _, p := range claims {
				fmt.Fprintf(w, "  node %s  %s $IO, %s IOSD\n", p.Node, p.IO.Tokens, p.IOSD.Tokens)
			}
		} else {
			fmt.Fprintf(w, "claimed delegator rewards of node %s\n", positions[0].Delegation.Node)
		}
		for i, m := range mints {
			fmt.Fprintf(w, "  %-5s      %s\n", m.name, staking.FormatAmount(got[i], m.decimals))
		}
		for _, s := range sigs {
			fmt.Fprintf(w, "  signature  %s\n", s)
		}
	})
}
