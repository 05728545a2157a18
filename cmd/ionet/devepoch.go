package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/localnet"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
)

// The development stand-ins for ionet-keeper: an epoch's duty (commit, vote, claim)
// and order matching, driven from keeper keypairs on a localnet.

const epochStandIn = "development stand-in for ionet-keeper's epoch duty (the keeper issue), on a localnet"

func devEpochCommand(genesis cli.Flag) *cli.Command {
	return &cli.Command{
		Name: "epoch",
		Usage: "DEVELOPMENT STAND-IN for ionet-keeper's epoch duty (the keeper issue), on a localnet: waits for the " +
			"current epoch to end, builds its report for the registered nodes with oracle/report (TOPS as --tops " +
			"declares, full uptime), has each keeper commit and vote until a quorum finalizes it, then claims every " +
			"node's reward with a Go-built proof (which attests the node's capacity in io-staking)",
		Action: devEpoch,
		Flags: []cli.Flag{genesis,
			&cli.StringFlag{Name: "keeper-keypairs", Usage: "the keepers' keypair `FILES`, comma-separated (registered with 'ionet keeper register')", Required: true},
			&cli.StringFlag{Name: "price", Usage: "IO/USD price the keepers vote, USD per $IO (up to 6 decimals)", Value: "2.00"},
			&cli.StringSliceFlag{Name: "tops", Usage: "measured TOPS (up to 3 decimals): `T` for every node, or NODE=T for one (repeat); nodes without any are left out", Required: true},
			&cli.UintFlag{Name: "uptime-bps", Usage: "measured uptime of every node, basis points", Value: 10_000},
			&cli.IntFlag{Name: "attempts", Usage: "epochs to try when a commit or vote window closes before the keepers are done", Value: 3},
		},
	}
}

// topsFlag reads --tops: a default for every node, and per-node values.
func topsFlag(values []string) (def uint64, hasDef bool, per map[solana.PublicKey]uint64, err error) {
	per = map[solana.PublicKey]uint64{}
	for _, v := range values {
		node, t, one := strings.Cut(v, "=")
		if !one {
			t = node
		}
		milli, perr := staking.ParseAmount(t, 3)
		if perr != nil {
			return 0, false, nil, usagef("--tops %q: %v", v, perr)
		}
		if !one {
			def, hasDef = milli, true
			continue
		}
		k, perr := pubkeyArg("--tops node", node)
		if perr != nil {
			return 0, false, nil, perr
		}
		per[k] = milli
	}
	return def, hasDef, per, nil
}

func devEpoch(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	var keepers []solana.PrivateKey
	for _, path := range strings.Split(c.String("keeper-keypairs"), ",") {
		k, err := loadKeypair("--keeper-keypairs", strings.TrimSpace(path))
		if err != nil {
			return err
		}
		keepers = append(keepers, k)
	}
	price, err := hire.ParseUSD(c.String("price"))
	if err != nil || price == 0 {
		return usagef("--price: a positive USD amount per $IO, up to 6 decimals (%q)", c.String("price"))
	}
	if c.Uint("uptime-bps") > 10_000 {
		return usagef("--uptime-bps: at most 10000")
	}
	uptime := uint16(c.Uint("uptime-bps"))
	def, hasDef, per, err := topsFlag(c.StringSlice("tops"))
	if err != nil {
		return err
	}
	e := newEnv(c)
	round := rewards.Round{
		Keepers: keepers, Price: price, Attempts: c.Int("attempts"),
		Measure: func(n rewards.NodeAccount) (rewards.Measured, bool) {
			t, ok := per[n.Address]
			if !ok {
				t, ok = def, hasDef
			}
			return rewards.Measured{TOPSMilli: t, UptimeBps: uptime}, ok
		},
		Wait: func(ctx context.Context, ts int64) error { return localnet.WaitUntil(ctx, e.client, ts) },
	}
	out, err := e.rewards.Run(e.ctx, round, keepers[0])
	if err != nil {
		return fmt.Errorf("dev epoch (%s): %w", epochStandIn, err)
	}
	f, r := out.Final, out.Report
	e.printf("epoch %d finalized by keeper votes\n", r.Epoch)
	e.printf("  stand-in     %s\n", epochStandIn)
	voted := make([]string, len(out.Voted))
	for i, k := range out.Voted {
		voted[i] = k.String()
	}
	e.printf("  keepers      %d serving, quorum %d; %d committed; final with the votes of %s\n", f.KeeperCount, f.Quorum,
		len(f.Commits), strings.Join(voted, ", "))
	e.printf("  report       %s (the EpochReport account), %d leaves\n", rewards.EpochAddress(r.Epoch), len(r.Leaves))
	e.printf("  root         %x\n", f.Root)
	e.printf("  emission     %s this epoch (budget %s, forfeited %s), %s cumulative\n", fmtIO(f.EpochEmission),
		fmtIO(r.Budget), fmtIO(r.Forfeited), fmtIO(f.CumulativeEmission))
	e.printf("  price        %s USD per $IO (the lower median of the quorum's votes)\n", hire.FormatUSD(f.IoUsdPrice))
	for _, cl := range out.Claims {
		l := cl.Leaf
		e.printf("  claim paid   node %s: %s TOPS of %s, uptime %s%%, reward %s (cumulative %s): operator %s +%s, delegators +%s\n",
			l.Node, staking.FormatAmount(l.TOPSMilli, 3), e.className(l.Class), staking.FormatAmount(uint64(l.UptimeBps), 2),
			fmtIO(l.EpochReward), fmtIO(l.CumulativeReward), cl.Operator, fmtIO(cl.Paid), fmtIO(cl.Delegates))
		e.printf("               the claim attested the node's capacity in io-staking for epoch %d; signature %s\n", l.Epoch, cl.Signature)
	}
	return nil
}

