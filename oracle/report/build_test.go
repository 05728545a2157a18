package report

import (
	"bytes"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/oracle/emission"
	"github.com/ionet-network/ionet/oracle/merkle"
)

const (
	oneIO = 100_000_000
	// tops is 500 TOPS, in milli-TOPS.
	tops = 500_000
	// ioPerTOPS gives a 500-TOPS node a stake cap of C = 5,000 $IO.
	ioPerTOPS = 10 * oneIO
	stakeCap  = tops * ioPerTOPS / 1000
)

// schedule emits 1,000,000 base units per epoch in the first period of 10 epochs.
var schedule = emission.Schedule{InitialEpochEmission: 1_000_000, PeriodEpochs: 10, RatioBps: 5_000, Cap: 20_000_000}

func defaultParams() Params {
	return Params{StakeBoostBps: DefaultStakeBoostBps, IOPerTOPS: ioPerTOPS, UptimeThresholdBps: DefaultUptimeThresholdBps}
}

func node(k byte, stake uint64) NodeInput {
	return NodeInput{Node: key(k), Class: 1, TOPSMilli: tops, UptimeBps: 10_000, Stake: stake}
}

func input(nodes ...NodeInput) EpochInput {
	return EpochInput{
		Epoch: 4, Schedule: schedule, Params: defaultParams(),
		RewardsProgram: key(0xF0), IOMint: key(0xAB),
		PrevCumulativeEmission: 3_000_000, Nodes: nodes,
	}
}

func build(t *testing.T, in EpochInput) EpochReport {
	t.Helper()
	r, err := Build(in)
	require.NoError(t, err)
	checkInvariants(t, in, r)
	return r
}

func rewards(r EpochReport) map[solana.PublicKey]uint64 {
	m := map[solana.PublicKey]uint64{}
	for _, l := range r.Leaves {
		m[l.Node] = l.EpochReward
	}
	return m
}

// checkInvariants holds for every report: sorted leaves, Σ reward ≤ budget ≤ E(e),
// remainder under one base unit per node, consistent cumulatives and root.
func checkInvariants(t *testing.T, in EpochInput, r EpochReport) {
	t.Helper()
	require.Equal(t, in.Epoch, r.Epoch)
	require.Len(t, r.Leaves, len(in.Nodes))
	require.True(t, slices.IsSortedFunc(r.Leaves, func(a, b Leaf) int { return bytes.Compare(a.Node[:], b.Node[:]) }))
	require.LessOrEqual(t, r.Budget, in.Schedule.EpochEmission(in.Epoch))
	var sum uint64
	prev := map[solana.PublicKey]uint64{}
	for _, n := range in.Nodes {
		prev[n.Node] = n.PrevCumulativeReward
	}
	for _, l := range r.Leaves {
		sum += l.EpochReward
		require.Equal(t, prev[l.Node]+l.EpochReward, l.CumulativeReward)
		require.Equal(t, in.Epoch, l.Epoch)
	}
	require.Equal(t, sum, r.EpochEmission)
	require.LessOrEqual(t, r.EpochEmission+r.Forfeited, r.Budget)
	weighed := slices.ContainsFunc(in.Nodes, func(n NodeInput) bool { return Weight(n, in.Params).Sign() > 0 })
	if weighed {
		require.Less(t, r.Budget-r.EpochEmission-r.Forfeited, uint64(len(in.Nodes)))
	} else {
		require.Zero(t, r.EpochEmission+r.Forfeited, "no weight, nothing awarded")
	}
	require.Equal(t, in.PrevCumulativeEmission+r.EpochEmission, r.CumulativeEmission)
	require.LessOrEqual(t, r.CumulativeEmission, in.Schedule.Cumulative(in.Epoch+1))
	if len(r.Leaves) == 0 {
		require.Equal(t, merkle.Hash{}, r.Root)
		return
	}
	tree, err := Tree(r.Leaves, in.RewardsProgram, in.IOMint)
	require.NoError(t, err)
	require.Equal(t, tree.Root(), r.Root)
}

