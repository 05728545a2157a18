package explorer

import (
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
)

func burnData(reporter solana.PublicKey, amount, total uint64) string {
	b := append([]byte{}, iorewards.Event_BurnRecorded[:]...)
	b = append(b, reporter[:]...)
	b = binary.LittleEndian.AppendUint64(b, amount)
	b = binary.LittleEndian.AppendUint64(b, total)
	return base64.StdEncoding.EncodeToString(b)
}

// Only io-rewards' own "Program data:" lines count: a slash's CPI into record_burn
// does, another program printing the same bytes does not.
func TestBurnEventsComeFromIoRewardsOnly(t *testing.T) {
	reporter := solana.NewWallet().PublicKey()
	rewardsID, stakingID := iorewards.ProgramID.String(), iostaking.ProgramID.String()
	other := solana.NewWallet().PublicKey().String()
	logs := []string{
		"Program " + stakingID + " invoke [1]",
		"Program log: Instruction: Slash",
		"Program " + rewardsID + " invoke [2]",
		"Program log: Instruction: RecordBurn",
		"Program data: " + burnData(reporter, 5, 12),
		"Program " + rewardsID + " consumed 1000 of 200000 compute units",
		"Program " + rewardsID + " success",
		"Program data: " + burnData(reporter, 1, 1), // io-staking's own line
		"Program " + stakingID + " success",
		"Program " + other + " invoke [1]",
		"Program data: " + burnData(reporter, 99, 99),
		"Program " + other + " success",
	}
	got := burnEvents(logs)
	require.Len(t, got, 1)
	assert.Equal(t, reporter, got[0].Reporter)
	assert.Equal(t, uint64(5), got[0].Amount)
	assert.Equal(t, uint64(12), got[0].TotalBurned)
	assert.Empty(t, burnEvents([]string{"Program data: " + burnData(reporter, 1, 1)}), "outside any program")
	assert.Empty(t, burnEvents([]string{"Program " + rewardsID + " invoke [1]", "Program data: !!!"}), "not base64")
}