func devAssignCommand() *cli.Command {
	return &cli.Command{
		Name: "assign",
		Usage: "DEVELOPMENT STAND-IN for keeper matching (the keeper market issue): a serving keeper assigns an " +
			"order to nodes, NODE:GPUS each; io-hire re-checks every constraint",
		ArgsUsage: "<order> <node>:<gpus>…", Action: devAssign,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "keeper-keypair", Usage: "a keeper serving in the current epoch (it pays the assignments' rent)", Required: true},
		},
	}
}

func devAssign(c *cli.Context) error {
	for _, a := range c.Args().Slice() {
		if strings.HasPrefix(a, "-") {
			return usagef("dev assign: %q looks like a flag; flags go before the arguments", a)
		}
	}
	if c.NArg() < 2 {
		return usagef("dev assign takes an order and at least one <node>:<gpus>, got %d argument(s)", c.NArg())
	}
	var parts []hire.Part
	for _, a := range c.Args().Slice()[1:] {
		node, gpus, ok := strings.Cut(a, ":")
		if !ok {
			return usagef("dev assign: %q is not <node>:<gpus>", a)
		}
		n, err := pubkeyArg("node", node)
		if err != nil {
			return err
		}
		g, err := strconv.ParseUint(gpus, 10, 16)
		if err != nil || g == 0 {
			return usagef("dev assign: %q: GPUs must be a positive number up to 65535", a)
		}
		parts = append(parts, hire.Part{Node: n, GPUs: uint16(g)})
	}
	k, err := loadKeypair("--keeper-keypair", c.String("keeper-keypair"))
	if err != nil {
		return err
	}
	e := newEnv(c)
	address, o, cfg, err := e.order(c.Args().First())
	if err != nil {
		return err
	}
	refund := staking.ATA(o.Renter, o.Mint)
	before, err := e.balances(refund)
	if err != nil {
		return err
	}
	ix, err := hire.Assign(k.PublicKey(), address, o.Renter, o.Mint, parts)
	if err != nil {
		return err
	}
	sig, err := e.hire.Send(e.ctx, []solana.PrivateKey{k}, ix)
	if err != nil {
		return fmt.Errorf("assign: %w", err)
	}
	after, err := e.balances(refund)
	if err != nil {
		return err
	}
	isIO := o.Mint == cfg.IoMint
	e.printf("assigned order %s\n", address)
	e.printf("  stand-in     development stand-in for keeper matching (the keeper market issue); io-hire re-checked every constraint\n")
	for _, p := range parts {
		a, err := e.hire.Assignment(e.ctx, address, p.Node)
		if err != nil {
			return err
		}
		e.printf("  node %s: %d GPUs at its ask %s USD per GPU-hour, stream %s over %d h\n", p.Node, p.GPUs,
			hire.FormatUSD(a.PriceMicroUsd), hire.Format(a.Value, isIO), a.Duration/3600)
	}
	e.printf("  refunded     %s to the renter (the escrow above the matched price)\n", hire.Format(after[0]-before[0], isIO))
	e.printf("  keeper       %s\n  signature    %s\n", k.PublicKey(), sig)
	return nil
}

func devWarp(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	d := c.Duration("by")
	if d <= 0 {
		return usagef("--by must be positive")
	}
	g, err := devGenesis(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	before, err := e.client.Now(e.ctx)
	if err != nil {
		return err
	}
	slot, err := localnet.Warp(e.ctx, e.client.RPC, g.SlotMs, d)
	if err != nil {
		return err
	}
	now, err := e.client.Now(e.ctx)
	if err != nil {
		return err
	}
	return output(c, struct {
		Slot   uint64 `json:"slot"`
		Before int64  `json:"before"`
		Now    int64  `json:"now"`
	}{slot, before, now}, func(w io.Writer) {
		fmt.Fprintf(w, "warped the localnet's clock by %s (development only): slot %d, %s → %s\n", d, slot, unix(before), unix(now))
	})
}