// w = T_unhired × (1 + β × min(S/C, 1)), as a multiple of the unstaked weight.
func TestStakeRaisesRewardsOnlyUpToTheHardwaresCap(t *testing.T) {
	base := Weight(node(1, 0), defaultParams())
	for _, tc := range []struct {
		name     string
		stake    uint64
		num, den int64 // weight / base
	}{
		{"no stake", 0, 1, 1},
		{"a quarter of the cap", stakeCap / 4, 5, 4},
		{"half the cap", stakeCap / 2, 3, 2},
		{"one base unit short of the cap", stakeCap - 1, 2, 1},
		{"the cap", stakeCap, 2, 1},
		{"three times the cap", 3 * stakeCap, 2, 1},
		{"all the stake there is", math.MaxUint64, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := Weight(node(1, tc.stake), defaultParams())
			lhs := new(big.Int).Mul(w, big.NewInt(tc.den))
			rhs := new(big.Int).Mul(base, big.NewInt(tc.num))
			if tc.stake == stakeCap-1 {
				require.Equal(t, -1, lhs.Cmp(rhs), "short of the full boost")
				require.Equal(t, 1, new(big.Int).Mul(w, big.NewInt(1_000_000)).Cmp(new(big.Int).Mul(rhs, big.NewInt(999_999))))
				return
			}
			require.Zero(t, lhs.Cmp(rhs), "weight %s, base %s", w, base)
		})
	}

	r := build(t, input(node(1, 0), node(2, stakeCap/2), node(3, stakeCap), node(4, 3*stakeCap)))
	got := rewards(r)
	// weights 1 : 1.5 : 2 : 2 of 6.5; the remainder stays in the vault.
	assert.Equal(t, uint64(153_846), got[key(1)])
	assert.Equal(t, uint64(230_769), got[key(2)])
	assert.Equal(t, uint64(307_692), got[key(3)])
	assert.Equal(t, got[key(3)], got[key(4)], "stake above the cap earns nothing more")
	assert.Equal(t, uint64(999_999), r.EpochEmission)
}

func TestStakeBoost(t *testing.T) {
	for _, tc := range []struct {
		name     string
		boostBps uint32
		num, den int64 // weight at the cap / unstaked weight
	}{
		{"β = 0: stake does not count", 0, 1, 1},
		{"β = 0.5", 5_000, 3, 2},
		{"β = 1 (default)", DefaultStakeBoostBps, 2, 1},
		{"β = 2", 20_000, 3, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := defaultParams()
			p.StakeBoostBps = tc.boostBps
			atCap, bare := Weight(node(1, stakeCap), p), Weight(node(1, 0), p)
			require.Zero(t, new(big.Int).Mul(atCap, big.NewInt(tc.den)).Cmp(new(big.Int).Mul(bare, big.NewInt(tc.num))))
		})
	}
}

