package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/chain/txbatch"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/report"
)

// rewardsCommand is a node operator's side of io-rewards: what the final epoch
// reports owe its nodes, and claiming it. The keepers serve the reports and proofs
// (GET /reports/{epoch}, /proofs/{node}); both are checked against the final roots on
// chain before anything is shown or sent.
func rewardsCommand() *cli.Command {
	nodes := "nodes (addresses or worker keys); default: every node of --operator, or of the wallet"
	keeperURL := &cli.StringSliceFlag{Name: "keeper-url", Usage: "a keeper's endpoint to ask for reports and proofs (repeat; default: every registered keeper's)"}
	return &cli.Command{
		Name:   "rewards",
		Usage:  "nodes' availability rewards (io-rewards): what the final epoch reports owe, and claiming it",
		Action: noCommand,
		Subcommands: []*cli.Command{
			{
				Name:      "show",
				Usage:     "each node's reward in the latest final epochs, claimed or not, and what is owed now",
				ArgsUsage: "[node…]  (" + nodes + ")",
				Flags: []cli.Flag{keeperURL,
					&cli.StringFlag{Name: "operator", Usage: "the operator whose nodes to show (default: the wallet's)"},
					&cli.UintFlag{Name: "epochs", Usage: "how many of the latest final epochs to show (each one's report is read whole from a keeper)", Value: 5},
				},
				Action: rewardsShow,
			},
			{
				Name: "claim",
				Usage: "claim what the final reports owe each node (a claim pays every unclaimed epoch up to the node's latest final leaf) " +
					"to its operator, in as few transactions as fit; a flow cut short resumes when run again",
				ArgsUsage: "[node…]  (" + nodes + ")",
				Flags:     []cli.Flag{keeperURL},
				Action:    rewardsClaim,
			},
		},
	}
}

// rewardNodes resolves the command's node arguments, or lists the nodes of
// --operator (or the wallet).
func (e *env) rewardNodes(c *cli.Context) ([]staking.NodeAccount, error) {
	for _, a := range c.Args().Slice() {
		if strings.HasPrefix(a, "-") {
			return nil, usagef("%s: %q looks like a flag; flags go before the arguments", c.Command.FullName(), a)
		}
	}
	if c.NArg() > 0 {
		var out []staking.NodeAccount
		for _, a := range c.Args().Slice() {
			addr, n, err := e.node(a)
			if err != nil {
				return nil, err
			}
			out = append(out, staking.NodeAccount{Address: addr, Node: n})
		}
		return out, nil
	}
	var operator solana.PublicKey
	if op := c.String("operator"); op != "" {
		k, err := pubkeyArg("--operator", op)
		if err != nil {
			return nil, err
		}
		operator = k
	} else {
		w, err := e.wallet()
		if err != nil {
			return nil, err
		}
		operator = w.PublicKey()
	}
	nodes, err := e.client.Nodes(e.ctx, staking.OperatorNodesFilter(operator))
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("%s operates no node (name nodes as arguments, or --operator)", operator)
	}
	return nodes, nil
}

