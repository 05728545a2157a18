package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/staking"
)

// hireCommand holds a renter's side of io-hire (orders, extend, cancel, close, the
// renter's list), the jobs a renter runs on its order's nodes through their workers
// (run, jobs, logs), and the crank that pays a node's earnings.
func hireCommand() *cli.Command {
	return &cli.Command{
		Name:   "hire",
		Usage:  "hire GPUs: escrow an order in IOSD or $IO, its status, extend, cancel, list; run, list, read and stop jobs on its nodes; claim a node's earnings; close",
		Action: noCommand,
		Subcommands: []*cli.Command{
			{
				Name: "create", Usage: "the renter (--keypair) escrows an order: max price × GPUs × hours plus the renter's fees",
				Action: hireCreate,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "mint", Usage: "payment: iosd (1:1 USD) or io (at io-rewards' latest final price)", Required: true},
					&cli.UintFlag{Name: "gpus", Usage: "GPUs (1-1024)", Required: true},
					&cli.UintFlag{Name: "hours", Usage: "hours (1-8760)", Required: true},
					&cli.StringFlag{Name: "max-price", Usage: "cap in USD per GPU-hour (up to 6 decimals)", Required: true},
					&cli.StringFlag{Name: "class", Usage: "device class name (oracle/classes) or id; default any"},
					&cli.StringSliceFlag{Name: "location", Usage: "ISO 3166 code a node may be in (repeat, or comma-separated; default any)"},
					&cli.UintFlag{Name: "min-vram-mib", Usage: "VRAM per GPU, MiB"},
					&cli.UintFlag{Name: "min-vcpus", Usage: "vCPUs per node"},
					&cli.UintFlag{Name: "min-ram-gib", Usage: "RAM per node, GiB"},
					&cli.Uint64Flag{Name: "compliance", Usage: "compliance bits every node must have"},
					&cli.Uint64Flag{Name: "id", Usage: "order id (default: one more than the renter's highest)"},
				},
			},
			{Name: "status", Aliases: []string{"show"}, Usage: "an order, its books and its assignments", ArgsUsage: "<order>", Action: hireShow},
			{
				Name: "extend", Usage: "the renter lengthens an active order: the escrow is topped up for every node at its matched price",
				ArgsUsage: "<order>", Action: hireExtend,
				Flags: []cli.Flag{&cli.UintFlag{Name: "hours", Usage: "hours to add (the order's total at most 8760)", Required: true}},
			},
			{
				Name: "list", Usage: "orders: the renter's (--keypair's wallet by default), --renter's, or --all",
				Action: hireList,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "renter", Usage: "the renter's wallet (default: --keypair's)"},
					&cli.BoolFlag{Name: "all", Usage: "every renter's orders"},
					&cli.StringFlag{Name: "status", Usage: "only open, active or ended orders"},
				},
			},
			hireRunCommand(),
			hireJobsCommand(),
			hireLogsCommand(),
			hireStopCommand(),
			{
				Name: "claim", Usage: "crank a node's earnings on an order so far (anyone; --keypair pays the fee)",
				ArgsUsage: "<order> <node>", Action: hireClaim,
			},
			{
				Name: "cancel", Usage: "the renter cancels: an open order refunds in full, an active one the unused part pro rata",
				ArgsUsage: "<order>", Action: hireCancel,
			},
			{
				Name: "close", Usage: "the renter closes an ended order; its rent comes back",
				ArgsUsage: "<order>", Action: hireClose,
			},
		},
	}
}

