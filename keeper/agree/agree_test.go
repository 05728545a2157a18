package agree_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/keeper/agree"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/emission"
	"github.com/ionet-network/ionet/oracle/report"
)

const epoch = 7

func pk(tag string) solana.PublicKey { return solana.PublicKey(sha256.Sum256([]byte(tag))) }

func chain(nodes ...solana.PublicKey) report.EpochInput {
	in := report.EpochInput{
		Epoch:          epoch,
		Schedule:       emission.Schedule{InitialEpochEmission: 1_000_000, PeriodEpochs: 10, RatioBps: 5_000, Cap: 20_000_000},
		Params:         report.Params{StakeBoostBps: report.DefaultStakeBoostBps, IOPerTOPS: 1_000, UptimeThresholdBps: 9_000},
		RewardsProgram: pk("rewards"), IOMint: pk("mint"),
	}
	for i, n := range nodes {
		in.Nodes = append(in.Nodes, report.NodeInput{Node: n, Class: 1, Stake: uint64(i) * 100_000, PrevCumulativeReward: 5,
			TOPSMilli: 999_999, UptimeBps: 1}) // measurements are ignored
	}
	return in
}

// entry is a node summary with the given uptime (out of 100 probes) and TOPS.
func entry(node solana.PublicKey, answered uint32, tops uint64) epochlog.NodeSummary {
	e := epochlog.NodeSummary{Node: node, Probes: 100, Answered: answered, TOPSMilli: tops}
	if tops > 0 {
		e.Passed = 1
	}
	return e
}

func summary(keeper solana.PublicKey, entries ...epochlog.NodeSummary) *epochlog.Summary {
	s := &epochlog.Summary{Epoch: epoch, Keeper: keeper, Log: sha256.Sum256(keeper[:]), Nodes: slices.Clone(entries)}
	slices.SortFunc(s.Nodes, func(a, b epochlog.NodeSummary) int { return bytes.Compare(a.Node[:], b.Node[:]) })
	return s
}

var (
	kA, kB, kC, kD = pk("keeper A"), pk("keeper B"), pk("keeper C"), pk("keeper D")
	n1, n2, n3     = pk("node 1"), pk("node 2"), pk("node 3")
)

// fixture: nodes 1 and 2 are assigned to A, B, C; node 3 to D alone.
type fixture struct {
	sums    map[solana.PublicKey]*epochlog.Summary
	commits []agree.Commit
	fetched map[[32]byte][]byte
	assign  agree.Assignment
}

func newFixture() fixture {
	f := fixture{
		sums: map[solana.PublicKey]*epochlog.Summary{
			kA: summary(kA, entry(n1, 100, 600_000), entry(n2, 95, 300_000)),
			kB: summary(kB, entry(n1, 90, 700_000), entry(n2, 100, 320_000)),
			kC: summary(kC, entry(n1, 100, 650_000), entry(n2, 80, 0), entry(n3, 100, 999_000)), // n3: not C's node
			kD: summary(kD, entry(n3, 100, 500_000)),
		},
		fetched: map[[32]byte][]byte{},
		assign:  agree.Assignment{n1: {kA, kB, kC}, n2: {kC, kB, kA}, n3: {kD}},
	}
	for _, k := range []solana.PublicKey{kA, kB, kC, kD} {
		b := f.sums[k].Bytes()
		f.commits = append(f.commits, agree.Commit{Keeper: k, Hash: sha256.Sum256(b)})
		f.fetched[sha256.Sum256(b)] = b
	}
	return f
}

func (f fixture) input() agree.Input {
	return agree.Input{Chain: chain(n1, n2, n3), Commits: f.commits, Summaries: f.fetched, Assignment: f.assign}
}

func (f fixture) hash(k solana.PublicKey) [32]byte { return sha256.Sum256(f.sums[k].Bytes()) }

func leaf(t *testing.T, r report.EpochReport, n solana.PublicKey) report.Leaf {
	t.Helper()
	for _, l := range r.Leaves {
		if l.Node == n {
			return l
		}
	}
	t.Fatalf("no leaf for %s", n)
	return report.Leaf{}
}

