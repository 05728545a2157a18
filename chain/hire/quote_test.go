package hire

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/oracle/classes"
)

// docs/hire.md's figures: $40 of GPU-time escrows $41 in IOSD (2% + 0.5%), or 20.1
// $IO at $2.00 (0% + 0.5%).
func TestQuoteOrderMatchesTheDocumentedEscrow(t *testing.T) {
	ioMint, iosdMint := solana.NewWallet().PublicKey(), solana.NewWallet().PublicKey()
	cfg := &iohire.HireConfig{IoMint: ioMint, IosdMint: iosdMint,
		Params: iohire.HireParams{IosdFeeBps: 200, IoFeeBps: 0, BookingFeeBps: 50, MaxPriceAgeEpochs: 3}}
	final := uint64(10)
	rc := &iorewards.RewardsConfig{FinalEpoch: &final, IoUsdPrice: 2_000_000,
		Params: iorewards.RewardsParams{GenesisTs: 1_000, EpochSeconds: 3_600}}
	now := int64(1_000 + 11*3_600 + 5) // epoch 11
	spec := iohire.OrderSpec{Gpus: 4, Hours: 5, MaxPriceMicroUsd: 2_000_000}

	q, err := QuoteOrder(cfg, rc, iosdMint, spec, now)
	require.NoError(t, err)
	assert.Equal(t, Quote{RenterFeeBps: 250, Value: 40_000_000, Deposit: 41_000_000}, q)

	q, err = QuoteOrder(cfg, rc, ioMint, spec, now)
	require.NoError(t, err)
	assert.Equal(t, Quote{IoUsdPrice: 2_000_000, RenterFeeBps: 50, Value: 20 * 100_000_000, Deposit: 2_010_000_000}, q)

	// Rounded down like pricing.rs: $1 at $3 per $IO is 0.33333333 $IO.
	q, err = QuoteOrder(cfg, &iorewards.RewardsConfig{FinalEpoch: &final, IoUsdPrice: 3_000_000, Params: rc.Params}, ioMint,
		iohire.OrderSpec{Gpus: 1, Hours: 1, MaxPriceMicroUsd: 1_000_000}, now)
	require.NoError(t, err)
	assert.Equal(t, uint64(33_333_333), q.Value)
	assert.Equal(t, uint64(33_333_333+166_666), q.Deposit)

	// A final epoch more than 3 epochs old, or none, is a stale price; IOSD needs none.
	_, err = QuoteOrder(cfg, rc, ioMint, spec, int64(1_000+14*3_600))
	assert.ErrorIs(t, err, ErrStalePrice)
	_, err = QuoteOrder(cfg, &iorewards.RewardsConfig{Params: rc.Params}, ioMint, spec, now)
	assert.ErrorIs(t, err, ErrStalePrice)
	_, err = QuoteOrder(cfg, &iorewards.RewardsConfig{Params: rc.Params}, iosdMint, spec, now)
	assert.NoError(t, err)

	_, err = QuoteOrder(cfg, rc, iosdMint, iohire.OrderSpec{Gpus: 1024, Hours: 8760, MaxPriceMicroUsd: 1 << 62}, now)
	assert.ErrorIs(t, err, ErrOrderTooLarge)
	_, err = QuoteOrder(cfg, rc, solana.NewWallet().PublicKey(), spec, now)
	assert.ErrorContains(t, err, "neither")
}

func TestClassID(t *testing.T) {
	for name, want := range map[string]uint8{"": 0, "any": 0, "ANY": 0, "localnet-cpu": classes.LocalnetCPU.ID} {
		id, err := ClassID(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, id, name)
	}
	h100, err := classes.ByName("h100-sxm")
	require.NoError(t, err)
	for _, name := range []string{"h100-sxm", "H100-SXM", " h100-sxm "} {
		id, err := ClassID(name)
		require.NoError(t, err, name)
		assert.Equal(t, h100.ID, id, name)
	}
	id, err := ClassID("1")
	if c, cerr := classes.ByID(1); cerr == nil {
		require.NoError(t, err)
		assert.Equal(t, c.ID, id)
	}
	for _, name := range []string{"h200-imaginary", "999", "-1"} {
		_, err := ClassID(name)
		assert.ErrorIs(t, err, classes.ErrUnknown, name)
	}
}