// Weights are linear in T, and the stake boost is subadditive: one device split into
// identities earns at most what it earned whole.
func TestSplittingADeviceEarnsNothingExtra(t *testing.T) {
	whole := NodeInput{Node: key(1), TOPSMilli: 2 * tops, UptimeBps: 10_000, Stake: stakeCap}
	for _, tc := range []struct {
		name  string
		parts []NodeInput
		equal bool // same total weight (else strictly less: stake above a part's cap is lost)
	}{
		{"halves, stake halved", []NodeInput{
			{Node: key(1), TOPSMilli: tops, UptimeBps: 10_000, Stake: stakeCap / 2},
			{Node: key(2), TOPSMilli: tops, UptimeBps: 10_000, Stake: stakeCap / 2},
		}, true},
		{"1:3, stake in proportion", []NodeInput{
			{Node: key(1), TOPSMilli: tops / 2, UptimeBps: 10_000, Stake: stakeCap / 4},
			{Node: key(2), TOPSMilli: 3 * tops / 2, UptimeBps: 10_000, Stake: 3 * stakeCap / 4},
		}, true},
		{"halves, all stake on one", []NodeInput{
			{Node: key(1), TOPSMilli: tops, UptimeBps: 10_000, Stake: stakeCap},
			{Node: key(2), TOPSMilli: tops, UptimeBps: 10_000},
		}, true},
		{"1:3, all stake on the smaller, above its cap", []NodeInput{
			{Node: key(1), TOPSMilli: tops / 2, UptimeBps: 10_000, Stake: stakeCap},
			{Node: key(2), TOPSMilli: 3 * tops / 2, UptimeBps: 10_000},
		}, false},
		{"four quarters", []NodeInput{
			{Node: key(1), TOPSMilli: tops / 2, UptimeBps: 10_000, Stake: stakeCap / 4},
			{Node: key(2), TOPSMilli: tops / 2, UptimeBps: 10_000, Stake: stakeCap / 4},
			{Node: key(3), TOPSMilli: tops / 2, UptimeBps: 10_000, Stake: stakeCap / 4},
			{Node: key(4), TOPSMilli: tops / 2, UptimeBps: 10_000, Stake: stakeCap / 4},
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum := new(big.Int)
			for _, n := range tc.parts {
				sum.Add(sum, Weight(n, defaultParams()))
			}
			cmp := sum.Cmp(Weight(whole, defaultParams()))
			if tc.equal {
				require.Zero(t, cmp)
			} else {
				require.Equal(t, -1, cmp)
			}

			rival := node(0xEE, stakeCap/3)
			alone := rewards(build(t, input(whole, rival)))
			split := build(t, input(append(slices.Clone(tc.parts), rival)...))
			var earned uint64
			for _, l := range split.Leaves {
				if l.Node != rival.Node {
					earned += l.EpochReward
				}
			}
			require.LessOrEqual(t, earned, alone[whole.Node])
			require.GreaterOrEqual(t, rewards(split)[rival.Node], alone[rival.Node], "the rival loses nothing")
		})
	}
}

// Only unhired GPU-time earns availability rewards; the stake boost applies to that
// share only.
func TestAHiredNodeEarnsOnlyForItsUnhiredShare(t *testing.T) {
	for _, stake := range []uint64{0, stakeCap / 2, stakeCap} {
		free := Weight(node(1, stake), defaultParams())
		for _, tc := range []struct {
			hired    uint16
			num, den int64
		}{{0, 1, 1}, {2_500, 3, 4}, {5_000, 1, 2}, {9_999, 1, 10_000}, {10_000, 0, 1}} {
			n := node(1, stake)
			n.HiredBps = tc.hired
			w := Weight(n, defaultParams())
			require.Zero(t, new(big.Int).Mul(w, big.NewInt(tc.den)).Cmp(new(big.Int).Mul(free, big.NewInt(tc.num))),
				"stake %d, hired %d bps", stake, tc.hired)
		}
	}

	quarter, full := node(2, stakeCap), node(3, stakeCap)
	quarter.HiredBps, full.HiredBps = 2_500, 10_000
	r := build(t, input(node(1, stakeCap), quarter, full))
	got := rewards(r)
	assert.Equal(t, uint64(571_428), got[key(1)]) // 4/7
	assert.Equal(t, uint64(428_571), got[key(2)]) // 3/7
	assert.Zero(t, got[key(3)])
	assert.Equal(t, uint16(10_000), r.Leaves[2].HiredBps)
	assert.Zero(t, r.Forfeited)
}