func TestAgreeMedians(t *testing.T) {
	out, err := agree.Agree(newFixture().input())
	require.NoError(t, err)
	assert.Empty(t, out.Excluded)
	assert.Empty(t, out.Uncovered)
	assert.Len(t, out.Used, 4)
	// n1: uptime {10000, 9000, 10000} → 10000; TOPS {600, 700, 650} → 650.
	l := leaf(t, out.Report, n1)
	assert.Equal(t, uint16(10_000), l.UptimeBps)
	assert.Equal(t, uint64(650_000), l.TOPSMilli)
	// n2: uptime {9500, 10000, 8000} → 9500; TOPS {300, 320, 0} → 300.
	l = leaf(t, out.Report, n2)
	assert.Equal(t, uint16(9_500), l.UptimeBps)
	assert.Equal(t, uint64(300_000), l.TOPSMilli)
	// n3: C's entry does not count (C is not assigned to n3).
	l = leaf(t, out.Report, n3)
	assert.Equal(t, uint64(500_000), l.TOPSMilli)
	assert.Equal(t, uint64(5)+l.EpochReward, l.CumulativeReward)

	// The report is report.Build over the medians, leaves sorted by node key.
	want, err := report.Build(out.Input)
	require.NoError(t, err)
	assert.Equal(t, want, out.Report)
	assert.True(t, slices.IsSortedFunc(out.Report.Leaves, func(a, b report.Leaf) int { return bytes.Compare(a.Node[:], b.Node[:]) }))
	assert.NotZero(t, out.Report.Root)
}

// TestLeftOutUnderOneRule: a committed summary that is missing, tampered with, or
// not the committing keeper's is left out, and every keeper's view that lacks it in
// any of these ways gives the same root: medians over the remaining keepers.
func TestLeftOutUnderOneRule(t *testing.T) {
	base := newFixture()
	hC := base.hash(kC)
	wrongEpoch := summary(kC, entry(n1, 100, 650_000))
	wrongEpoch.Epoch++
	cases := []struct {
		name string
		edit func(f *fixture)
		err  error
	}{
		{"not fetched", func(f *fixture) { delete(f.fetched, hC) }, agree.ErrNotFetched},
		{"bytes do not match the commitment", func(f *fixture) {
			b := bytes.Clone(f.fetched[hC])
			b[len(b)-1] ^= 1
			f.fetched[hC] = b
		}, agree.ErrHashMismatch},
		{"another keeper's summary", func(f *fixture) { // C committed D's summary hash
			for i := range f.commits {
				if f.commits[i].Keeper == kC {
					f.commits[i].Hash = f.hash(kD)
				}
			}
		}, agree.ErrWrongKeeper},
		{"another epoch", func(f *fixture) {
			b := wrongEpoch.Bytes()
			for i := range f.commits {
				if f.commits[i].Keeper == kC {
					f.commits[i].Hash = sha256.Sum256(b)
				}
			}
			f.fetched[sha256.Sum256(b)] = b
		}, agree.ErrWrongEpoch},
		{"garbage that hashes right", func(f *fixture) {
			b := []byte("not a summary")
			for i := range f.commits {
				if f.commits[i].Keeper == kC {
					f.commits[i].Hash = sha256.Sum256(b)
				}
			}
			f.fetched[sha256.Sum256(b)] = b
		}, agree.ErrMalformed},
	}
	var root [32]byte
	for i, tc := range cases {
		f := newFixture()
		f.commits = slices.Clone(f.commits)
		tc.edit(&f)
		out, err := agree.Agree(f.input())
		require.NoError(t, err, tc.name)
		require.Len(t, out.Excluded, 1, tc.name)
		assert.Equal(t, kC, out.Excluded[0].Commit.Keeper, tc.name)
		assert.ErrorIs(t, out.Excluded[0].Err, tc.err, tc.name)
		assert.Len(t, out.Used, 3, tc.name)
		// n1 over A, B: uptime {10000, 9000} → 9000 (lower); TOPS {600, 700} → 600.
		l := leaf(t, out.Report, n1)
		assert.Equal(t, uint16(9_000), l.UptimeBps, tc.name)
		assert.Equal(t, uint64(600_000), l.TOPSMilli, tc.name)
		if i == 0 {
			root = [32]byte(out.Report.Root)
		}
		assert.Equal(t, root, [32]byte(out.Report.Root), "%s: same root as every other view without C", tc.name)
	}
	full, err := agree.Agree(base.input())
	require.NoError(t, err)
	assert.NotEqual(t, root, [32]byte(full.Report.Root), "leaving C out changes the root")
}

