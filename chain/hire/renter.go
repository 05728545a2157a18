package hire

import (
	"bytes"
	"context"
	"fmt"
	"sort"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/chain/staking"
)

// MaxHours is an order's longest run, extensions included (io-hire's MAX_HOURS).
const MaxHours = 8_760

// Extend is the renter's extension of order by hours: the escrow is topped up from
// the renter's account for mint for every open assignment, whose accounts (of nodes)
// follow the named ones.
func Extend(renter, order, mint solana.PublicKey, hours uint32, nodes []solana.PublicKey) (solana.Instruction, error) {
	ix, err := iohire.NewExtendInstruction(hours, renter, ConfigAddress(), order, EscrowAddress(order),
		staking.ATA(renter, mint), solana.TokenProgramID)
	if err != nil {
		return nil, err
	}
	var metas []*solana.AccountMeta
	for _, n := range nodes {
		metas = append(metas, solana.Meta(AssignmentAddress(order, n)).WRITE())
	}
	return withAccounts(ix, metas...)
}

// OrderAccount is an order with its address.
type OrderAccount struct {
	Address solana.PublicKey
	Order   *iohire.HireOrder
}

// Orders lists io-hire's orders, renter's only when renter is not nil (docs/hire.md:
// HireOrder discriminator, renter at 8), oldest first (created, then address).
func (c *Client) Orders(ctx context.Context, renter *solana.PublicKey) ([]OrderAccount, error) {
	filters := []rpc.RPCFilter{memcmp(0, iohire.Account_HireOrder[:])}
	what := "orders"
	if renter != nil {
		filters = append(filters, memcmp(8, renter[:]))
		what = "orders of " + renter.String()
	}
	out, err := c.programAccounts(ctx, filters...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	list := make([]OrderAccount, 0, len(out))
	for _, a := range out {
		o, err := iohire.ParseAccount_HireOrder(a.Account.Data.GetBinary())
		if err != nil {
			return nil, fmt.Errorf("order %s: %w", a.Pubkey, err)
		}
		list = append(list, OrderAccount{a.Pubkey, o})
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Order.CreatedAt != list[j].Order.CreatedAt {
			return list[i].Order.CreatedAt < list[j].Order.CreatedAt
		}
		return bytes.Compare(list[i].Address[:], list[j].Address[:]) < 0
	})
	return list, nil
}