// keeperURLs is --keeper-url, or every registered keeper's endpoint in key order.
func (e *env) keeperURLs(c *cli.Context) ([]string, error) {
	if urls := c.StringSlice("keeper-url"); len(urls) > 0 {
		return urls, nil
	}
	snap, err := follower.Read(e.ctx, c.String("rpc-url"))
	if err != nil {
		return nil, err
	}
	keys := make([]solana.PublicKey, 0, len(snap.Keepers))
	for k := range snap.Keepers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b solana.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	var out []string
	for _, k := range keys {
		if ep := snap.Keepers[k].Endpoint; ep != "" {
			out = append(out, ep)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no keeper is registered to ask for reports and proofs (give --keeper-url)")
	}
	return out, nil
}

// EpochReward is a node's leaf in one final epoch.
type EpochReward struct {
	Epoch      uint64 `json:"epoch"`
	Reward     Amount `json:"reward"`
	Cumulative Amount `json:"cumulative"`
	TOPS       string `json:"tops"`
	UptimeBps  uint16 `json:"uptime_bps"`
	HiredBps   uint16 `json:"hired_bps"`
	Claimed    bool   `json:"claimed"`
}

// NodeRewards is `rewards show` for one node.
type NodeRewards struct {
	Node             string  `json:"node"`
	Operator         string  `json:"operator"`
	ClaimedTotal     Amount  `json:"claimed_total"`
	LastClaimedEpoch *uint64 `json:"last_claimed_epoch,omitempty"`
	// LatestLeafEpoch is the latest final epoch whose report holds the node.
	LatestLeafEpoch *uint64 `json:"latest_leaf_epoch,omitempty"`
	// Owed is the latest final leaf's cumulative reward less what was claimed: what
	// `rewards claim` pays (its delegators' cut included); null when no keeper served
	// a proof that verifies.
	Owed   *Amount       `json:"owed"`
	Epochs []EpochReward `json:"epochs"`
}

// RewardsShow is what `rewards show` prints under --json.
type RewardsShow struct {
	FinalEpoch *uint64       `json:"final_epoch,omitempty"`
	Nodes      []NodeRewards `json:"nodes"`
	// Unavailable are final epochs no keeper served a report of that matches the chain.
	Unavailable []uint64 `json:"unavailable_epochs"`
}

func rewardsShow(c *cli.Context) error {
	e := newEnv(c)
	nodes, err := e.rewardNodes(c)
	if err != nil {
		return err
	}
	rc, err := e.rewards.Config(e.ctx)
	if err != nil {
		return err
	}
	out := RewardsShow{FinalEpoch: rc.FinalEpoch, Nodes: []NodeRewards{}, Unavailable: []uint64{}}
	leaves := map[solana.PublicKey][]report.Leaf{}
	var keepers []string
	if rc.FinalEpoch != nil {
		if keepers, err = e.keeperURLs(c); err != nil {
			return err
		}
		want := map[solana.PublicKey]bool{}
		for _, n := range nodes {
			want[n.Address] = true
		}
		final := *rc.FinalEpoch
		for i := uint64(0); i < uint64(c.Uint("epochs")) && i <= final; i++ {
			epoch := final - i
			ep, err := e.rewards.EpochReport(e.ctx, epoch)
			if errors.Is(err, staking.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if !ep.Finalized {
				continue
			}
			r, err := e.finalReport(keepers, epoch, rc.IoMint)
			if err != nil {
				fmt.Fprintf(c.App.ErrWriter, "ionet: epoch %d: %v\n", epoch, err)
				out.Unavailable = append(out.Unavailable, epoch)
				continue
			}
			for _, l := range r.Leaves {
				if want[l.Node] {
					leaves[l.Node] = append(leaves[l.Node], l)
				}
			}
		}
	}
	for _, n := range nodes {
		st, err := e.rewards.NodeClaims(e.ctx, n.Address)
		if err != nil {
			return err
		}
		nr := NodeRewards{Node: n.Address.String(), Operator: n.Node.Operator.String(), ClaimedTotal: ioJSON(st.Claimed),
			LastClaimedEpoch: st.LastEpoch, Epochs: []EpochReward{}}
		var latest uint64
		unknown := false
		if rc.FinalEpoch != nil {
			// What is owed comes from the node's latest final leaf, which may be older
			// than the epochs shown.
			p, err := e.proofOf(keepers, n.Address, rc.IoMint)
			switch {
			case err == nil:
				latest = p.Leaf.CumulativeReward
				nr.LatestLeafEpoch = &p.Leaf.Epoch
			case !errors.Is(err, rewards.ErrNoProof):
				fmt.Fprintf(c.App.ErrWriter, "ionet: %v\n", err)
				unknown = true
			}
		}
		for _, l := range leaves[n.Address] {
			latest = max(latest, l.CumulativeReward)
			nr.Epochs = append(nr.Epochs, EpochReward{Epoch: l.Epoch, Reward: ioJSON(l.EpochReward), Cumulative: ioJSON(l.CumulativeReward),
				TOPS: staking.FormatAmount(l.TOPSMilli, 3), UptimeBps: l.UptimeBps, HiredBps: l.HiredBps, Claimed: st.Claimed >= l.CumulativeReward})
		}
		if !unknown {
			owed := ioJSON(max(latest, st.Claimed) - st.Claimed)
			nr.Owed = &owed
		}
		out.Nodes = append(out.Nodes, nr)
	}
	return output(c, out, func(w io.Writer) {
		if out.FinalEpoch == nil {
			fmt.Fprintf(w, "no epoch is final yet: nothing is owed\n")
		} else {
			fmt.Fprintf(w, "latest final epoch %d\n", *out.FinalEpoch)
		}
		for _, nr := range out.Nodes {
			fmt.Fprintf(w, "node %s  (operator %s)\n", nr.Node, nr.Operator)
			last := "never claimed"
			if nr.LastClaimedEpoch != nil {
				last = fmt.Sprintf("claimed through epoch %d", *nr.LastClaimedEpoch)
			}
			owed := "unknown (no keeper served a proof that verifies)"
			if nr.Owed != nil {
				owed = nr.Owed.Tokens + " $IO"
			}
			fmt.Fprintf(w, "  claimed      %s $IO (%s); owed now %s\n", nr.ClaimedTotal.Tokens, last, owed)
			if len(nr.Epochs) == 0 {
				fmt.Fprintf(w, "  no leaf in the final epochs shown\n")
			}
			for _, er := range nr.Epochs {
				state := "unclaimed"
				if er.Claimed {
					state = "claimed"
				}
				fmt.Fprintf(w, "  epoch %-6d %s $IO (cumulative %s $IO), %s TOPS, uptime %s%%, %s\n", er.Epoch, er.Reward.Tokens,
					er.Cumulative.Tokens, er.TOPS, staking.FormatAmount(uint64(er.UptimeBps), 2), state)
			}
		}
		if len(out.Unavailable) > 0 {
			fmt.Fprintf(w, "no keeper served a report matching the chain for epoch(s) %v\n", out.Unavailable)
		}
	})
}

// finalReport is epoch's report from the first keeper that serves one whose leaves
// hash to the chain's final root.
func (e *env) finalReport(keepers []string, epoch uint64, ioMint solana.PublicKey) (report.EpochReport, error) {
	var errs []error
	for _, k := range keepers {
		r, err := rewards.FetchReport(e.ctx, nil, k, epoch)
		if err == nil {
			err = e.rewards.VerifyReport(e.ctx, r, ioMint)
		}
		if err == nil {
			return r, nil
		}
		errs = append(errs, err)
	}
	return report.EpochReport{}, fmt.Errorf("no keeper served its report: %w", errors.Join(errs...))
}

// proofOf is node's latest final leaf with a proof that verifies on chain, from the
// first keeper that serves one.
func (e *env) proofOf(keepers []string, node, ioMint solana.PublicKey) (rewards.Proof, error) {
	var errs []error
	for _, k := range keepers {
		p, err := rewards.FetchProof(e.ctx, nil, k, node)
		if err == nil {
			err = e.rewards.VerifyProof(e.ctx, p, ioMint)
		}
		if err == nil {
			return p, nil
		}
		errs = append(errs, err)
	}
	all := true
	for _, err := range errs {
		all = all && errors.Is(err, rewards.ErrNoProof)
	}
	if all {
		return rewards.Proof{}, rewards.ErrNoProof
	}
	return rewards.Proof{}, fmt.Errorf("no keeper served a proof for node %s: %w", node, errors.Join(errs...))
}

// NodeClaim is one node's claim under `rewards claim`.
type NodeClaim struct {
	Node       string  `json:"node"`
	Operator   string  `json:"operator"`
	Epoch      uint64  `json:"epoch"`
	FromEpoch  *uint64 `json:"from_epoch,omitempty"`
	Owed       Amount  `json:"owed"`
	Cumulative Amount  `json:"cumulative"`
}

func rewardsClaim(c *cli.Context) error {
	e := newEnv(c)
	w, err := e.wallet()
	if err != nil {
		return err
	}
	nodes, err := e.rewardNodes(c)
	if err != nil {
		return err
	}
	rc, err := e.rewards.Config(e.ctx)
	if err != nil {
		return err
	}
	if rc.FinalEpoch == nil {
		return errors.New("rewards claim: no epoch is final yet: there is nothing to claim")
	}
	keepers, err := e.keeperURLs(c)
	if err != nil {
		return err
	}
	payer := w.PublicKey()
	var claims []NodeClaim
	var items []txbatch.Item
	operators := map[solana.PublicKey]bool{}
	var skipped []string
	for _, n := range nodes {
		p, err := e.proofOf(keepers, n.Address, rc.IoMint)
		if errors.Is(err, rewards.ErrNoProof) {
			skipped = append(skipped, fmt.Sprintf("node %s: in no final report", n.Address))
			continue
		}
		if err != nil {
			return err
		}
		st, err := e.rewards.NodeClaims(e.ctx, n.Address)
		if err != nil {
			return err
		}
		if (st.LastEpoch != nil && *st.LastEpoch >= p.Leaf.Epoch) || st.Claimed >= p.Leaf.CumulativeReward {
			skipped = append(skipped, fmt.Sprintf("node %s: claimed through epoch %d", n.Address, p.Leaf.Epoch))
			continue
		}
		ixs, err := rewards.Claim(payer, n.Node.Operator, rc.IoMint, p.Leaf, p.ProofArg())
		if err != nil {
			return err
		}
		if !operators[n.Node.Operator] {
			operators[n.Node.Operator] = true
			items = append(items, txbatch.Item{ixs[0]})
		}
		items = append(items, txbatch.Item{ixs[1]})
		nc := NodeClaim{Node: n.Address.String(), Operator: n.Node.Operator.String(), Epoch: p.Leaf.Epoch,
			Owed: ioJSON(p.Leaf.CumulativeReward - st.Claimed), Cumulative: ioJSON(p.Leaf.CumulativeReward)}
		if st.LastEpoch != nil {
			from := *st.LastEpoch + 1
			nc.FromEpoch = &from
		}
		claims = append(claims, nc)
	}
	// The account-creating items go first; each claim pays into its operator's.
	slices.SortStableFunc(items, func(a, b txbatch.Item) int {
		return boolRank(a[0].ProgramID() == iorewards.ProgramID) - boolRank(b[0].ProgramID() == iorewards.ProgramID)
	})
	balances := map[solana.PublicKey]uint64{}
	for op := range operators {
		if balances[op], err = e.client.TokenBalance(e.ctx, staking.ATA(op, rc.IoMint)); err != nil {
			return err
		}
	}
	sigs, err := e.sendBatches(w, items, rewards.Errors)
	if err != nil {
		return fmt.Errorf("rewards claim: %w", err)
	}
	var paid uint64
	for op, before := range balances {
		after, err := e.client.TokenBalance(e.ctx, staking.ATA(op, rc.IoMint))
		if err != nil {
			return err
		}
		paid += after - before
	}
	r := struct {
		*TxResult
		Claims  []NodeClaim `json:"claims"`
		Skipped []string    `json:"skipped"`
	}{txResult("rewards claim", sigs...).amount("paid_to_operators", ioJSON(paid)), claims, skipped}
	if r.Claims == nil {
		r.Claims = []NodeClaim{}
	}
	if r.Skipped == nil {
		r.Skipped = []string{}
	}
	return output(c, r, func(out io.Writer) {
		if len(claims) == 0 {
			fmt.Fprintf(out, "nothing to claim\n")
		} else {
			fmt.Fprintf(out, "claimed %d node(s) in %d transaction(s): %s paid to the operators (the delegators' cut goes to their pool)\n",
				len(claims), len(sigs), fmtIO(paid))
		}
		for _, nc := range claims {
			from := "its first epoch"
			if nc.FromEpoch != nil {
				from = fmt.Sprintf("epoch %d", *nc.FromEpoch)
			}
			fmt.Fprintf(out, "  node %s  %s $IO owed, %s through epoch %d\n", nc.Node, nc.Owed.Tokens, from, nc.Epoch)
		}
		for _, s := range skipped {
			fmt.Fprintf(out, "  skipped %s\n", s)
		}
		for _, s := range sigs {
			fmt.Fprintf(out, "  signature  %s\n", s)
		}
	})
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}
