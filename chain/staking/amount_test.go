package staking

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseIO(t *testing.T) {
	for in, want := range map[string]uint64{
		"0":                     0,
		"1":                     100_000_000,
		"1000":                  100_000_000_000,
		"1.5":                   150_000_000,
		"0.00000001":            1,
		".5":                    50_000_000,
		"007.10":                710_000_000,
		"184467440737.09551615": 18_446_744_073_709_551_615,
		"12.34567891":           1_234_567_891,
	} {
		got, err := ParseIO(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
}

func TestParseIORefuses(t *testing.T) {
	for _, in := range []string{
		"", ".", "1.", "-1", "+1", "1e3", "1,000", "1_000", " 1", "1 ", "0x10", "1.2.3",
		"0.000000001",           // 9 decimals
		"184467440737.09551616", // 2^64 base units
		"99999999999999999999",
		"NaN", "inf", "١", // not ASCII digits
	} {
		_, err := ParseIO(in)
		require.Error(t, err, in)
		assert.True(t, errors.Is(err, ErrAmount), in)
	}
}

func TestFormatAmountRoundTrips(t *testing.T) {
	for v, want := range map[uint64]string{
		0: "0", 1: "0.00000001", 100_000_000: "1", 150_000_000: "1.5", 123_456_789_012: "1234.56789012",
		18_446_744_073_709_551_615: "184467440737.09551615",
	} {
		assert.Equal(t, want, FormatIO(v))
		back, err := ParseIO(want)
		require.NoError(t, err)
		assert.Equal(t, v, back)
	}
	assert.Equal(t, "7", FormatAmount(7, 0))
}

func TestParseUSDMicro(t *testing.T) {
	v, err := ParseUSDMicro("2.15")
	require.NoError(t, err)
	assert.Equal(t, uint64(2_150_000), v)
	_, err = ParseUSDMicro("2.1500001")
	assert.ErrorIs(t, err, ErrAmount)
}
