package agree_test

import (
	"crypto/sha256"
	"encoding/binary"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/keeper/agree"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/emission"
	"github.com/ionet-network/ionet/oracle/report"
)

func indexKey(tag string, i int) solana.PublicKey {
	var b [40]byte
	copy(b[:], tag)
	binary.LittleEndian.PutUint64(b[32:], uint64(i))
	return sha256.Sum256(b[:])
}

// scaleInput is an epoch of n nodes and k keepers, m per node, where every keeper
// committed and every summary was fetched.
func scaleInput(tb testing.TB, n, k, m int) agree.Input {
	nodes := make([]solana.PublicKey, n)
	for i := range nodes {
		nodes[i] = indexKey("node", i)
	}
	keepers := make([]solana.PublicKey, k)
	for i := range keepers {
		keepers[i] = indexKey("keeper", i)
	}
	assign := agree.Assign([32]byte{7}, nodes, keepers, m)
	sums := map[solana.PublicKey]*epochlog.Summary{}
	for _, kk := range keepers {
		sums[kk] = &epochlog.Summary{Epoch: 1, Keeper: kk, Log: sha256.Sum256(kk[:])}
	}
	in := agree.Input{
		Chain: report.EpochInput{
			Epoch:          1,
			Schedule:       emission.Schedule{InitialEpochEmission: 856_164_383_561, PeriodEpochs: 17_520, RatioBps: 5_000, Cap: 300_000_000_000_000_000},
			Params:         report.Params{StakeBoostBps: report.DefaultStakeBoostBps, IOPerTOPS: 1_000_000_000, UptimeThresholdBps: 9_000},
			RewardsProgram: indexKey("rewards", 0), IOMint: indexKey("mint", 0),
		},
		Summaries: map[[32]byte][]byte{}, Assignment: assign,
	}
	// Nodes are generated in key order per keeper by sorting at the end.
	for i, nd := range nodes {
		in.Chain.Nodes = append(in.Chain.Nodes, report.NodeInput{Node: nd, Class: 1, Stake: uint64(i%50) * 1_000_000_000_000, HiredBps: uint16(i % 3 * 1000)})
		for j, kk := range assign[nd] {
			e := epochlog.NodeSummary{Node: nd, Probes: 60, Answered: uint32(60 - (i+j)%3), Passed: 1,
				TOPSMilli: uint64(500_000 + (i*7+j*13)%400_000)}
			sums[kk].Nodes = append(sums[kk].Nodes, e)
		}
	}
	for _, kk := range keepers {
		s := sums[kk]
		sortEntries(s.Nodes)
		b := s.Bytes()
		in.Commits = append(in.Commits, agree.Commit{Keeper: kk, Hash: sha256.Sum256(b)})
		in.Summaries[sha256.Sum256(b)] = b
	}
	return in
}

// BenchmarkAgree100kNodes3Keepers is the report function at the target scale of a
// small keeper set: 100,000 nodes, 3 keepers each covering every node (m = 3), from
// the fetched summary bytes (hash check, strict decode, medians, report.Build,
// Merkle root). Target: ≤ 2 s and ≤ 1 GiB on 2 cores.
func BenchmarkAgree100kNodes3Keepers(b *testing.B) {
	in := scaleInput(b, 100_000, 3, 3)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := agree.Agree(in)
		require.NoError(b, err)
		require.Len(b, out.Report.Leaves, 100_000)
	}
}