// A node below the uptime threshold earns nothing, keeps its cumulative, and its
// share stays in the vault instead of going to the others.
func TestANodeBelowTheUptimeThresholdForfeits(t *testing.T) {
	for _, tc := range []struct {
		name      string
		uptime    uint16
		threshold uint16
		forfeits  bool
	}{
		{"one missed probe at 100%", 9_999, 10_000, true},
		{"all probes at 100%", 10_000, 10_000, false},
		{"at a 95% threshold", 9_500, 9_500, false},
		{"below a 95% threshold", 9_499, 9_500, true},
		{"offline, threshold 0", 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flaky := node(1, stakeCap)
			flaky.UptimeBps, flaky.PrevCumulativeReward = tc.uptime, 7_000
			steady := node(2, stakeCap)
			steady.PrevCumulativeReward = 9_000
			in := input(flaky, steady)
			in.Params.UptimeThresholdBps = tc.threshold
			r := build(t, in)
			require.Equal(t, uint64(500_000), r.Leaves[1].EpochReward, "the other's share is unchanged")
			if tc.forfeits {
				assert.Zero(t, r.Leaves[0].EpochReward)
				assert.Equal(t, uint64(7_000), r.Leaves[0].CumulativeReward)
				assert.Equal(t, uint64(500_000), r.Forfeited)
				assert.Equal(t, uint64(500_000), r.EpochEmission)
			} else {
				assert.Equal(t, uint64(500_000), r.Leaves[0].EpochReward)
				assert.Equal(t, uint64(507_000), r.Leaves[0].CumulativeReward)
				assert.Zero(t, r.Forfeited)
				assert.Equal(t, uint64(1_000_000), r.EpochEmission)
			}
			assert.Equal(t, uint16(tc.uptime), r.Leaves[0].UptimeBps)
		})
	}
}

func TestRoundingFavoursTheProtocol(t *testing.T) {
	r := build(t, input(node(1, 0), node(2, 0), node(3, 0)))
	for _, l := range r.Leaves {
		assert.Equal(t, uint64(333_333), l.EpochReward)
	}
	assert.Equal(t, uint64(999_999), r.EpochEmission)
	assert.Equal(t, uint64(3_999_999), r.CumulativeEmission)
}

func TestEmptyEpoch(t *testing.T) {
	for _, nodes := range [][]NodeInput{nil, {}} {
		r := build(t, input(nodes...))
		assert.Empty(t, r.Leaves)
		assert.Equal(t, merkle.Hash{}, r.Root)
		assert.Equal(t, uint64(1_000_000), r.Budget)
		assert.Zero(t, r.EpochEmission)
		assert.Zero(t, r.Forfeited)
		assert.Equal(t, uint64(3_000_000), r.CumulativeEmission)
	}
	// Nodes with no weight: leaves, nothing awarded.
	idle := node(1, stakeCap)
	idle.TOPSMilli = 0
	r := build(t, input(idle))
	assert.Len(t, r.Leaves, 1)
	assert.Zero(t, r.EpochEmission)
}

// Where the cap binds, the epoch awards only what the schedule's cumulative leaves.
func TestTheBudgetNeverExceedsTheSchedule(t *testing.T) {
	in := input(node(1, 0), node(2, 0))
	in.PrevCumulativeEmission = schedule.Cumulative(in.Epoch+1) - 11
	r := build(t, in)
	assert.Equal(t, uint64(11), r.Budget)
	assert.Equal(t, uint64(10), r.EpochEmission)

	late := input(node(1, 0))
	late.Epoch, late.PrevCumulativeEmission = 1_000, 0 // E(1000) has halved to 0
	r = build(t, late)
	assert.Zero(t, r.Budget)
	assert.Zero(t, r.EpochEmission)
}

// The same input in any node order gives the same report, and every leaf's proof
// verifies against the root.
func TestDeterministicAndProvable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 6))
	nodes := randomNodes(rng, 40)
	in := input(nodes...)
	want := build(t, in)
	for range 5 {
		rng.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
		in.Nodes = slices.Clone(nodes)
		require.Equal(t, want, build(t, in))
	}
	tree, err := Tree(want.Leaves, in.RewardsProgram, in.IOMint)
	require.NoError(t, err)
	for i, l := range want.Leaves {
		proof, err := tree.Proof(i)
		require.NoError(t, err)
		require.True(t, merkle.Verify(want.Root, merkle.LeafHash(l.Encode(in.RewardsProgram, in.IOMint)), proof))
	}
	other := in
	other.IOMint = key(0xAC)
	require.NotEqual(t, want.Root, build(t, other).Root, "the root binds the mint")
}