// spec reads hire create's flags into an OrderSpec.
func orderSpec(c *cli.Context) (iohire.OrderSpec, error) {
	var s iohire.OrderSpec
	if g := c.Uint("gpus"); g < 1 || g > 1024 {
		return s, usagef("--gpus: 1 to 1024, got %d", g)
	}
	if h := c.Uint("hours"); h < 1 || h > 8760 {
		return s, usagef("--hours: 1 to 8760, got %d", h)
	}
	price, err := hire.ParseUSD(c.String("max-price"))
	if err != nil {
		return s, usagef("--max-price: %v", err)
	}
	if price == 0 {
		return s, usagef("--max-price must be positive")
	}
	if v := c.Uint("min-vcpus"); v > 0xffff {
		return s, usagef("--min-vcpus: at most 65535")
	}
	s = iohire.OrderSpec{
		Gpus: uint16(c.Uint("gpus")), Hours: uint32(c.Uint("hours")), MaxPriceMicroUsd: price,
		MinVramMib: uint32(c.Uint("min-vram-mib")), MinVcpus: uint16(c.Uint("min-vcpus")),
		MinRamGib: uint32(c.Uint("min-ram-gib")), Compliance: c.Uint64("compliance"),
	}
	class, err := hire.ClassID(c.String("class"))
	if err != nil {
		return s, usagef("--class: %v", err)
	}
	s.GpuClass = class
	for _, l := range c.StringSlice("location") {
		for _, code := range strings.Split(l, ",") {
			loc, err := hire.Location(strings.TrimSpace(code))
			if err != nil {
				return s, usagef("--location: %v", err)
			}
			s.Locations = append(s.Locations, loc)
		}
	}
	if len(s.Locations) > 8 {
		return s, usagef("--location: at most 8 codes")
	}
	return s, nil
}

// mintFlag resolves --mint against io-hire's config.
func mintFlag(s string, cfg *iohire.HireConfig) (solana.PublicKey, error) {
	switch strings.ToLower(s) {
	case "iosd":
		return cfg.IosdMint, nil
	case "io", "$io":
		return cfg.IoMint, nil
	}
	return solana.PublicKey{}, usagef("--mint: iosd or io, got %q", s)
}

func hireCreate(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	spec, err := orderSpec(c)
	if err != nil {
		return err
	}
	e := newEnv(c)
	w, err := e.wallet()
	if err != nil {
		return err
	}
	cfg, err := e.hire.Config(e.ctx)
	if err != nil {
		return err
	}
	mint, err := mintFlag(c.String("mint"), cfg)
	if err != nil {
		return err
	}
	id := c.Uint64("id")
	if !c.IsSet("id") {
		if id, err = e.hire.NextOrderID(e.ctx, w.PublicKey()); err != nil {
			return err
		}
	}
	order := hire.OrderAddress(w.PublicKey(), id)
	if c.IsSet("id") {
		switch _, err := e.hire.Order(e.ctx, order); {
		case err == nil:
			return fmt.Errorf("order id %d is taken: %s's order %s exists (leave --id out for the next free id)", id, w.PublicKey(), order)
		case !errors.Is(err, staking.ErrNotFound):
			return err
		}
	}
	ix, err := hire.CreateOrder(w.PublicKey(), mint, id, spec)
	if err != nil {
		return err
	}
	sig, err := e.hire.Send(e.ctx, []solana.PrivateKey{w}, ix)
	if err != nil && strings.Contains(err.Error(), "insufficient funds") {
		// SPL Token refused the escrow transfer: say so in words, with the balance.
		held, herr := e.client.TokenBalance(e.ctx, staking.ATA(w.PublicKey(), mint))
		if herr != nil {
			return fmt.Errorf("create order: insufficient funds for the escrow: %w", err)
		}
		return fmt.Errorf("insufficient funds: the order escrows its whole price (max price × GPUs × hours, plus fees) in %s, and %s holds %s",
			mintName(mint == cfg.IoMint), w.PublicKey(), hire.Format(held, mint == cfg.IoMint))
	}
	if err != nil {
		return fmt.Errorf("create order: %w", err)
	}
	o, err := e.hire.Order(e.ctx, order)
	if err != nil {
		return err
	}
	isIO := mint == cfg.IoMint
	r := txResult("hire create", sig).account("order", order).amount("escrowed", mintAmount(o.Deposited, isIO))
	if isIO {
		r.amount("io_usd_price", usdJSON(o.IoUsdPrice))
	}
	return output(c, struct {
		*TxResult
		ID           uint64 `json:"id"`
		Mint         string `json:"mint"`
		RenterFeeBps uint16 `json:"renter_fee_bps"`
	}{r, id, mintName(isIO), o.RenterFeeBps}, func(w io.Writer) {
		fmt.Fprintf(w, "created order %s (id %d): %d GPUs × %d h at most %s USD per GPU-hour, paid in %s\n", order, id,
			spec.Gpus, spec.Hours, hire.FormatUSD(spec.MaxPriceMicroUsd), mintName(isIO))
		if isIO {
			fmt.Fprintf(w, "  price        %s USD per $IO (io-rewards' latest final price, fixed for the order)\n", hire.FormatUSD(o.IoUsdPrice))
		}
		fmt.Fprintf(w, "  escrowed     %s (renter fees %s%%)\n", hire.Format(o.Deposited, isIO), staking.FormatAmount(uint64(o.RenterFeeBps), 2))
		fmt.Fprintf(w, "  signature    %s\n", sig)
	})
}