func TestAgreeIgnoresUncommitted(t *testing.T) {
	f := newFixture()
	want, err := agree.Agree(f.input())
	require.NoError(t, err)
	// An uncommitted summary of a fifth keeper, and one of A's that A did not commit.
	kE := pk("keeper E")
	extra := summary(kE, entry(n1, 0, 1))
	f.fetched[extra.Hash()] = extra.Bytes()
	other := summary(kA, entry(n1, 0, 1))
	f.fetched[other.Hash()] = other.Bytes()
	f.assign = agree.Assignment{n1: {kA, kB, kC, kE}, n2: f.assign[n2], n3: f.assign[n3]}
	got, err := agree.Agree(f.input())
	require.NoError(t, err)
	assert.Equal(t, want.Report, got.Report)
	assert.Equal(t, want.Used, got.Used)
}

func TestAgreeUncovered(t *testing.T) {
	f := newFixture()
	hD := f.hash(kD)
	delete(f.fetched, hD) // only D observed n3
	n4 := pk("node 4")    // staked, assigned to nobody
	in := f.input()
	in.Chain = chain(n1, n2, n3, n4)
	out, err := agree.Agree(in)
	require.NoError(t, err)
	want := []solana.PublicKey{n3, n4}
	slices.SortFunc(want, func(a, b solana.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	assert.Equal(t, want, out.Uncovered)
	assert.Len(t, out.Report.Leaves, 2)
	for _, l := range out.Report.Leaves {
		assert.NotContains(t, want, l.Node)
	}
	assert.Len(t, out.Input.Nodes, 2)

	// Nothing fetched at all: no leaves, zero root, nothing emitted.
	in.Summaries = nil
	out, err = agree.Agree(in)
	require.NoError(t, err)
	assert.Empty(t, out.Report.Leaves)
	assert.Zero(t, out.Report.Root)
	assert.Zero(t, out.Report.EpochEmission)
	assert.Len(t, out.Excluded, 4)
}

func TestAgreeErrors(t *testing.T) {
	f := newFixture()
	in := f.input()
	in.Commits = append(slices.Clone(in.Commits), agree.Commit{Keeper: kA, Hash: f.hash(kB)})
	_, err := agree.Agree(in)
	assert.ErrorIs(t, err, agree.ErrDuplicateCommit)

	in = f.input()
	in.Chain.Params.IOPerTOPS = 0
	_, err = agree.Agree(in)
	assert.ErrorIs(t, err, report.ErrInvalidParams)
}

func TestAssign(t *testing.T) {
	keepers := []solana.PublicKey{kA, kB, kC, kD, pk("keeper E")}
	a := agree.Assign([32]byte{1}, []solana.PublicKey{n1, n2, n3}, keepers, 3)
	require.Len(t, a, 3)
	for n, ks := range a {
		assert.Len(t, ks, 3, n.String())
		rev := slices.Clone(keepers)
		slices.Reverse(rev)
		assert.Equal(t, ks, agree.Assign([32]byte{1}, []solana.PublicKey{n}, rev, 3)[n], "independent of keeper order")
	}
	assert.NotEqual(t, a, agree.Assign([32]byte{2}, []solana.PublicKey{n1, n2, n3}, keepers, 3), "the beacon reshuffles")
}

// TestPermutationsGiveOneRoot is the property: random epochs (logs summarized from
// randomly generated observations, some commitments missing or tampered with,
// uncommitted extras), presented in any order (commitments, chain nodes, each
// node's keeper list, observations within each log), give the same outcome; and
// each leaf's measurements are the lower medians recomputed independently.
func TestPermutationsGiveOneRoot(t *testing.T) {
	for seed := range uint64(30) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			nodes := make([]solana.PublicKey, 5+rng.IntN(40))
			for i := range nodes {
				nodes[i] = pk(fmt.Sprintf("node %d/%d", seed, i))
			}
			keepers := make([]solana.PublicKey, 1+rng.IntN(7))
			for i := range keepers {
				keepers[i] = pk(fmt.Sprintf("keeper %d/%d", seed, i))
			}
			assign := agree.Assign([32]byte{byte(seed)}, nodes, keepers, 3)
			logs := map[solana.PublicKey]*epochlog.Log{}
			for _, n := range nodes {
				for _, k := range assign[n] {
					if logs[k] == nil {
						logs[k] = &epochlog.Log{Epoch: epoch, Keeper: k}
					}
					logs[k].Observations = append(logs[k].Observations, randomObservations(rng, n)...)
				}
			}
			// Which commitments exist and what was fetched for them.
			var commits []agree.Commit
			fetched := map[[32]byte][]byte{}
			for _, k := range keepers {
				l := logs[k]
				if l == nil || rng.IntN(6) == 0 { // no log, or never committed
					continue
				}
				s, err := epochlog.Summarize(l)
				require.NoError(t, err)
				b := s.Bytes()
				c := agree.Commit{Keeper: k, Hash: sha256.Sum256(b)}
				commits = append(commits, c)
				switch rng.IntN(6) {
				case 0: // not fetched
				case 1: // tampered
					b = bytes.Clone(b)
					b[rng.IntN(len(b))] ^= 0x40
					fetched[c.Hash] = b
				default:
					fetched[c.Hash] = b
				}
			}
			stray := summary(pk("stray"), entry(nodes[0], 1, 1))
			fetched[stray.Hash()] = stray.Bytes()
			in := agree.Input{Chain: chain(nodes...), Commits: commits, Summaries: fetched, Assignment: assign}
			want, err := agree.Agree(in)
			require.NoError(t, err)
			checkMedians(t, in, want)

			for range 5 {
				p := permute(t, rng, in, logs)
				got, err := agree.Agree(p)
				require.NoError(t, err)
				require.Equal(t, want.Report.Root, got.Report.Root)
				require.Equal(t, want.Report, got.Report)
				require.Equal(t, want.Used, got.Used)
				require.Equal(t, want.Uncovered, got.Uncovered)
				require.Equal(t, len(want.Excluded), len(got.Excluded))
			}
		})
	}
}

