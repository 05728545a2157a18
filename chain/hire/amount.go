package hire

import (
	"fmt"

	"github.com/ionet-network/ionet/chain/staking"
)

// IOSDDecimals: IOSD counts micro-USD, as prices do.
const IOSDDecimals = staking.USDDecimals

// ParseUSD reads a price or an amount of USD or IOSD ("2.15") as micro-USD, exactly.
func ParseUSD(s string) (uint64, error) { return staking.ParseUSDMicro(s) }

// FormatUSD writes micro-USD as a decimal: 2150000 is "2.15".
func FormatUSD(v uint64) string { return staking.FormatAmount(v, IOSDDecimals) }

// Format writes an amount of an order's mint with its unit: "12.5 IOSD" or "3 $IO".
func Format(v uint64, isIO bool) string {
	if isIO {
		return staking.FormatIO(v) + " $IO"
	}
	return FormatUSD(v) + " IOSD"
}

// Location reads an ISO 3166 alpha-2 code ("US").
func Location(s string) ([2]uint8, error) {
	if len(s) != 2 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' || s[1] > 'Z' {
		return [2]uint8{}, fmt.Errorf("location %q: two capital letters (ISO 3166 alpha-2)", s)
	}
	return [2]uint8{s[0], s[1]}, nil
}