func mintName(isIO bool) string {
	if isIO {
		return "$IO"
	}
	return "IOSD"
}

// order resolves an order argument with io-hire's config.
// renterOrder loads the wallet and the order named s, refusing an order that is not
// the wallet's: only its renter may cancel, close or extend it.
func (e *env) renterOrder(s string) (solana.PrivateKey, solana.PublicKey, *iohire.HireOrder, *iohire.HireConfig, error) {
	w, err := e.wallet()
	if err != nil {
		return nil, solana.PublicKey{}, nil, nil, err
	}
	address, o, cfg, err := e.order(s)
	if err != nil {
		return nil, address, nil, nil, err
	}
	if !o.Renter.Equals(w.PublicKey()) {
		return nil, address, nil, nil, fmt.Errorf("order %s is renter %s's; --keypair is %s", address, o.Renter, w.PublicKey())
	}
	return w, address, o, cfg, nil
}

func (e *env) order(s string) (solana.PublicKey, *iohire.HireOrder, *iohire.HireConfig, error) {
	address, err := pubkeyArg("order", s)
	if err != nil {
		return address, nil, nil, err
	}
	o, err := e.hire.Order(e.ctx, address)
	if err != nil {
		return address, nil, nil, err
	}
	cfg, err := e.hire.Config(e.ctx)
	return address, o, cfg, err
}

func hireShow(c *cli.Context) error {
	if err := args(c, "order"); err != nil {
		return err
	}
	e := newEnv(c)
	address, o, cfg, err := e.order(c.Args().First())
	if err != nil {
		return err
	}
	return e.showOrder(address, o, cfg)
}

// OrderView is hire status's JSON: an order, its books and its open assignments.
type OrderView struct {
	Order        string           `json:"order"`
	ID           uint64           `json:"id"`
	Renter       string           `json:"renter"`
	Status       string           `json:"status"`
	Mint         string           `json:"mint"`
	IoUsdPrice   *Amount          `json:"io_usd_price,omitempty"`
	RenterFeeBps uint16           `json:"renter_fee_bps"`
	GPUs         uint16           `json:"gpus"`
	Class        string           `json:"class"`
	Hours        uint32           `json:"hours"`
	MaxPrice     Amount           `json:"max_price"`
	Locations    []string         `json:"locations"`
	StartedAt    int64            `json:"started_at,omitempty"`
	EndsAt       int64            `json:"ends_at,omitempty"`
	Deposited    Amount           `json:"deposited"`
	Escrow       Amount           `json:"escrow"`
	Paid         Amount           `json:"paid"`
	Fees         Amount           `json:"fees"`
	Refunded     Amount           `json:"refunded"`
	Assignments  []AssignmentView `json:"assignments"`
}

// AssignmentView is one node's open part of an order.
type AssignmentView struct {
	Node     string `json:"node"`
	GPUs     uint16 `json:"gpus"`
	Price    Amount `json:"price"`
	Value    Amount `json:"value"`
	Start    int64  `json:"start"`
	Seconds  int64  `json:"seconds"`
	Claimed  Amount `json:"claimed"`
	Failed   bool   `json:"failed"`
	Released bool   `json:"released"`
}

