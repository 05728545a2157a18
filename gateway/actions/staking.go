package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
)

// maxWithdrawals is the most tickets one withdraw transaction redeems.
const maxWithdrawals = 8

// amountPattern is what the amount inputs accept: $IO with up to 8 decimals.
const amountPattern = `^[0-9]+(\.[0-9]{1,8})?$`

// nodeOf resolves the path's {node}: a node's address or its worker's key.
func (s *Server) nodeOf(r *http.Request) (solana.PublicKey, *iostaking.Node, error) {
	raw := r.PathValue("node")
	key, err := solana.PublicKeyFromBase58(raw)
	if err != nil {
		return key, nil, bad("unknown node %q: not a base58 address", raw)
	}
	addr, n, err := s.staking.ResolveNode(r.Context(), key)
	if errors.Is(err, staking.ErrUnknownNode) {
		return key, nil, bad("unknown node %s: %v", key, staking.ErrUnknownNode)
	}
	if err != nil {
		return key, nil, unavailable("node "+key.String(), err)
	}
	return addr, n, nil
}

func (s *Server) stakingConfig(ctx context.Context) (*iostaking.StakingConfig, error) {
	cfg, err := s.staking.Config(ctx)
	if err != nil {
		return nil, unavailable("io-staking config", err)
	}
	return cfg, nil
}

// solFor refuses a wallet with no SOL: it could pay neither the fee nor any rent.
func (s *Server) solFor(ctx context.Context, account solana.PublicKey) error {
	out, err := s.staking.RPC.GetBalance(ctx, account, rpc.CommitmentConfirmed)
	if err != nil {
		return unavailable("balance of "+account.String(), err)
	}
	if out.Value == 0 {
		return bad("no funds: %s has no SOL to pay the transaction fee", account)
	}
	return nil
}

// amountParam reads the $IO amount parameter; all allows "all".
func amountParam(p post, all bool) (amount uint64, whole bool, err error) {
	raw := strings.TrimSpace(p.param("amount"))
	if raw == "" {
		return 0, false, bad("amount is required: $IO, up to 8 decimals")
	}
	if all && strings.EqualFold(raw, "all") {
		return 0, true, nil
	}
	v, err := staking.ParseIO(raw)
	if err != nil {
		return 0, false, bad("amount %q is not an amount of $IO: %v", raw, err)
	}
	if v == 0 {
		return 0, false, bad("amount must be more than 0 $IO")
	}
	return v, false, nil
}

func short(k solana.PublicKey) string {
	s := k.String()
	return s[:4] + "…" + s[len(s)-4:]
}

func fmtIO(v uint64) string { return staking.FormatIO(v) + " $IO" }

// describe is one line about a node: its devices, ask and pool. Its class is named
// as the ionet CLI and the explorer name it (network.ClassNameOn).
func (s *Server) describe(ctx context.Context, n *iostaking.Node) string {
	id := n.Spec.GpuClass
	class := network.ClassNameOn(id, id == classes.LocalnetCPU.ID && s.isLocalnet(ctx))
	location := string(n.Spec.Location[:])
	if n.Spec.Location[0] == 0 {
		location = "no stated location"
	}
	return fmt.Sprintf("%d × %s in %s, asking %s USD per GPU-hour; operator stake %s, delegated %s",
		n.Spec.GpuCount, class, location, staking.FormatAmount(n.AskMicroUsd, staking.USDDecimals),
		fmtIO(staking.OperatorStake(n)), fmtIO(staking.DelegatedStake(n)))
}

