package hire

import (
	"context"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
)

// Errors names the errors of the programs io-hire's transactions touch.
var Errors = staking.Decoders{
	iohire.ProgramID:    iohire.DecodeError,
	iostaking.ProgramID: iostaking.DecodeError,
}

// Client reads io-hire's accounts and sends its instructions; Staking is the same
// connection as io-staking's client.
type Client struct {
	Staking *staking.Client
}

// New is a Client for the JSON-RPC endpoint at url.
func New(url string) *Client { return &Client{Staking: staking.New(url)} }

// Send signs and sends ixs (the first signer pays), naming io-hire's and io-staking's
// errors.
func (c *Client) Send(ctx context.Context, signers []solana.PrivateKey, ixs ...solana.Instruction) (solana.Signature, error) {
	return c.Staking.SendNamed(ctx, Errors, signers, ixs...)
}

func (c *Client) data(ctx context.Context, address solana.PublicKey) ([]byte, error) {
	return c.Staking.Data(ctx, address, iohire.ProgramID, "io-hire")
}

// Config reads the HireConfig: the mints, treasuries and fees.
func (c *Client) Config(ctx context.Context) (*iohire.HireConfig, error) {
	d, err := c.data(ctx, ConfigAddress())
	if err != nil {
		return nil, fmt.Errorf("io-hire config: %w", err)
	}
	return iohire.ParseAccount_HireConfig(d)
}

// Order reads the order at address.
func (c *Client) Order(ctx context.Context, address solana.PublicKey) (*iohire.HireOrder, error) {
	d, err := c.data(ctx, address)
	if err != nil {
		return nil, fmt.Errorf("order: %w", err)
	}
	return iohire.ParseAccount_HireOrder(d)
}

// AssignmentAccount is an assignment with its address.
type AssignmentAccount struct {
	Address    solana.PublicKey
	Assignment *iohire.Assignment
}

// Assignments lists order's open assignments (docs/hire.md: Assignment discriminator,
// order at 8).
func (c *Client) Assignments(ctx context.Context, order solana.PublicKey) ([]AssignmentAccount, error) {
	out, err := c.programAccounts(ctx, memcmp(0, iohire.Account_Assignment[:]), memcmp(8, order[:]))
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", order, err)
	}
	var as []AssignmentAccount
	for _, a := range out {
		v, err := iohire.ParseAccount_Assignment(a.Account.Data.GetBinary())
		if err != nil {
			return nil, fmt.Errorf("assignment %s: %w", a.Pubkey, err)
		}
		as = append(as, AssignmentAccount{a.Pubkey, v})
	}
	return as, nil
}

// NextOrderID is one more than the highest id among renter's orders (1 for the first).
func (c *Client) NextOrderID(ctx context.Context, renter solana.PublicKey) (uint64, error) {
	out, err := c.programAccounts(ctx, memcmp(0, iohire.Account_HireOrder[:]), memcmp(8, renter[:]))
	if err != nil {
		return 0, fmt.Errorf("orders of %s: %w", renter, err)
	}
	next := uint64(1)
	for _, a := range out {
		o, err := iohire.ParseAccount_HireOrder(a.Account.Data.GetBinary())
		if err != nil {
			return 0, fmt.Errorf("order %s: %w", a.Pubkey, err)
		}
		next = max(next, o.Id+1)
	}
	return next, nil
}

func (c *Client) programAccounts(ctx context.Context, filters ...rpc.RPCFilter) (rpc.GetProgramAccountsResult, error) {
	return c.Staking.RPC.GetProgramAccountsWithOpts(ctx, iohire.ProgramID, &rpc.GetProgramAccountsOpts{
		Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed, Filters: filters,
	})
}

func memcmp(offset uint64, b []byte) rpc.RPCFilter {
	return rpc.RPCFilter{Memcmp: &rpc.RPCFilterMemcmp{Offset: offset, Bytes: solana.Base58(b)}}
}

// Assignment reads node's part of order.
func (c *Client) Assignment(ctx context.Context, order, node solana.PublicKey) (*iohire.Assignment, error) {
	d, err := c.data(ctx, AssignmentAddress(order, node))
	if err != nil {
		return nil, fmt.Errorf("assignment of node %s to order %s: %w", node, order, err)
	}
	return iohire.ParseAccount_Assignment(d)
}
