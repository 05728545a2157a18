package rewards

import (
	"fmt"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/emission"
	"github.com/ionet-network/ionet/oracle/report"
)

// Schedule is io-rewards' emission schedule as oracle/emission computes it.
func Schedule(p iorewards.RewardsParams) emission.Schedule {
	return emission.Schedule{
		InitialEpochEmission: p.InitialEpochEmission,
		PeriodEpochs:         p.HalvingEpochs,
		RatioBps:             p.HalvingRatioBps,
		Cap:                  p.EmissionCap,
	}
}

// Measured is what keepers measured of one node over an epoch.
type Measured struct {
	TOPSMilli uint64
	UptimeBps uint16
}

// NodeInput is a node's line of the report: the measurement, its class, its hired
// share (hired GPUs over its GPUs now), its stake (operator and delegated) and what
// its claims have paid so far (claimed).
func NodeInput(address solana.PublicKey, n *iostaking.Node, m Measured, claimed uint64) report.NodeInput {
	var hired uint16
	if n.Spec.GpuCount > 0 {
		hired = uint16(min(uint64(n.HiredGpus), uint64(n.Spec.GpuCount)) * 10_000 / uint64(n.Spec.GpuCount))
	}
	return report.NodeInput{
		Node: address, Class: n.Spec.GpuClass, TOPSMilli: m.TOPSMilli, UptimeBps: m.UptimeBps, HiredBps: hired,
		Stake:                staking.OperatorStake(n) + staking.DelegatedStake(n),
		PrevCumulativeReward: claimed,
	}
}

// BuildReport is the report every honest keeper computes for epoch from the same
// inputs, under io-rewards' and io-staking's parameters.
func BuildReport(epoch uint64, rc *iorewards.RewardsConfig, sp iostaking.StakingParams, nodes []report.NodeInput) (report.EpochReport, error) {
	return report.Build(EpochInput(epoch, rc, sp, nodes))
}

// EpochInput is what report.Build reads for epoch under io-rewards' and io-staking's
// parameters, with the nodes' lines as given.
func EpochInput(epoch uint64, rc *iorewards.RewardsConfig, sp iostaking.StakingParams, nodes []report.NodeInput) report.EpochInput {
	return report.EpochInput{
		Epoch:    epoch,
		Schedule: Schedule(rc.Params),
		Params: report.Params{
			StakeBoostBps:      report.DefaultStakeBoostBps,
			IOPerTOPS:          sp.IoPerTops,
			UptimeThresholdBps: rc.Params.UptimeThresholdBps,
		},
		RewardsProgram:         iorewards.ProgramID,
		IOMint:                 rc.IoMint,
		PrevCumulativeEmission: rc.ReportedCumulative,
		Nodes:                  nodes,
	}
}

// Proofs are the Merkle proofs of r's leaves, in the leaves' order.
func Proofs(r report.EpochReport, ioMint solana.PublicKey) ([][][32]uint8, error) {
	if len(r.Leaves) == 0 {
		return nil, nil
	}
	tree, err := report.Tree(r.Leaves, iorewards.ProgramID, ioMint)
	if err != nil {
		return nil, fmt.Errorf("report tree: %w", err)
	}
	if tree.Root() != r.Root {
		return nil, fmt.Errorf("report tree root %x is not the report's %x", tree.Root(), r.Root)
	}
	out := make([][][32]uint8, len(r.Leaves))
	for i := range r.Leaves {
		p, err := tree.Proof(i)
		if err != nil {
			return nil, fmt.Errorf("proof of leaf %d: %w", i, err)
		}
		out[i] = make([][32]uint8, len(p))
		for j := range p {
			out[i][j] = p[j]
		}
	}
	return out, nil
}
