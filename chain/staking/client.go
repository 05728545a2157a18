package staking

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

// ErrNotFound is wrapped when an account does not exist.
var ErrNotFound = errors.New("account not found")

// ErrWrongOwner is wrapped when an account exists but another program owns it (a
// wallet's address where a node was expected, say).
var ErrWrongOwner = errors.New("owned by another program")

// ErrWrongKind is wrapped when an io-staking account of one kind is read as another
// (a ticket's address given as a node's).
var ErrWrongKind = errors.New("another kind of account")

// accountKinds names io-staking's accounts by their discriminators, for errors.
var accountKinds = map[[8]byte]string{
	iostaking.Account_Node:          "node",
	iostaking.Account_Delegation:    "delegation position",
	iostaking.Account_Ticket:        "unstake ticket",
	iostaking.Account_StakingConfig: "config",
	iostaking.Account_WorkerBinding: "worker binding",
}

// parseKind parses data at address with parse, after checking it is a want: an
// account of another known kind is named instead of its discriminator's bytes.
func parseKind[T any](address solana.PublicKey, data []byte, want string, parse func([]byte) (*T, error)) (*T, error) {
	if len(data) >= 8 {
		if got, ok := accountKinds[[8]byte(data[:8])]; ok && got != want {
			article := "a"
			if strings.ContainsRune("aeiou", rune(want[0])) {
				article = "an"
			}
			return nil, fmt.Errorf("%s is an io-staking %s, not %s %s: %w", address, got, article, want, ErrWrongKind)
		}
	}
	return parse(data)
}

// Client reads io-staking's accounts and sends its instructions over JSON-RPC.
type Client struct {
	RPC *rpc.Client
}

// New is a Client for the JSON-RPC endpoint at url.
func New(url string) *Client { return &Client{RPC: rpc.New(url)} }

// account fetches raw account data owned by io-staking.
func (c *Client) account(ctx context.Context, address solana.PublicKey) ([]byte, error) {
	return c.Data(ctx, address, iostaking.ProgramID, "io-staking")
}

