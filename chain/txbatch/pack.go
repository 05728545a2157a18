// Package txbatch sends a flow of many instructions (claims across many delegations
// or nodes, say) as a sequence of transactions that each fit one packet: Pack groups
// the instructions, in order, into as few transactions of at most PacketSize
// serialized bytes (signatures included) as order allows, and Sender sends them one
// after the other. When a transaction's blockhash expires before it lands, Sender
// signs it again with a fresh blockhash and goes on; with a State kept across runs it
// resumes after a crash at the first batch not confirmed, never sending a confirmed
// batch twice.
package txbatch

import (
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
)

// PacketSize is the most bytes a serialized transaction may have: an IPv6 packet's
// 1,280 bytes less its headers (Agave's PACKET_DATA_SIZE).
const PacketSize = 1232

// ErrTooLarge is wrapped when one item alone does not fit a transaction.
var ErrTooLarge = errors.New("does not fit one transaction")

// Item is instructions that must land together, in one transaction (creating a
// token account, then paying into it).
type Item []solana.Instruction

// Batch is one transaction's worth of items: items [First, End) of Pack's input.
type Batch struct {
	First, End   int
	Instructions []solana.Instruction
}

// Size is the serialized size in bytes of a legacy transaction of ixs paid by payer,
// with every signature it needs (a blockhash's size does not depend on its value).
func Size(payer solana.PublicKey, ixs []solana.Instruction) (int, error) {
	tx, err := solana.NewTransaction(ixs, solana.Hash{}, solana.TransactionPayer(payer))
	if err != nil {
		return 0, err
	}
	tx.Signatures = make([]solana.Signature, tx.Message.Header.NumRequiredSignatures)
	raw, err := tx.MarshalBinary()
	if err != nil {
		return 0, err
	}
	return len(raw), nil
}

// Pack groups items, in order, into batches whose transactions (paid by payer) are at
// most limit bytes (PacketSize when limit is 0). Each batch takes as many of the next
// items as fit: a transaction never shrinks when an instruction is added, so this
// makes the fewest batches that keep the items' order. An item that alone is larger
// than limit is an error wrapping ErrTooLarge; no items make no batches.
func Pack(payer solana.PublicKey, items []Item, limit int) ([]Batch, error) {
	if limit <= 0 {
		limit = PacketSize
	}
	var out []Batch
	for first := 0; first < len(items); {
		if len(items[first]) == 0 {
			return nil, fmt.Errorf("item %d has no instructions", first)
		}
		end, ixs := first, []solana.Instruction(nil)
		for end < len(items) {
			next := append(append([]solana.Instruction(nil), ixs...), items[end]...)
			size, err := Size(payer, next)
			if err != nil {
				return nil, fmt.Errorf("item %d: %w", end, err)
			}
			if size > limit {
				break
			}
			ixs, end = next, end+1
		}
		if end == first {
			size, _ := Size(payer, items[first])
			return nil, fmt.Errorf("item %d (%d bytes) %w of %d bytes", first, size, ErrTooLarge, limit)
		}
		out = append(out, Batch{First: first, End: end, Instructions: ixs})
		first = end
	}
	return out, nil
}
