package keeper

import (
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/oracle/report"
)

// A final report that covered no node (zero leaves, the zero root) is adopted from a
// peer like any other, so a keeper that missed it is not stuck asking for it; a
// report whose root is not the chain's is refused, with or without leaves.
func TestAdoptAReportWithoutLeaves(t *testing.T) {
	s, err := openReports(t.TempDir())
	require.NoError(t, err)
	mint := solana.NewWallet().PublicKey()
	final := &iorewards.EpochReport{Epoch: 7, Finalized: true}
	require.NoError(t, s.Adopt(report.EpochReport{Epoch: 7}, final, mint))
	got, isFinal, ok := s.Get(7)
	require.True(t, ok)
	assert.True(t, isFinal)
	assert.Empty(t, got.Leaves)
	latest, ok := s.LatestFinal()
	require.True(t, ok)
	assert.Equal(t, uint64(7), latest)

	other := &iorewards.EpochReport{Epoch: 8, Finalized: true, Root: [32]byte{1}}
	assert.Error(t, s.Adopt(report.EpochReport{Epoch: 8}, other, mint), "an empty report for a non-zero root")
	notFinal := &iorewards.EpochReport{Epoch: 9}
	assert.Error(t, s.Adopt(report.EpochReport{Epoch: 9}, notFinal, mint))
}
