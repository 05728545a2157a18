package txbatch

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keys are a small pool so that instructions share accounts, as claims of one
// wallet share its token account and the programs' configs.
func keyPool(n int) []solana.PublicKey {
	out := make([]solana.PublicKey, n)
	for i := range out {
		out[i] = solana.NewWallet().PublicKey()
	}
	return out
}

func randomItem(r *rand.Rand, keys []solana.PublicKey, signers []solana.PrivateKey) Item {
	item := make(Item, 1+r.IntN(2))
	for j := range item {
		var metas solana.AccountMetaSlice
		for range r.IntN(8) {
			metas = append(metas, solana.Meta(keys[r.IntN(len(keys))]).WRITE())
		}
		if r.IntN(5) == 0 {
			metas = append(metas, solana.Meta(signers[r.IntN(len(signers))].PublicKey()).SIGNER())
		}
		item[j] = solana.NewInstruction(keys[r.IntN(3)], metas, make([]byte, r.IntN(300)))
	}
	return item
}

// fewest is the least number of contiguous groups of items whose transactions fit
// limit, by dynamic programming over every split: what Pack's greedy must match.
func fewest(t *testing.T, payer solana.PublicKey, items []Item, limit int) int {
	best := make([]int, len(items)+1)
	for i := 1; i <= len(items); i++ {
		best[i] = -1
		for j := i - 1; j >= 0; j-- {
			var ixs []solana.Instruction
			for _, it := range items[j:i] {
				ixs = append(ixs, it...)
			}
			size, err := Size(payer, ixs)
			require.NoError(t, err)
			if size > limit {
				break
			}
			if best[j] >= 0 && (best[i] < 0 || best[j]+1 < best[i]) {
				best[i] = best[j] + 1
			}
		}
	}
	return best[len(items)]
}

func TestPackProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	payer := solana.NewWallet().PrivateKey
	signers := []solana.PrivateKey{payer, solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey}
	keys := keyPool(40)
	for round := range 300 {
		items := make([]Item, r.IntN(25))
		for i := range items {
			items[i] = randomItem(r, keys, signers)
		}
		limit := PacketSize
		if round%3 == 1 {
			limit = 600 + r.IntN(600)
		}
		batches, err := Pack(payer.PublicKey(), items, limit)
		if errors.Is(err, ErrTooLarge) {
			// Only when one item alone is over the limit.
			over := false
			for _, it := range items {
				size, serr := Size(payer.PublicKey(), it)
				require.NoError(t, serr)
				over = over || size > limit
			}
			require.True(t, over, "round %d: %v", round, err)
			continue
		}
		require.NoError(t, err, "round %d", round)
		next := 0
		for bi, b := range batches {
			// The batches cover the items in order, each once.
			require.Equal(t, next, b.First, "round %d batch %d", round, bi)
			require.Greater(t, b.End, b.First)
			next = b.End
			var want []solana.Instruction
			for _, it := range items[b.First:b.End] {
				want = append(want, it...)
			}
			require.Equal(t, want, b.Instructions)
			size, err := Size(payer.PublicKey(), b.Instructions)
			require.NoError(t, err)
			require.LessOrEqual(t, size, limit, "round %d batch %d", round, bi)
			// Each batch is full: the next item would not have fit.
			if b.End < len(items) {
				more, err := Size(payer.PublicKey(), append(append([]solana.Instruction(nil), b.Instructions...), items[b.End]...))
				require.NoError(t, err)
				require.Greater(t, more, limit, "round %d batch %d could take item %d", round, bi, b.End)
			}
		}
		require.Equal(t, len(items), next)
		// As few transactions as any split that keeps the order.
		if len(items) <= 12 {
			require.Equal(t, fewest(t, payer.PublicKey(), items, limit), len(batches), "round %d", round)
		}
	}
}

func TestSizeIsTheSignedTransactionsSize(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	payer := solana.NewWallet().PrivateKey
	signers := []solana.PrivateKey{payer, solana.NewWallet().PrivateKey, solana.NewWallet().PrivateKey}
	keys := keyPool(20)
	for range 100 {
		var ixs []solana.Instruction
		for range 1 + r.IntN(4) {
			ixs = append(ixs, randomItem(r, keys, signers)...)
		}
		size, err := Size(payer.PublicKey(), ixs)
		require.NoError(t, err)
		tx, err := solana.NewTransaction(ixs, solana.Hash{1, 2, 3}, solana.TransactionPayer(payer.PublicKey()))
		require.NoError(t, err)
		_, err = tx.Sign(func(k solana.PublicKey) *solana.PrivateKey {
			for i := range signers {
				if signers[i].PublicKey().Equals(k) {
					return &signers[i]
				}
			}
			return nil
		})
		require.NoError(t, err)
		raw, err := tx.MarshalBinary()
		require.NoError(t, err)
		require.Len(t, raw, size)
	}
}

func TestPackAtTheExactLimit(t *testing.T) {
	payer := solana.NewWallet().PublicKey()
	program := solana.NewWallet().PublicKey()
	base, err := Size(payer, []solana.Instruction{solana.NewInstruction(program, nil, nil)})
	require.NoError(t, err)
	// One instruction whose data brings the transaction to exactly 1,232 bytes (the
	// data length's compact-u16 grows from 1 to 2 bytes past 127).
	n := PacketSize - base - 1
	exact := solana.NewInstruction(program, nil, make([]byte, n))
	size, err := Size(payer, []solana.Instruction{exact})
	require.NoError(t, err)
	require.Equal(t, PacketSize, size)
	batches, err := Pack(payer, []Item{{exact}}, 0)
	require.NoError(t, err)
	require.Len(t, batches, 1)

	over := solana.NewInstruction(program, nil, make([]byte, n+1))
	_, err = Pack(payer, []Item{{solana.NewInstruction(program, nil, nil)}, {over}}, 0)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Contains(t, err.Error(), "item 1 (1233 bytes) does not fit one transaction of 1232 bytes")

	_, err = Pack(payer, []Item{{}}, 0)
	require.ErrorContains(t, err, "item 0 has no instructions")
	batches, err = Pack(payer, nil, 0)
	require.NoError(t, err)
	require.Empty(t, batches)
}

// An item's instructions stay in one transaction: a pair that fits only alone is
// never split across two.
func TestPackKeepsItemsWhole(t *testing.T) {
	payer := solana.NewWallet().PublicKey()
	program := solana.NewWallet().PublicKey()
	small := solana.NewInstruction(program, nil, make([]byte, 10))
	// The largest pair that fits a transaction alone, so that no other item fits beside it.
	var half solana.Instruction
	for n := 400; ; n++ {
		next := solana.NewInstruction(program, nil, make([]byte, n))
		size, err := Size(payer, []solana.Instruction{next, next})
		require.NoError(t, err)
		if size > PacketSize {
			break
		}
		half = next
	}
	batches, err := Pack(payer, []Item{{small}, {half, half}, {small}}, 0)
	require.NoError(t, err)
	require.Equal(t, []Batch{
		{First: 0, End: 1, Instructions: []solana.Instruction{small}},
		{First: 1, End: 2, Instructions: []solana.Instruction{half, half}},
		{First: 2, End: 3, Instructions: []solana.Instruction{small}},
	}, batches)
}
