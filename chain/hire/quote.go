package hire

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/oracle/classes"
)

// ErrStalePrice is wrapped when a $IO order has no fresh IO/USD price: no final epoch
// yet, or the latest is more than max_price_age_epochs old (io-hire's StalePrice).
var ErrStalePrice = errors.New("no fresh IO/USD price: a $IO order needs a final epoch within max_price_age_epochs")

// ErrOrderTooLarge is wrapped when an order's escrow does not fit in a u64 (io-hire's
// OrderTooLarge).
var ErrOrderTooLarge = errors.New("the order's escrow does not fit in 64 bits")

// Quote is what create_order escrows for an order, as programs/io-hire computes it
// (pricing.rs): value = max price × GPUs × hours in the mint (IOSD 1:1, $IO at the
// latest final price, rounded down), deposit = value + ⌊value × renter_fee_bps / 10⁴⌋.
type Quote struct {
	// IoUsdPrice is the price a $IO order is fixed at, micro-USD per $IO (0 for IOSD).
	IoUsdPrice uint64
	// RenterFeeBps is the payment fee plus the booking fee for the mint.
	RenterFeeBps uint16
	Value        uint64
	Deposit      uint64
}

// QuoteOrder predicts create_order's escrow for spec paid in mint under io-hire's
// config and io-rewards' (for the $IO price) at chain time now. The program decides;
// this only predicts, to check a wallet's balance before it signs.
func QuoteOrder(cfg *iohire.HireConfig, rc *iorewards.RewardsConfig, mint solana.PublicKey, spec iohire.OrderSpec, now int64) (Quote, error) {
	var q Quote
	isIO := mint.Equals(cfg.IoMint)
	if !isIO && !mint.Equals(cfg.IosdMint) {
		return q, fmt.Errorf("mint %s is neither io-hire's $IO nor its IOSD", mint)
	}
	usd := new(big.Int).SetUint64(spec.MaxPriceMicroUsd)
	usd.Mul(usd, big.NewInt(int64(spec.Gpus)))
	usd.Mul(usd, big.NewInt(int64(spec.Hours)))
	value := usd
	q.RenterFeeBps = cfg.Params.IosdFeeBps + cfg.Params.BookingFeeBps
	if isIO {
		q.RenterFeeBps = cfg.Params.IoFeeBps + cfg.Params.BookingFeeBps
		current := rewards.EpochsOf(rc.Params).At(now)
		if rc.FinalEpoch == nil || rc.IoUsdPrice == 0 || current-min(current, *rc.FinalEpoch) > uint64(cfg.Params.MaxPriceAgeEpochs) {
			return q, ErrStalePrice
		}
		q.IoUsdPrice = rc.IoUsdPrice
		value = new(big.Int).Mul(usd, big.NewInt(100_000_000))
		value.Quo(value, new(big.Int).SetUint64(rc.IoUsdPrice))
	}
	if !value.IsUint64() {
		return q, ErrOrderTooLarge
	}
	q.Value = value.Uint64()
	fee := new(big.Int).Mul(value, big.NewInt(int64(q.RenterFeeBps)))
	fee.Quo(fee, big.NewInt(10_000))
	deposit := fee.Add(fee, value)
	if !deposit.IsUint64() {
		return q, ErrOrderTooLarge
	}
	q.Deposit = deposit.Uint64()
	return q, nil
}

// ClassID reads a GPU class as a renter names it: "" or "any" is any class (0), a
// device class name (oracle/classes, with localnet-cpu), or a class id the table
// knows.
func ClassID(name string) (uint8, error) {
	name = strings.TrimSpace(name)
	if name == "" || strings.EqualFold(name, "any") {
		return 0, nil
	}
	class, err := classes.LocalnetLookup(strings.ToLower(name))
	if err == nil {
		return class.ID, nil
	}
	id, perr := strconv.ParseUint(name, 10, 8)
	if perr != nil {
		return 0, err
	}
	if class, err = classes.ByID(uint8(id)); err != nil {
		return 0, err
	}
	return class.ID, nil
}