func randomObservations(rng *rand.Rand, n solana.PublicKey) []epochlog.Observation {
	var out []epochlog.Observation
	for range rng.IntN(6) {
		o := epochlog.Observation{Node: n, Kind: epochlog.KindProbe, AtMillis: rng.Int64N(3_600_000), OK: rng.IntN(5) > 0}
		if !o.OK {
			o.Reason = epochlog.ReasonDeadline
		}
		out = append(out, o)
	}
	for range rng.IntN(3) {
		o := epochlog.Observation{Node: n, Kind: epochlog.KindChallenge, AtMillis: rng.Int64N(3_600_000), OK: rng.IntN(4) > 0}
		if o.OK {
			o.TOPSMilli = 100_000 + rng.Uint64N(900_000)
		} else {
			o.Reason = epochlog.ReasonWrongRow
		}
		out = append(out, o)
	}
	return out
}

// permute presents the same epoch in another order; summaries are re-derived from
// the logs with their observations shuffled, so their bytes must come out equal.
func permute(t *testing.T, rng *rand.Rand, in agree.Input, logs map[solana.PublicKey]*epochlog.Log) agree.Input {
	shuffle := func(n int, swap func(i, j int)) { rng.Shuffle(n, swap) }
	p := in
	p.Commits = slices.Clone(in.Commits)
	shuffle(len(p.Commits), func(i, j int) { p.Commits[i], p.Commits[j] = p.Commits[j], p.Commits[i] })
	p.Chain.Nodes = slices.Clone(in.Chain.Nodes)
	shuffle(len(p.Chain.Nodes), func(i, j int) { p.Chain.Nodes[i], p.Chain.Nodes[j] = p.Chain.Nodes[j], p.Chain.Nodes[i] })
	p.Assignment = agree.Assignment{}
	for n, ks := range in.Assignment {
		ks = slices.Clone(ks)
		shuffle(len(ks), func(i, j int) { ks[i], ks[j] = ks[j], ks[i] })
		p.Assignment[n] = ks
	}
	p.Summaries = map[[32]byte][]byte{}
	for h, b := range in.Summaries {
		p.Summaries[h] = b
	}
	for _, l := range logs {
		c := &epochlog.Log{Epoch: l.Epoch, Keeper: l.Keeper, Observations: slices.Clone(l.Observations)}
		shuffle(len(c.Observations), func(i, j int) { c.Observations[i], c.Observations[j] = c.Observations[j], c.Observations[i] })
		s, err := epochlog.Summarize(c)
		require.NoError(t, err)
		if b, ok := in.Summaries[s.Hash()]; ok && sha256.Sum256(b) == s.Hash() { // fetched intact
			require.Equal(t, b, s.Bytes(), "a log's summary does not depend on its order")
			p.Summaries[s.Hash()] = s.Bytes()
		}
	}
	return p
}