func days(seconds int64) string {
	d := time.Duration(seconds) * time.Second
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

// href is an absolute action URL with its query template.
func (s *Server) href(r *http.Request, path string, query ...string) string {
	u := s.base(r) + path
	if len(query) > 0 {
		u += "?" + strings.Join(query, "&")
	}
	return u
}

func (s *Server) action(r *http.Request, title, description, label string) *GetResponse {
	return &GetResponse{Type: "action", Icon: s.base(r) + IconPath, Title: title, Description: description, Label: label}
}

func nodePath(verb string, node solana.PublicKey) string {
	return Prefix + verb + "/" + url.PathEscape(node.String())
}

// ---- delegate ----

func (s *Server) delegateGet(_ http.ResponseWriter, r *http.Request) (any, error) {
	node, n, err := s.nodeOf(r)
	if err != nil {
		return nil, err
	}
	cfg, err := s.stakingConfig(r.Context())
	if err != nil {
		return nil, err
	}
	caps := staking.NodeCaps(n, cfg.Params)
	room := caps.Room(staking.DelegatedStake(n))
	desc := fmt.Sprintf("Node %s: %s. Room for %s more (caps: %s from its attested capacity, %s from its operator's stake). "+
		"Delegators share %s%% of its availability rewards and %s%% of its hire earnings; undelegating takes a %s cooldown.",
		node, s.describe(r.Context(), n), fmtIO(room), fmtIO(caps.ByCapacity), fmtIO(caps.ByOperatorStake),
		staking.FormatAmount(uint64(cfg.Params.DelegatorAvailabilityCutBps), 2), staking.FormatAmount(uint64(cfg.Params.DelegatorHireCutBps), 2),
		days(cfg.Params.CooldownSeconds))
	out := s.action(r, "Delegate $IO to node "+short(node), desc, "Delegate")
	if room == 0 {
		out.Disabled = true
		out.Error = &ErrorResponse{Message: "the node's delegation caps are full"}
	}
	out.Links = &Links{Actions: []LinkedAction{{
		Type: "transaction", Label: "Delegate", Href: s.href(r, nodePath("delegate", node), "amount={amount}"),
		Parameters: []Parameter{{Type: "number", Name: "amount", Label: "$IO to delegate", Required: true,
			Pattern: amountPattern, PatternDescription: "an amount of $IO with up to 8 decimals",
			Min: json.Number("0.00000001"), Max: json.Number(staking.FormatIO(room))}},
	}}}
	return out, nil
}

func (s *Server) delegatePost(_ http.ResponseWriter, r *http.Request) (any, error) {
	ctx := r.Context()
	node, n, err := s.nodeOf(r)
	if err != nil {
		return nil, err
	}
	p, err := readPost(r)
	if err != nil {
		return nil, err
	}
	amount, _, err := amountParam(p, false)
	if err != nil {
		return nil, err
	}
	cfg, err := s.stakingConfig(ctx)
	if err != nil {
		return nil, err
	}
	if p.account.Equals(n.Operator) {
		return nil, bad("%s is node %s's operator: the operator stakes (ionet node stake), it does not delegate", p.account, node)
	}
	if err := staking.CheckDelegation(n, cfg.Params, amount); err != nil {
		return nil, bad("node %s: %v", node, err)
	}
	if err := s.solFor(ctx, p.account); err != nil {
		return nil, err
	}
	held, err := s.staking.TokenBalance(ctx, staking.ATA(p.account, cfg.IoMint))
	if err != nil {
		return nil, unavailable("$IO balance", err)
	}
	if held < amount {
		return nil, bad("no funds: %s holds %s, less than the %s to delegate", p.account, fmtIO(held), fmtIO(amount))
	}
	ix, err := staking.Delegate(p.account, node, cfg.IoMint, amount)
	if err != nil {
		return nil, err
	}
	tx, err := s.transaction(ctx, "delegate", p.account, ix)
	if err != nil {
		return nil, err
	}
	return &PostResponse{Type: "transaction", Transaction: tx,
		Message: fmt.Sprintf("Delegate %s to node %s (position %s).", fmtIO(amount), node, staking.DelegationAddress(node, p.account))}, nil
}

// ---- undelegate ----

func (s *Server) undelegateGet(_ http.ResponseWriter, r *http.Request) (any, error) {
	node, n, err := s.nodeOf(r)
	if err != nil {
		return nil, err
	}
	cfg, err := s.stakingConfig(r.Context())
	if err != nil {
		return nil, err
	}
	desc := fmt.Sprintf("Node %s: %s. Undelegating moves $IO into a cooldown ticket; after %s, withdraw it with %s. "+
		"A ticket's shares stay in the pool until then (they can be slashed, and they earn no rewards).",
		node, s.describe(r.Context(), n), days(cfg.Params.CooldownSeconds), s.base(r)+nodePath("withdraw", node))
	out := s.action(r, "Undelegate $IO from node "+short(node), desc, "Undelegate")
	out.Links = &Links{Actions: []LinkedAction{
		{Type: "transaction", Label: "Undelegate", Href: s.href(r, nodePath("undelegate", node), "amount={amount}"),
			Parameters: []Parameter{{Type: "text", Name: "amount", Label: "$IO to undelegate, or all", Required: true,
				Pattern: `^([0-9]+(\.[0-9]{1,8})?|all)$`, PatternDescription: "an amount of $IO with up to 8 decimals, or all"}}},
		{Type: "transaction", Label: "Undelegate all", Href: s.href(r, nodePath("undelegate", node), "amount=all")},
	}}
	return out, nil
}

func (s *Server) undelegatePost(_ http.ResponseWriter, r *http.Request) (any, error) {
	ctx := r.Context()
	node, n, err := s.nodeOf(r)
	if err != nil {
		return nil, err
	}
	p, err := readPost(r)
	if err != nil {
		return nil, err
	}
	amount, all, err := amountParam(p, true)
	if err != nil {
		return nil, err
	}
	cfg, err := s.stakingConfig(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.staking.Delegation(ctx, staking.DelegationAddress(node, p.account))
	if isNotFound(err) {
		return nil, bad("%s has no delegation in node %s", p.account, node)
	}
	if err != nil {
		return nil, unavailable("delegation", err)
	}
	shares, err := staking.CooldownShares(n, d.Shares, amount, all)
	if err != nil {
		return nil, bad("undelegate: %v", err)
	}
	if err := s.solFor(ctx, p.account); err != nil {
		return nil, err
	}
	id, err := s.staking.NextTicketID(ctx, node, p.account)
	if err != nil {
		return nil, unavailable("tickets", err)
	}
	ix, err := staking.Undelegate(p.account, node, shares, id)
	if err != nil {
		return nil, err
	}
	tx, err := s.transaction(ctx, "undelegate", p.account, ix)
	if err != nil {
		return nil, err
	}
	return &PostResponse{Type: "transaction", Transaction: tx,
		Message: fmt.Sprintf("Move %s shares of node %s (worth %s now) into cooldown ticket %s; withdraw after %s.",
			shares, node, fmtIO(staking.ValueOf(n.Pool, shares)), staking.TicketAddress(node, p.account, id), days(cfg.Params.CooldownSeconds))}, nil
}

// ---- withdraw ----

func (s *Server) withdrawGet(_ http.ResponseWriter, r *http.Request) (any, error) {
	node, n, err := s.nodeOf(r)
	if err != nil {
		return nil, err
	}
	desc := fmt.Sprintf("Node %s: %s. Redeems every cooldown ticket of yours on this node whose cooldown is over (up to %d at once) into your $IO account.",
		node, s.describe(r.Context(), n), maxWithdrawals)
	out := s.action(r, "Withdraw $IO from node "+short(node), desc, "Withdraw")
	out.Links = &Links{Actions: []LinkedAction{{Type: "transaction", Label: "Withdraw", Href: s.href(r, nodePath("withdraw", node))}}}
	return out, nil
}

func (s *Server) withdrawPost(_ http.ResponseWriter, r *http.Request) (any, error) {
	ctx := r.Context()
	node, n, err := s.nodeOf(r)
	if err != nil {
		return nil, err
	}
	p, err := readPost(r)
	if err != nil {
		return nil, err
	}
	cfg, err := s.stakingConfig(ctx)
	if err != nil {
		return nil, err
	}
	tickets, err := s.staking.NodeTickets(ctx, node, p.account)
	if err != nil {
		return nil, unavailable("tickets", err)
	}
	if len(tickets) == 0 {
		return nil, bad("%s has no cooldown ticket on node %s (undelegate first)", p.account, node)
	}
	now, err := s.staking.Now(ctx)
	if err != nil {
		return nil, unavailable("clock", err)
	}
	var ready []staking.TicketAccount
	first := tickets[0].Ticket.UnlocksAt
	for _, t := range tickets {
		first = min(first, t.Ticket.UnlocksAt)
		if t.Ticket.UnlocksAt <= now && len(ready) < maxWithdrawals {
			ready = append(ready, t)
		}
	}
	if len(ready) == 0 {
		return nil, bad("no ticket of %s on node %s has finished its cooldown: the first unlocks at %s, in %s",
			p.account, node, time.Unix(first, 0).UTC().Format(time.RFC3339), time.Duration(first-now)*time.Second)
	}
	if err := s.solFor(ctx, p.account); err != nil {
		return nil, err
	}
	var ixs []solana.Instruction
	var worth uint64
	for i, t := range ready {
		more, err := staking.Withdraw(p.account, node, t.Address, cfg.IoMint)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			more = more[1:] // the $IO account is created (when missing) once
		}
		ixs = append(ixs, more...)
		worth += staking.ValueOf(n.Pool, t.Ticket.Shares)
	}
	tx, err := s.transaction(ctx, "withdraw", p.account, ixs...)
	if err != nil {
		return nil, err
	}
	return &PostResponse{Type: "transaction", Transaction: tx,
		Message: fmt.Sprintf("Withdraw %d ticket(s) from node %s, worth %s now, into %s.", len(ready), node, fmtIO(worth), staking.ATA(p.account, cfg.IoMint))}, nil
}

// ---- claim ----

func (s *Server) claimGet(_ http.ResponseWriter, r *http.Request) (any, error) {
	node, n, err := s.nodeOf(r)
	if err != nil {
		return nil, err
	}
	desc := fmt.Sprintf("Node %s: %s. Claims your position's delegator rewards, in $IO and IOSD, into your token accounts (created when missing).",
		node, s.describe(r.Context(), n))
	out := s.action(r, "Claim delegator rewards from node "+short(node), desc, "Claim")
	out.Links = &Links{Actions: []LinkedAction{{Type: "transaction", Label: "Claim rewards", Href: s.href(r, nodePath("claim", node))}}}
	return out, nil
}

func (s *Server) claimPost(_ http.ResponseWriter, r *http.Request) (any, error) {
	ctx := r.Context()
	node, n, err := s.nodeOf(r)
	if err != nil {
		return nil, err
	}
	p, err := readPost(r)
	if err != nil {
		return nil, err
	}
	cfg, err := s.stakingConfig(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.staking.Delegation(ctx, staking.DelegationAddress(node, p.account))
	if isNotFound(err) {
		return nil, bad("%s has no delegation in node %s", p.account, node)
	}
	if err != nil {
		return nil, unavailable("delegation", err)
	}
	mints := []struct {
		index    int
		mint     solana.PublicKey
		decimals uint8
		unit     string
	}{{staking.RewardIO, cfg.IoMint, staking.IODecimals, "$IO"}, {staking.RewardIOSD, cfg.IosdMint, staking.USDDecimals, "IOSD"}}
	var ixs []solana.Instruction
	var parts []string
	for _, m := range mints {
		pending := staking.PendingReward(n, d, m.index)
		if pending == 0 {
			continue
		}
		more, err := staking.Claim(p.account, p.account, node, m.mint)
		if err != nil {
			return nil, err
		}
		ixs = append(ixs, more...)
		parts = append(parts, staking.FormatAmount(pending, m.decimals)+" "+m.unit)
	}
	if len(ixs) == 0 {
		return nil, bad("nothing to claim: %s's position in node %s has no pending delegator rewards", p.account, node)
	}
	if err := s.solFor(ctx, p.account); err != nil {
		return nil, err
	}
	tx, err := s.transaction(ctx, "claim", p.account, ixs...)
	if err != nil {
		return nil, err
	}
	return &PostResponse{Type: "transaction", Transaction: tx,
		Message: fmt.Sprintf("Claim %s of delegator rewards from node %s.", strings.Join(parts, " and "), node)}, nil
}