func randomNodes(rng *rand.Rand, n int) []NodeInput {
	nodes := make([]NodeInput, n)
	for i := range nodes {
		var k solana.PublicKey
		for j := range k {
			k[j] = byte(rng.IntN(256))
		}
		nodes[i] = NodeInput{
			Node:                 k,
			Class:                uint8(rng.IntN(8)),
			TOPSMilli:            rng.Uint64N(1 << uint(rng.IntN(64))),
			UptimeBps:            uint16(10_000 - rng.IntN(3)*rng.IntN(5_000)),
			HiredBps:             uint16(rng.IntN(3) * rng.IntN(10_001) / 2),
			Stake:                rng.Uint64N(1 << uint(rng.IntN(64))),
			PrevCumulativeReward: rng.Uint64N(1 << 50),
		}
	}
	return nodes
}

// Σ epoch_reward ≤ E(e) (and the other invariants) over random epochs, parameters
// and nodes, up to the largest integers.
func TestRewardsNeverExceedTheEpochsEmission(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 6))
	for range 300 {
		in := input(randomNodes(rng, rng.IntN(30))...)
		in.Schedule = emission.Schedule{InitialEpochEmission: 856_164_383_561, PeriodEpochs: 17_520, RatioBps: 5_000, Cap: 300_000_000 * oneIO}
		in.Epoch = rng.Uint64N(200_000)
		in.PrevCumulativeEmission = rng.Uint64N(in.Schedule.Cumulative(in.Epoch) + 1)
		in.Params = Params{
			StakeBoostBps:      uint32(rng.IntN(40_000)),
			IOPerTOPS:          1 + rng.Uint64N(1<<uint(rng.IntN(64))),
			UptimeThresholdBps: uint16(rng.IntN(10_001)),
		}
		build(t, in) // checkInvariants
	}
}

func TestBuildRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*EpochInput)
		err  error
	}{
		{"io_per_tops 0", func(in *EpochInput) { in.Params.IOPerTOPS = 0 }, ErrInvalidParams},
		{"threshold above 100%", func(in *EpochInput) { in.Params.UptimeThresholdBps = 10_001 }, ErrInvalidParams},
		{"schedule over its cap", func(in *EpochInput) { in.Schedule.InitialEpochEmission++ }, ErrInvalidSchedule},
		{"schedule without periods", func(in *EpochInput) { in.Schedule.PeriodEpochs = 0 }, ErrInvalidSchedule},
		{"the same node twice", func(in *EpochInput) { in.Nodes = append(in.Nodes, node(1, 5)) }, ErrDuplicateNode},
		{"hired above 100%", func(in *EpochInput) { in.Nodes[1].HiredBps = 10_001 }, ErrInvalidNode},
		{"uptime above 100%", func(in *EpochInput) { in.Nodes[0].UptimeBps = 10_001 }, ErrInvalidNode},
		{"previous cumulative above the schedule", func(in *EpochInput) {
			in.PrevCumulativeEmission = schedule.Cumulative(in.Epoch+1) + 1
		}, ErrCumulative},
		{"the last epoch", func(in *EpochInput) { in.Epoch = math.MaxUint64 }, ErrCumulative},
		{"a node's cumulative overflows", func(in *EpochInput) { in.Nodes[0].PrevCumulativeReward = math.MaxUint64 }, ErrCumulative},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := input(node(1, 0), node(2, 0))
			tc.edit(&in)
			_, err := Build(in)
			require.ErrorIs(t, err, tc.err)
			require.ErrorContains(t, err, "build report for epoch")
		})
	}
}