// checkMedians recomputes every leaf's measurements the slow way.
func checkMedians(t *testing.T, in agree.Input, out agree.Outcome) {
	used := map[solana.PublicKey]*epochlog.Summary{}
	for _, c := range out.Used {
		s, err := epochlog.DecodeSummary(in.Summaries[c.Hash])
		require.NoError(t, err)
		used[c.Keeper] = s
	}
	leaves := 0
	for _, n := range in.Chain.Nodes {
		var up []uint16
		var tops []uint64
		for _, k := range in.Assignment[n.Node] {
			if s := used[k]; s != nil {
				for _, e := range s.Nodes {
					if e.Node == n.Node {
						up = append(up, e.UptimeBps())
						tops = append(tops, e.TOPSMilli)
					}
				}
			}
		}
		if len(up) == 0 {
			assert.Contains(t, out.Uncovered, n.Node)
			continue
		}
		leaves++
		l := leaf(t, out.Report, n.Node)
		u, _ := report.LowerMedian(up)
		tp, _ := report.LowerMedian(tops)
		assert.Equal(t, u, l.UptimeBps)
		assert.Equal(t, tp, l.TOPSMilli)
	}
	assert.Len(t, out.Report.Leaves, leaves)
}

// A node hired at its challenges (probed, not challenged: NotChallenged > 0, no
// passed or failed challenge) keeps the TOPS of its latest final leaf, so its
// attested capacity does not collapse because a renter used it; its availability
// reward counts only its unhired share, and nothing when it was hired in full or
// when the hire was over by the vote (how much was hired is then unknown).
func TestHiredNodeCarriesItsPreviousTOPS(t *testing.T) {
	var (
		ref     = pk("challenged")
		full    = pk("hired in full")
		ended   = pk("hire over by the vote")
		part    = pk("a quarter hired")
		fresh   = pk("hired, no previous leaf")
		failed  = pk("hired at one challenge, failed another")
		keepers = []solana.PublicKey{kA, kB, kC}
		nodes   = []solana.PublicKey{ref, full, ended, part, fresh, failed}
	)
	hiredAt := func(n solana.PublicKey) epochlog.NodeSummary {
		return epochlog.NodeSummary{Node: n, Probes: 100, Answered: 100, NotChallenged: 1}
	}
	deadline, _ := epochlog.ReasonCode(epochlog.ReasonDeadline)
	// input builds the agreement's input; partTOPS > 0 has the keepers measure the
	// quarter-hired node instead (it passed its challenges).
	input := func(prev map[solana.PublicKey]uint64, partTOPS uint64) agree.Input {
		in := agree.Input{Chain: chain(nodes...), Summaries: map[[32]byte][]byte{}, Assignment: agree.Assignment{},
			PrevTOPSMilli: prev}
		for i := range in.Chain.Nodes {
			switch in.Chain.Nodes[i].Node {
			case full:
				in.Chain.Nodes[i].HiredBps = 10_000
			case part:
				in.Chain.Nodes[i].HiredBps = 2_500
			}
		}
		for _, n := range nodes {
			in.Assignment[n] = keepers
		}
		for i, k := range keepers {
			entries := []epochlog.NodeSummary{entry(ref, 100, 500_000), hiredAt(full), hiredAt(ended), hiredAt(fresh)}
			switch {
			case partTOPS > 0:
				entries = append(entries, entry(part, 100, partTOPS))
			case i == 0: // only A had a challenge window of it
				entries = append(entries, hiredAt(part))
			default:
				entries = append(entries, entry(part, 100, 0))
			}
			f := hiredAt(failed)
			if i == 1 {
				f.NotChallenged, f.Failures = 0, []uint8{deadline}
			}
			entries = append(entries, f)
			b := summary(k, entries...).Bytes()
			in.Commits = append(in.Commits, agree.Commit{Keeper: k, Hash: sha256.Sum256(b)})
			in.Summaries[sha256.Sum256(b)] = b
		}
		return in
	}
	prev := map[solana.PublicKey]uint64{ref: 1, full: 800_000, ended: 800_000, part: 400_000, failed: 800_000}
	out, err := agree.Agree(input(prev, 0))
	require.NoError(t, err)
	require.Empty(t, out.Uncovered)

	for _, n := range []solana.PublicKey{full, ended} {
		l := leaf(t, out.Report, n)
		assert.Equal(t, uint64(800_000), l.TOPSMilli, "the previous leaf's TOPS carries over")
		assert.Equal(t, uint16(10_000), l.HiredBps, "hired in full")
		assert.Zero(t, l.EpochReward, "no availability reward for hired GPU time")
		assert.Equal(t, uint64(5), l.CumulativeReward)
	}
	l := leaf(t, out.Report, ref)
	assert.Equal(t, uint64(500_000), l.TOPSMilli, "a challenged node's own TOPS, never the previous leaf's")
	assert.NotZero(t, l.EpochReward)
	l = leaf(t, out.Report, fresh)
	assert.Zero(t, l.TOPSMilli, "no previous leaf: 0 as before")
	assert.Zero(t, l.HiredBps)
	assert.Zero(t, l.EpochReward)
	assert.Zero(t, leaf(t, out.Report, failed).TOPSMilli, "a failed challenge is not carried over")

	// The quarter-hired node's leaf is what it would be had it passed its challenges
	// at its previous TOPS: its unhired three quarters earn, at T × 3/4.
	l = leaf(t, out.Report, part)
	assert.Equal(t, uint64(400_000), l.TOPSMilli)
	assert.Equal(t, uint16(2_500), l.HiredBps)
	assert.NotZero(t, l.EpochReward)
	measured, err := agree.Agree(input(prev, 400_000))
	require.NoError(t, err)
	assert.Equal(t, measured.Report, out.Report)

	// The nodes hired in full take nothing from the others: the rewards are those of
	// the same epoch without their previous TOPS.
	without, err := agree.Agree(input(map[solana.PublicKey]uint64{part: 400_000}, 0))
	require.NoError(t, err)
	assert.Zero(t, leaf(t, without.Report, full).TOPSMilli)
	assert.Zero(t, leaf(t, without.Report, ended).HiredBps, "without a previous leaf the chain's hired share stands")
	for _, n := range []solana.PublicKey{ref, part} {
		assert.Equal(t, leaf(t, without.Report, n).EpochReward, leaf(t, out.Report, n).EpochReward)
	}
	assert.Equal(t, without.Report.EpochEmission, out.Report.EpochEmission)
}
