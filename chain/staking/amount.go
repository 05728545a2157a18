package staking

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// Decimals of the two mints: $IO has 8, IOSD (micro-USD) 6; the ask is in micro-USD.
const (
	IODecimals   = 8
	USDDecimals  = 6
	maxDecimals  = 18
	decimalsZero = "000000000000000000"
)

// GenesisSupply is every $IO minted at genesis, base units: 800M $IO
// (crates/io-protocol/src/supply.rs, IO_GENESIS_SUPPLY; tests/localnet checks the
// chain against it). The mint authority is gone after genesis, so the supply only
// falls: supply ≤ GenesisSupply − the supply ledger's burns (holders may burn their
// own $IO besides).
const GenesisSupply uint64 = 800_000_000 * 100_000_000

// ErrAmount is wrapped by every amount that does not parse.
var ErrAmount = errors.New("invalid amount")

// ParseAmount reads a non-negative decimal such as "1000", "0.5" or "12.34567891"
// into base units of a token with `decimals` decimals, exactly: no floats, no
// rounding. More fractional digits than the token has, signs, exponents, separators
// and values above 2^64-1 base units are refused.
func ParseAmount(s string, decimals uint8) (uint64, error) {
	if decimals > maxDecimals {
		return 0, fmt.Errorf("%w: %d decimals", ErrAmount, decimals)
	}
	whole, frac, dotted := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, fmt.Errorf("%w %q: no digits", ErrAmount, s)
	}
	if dotted && frac == "" {
		return 0, fmt.Errorf("%w %q: no digits after the point", ErrAmount, s)
	}
	if !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("%w %q: only digits and one decimal point", ErrAmount, s)
	}
	if len(frac) > int(decimals) {
		return 0, fmt.Errorf("%w %q: at most %d decimals", ErrAmount, s, decimals)
	}
	var v uint64
	for _, c := range whole + frac + decimalsZero[:int(decimals)-len(frac)] {
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, fmt.Errorf("%w %q: too large", ErrAmount, s)
		}
		v = v*10 + d
	}
	return v, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// FormatAmount writes base units as a decimal with no trailing zeros: 150000000 with
// 8 decimals is "1.5", 100000000 is "1".
func FormatAmount(v uint64, decimals uint8) string {
	if decimals == 0 {
		return fmt.Sprint(v)
	}
	s := fmt.Sprintf("%0*d", int(decimals)+1, v)
	whole, frac := s[:len(s)-int(decimals)], strings.TrimRight(s[len(s)-int(decimals):], "0")
	if frac == "" {
		return whole
	}
	return whole + "." + frac
}

// ParseIO reads an amount of $IO; FormatIO writes one.
func ParseIO(s string) (uint64, error) { return ParseAmount(s, IODecimals) }

// FormatIO writes base units of $IO as "$IO" decimals.
func FormatIO(v uint64) string { return FormatAmount(v, IODecimals) }

// ParseUSDMicro reads a price in USD ("2.15") as micro-USD (2150000).
func ParseUSDMicro(s string) (uint64, error) { return ParseAmount(s, USDDecimals) }
