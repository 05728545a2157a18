package keeper

import (
	"context"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
)

// errBeaconNotYet: no block at or after that time exists yet.
var errBeaconNotYet = errors.New("no block at or after that time yet")

// blockSource is the part of the RPC client the beacon reads.
type blockSource interface {
	GetSlot(ctx context.Context, commitment rpc.CommitmentType) (uint64, error)
	GetBlocksWithLimit(ctx context.Context, startSlot uint64, limit uint64, commitment rpc.CommitmentType) (*rpc.BlocksResult, error)
	GetBlockTime(ctx context.Context, block uint64) (*solana.UnixTimeSeconds, error)
	GetBlockWithOpts(ctx context.Context, slot uint64, opts *rpc.GetBlockOpts) (*rpc.GetBlockResult, error)
}

// beacon is the randomness every keeper derives an epoch's challenge windows and
// node assignment from (docs/design.md §7): the blockhash of the first block produced at
// or after unix time start (the epoch's start). No one knows it before that block,
// and every keeper reading the chain finds the same one. It returns the hash and the
// block's slot.
func beacon(ctx context.Context, c blockSource, start int64) ([32]byte, uint64, error) {
	var zero [32]byte
	hi, err := c.GetSlot(ctx, rpc.CommitmentFinalized)
	if err != nil {
		return zero, 0, fmt.Errorf("beacon: getSlot: %w", err)
	}
	// next is the first produced block at or after slot s, with its time.
	next := func(s uint64) (uint64, int64, bool, error) {
		blocks, err := c.GetBlocksWithLimit(ctx, s, 1, rpc.CommitmentFinalized)
		if err != nil {
			return 0, 0, false, fmt.Errorf("beacon: getBlocksWithLimit %d: %w", s, err)
		}
		if blocks == nil || len(*blocks) == 0 {
			return 0, 0, false, nil
		}
		b := (*blocks)[0]
		t, err := c.GetBlockTime(ctx, b)
		if err != nil {
			return 0, 0, false, fmt.Errorf("beacon: getBlockTime %d: %w", b, err)
		}
		if t == nil {
			return 0, 0, false, fmt.Errorf("beacon: block %d has no time", b)
		}
		return b, int64(*t), true, nil
	}
	// The answer lies in (lo, hi]: widen lo backwards until its block is before start.
	lo, step := hi, uint64(64)
	for {
		if lo == 0 {
			break
		}
		lo = lo - min(step, lo)
		_, t, ok, err := next(lo)
		if err != nil {
			return zero, 0, err
		}
		if ok && t < start {
			break
		}
		step *= 2
	}
	// Binary search for the first slot whose next block is at or after start.
	l, h := lo, hi+1
	for l < h {
		mid := l + (h-l)/2
		_, t, ok, err := next(mid)
		if err != nil {
			return zero, 0, err
		}
		if !ok || t >= start {
			h = mid
		} else {
			l = mid + 1
		}
	}
	b, t, ok, err := next(l)
	if err != nil {
		return zero, 0, err
	}
	if !ok || t < start {
		return zero, 0, errBeaconNotYet
	}
	rewards := false
	block, err := c.GetBlockWithOpts(ctx, b, &rpc.GetBlockOpts{
		TransactionDetails: rpc.TransactionDetailsNone, Rewards: &rewards, Commitment: rpc.CommitmentFinalized,
	})
	if err != nil {
		return zero, 0, fmt.Errorf("beacon: getBlock %d: %w", b, err)
	}
	return block.Blockhash, b, nil
}
