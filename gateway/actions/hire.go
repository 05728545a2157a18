package actions

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
)

// The hire order's limits (io-hire's OrderSpec::validate).
const (
	maxGPUs  = 1024
	maxHours = 8_760
)

func (s *Server) hireGet(_ http.ResponseWriter, r *http.Request) (any, error) {
	cfg, err := s.hire.Config(r.Context())
	if err != nil {
		return nil, unavailable("io-hire config", err)
	}
	opts := []Option{{Label: "any class", Value: "any", Selected: true}}
	for _, c := range append(classes.All(), classes.LocalnetCPU) {
		opts = append(opts, Option{Label: c.Name, Value: c.Name})
	}
	desc := fmt.Sprintf("Escrow a hire order: GPUs of a class for some hours at most a price per GPU-hour. "+
		"The escrow is max price × GPUs × hours plus the renter's fees (%s%% in IOSD, %s%% in $IO); keepers match the order "+
		"to the cheapest fitting nodes, each paid its own ask, and what the ask leaves comes back at once. "+
		"$IO pays at the keepers' latest final IO/USD price.",
		staking.FormatAmount(uint64(cfg.Params.IosdFeeBps+cfg.Params.BookingFeeBps), 2),
		staking.FormatAmount(uint64(cfg.Params.IoFeeBps+cfg.Params.BookingFeeBps), 2))
	out := s.action(r, "Hire GPUs on ionet", desc, "Hire")
	out.Links = &Links{Actions: []LinkedAction{{
		Type: "transaction", Label: "Hire",
		Href: s.href(r, Prefix+"hire", "class={class}", "gpus={gpus}", "hours={hours}", "mint={mint}", "price={price}"),
		Parameters: []Parameter{
			{Type: "select", Name: "class", Label: "GPU class", Required: true, Options: opts},
			{Type: "number", Name: "gpus", Label: "GPUs", Required: true, Min: 1, Max: maxGPUs,
				Pattern: `^[0-9]+$`, PatternDescription: "a whole number of GPUs, 1 to 1024"},
			{Type: "number", Name: "hours", Label: "Hours", Required: true, Min: 1, Max: maxHours,
				Pattern: `^[0-9]+$`, PatternDescription: "a whole number of hours, 1 to 8760"},
			{Type: "radio", Name: "mint", Label: "Pay in", Required: true, Options: []Option{
				{Label: "IOSD (1:1 USD)", Value: "iosd", Selected: true}, {Label: "$IO", Value: "io"}}},
			{Type: "number", Name: "price", Label: "Max USD per GPU-hour", Required: true, Min: json.Number("0.000001"),
				Pattern: `^[0-9]+(\.[0-9]{1,6})?$`, PatternDescription: "USD with up to 6 decimals"},
		},
	}}}
	return out, nil
}

// count reads a whole-number parameter within [1, limit].
func count(p post, name string, limit int) (int, error) {
	raw := strings.TrimSpace(p.param(name))
	if raw == "" {
		return 0, bad("%s is required", name)
	}
	v, err := strconv.Atoi(raw)
	if err != nil {
		return 0, bad("%s %q is not a whole number", name, raw)
	}
	if v < 1 || v > limit {
		return 0, bad("%s %d: want 1 to %d", name, v, limit)
	}
	return v, nil
}

func (s *Server) hirePost(_ http.ResponseWriter, r *http.Request) (any, error) {
	ctx := r.Context()
	p, err := readPost(r)
	if err != nil {
		return nil, err
	}
	class, err := hire.ClassID(p.param("class"))
	if err != nil {
		return nil, bad("class %q: %v", p.param("class"), err)
	}
	gpus, err := count(p, "gpus", maxGPUs)
	if err != nil {
		return nil, err
	}
	hours, err := count(p, "hours", maxHours)
	if err != nil {
		return nil, err
	}
	rawPrice := strings.TrimSpace(p.param("price"))
	if rawPrice == "" {
		return nil, bad("price is required: the most USD per GPU-hour")
	}
	price, err := hire.ParseUSD(rawPrice)
	if err != nil {
		return nil, bad("price %q is not an amount of USD: %v", rawPrice, err)
	}
	if price == 0 {
		return nil, bad("price must be more than 0 USD")
	}
	cfg, err := s.hire.Config(ctx)
	if err != nil {
		return nil, unavailable("io-hire config", err)
	}
	var mint solana.PublicKey
	isIO := false
	switch strings.ToLower(strings.TrimPrefix(strings.TrimSpace(p.param("mint")), "$")) {
	case "iosd", "":
		mint = cfg.IosdMint
	case "io":
		mint, isIO = cfg.IoMint, true
	default:
		return nil, bad("mint %q: want iosd or io", p.param("mint"))
	}
	spec := iohire.OrderSpec{GpuClass: class, Gpus: uint16(gpus), Hours: uint32(hours), MaxPriceMicroUsd: price}
	rc, err := s.rewards.Config(ctx)
	if err != nil {
		return nil, unavailable("io-rewards config", err)
	}
	now, err := s.staking.Now(ctx)
	if err != nil {
		return nil, unavailable("clock", err)
	}
	q, err := hire.QuoteOrder(cfg, rc, mint, spec, now)
	if errors.Is(err, hire.ErrStalePrice) || errors.Is(err, hire.ErrOrderTooLarge) {
		return nil, bad("hire: %v", err)
	}
	if err != nil {
		return nil, err
	}
	if err := s.solFor(ctx, p.account); err != nil {
		return nil, err
	}
	held, err := s.staking.TokenBalance(ctx, staking.ATA(p.account, mint))
	if err != nil {
		return nil, unavailable("balance", err)
	}
	if held < q.Deposit {
		return nil, bad("no funds: %s holds %s, less than the %s the order escrows", p.account, hire.Format(held, isIO), hire.Format(q.Deposit, isIO))
	}
	id, err := s.hire.NextOrderID(ctx, p.account)
	if err != nil {
		return nil, unavailable("orders", err)
	}
	ix, err := hire.CreateOrder(p.account, mint, id, spec)
	if err != nil {
		return nil, err
	}
	tx, err := s.transaction(ctx, "hire", p.account, ix)
	if err != nil {
		return nil, err
	}
	className := "any class"
	if class != 0 {
		className = p.param("class")
	}
	return &PostResponse{Type: "transaction", Transaction: tx,
		Message: fmt.Sprintf("Escrow %s for order %s (id %d): %d GPUs of %s for %d h at most %s USD per GPU-hour.",
			hire.Format(q.Deposit, isIO), hire.OrderAddress(p.account, id), id, gpus, className, hours, hire.FormatUSD(price))}, nil
}
