package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/urfave/cli/v2"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
)

func networkCommand() *cli.Command {
	return &cli.Command{
		Name:  "network",
		Usage: "the network as a whole",
		Subcommands: []*cli.Command{{
			Name:   "status",
			Usage:  "nodes by class, orders by status, keepers, the epoch, emission and the $IO supply ledger",
			Action: networkStatus,
		}},
	}
}

// networkStatus prints chain/network's Status, or its JSON with --json.
func networkStatus(c *cli.Context) error {
	if err := args(c); err != nil {
		return err
	}
	e := newEnv(c)
	s, _, err := network.Read(e.ctx, c.String("rpc-url"))
	if err != nil {
		return err
	}
	// On a localnet the generic-CPU id is the class its workers answer (node show's name).
	for i := range s.Classes {
		if id := classes.LocalnetCPU.ID; s.Classes[i].Class == className(id) {
			s.Classes[i].Class = e.className(id)
		}
	}
	slices.SortFunc(s.Classes, func(a, b network.ClassCount) int { return strings.Compare(a.Class, b.Class) })
	return output(c, s, func(w io.Writer) { printStatus(w, s) })
}

func printStatus(w io.Writer, s *network.Status) {
	printf := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	final := "none yet"
	if s.FinalEpoch != nil {
		final = strconv.FormatUint(*s.FinalEpoch, 10)
	}
	printf("network at slot %d\n", s.Slot)
	printf("  epoch        %d (of %d s), final %s\n", s.Epoch, s.EpochSeconds, final)
	width := 14
	for _, cc := range s.Classes {
		width = max(width, utf8.RuneCountInString(cc.Class))
	}
	for _, cc := range s.Classes {
		printf("  nodes        %-*s %d (%d staked), %d GPUs\n", width, cc.Class, cc.Nodes, cc.Staked, cc.GPUs)
	}
	if len(s.Classes) == 0 {
		printf("  nodes        none\n")
	}
	statuses := make([]string, 0, len(s.Orders))
	for st := range s.Orders {
		statuses = append(statuses, st)
	}
	slices.Sort(statuses)
	for _, st := range statuses {
		printf("  orders       %-22s %d\n", st, s.Orders[st])
	}
	if len(statuses) == 0 {
		printf("  orders       none\n")
	}
	printf("  keepers      %d serving or joining\n", s.Keepers)
	printf("  emission     %s $IO emitted of the %s $IO cap; vault %s $IO (cap − emitted: %s)\n",
		ioAmount(s.Emitted), ioAmount(s.EmissionCap), ioAmount(s.Vault), check(s.VaultOK))
	printf("  supply       %s $IO = %s $IO at genesis − %s $IO burned in the ledger (%s)\n",
		ioAmount(s.Supply), ioAmount(staking.GenesisSupply), ioAmount(s.Burned), check(s.SupplyOK))
}

func ioAmount(v uint64) string { return staking.FormatAmount(v, staking.IODecimals) }

func check(ok bool) string {
	if ok {
		return "checked"
	}
	return "MISMATCH"
}

// orderStatus names an order's status: "Open", "Active", "Ended (Cancelled)"…
func orderStatus(o *iohire.HireOrder) string { return network.OrderStatus(o) }