func (e *env) showOrder(address solana.PublicKey, o *iohire.HireOrder, cfg *iohire.HireConfig) error {
	isIO := o.Mint == cfg.IoMint
	amount := func(v uint64) string { return hire.Format(v, isIO) }
	escrow, err := e.client.TokenBalance(e.ctx, hire.EscrowAddress(address))
	if err != nil {
		return err
	}
	as, err := e.hire.Assignments(e.ctx, address)
	if err != nil {
		return err
	}
	s := o.Spec
	class := "any class"
	if s.GpuClass != 0 {
		class = e.className(s.GpuClass)
	}
	v := OrderView{Order: address.String(), ID: o.Id, Renter: o.Renter.String(), Status: orderStatus(o), Mint: mintName(isIO),
		RenterFeeBps: o.RenterFeeBps, GPUs: s.Gpus, Class: class, Hours: s.Hours, MaxPrice: usdJSON(s.MaxPriceMicroUsd),
		Locations: []string{}, StartedAt: o.StartedAt, EndsAt: o.EndsAt, Deposited: mintAmount(o.Deposited, isIO),
		Escrow: mintAmount(escrow, isIO), Paid: mintAmount(o.Paid, isIO), Fees: mintAmount(o.Fees, isIO),
		Refunded: mintAmount(o.Refunded, isIO), Assignments: []AssignmentView{}}
	if isIO {
		p := usdJSON(o.IoUsdPrice)
		v.IoUsdPrice = &p
	}
	for _, l := range s.Locations {
		v.Locations = append(v.Locations, string(l[:]))
	}
	for _, a := range as {
		x := a.Assignment
		v.Assignments = append(v.Assignments, AssignmentView{Node: x.Node.String(), GPUs: x.Gpus, Price: usdJSON(x.PriceMicroUsd),
			Value: mintAmount(x.Value, isIO), Start: x.Start, Seconds: x.Duration, Claimed: mintAmount(x.Claimed, isIO),
			Failed: x.Failed, Released: x.Released})
	}
	return output(e.c, v, func(w io.Writer) {
		fmt.Fprintf(w, "order %s (id %d of renter %s)\n", address, o.Id, o.Renter)
		locs := v.Locations
		if len(locs) == 0 {
			locs = []string{"anywhere"}
		}
		fmt.Fprintf(w, "  spec         %d GPUs of %s, %d h, at most %s USD per GPU-hour, in %s\n", s.Gpus, class, s.Hours,
			hire.FormatUSD(s.MaxPriceMicroUsd), strings.Join(locs, ","))
		fmt.Fprintf(w, "  paid in      %s", mintName(isIO))
		if isIO {
			fmt.Fprintf(w, " at %s USD per $IO", hire.FormatUSD(o.IoUsdPrice))
		}
		fmt.Fprintf(w, ", renter fees %s%%\n", staking.FormatAmount(uint64(o.RenterFeeBps), 2))
		fmt.Fprintf(w, "  status       %s\n", orderStatus(o))
		if o.StartedAt != 0 {
			fmt.Fprintf(w, "  runs         %s to %s\n", unix(o.StartedAt), unix(o.EndsAt))
		}
		fmt.Fprintf(w, "  books        deposited %s = escrow %s + paid %s + fees %s + refunded %s\n", amount(o.Deposited),
			amount(escrow), amount(o.Paid), amount(o.Fees), amount(o.Refunded))
		fmt.Fprintf(w, "  assignments  %d open\n", len(as))
		for _, a := range as {
			x := a.Assignment
			fmt.Fprintf(w, "    node %s: %d GPUs at %s USD, stream %s over %d h from %s, claimed %s", x.Node, x.Gpus,
				hire.FormatUSD(x.PriceMicroUsd), amount(x.Value), x.Duration/3600, unix(x.Start), amount(x.Claimed))
			switch {
			case x.Failed:
				fmt.Fprintf(w, " (failed)")
			case x.Released:
				fmt.Fprintf(w, " (released)")
			}
			fmt.Fprintln(w)
		}
	})
}

func unix(ts int64) string { return time.Unix(ts, 0).UTC().Format("2006-01-02 15:04:05Z") }

