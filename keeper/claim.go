package keeper

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/ionet-network/ionet/keeper/follower"
)

// ClaimOnce cranks, once, the claim of every node of the latest final report held in
// cfg.DataDir (fetching it from the keepers that voted it when this keeper missed
// it) that is not yet claimed at that epoch, and returns how many claims landed.
// It is `ionet-keeper claim`; a running keeper does the same after every final
// epoch.
func ClaimOnce(ctx context.Context, cfg Config) (int, error) {
	if err := cfg.validate(); err != nil {
		return 0, err
	}
	k, err := New(cfg)
	if err != nil {
		return 0, err
	}
	defer k.duty.close()
	snap, err := follower.Read(ctx, cfg.RPCURL)
	if err != nil {
		return 0, err
	}
	if snap.RewardsConfig == nil || snap.RewardsConfig.FinalEpoch == nil {
		return 0, errors.New("no epoch is final on this chain yet")
	}
	if err := k.duty.catchUpReports(ctx, snap); err != nil {
		return 0, err
	}
	epoch, ok := k.reports.LatestFinal()
	if !ok {
		return 0, errors.New("this keeper holds no final report in " + filepath.Clean(cfg.DataDir))
	}
	rep, _, _ := k.reports.Get(epoch)
	return k.duty.claim(ctx, snap, rep)
}
