package keeper

import (
	"context"
	"fmt"
	"sync"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/agree"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/report"
)

// beacons caches each epoch's beacon (the blockhash of its first block).
type beacons struct {
	rpc *rpc.Client
	mu  sync.Mutex
	by  map[uint64][32]byte
}

func (b *beacons) of(ctx context.Context, epoch uint64, start int64) ([32]byte, error) {
	b.mu.Lock()
	h, ok := b.by[epoch]
	b.mu.Unlock()
	if ok {
		return h, nil
	}
	h, _, err := beacon(ctx, b.rpc, start)
	if err != nil {
		return h, fmt.Errorf("beacon of epoch %d: %w", epoch, err)
	}
	b.mu.Lock()
	b.by[epoch] = h
	b.mu.Unlock()
	return h, nil
}

// servingKeepers are the authorities of the keepers serving in epoch.
func servingKeepers(snap *follower.Snapshot, epoch uint64) []solana.PublicKey {
	var out []solana.PublicKey
	for _, k := range snap.Keepers {
		if serves(k, epoch) {
			out = append(out, k.Authority)
		}
	}
	return out
}

// chainInput is report.Build's input for epoch from the snapshot: every staked node
// with its class, stake, hired share and the cumulative reward of its latest final
// leaf. That is the higher of this keeper's latest final leaf for the node and the
// node's claimed total on chain: with the latest final report held, the leaf's
// cumulative is never below what was claimed from it; without it (no voter served
// it), the claimed total is the best figure every keeper can read alike. The
// measurements are left to agree.Agree, with the TOPS of each node's latest final
// leaf (the third result), which a node hired at its challenges carries over.
func (d *epochDuty) chainInput(snap *follower.Snapshot, epoch uint64) (report.EpochInput, []solana.PublicKey, map[solana.PublicKey]uint64, error) {
	prev, err := d.k.reports.PrevLeaves()
	if err != nil {
		return report.EpochInput{}, nil, nil, err
	}
	var nodes []report.NodeInput
	var keys []solana.PublicKey
	tops := map[solana.PublicKey]uint64{}
	for address, n := range snap.Nodes {
		if !staking.IsStaked(n, snap.StakingConfig.Params) {
			continue
		}
		var p uint64
		if l, ok := prev[address]; ok {
			p = l.CumulativeReward
			tops[address] = l.TOPSMilli
		}
		if c := snap.NodeClaims[rewards.NodeClaimsAddress(address)]; c != nil {
			p = max(p, c.State.Claimed)
		}
		nodes = append(nodes, rewards.NodeInput(address, n, rewards.Measured{}, p))
		keys = append(keys, address)
	}
	return rewards.EpochInput(epoch, snap.RewardsConfig, snap.StakingConfig.Params, nodes), keys, tops, nil
}

// agree applies the public agreement function (keeper/agree) to the summaries
// fetched for the epoch's commits.
func (d *epochDuty) agree(ctx context.Context, snap *follower.Snapshot, onChain *iorewards.EpochReport, summaries map[[32]byte][]byte) (report.EpochReport, error) {
	e := onChain.Epoch
	in, nodes, prevTOPS, err := d.chainInput(snap, e)
	if err != nil {
		return report.EpochReport{}, err
	}
	b, err := d.beacons.of(ctx, e, rewards.EpochsOf(snap.RewardsConfig.Params).Start(e))
	if err != nil {
		return report.EpochReport{}, err
	}
	commits := make([]agree.Commit, len(onChain.Commits))
	for i, c := range onChain.Commits {
		commits[i] = agree.Commit{Keeper: c.Keeper, Hash: c.LogHash}
	}
	out, err := agree.Agree(agree.Input{
		Chain: in, Commits: commits, Summaries: summaries,
		Assignment:    agree.Assign(b, nodes, servingKeepers(snap, e), d.k.cfg.KeepersPerNode),
		PrevTOPSMilli: prevTOPS,
	})
	if err != nil {
		return report.EpochReport{}, err
	}
	for _, x := range out.Excluded {
		d.k.log.Warn("commit left out of the report", "epoch", e, "keeper", x.Commit.Keeper, "err", x.Err)
	}
	if len(out.Uncovered) > 0 {
		d.k.log.Info("nodes no keeper observed get no leaf this epoch", "epoch", e, "nodes", len(out.Uncovered))
	}
	return out.Report, nil
}