func hireClaim(c *cli.Context) error {
	if err := args(c, "order", "node"); err != nil {
		return err
	}
	e := newEnv(c)
	w, err := e.wallet()
	if err != nil {
		return err
	}
	address, o, cfg, err := e.order(c.Args().Get(0))
	if err != nil {
		return err
	}
	node, n, err := e.node(c.Args().Get(1))
	if err != nil {
		return err
	}
	a, err := e.hire.Assignment(e.ctx, address, node)
	if err != nil {
		return err
	}
	isIO := o.Mint == cfg.IoMint
	opAccount, treasury := staking.ATA(n.Operator, o.Mint), hire.TreasuryAddress(o.Mint)
	before, err := e.balances(opAccount, treasury)
	if err != nil {
		return err
	}
	ixs, err := hire.ClaimEarnings(w.PublicKey(), address, node, n.Operator, o.Mint, a.RentPayer)
	if err != nil {
		return err
	}
	sig, err := e.hire.Send(e.ctx, []solana.PrivateKey{w}, ixs...)
	if err != nil {
		return fmt.Errorf("claim earnings: %w", err)
	}
	after, err := e.balances(opAccount, treasury)
	if err != nil {
		return err
	}
	closed, cerr := e.hire.Assignment(e.ctx, address, node)
	over := errors.Is(cerr, staking.ErrNotFound)
	r := txResult("hire claim", sig).account("order", address).account("node", node).account("operator", n.Operator).
		amount("operator", mintAmount(after[0]-before[0], isIO)).amount("treasury", mintAmount(after[1]-before[1], isIO))
	return output(c, struct {
		*TxResult
		Closed bool `json:"assignment_closed"`
	}{r, over}, func(w io.Writer) {
		fmt.Fprintf(w, "claimed node %s's earnings on order %s\n", node, address)
		fmt.Fprintf(w, "  operator     %s +%s\n", n.Operator, hire.Format(after[0]-before[0], isIO))
		fmt.Fprintf(w, "  treasury     +%s (renter's and supplier's fees)\n", hire.Format(after[1]-before[1], isIO))
		if over {
			fmt.Fprintf(w, "  the stream is over and paid: the assignment closed, its GPUs are free\n")
		} else if cerr == nil {
			fmt.Fprintf(w, "  claimed so far %s of %s\n", hire.Format(closed.Claimed, isIO), hire.Format(closed.Value, isIO))
		}
		fmt.Fprintf(w, "  signature    %s\n", sig)
	})
}