// Data fetches the raw data of the account at address, which program (named name in
// errors) must own; the error wraps ErrNotFound when it does not exist.
func (c *Client) Data(ctx context.Context, address, program solana.PublicKey, name string) ([]byte, error) {
	out, err := c.RPC.GetAccountInfoWithOpts(ctx, address, &rpc.GetAccountInfoOpts{
		Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed,
	})
	if errors.Is(err, rpc.ErrNotFound) || (err == nil && (out == nil || out.Value == nil)) {
		return nil, fmt.Errorf("%s: %w", address, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("getAccountInfo %s: %w", address, err)
	}
	if !out.Value.Owner.Equals(program) {
		return nil, fmt.Errorf("%s is owned by %s, not %s: %w", address, out.Value.Owner, name, ErrWrongOwner)
	}
	return out.Value.Data.GetBinary(), nil
}

// Config reads the StakingConfig: the mints and the parameters.
func (c *Client) Config(ctx context.Context) (*iostaking.StakingConfig, error) {
	data, err := c.account(ctx, ConfigAddress())
	if err != nil {
		return nil, fmt.Errorf("io-staking config: %w", err)
	}
	return iostaking.ParseAccount_StakingConfig(data)
}

// Node reads the node at address.
func (c *Client) Node(ctx context.Context, address solana.PublicKey) (*iostaking.Node, error) {
	data, err := c.account(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("node: %w", err)
	}
	return parseKind(address, data, "node", iostaking.ParseAccount_Node)
}

// Delegation reads the position at address.
func (c *Client) Delegation(ctx context.Context, address solana.PublicKey) (*iostaking.Delegation, error) {
	data, err := c.account(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("delegation: %w", err)
	}
	return parseKind(address, data, "delegation position", iostaking.ParseAccount_Delegation)
}

// Ticket reads the cooldown ticket at address.
func (c *Client) Ticket(ctx context.Context, address solana.PublicKey) (*iostaking.Ticket, error) {
	data, err := c.account(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("ticket: %w", err)
	}
	return parseKind(address, data, "unstake ticket", iostaking.ParseAccount_Ticket)
}

// NodeAccount is a node and its address.
type NodeAccount struct {
	Address solana.PublicKey
	Node    *iostaking.Node
}

// DelegationAccount is a position and its address.
type DelegationAccount struct {
	Address    solana.PublicKey
	Delegation *iostaking.Delegation
}

// TicketAccount is a cooldown ticket and its address.
type TicketAccount struct {
	Address solana.PublicKey
	Ticket  *iostaking.Ticket
}

// list runs getProgramAccounts on io-staking with filters and parses each account,
// ordered by address.
func list[T any](ctx context.Context, c *Client, filters []rpc.RPCFilter, parse func([]byte) (*T, error)) ([]solana.PublicKey, []*T, error) {
	out, err := c.RPC.GetProgramAccountsWithOpts(ctx, iostaking.ProgramID, &rpc.GetProgramAccountsOpts{
		Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed, Filters: filters,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("getProgramAccounts: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].Pubkey[:], out[j].Pubkey[:]) < 0 })
	keys, values := make([]solana.PublicKey, 0, len(out)), make([]*T, 0, len(out))
	for _, a := range out {
		v, err := parse(a.Account.Data.GetBinary())
		if err != nil {
			return nil, nil, fmt.Errorf("account %s: %w", a.Pubkey, err)
		}
		keys, values = append(keys, a.Pubkey), append(values, v)
	}
	return keys, values, nil
}

// Nodes lists nodes matching filters (NodesFilter, OperatorNodesFilter, …).
func (c *Client) Nodes(ctx context.Context, filters []rpc.RPCFilter) ([]NodeAccount, error) {
	keys, nodes, err := list(ctx, c, filters, iostaking.ParseAccount_Node)
	if err != nil {
		return nil, fmt.Errorf("nodes: %w", err)
	}
	out := make([]NodeAccount, len(keys))
	for i := range keys {
		out[i] = NodeAccount{keys[i], nodes[i]}
	}
	return out, nil
}

// Delegations lists positions matching filters (OwnerDelegationsFilter, …).
func (c *Client) Delegations(ctx context.Context, filters []rpc.RPCFilter) ([]DelegationAccount, error) {
	keys, ds, err := list(ctx, c, filters, iostaking.ParseAccount_Delegation)
	if err != nil {
		return nil, fmt.Errorf("delegations: %w", err)
	}
	out := make([]DelegationAccount, len(keys))
	for i := range keys {
		out[i] = DelegationAccount{keys[i], ds[i]}
	}
	return out, nil
}

// Tickets lists cooldown tickets matching filters (OwnerTicketsFilter).
func (c *Client) Tickets(ctx context.Context, filters []rpc.RPCFilter) ([]TicketAccount, error) {
	keys, ts, err := list(ctx, c, filters, iostaking.ParseAccount_Ticket)
	if err != nil {
		return nil, fmt.Errorf("tickets: %w", err)
	}
	out := make([]TicketAccount, len(keys))
	for i := range keys {
		out[i] = TicketAccount{keys[i], ts[i]}
	}
	return out, nil
}

// NextTicketID is one more than the highest ticket id owner holds on node (0 when
// none): a ticket id is free once its ticket was withdrawn and closed.
func (c *Client) NextTicketID(ctx context.Context, node, owner solana.PublicKey) (uint64, error) {
	ts, err := c.Tickets(ctx, append(OwnerTicketsFilter(owner), memcmp(TicketNodeOffset, node[:])))
	if err != nil {
		return 0, err
	}
	var next uint64
	for _, t := range ts {
		next = max(next, t.Ticket.Id+1)
	}
	return next, nil
}

// TokenBalance is the amount an SPL token account holds; 0 when it does not exist.
func (c *Client) TokenBalance(ctx context.Context, account solana.PublicKey) (uint64, error) {
	out, err := c.RPC.GetAccountInfoWithOpts(ctx, account, &rpc.GetAccountInfoOpts{
		Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed,
	})
	if errors.Is(err, rpc.ErrNotFound) || (err == nil && (out == nil || out.Value == nil)) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("getAccountInfo %s: %w", account, err)
	}
	data := out.Value.Data.GetBinary()
	if len(data) < 72 || !out.Value.Owner.Equals(solana.TokenProgramID) {
		return 0, fmt.Errorf("%s is not an SPL token account", account)
	}
	// SPL token account: mint (32), owner (32), amount (u64 LE).
	var v uint64
	for i := 7; i >= 0; i-- {
		v = v<<8 | uint64(data[64+i])
	}
	return v, nil
}

// Now is the chain's clock (the Clock sysvar's unix_timestamp), which cooldowns use.
func (c *Client) Now(ctx context.Context) (int64, error) {
	out, err := c.RPC.GetAccountInfoWithOpts(ctx, solana.SysVarClockPubkey, &rpc.GetAccountInfoOpts{
		Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed,
	})
	if err != nil {
		return 0, fmt.Errorf("clock sysvar: %w", err)
	}
	data := out.Value.Data.GetBinary()
	if len(data) < 40 {
		return 0, fmt.Errorf("clock sysvar: %d bytes", len(data))
	}
	// slot, epoch_start_timestamp, epoch, leader_schedule_epoch, unix_timestamp.
	var ts uint64
	for i := 7; i >= 0; i-- {
		ts = ts<<8 | uint64(data[32+i])
	}
	return int64(ts), nil
}
