package jobs

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"sort"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/hire"
)

// Peer is one node of an order.
type Peer struct {
	Node     solana.PublicKey
	Endpoint string // its worker's HTTP endpoint, from io-staking
}

// Host is the peer's address for jobs: the host of its endpoint.
func (p Peer) Host() string {
	u, err := url.Parse(p.Endpoint)
	if err != nil || u.Hostname() == "" {
		return p.Endpoint
	}
	return u.Hostname()
}

// Hire is an order as this node sees it.
type Hire struct {
	Renter solana.PublicKey
	// CreatedAt is the order's creation time on the chain's clock (unix seconds): an
	// order closed and created again at the same address is another order.
	CreatedAt int64
	// Peers are the order's assigned nodes in rank order (by node key); this node
	// is among them when it is assigned.
	Peers []Peer
	// Active: the order is active and this node's part has neither ended, failed nor
	// been released.
	Active bool
	// Reason says why not, when not Active.
	Reason string
	// GPUs is how many of this node's GPUs the order holds (its assignment).
	GPUs int
}

// Rank is node's index among h.Peers (−1 when it is not assigned).
func (h Hire) Rank(node solana.PublicKey) int {
	for i, p := range h.Peers {
		if p.Node.Equals(node) {
			return i
		}
	}
	return -1
}

// Hires reads orders from the chain: the narrow interface the manager needs, faked
// in tests.
type Hires interface {
	Hire(ctx context.Context, order solana.PublicKey) (Hire, error)
}

// ChainHires reads orders from io-hire and endpoints from io-staking, on the
// chain's clock.
type ChainHires struct {
	Client *hire.Client
	Node   solana.PublicKey
}

// Hire reads order, its open assignments and their nodes.
func (c ChainHires) Hire(ctx context.Context, order solana.PublicKey) (Hire, error) {
	o, err := c.Client.Order(ctx, order)
	if err != nil {
		return Hire{}, err
	}
	as, err := c.Client.Assignments(ctx, order)
	if err != nil {
		return Hire{}, err
	}
	now, err := c.Client.Staking.Now(ctx)
	if err != nil {
		return Hire{}, err
	}
	sort.Slice(as, func(i, j int) bool { return bytes.Compare(as[i].Assignment.Node[:], as[j].Assignment.Node[:]) < 0 })
	h := Hire{Renter: o.Renter, CreatedAt: o.CreatedAt}
	var mine *iohire.Assignment
	for _, a := range as {
		n, err := c.Client.Staking.Node(ctx, a.Assignment.Node)
		if err != nil {
			return Hire{}, fmt.Errorf("node %s of order %s: %w", a.Assignment.Node, order, err)
		}
		h.Peers = append(h.Peers, Peer{Node: a.Assignment.Node, Endpoint: n.Endpoint})
		if a.Assignment.Node.Equals(c.Node) {
			mine = a.Assignment
			h.GPUs = int(a.Assignment.Gpus)
		}
	}
	switch {
	case o.Status != iohire.OrderStatus_Active:
		h.Reason = "order " + o.Status.String()
	case mine == nil:
		h.Reason = "this node is not assigned to the order"
	case mine.Failed:
		h.Reason = "this node failed the order"
	case mine.Released:
		h.Reason = "this node was released from the order"
	case now >= mine.Start+mine.Duration:
		h.Reason = "this node's part of the order is over"
	default:
		h.Active = true
	}
	return h, nil
}