// balances reads token accounts (0 when missing).
func (e *env) balances(accounts ...solana.PublicKey) ([]uint64, error) {
	out := make([]uint64, len(accounts))
	for i, a := range accounts {
		v, err := e.client.TokenBalance(e.ctx, a)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func hireCancel(c *cli.Context) error {
	if err := args(c, "order"); err != nil {
		return err
	}
	e := newEnv(c)
	w, address, o, cfg, err := e.renterOrder(c.Args().First())
	if err != nil {
		return err
	}
	if o.Status == iohire.OrderStatus_Ended {
		reason := "ended"
		if o.EndReason != nil {
			reason = o.EndReason.String()
		}
		return fmt.Errorf("order %s has already ended (%s): nothing to cancel; hire close returns its rent", address, reason)
	}
	as, err := e.hire.Assignments(e.ctx, address)
	if err != nil {
		return err
	}
	var nodes []solana.PublicKey
	for _, a := range as {
		nodes = append(nodes, a.Assignment.Node)
	}
	refundTo := staking.ATA(o.Renter, o.Mint)
	before, err := e.balances(refundTo)
	if err != nil {
		return err
	}
	ix, err := hire.Cancel(w.PublicKey(), address, o.Mint, nodes)
	if err != nil {
		return err
	}
	sig, err := e.hire.Send(e.ctx, []solana.PrivateKey{w}, ix)
	if err != nil {
		return fmt.Errorf("cancel: %w", err)
	}
	after, err := e.balances(refundTo)
	if err != nil {
		return err
	}
	isIO := o.Mint == cfg.IoMint
	r := txResult("hire cancel", sig).account("order", address).amount("refunded", mintAmount(after[0]-before[0], isIO))
	return output(c, r, func(w io.Writer) {
		fmt.Fprintf(w, "cancelled order %s: refunded %s to the renter (the unused part and its fees, pro rata)\n", address,
			hire.Format(after[0]-before[0], isIO))
		if len(nodes) > 0 { // an order never matched had no node earning
			fmt.Fprintf(w, "  nodes keep what they earned until now; `ionet hire claim` pays it\n")
		}
		fmt.Fprintf(w, "  signature    %s\n", sig)
	})
}

func hireClose(c *cli.Context) error {
	if err := args(c, "order"); err != nil {
		return err
	}
	e := newEnv(c)
	w, address, o, _, err := e.renterOrder(c.Args().First())
	if err != nil {
		return err
	}
	ix, err := hire.CloseOrder(w.PublicKey(), address, o.Mint)
	if err != nil {
		return err
	}
	sig, err := e.hire.Send(e.ctx, []solana.PrivateKey{w}, ix)
	if err != nil {
		return fmt.Errorf("close order: %w", err)
	}
	reason := ""
	if o.EndReason != nil {
		reason = " (" + o.EndReason.String() + ")"
	}
	return output(c, txResult("hire close", sig).account("order", address), func(w io.Writer) {
		fmt.Fprintf(w, "closed order %s%s: its rent is back with the renter\n  signature    %s\n", address, reason, sig)
	})
}

// hireExtend is io-hire's extend: more hours for an active order, the escrow topped
// up for every open assignment at its matched price plus the renter fee. Bad input
// is refused before anything is sent: hours out of range, a wallet that is not the
// order's renter, an order that is not active or already over.
func hireExtend(c *cli.Context) error {
	if err := args(c, "order"); err != nil {
		return err
	}
	hours := c.Uint("hours")
	if hours < 1 || hours > hire.MaxHours {
		return usagef("--hours: 1 to %d, got %d", hire.MaxHours, hours)
	}
	e := newEnv(c)
	w, address, o, cfg, err := e.renterOrder(c.Args().First())
	if err != nil {
		return err
	}
	if total := uint64(o.Spec.Hours) + uint64(hours); total > hire.MaxHours {
		return usagef("--hours %d: the order would run %d h, at most %d", hours, total, hire.MaxHours)
	}
	if o.Status != iohire.OrderStatus_Active {
		return fmt.Errorf("order %s is %s: only an active (matched, running) order can be extended", address, orderStatus(o))
	}
	now, err := e.client.Now(e.ctx)
	if err != nil {
		return err
	}
	if now >= o.EndsAt {
		return fmt.Errorf("order %s ended at %s (now %s): too late to extend", address, unix(o.EndsAt), unix(now))
	}
	as, err := e.hire.Assignments(e.ctx, address)
	if err != nil {
		return err
	}
	var nodes []solana.PublicKey
	for _, a := range as {
		if a.Assignment.Failed || a.Assignment.Released {
			return fmt.Errorf("order %s: node %s's part has failed or was released; the order cannot be extended", address, a.Assignment.Node)
		}
		nodes = append(nodes, a.Assignment.Node)
	}
	source := staking.ATA(o.Renter, o.Mint)
	before, err := e.balances(source)
	if err != nil {
		return err
	}
	ix, err := hire.Extend(w.PublicKey(), address, o.Mint, uint32(hours), nodes)
	if err != nil {
		return err
	}
	sig, err := e.hire.Send(e.ctx, []solana.PrivateKey{w}, ix)
	if err != nil {
		return fmt.Errorf("extend: %w", err)
	}
	after, err := e.balances(source)
	if err != nil {
		return err
	}
	x, err := e.hire.Order(e.ctx, address)
	if err != nil {
		return err
	}
	isIO := o.Mint == cfg.IoMint
	topUp := before[0] - after[0]
	res := txResult("hire extend", sig).account("order", address).amount("top_up", mintAmount(topUp, isIO)).
		amount("deposited", mintAmount(x.Deposited, isIO))
	return output(c, struct {
		*TxResult
		Hours  uint32 `json:"hours"`
		Added  uint   `json:"added_hours"`
		EndsAt int64  `json:"ends_at"`
	}{res, x.Spec.Hours, hours, x.EndsAt}, func(w io.Writer) {
		fmt.Fprintf(w, "extended order %s by %d h: %d h in all, runs until %s\n", address, hours, x.Spec.Hours, unix(x.EndsAt))
		fmt.Fprintf(w, "  topped up    %s for %d node(s) at their matched prices, renter fees included\n", hire.Format(topUp, isIO), len(nodes))
		fmt.Fprintf(w, "  deposited    %s\n", hire.Format(x.Deposited, isIO))
		fmt.Fprintf(w, "  signature    %s\n", sig)
	})
}

// mintAmount is an amount of an order's mint in JSON.
func mintAmount(v uint64, isIO bool) Amount {
	if isIO {
		return ioJSON(v)
	}
	return iosdJSON(v)
}

// OrderRow is one order of hire list.
type OrderRow struct {
	Order           string `json:"order"`
	ID              uint64 `json:"id"`
	Renter          string `json:"renter"`
	Status          string `json:"status"`
	Mint            string `json:"mint"`
	GPUs            uint16 `json:"gpus"`
	Hours           uint32 `json:"hours"`
	Class           string `json:"class"`
	MaxPrice        Amount `json:"max_price"`
	Deposited       Amount `json:"deposited"`
	Paid            Amount `json:"paid"`
	Refunded        Amount `json:"refunded"`
	OpenAssignments uint16 `json:"open_assignments"`
	CreatedAt       int64  `json:"created_at"`
	EndsAt          int64  `json:"ends_at,omitempty"`
}

// hireList lists orders: the renter's (--keypair's wallet, or --renter), or --all,
// optionally only those of one --status.
func hireList(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	var want *iohire.OrderStatus
	switch st := strings.ToLower(c.String("status")); st {
	case "":
	case "open", "active", "ended":
		v := map[string]iohire.OrderStatus{"open": iohire.OrderStatus_Open, "active": iohire.OrderStatus_Active,
			"ended": iohire.OrderStatus_Ended}[st]
		want = &v
	default:
		return usagef("--status: open, active or ended, got %q", c.String("status"))
	}
	e := newEnv(c)
	var renter *solana.PublicKey
	switch {
	case c.Bool("all") && c.IsSet("renter"):
		return usagef("--all and --renter: one or the other")
	case c.Bool("all"):
	case c.IsSet("renter"):
		k, err := pubkeyArg("--renter", c.String("renter"))
		if err != nil {
			return err
		}
		renter = &k
	default:
		w, err := e.wallet()
		if err != nil {
			return err
		}
		k := w.PublicKey()
		renter = &k
	}
	cfg, err := e.hire.Config(e.ctx)
	if err != nil {
		return err
	}
	orders, err := e.hire.Orders(e.ctx, renter)
	if err != nil {
		return err
	}
	rows := []OrderRow{}
	for _, a := range orders {
		o := a.Order
		if want != nil && o.Status != *want {
			continue
		}
		class := "any"
		if o.Spec.GpuClass != 0 {
			class = e.className(o.Spec.GpuClass)
		}
		isIO := o.Mint == cfg.IoMint
		rows = append(rows, OrderRow{Order: a.Address.String(), ID: o.Id, Renter: o.Renter.String(), Status: orderStatus(o),
			Mint: mintName(isIO), GPUs: o.Spec.Gpus, Hours: o.Spec.Hours, Class: class, MaxPrice: usdJSON(o.Spec.MaxPriceMicroUsd),
			Deposited: mintAmount(o.Deposited, isIO), Paid: mintAmount(o.Paid, isIO), Refunded: mintAmount(o.Refunded, isIO),
			OpenAssignments: o.OpenAssignments, CreatedAt: o.CreatedAt, EndsAt: o.EndsAt})
	}
	whose := "every renter's"
	if renter != nil {
		whose = "renter " + renter.String() + "'s"
	}
	return output(c, rows, func(w io.Writer) {
		fmt.Fprintf(w, "%d order(s), %s\n", len(rows), whose)
		for _, r := range rows {
			fmt.Fprintf(w, "  %s  id %-3d %-22s %d GPU(s) of %s × %d h at most %s USD, deposited %s %s, paid %s, refunded %s",
				r.Order, r.ID, r.Status, r.GPUs, r.Class, r.Hours, r.MaxPrice.Tokens, r.Deposited.Tokens, r.Mint,
				r.Paid.Tokens, r.Refunded.Tokens)
			if renter == nil {
				fmt.Fprintf(w, ", renter %s", r.Renter)
			}
			fmt.Fprintln(w)
		}
	})
}
