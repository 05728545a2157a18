package staking

import (
	"context"
	"errors"
	"fmt"

	bin "github.com/gagliardetto/binary"
	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iostaking"
)

// What a wallet's commands share, whichever front end builds them (the ionet CLI,
// the gateway's Solana Actions): finding a node, turning $IO into shares for a
// cooldown, and a wallet's tickets on a node.

// ErrUnknownNode is wrapped when an address is neither a node nor a worker key whose
// node exists.
var ErrUnknownNode = errors.New("no io-staking node at that address or worker key")

// ResolveNode reads the node at key, or the node the worker key key registered: a
// node is named by its address or by its worker's key. The error wraps
// ErrUnknownNode (and ErrNotFound or ErrWrongOwner) when neither exists.
func (c *Client) ResolveNode(ctx context.Context, key solana.PublicKey) (solana.PublicKey, *iostaking.Node, error) {
	n, err := c.Node(ctx, key)
	if err == nil {
		return key, n, nil
	}
	byWorker := NodeAddress(key)
	if n2, err2 := c.Node(ctx, byWorker); err2 == nil {
		return byWorker, n2, nil
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrWrongOwner) {
		return key, nil, fmt.Errorf("%s: %w: %w", key, ErrUnknownNode, err)
	}
	return key, nil, err
}

// NodeTickets lists owner's cooldown tickets on node, ordered by address.
func (c *Client) NodeTickets(ctx context.Context, node, owner solana.PublicKey) ([]TicketAccount, error) {
	return c.Tickets(ctx, append(OwnerTicketsFilter(owner), memcmp(TicketNodeOffset, node[:])))
}

// CooldownShares turns an amount of $IO into the shares that redeem for at most it,
// out of held (a delegation's or the operator's shares); all takes every share held.
// The errors say why nothing can move: no shares, a pool slashed to zero (only the
// whole position can leave), more than is held, less than one share.
func CooldownShares(n *iostaking.Node, held bin.Uint128, amount uint64, all bool) (bin.Uint128, error) {
	if all {
		if held.BigInt().Sign() == 0 {
			return held, errors.New("no shares to move")
		}
		return held, nil
	}
	s, ok := SharesFor(n.Pool, amount)
	if !ok {
		return bin.Uint128{}, errors.New("the pool was slashed to zero: only the whole position can leave (all of it)")
	}
	if s.Cmp(held.BigInt()) > 0 {
		return bin.Uint128{}, fmt.Errorf("%s $IO is worth more than the %s $IO held (%s shares); move all of it instead",
			FormatIO(amount), FormatIO(ValueOf(n.Pool, held)), held)
	}
	if s.Sign() == 0 {
		return bin.Uint128{}, errors.New("that amount is less than one share")
	}
	u, _ := U128FromBig(s)
	return u, nil
}
