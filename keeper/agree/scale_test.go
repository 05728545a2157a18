package agree_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"math/bits"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/report"
	"github.com/ionet-network/ionet/oracle/uptime"
)

// The scale of docs/design.md §6 and the per-epoch protocol load this estimate assumes.
const (
	scaleNodes   = 100_000
	scaleKeepers = 100
	scaleM       = 3 // keepers per node
	// probesPerEpoch is what one keeper sends one node per hourly epoch: the
	// protocol fixes none yet (oracle/uptime.Schedule takes a count); one a minute
	// on average.
	probesPerEpoch = 60
	// challengesPerEpoch: one synchronized challenge window per class per epoch
	// (docs/design.md §7), answered once; each assigned keeper logs it with the evidence
	// (the challenger's, which the others re-check with their own Freivalds vector).
	challengesPerEpoch = 1
	// summaryBudget is docs/design.md §6's target for what one keeper downloads.
	summaryBudget = 50_000_000
)

func edKey(tag string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(tag))
	return ed25519.NewKeyFromSeed(s[:])
}

// gpuClass is the fixed GPU class with the largest matrices: the heaviest evidence.
func gpuClass(t *testing.T) classes.Class {
	var best classes.Class
	for _, c := range classes.All() {
		if c.K == classes.GPUK && c.M*c.T > best.M*best.T {
			best = c
		}
	}
	require.NotZero(t, best.M)
	return best
}

// nodeObservations are one keeper's real observations of one node over an epoch:
// probes whose evidence is the node's signed answer (embedding the keeper's signed
// probe), and a challenge whose evidence is the signed commitment and opening
// request (openings are counted apart: see openingsSize).
func nodeObservations(t *testing.T, keeper, node ed25519.PrivateKey, epoch uint64) []epochlog.Observation {
	nodePub := node.Public().(ed25519.PublicKey)
	var out []epochlog.Observation
	prev := uptime.Genesis(epoch, keeper.Public().(ed25519.PublicKey), nodePub)
	for i := range probesPerEpoch {
		p := uptime.SealProbe(keeper, uptime.Probe{Node: nodePub, Epoch: epoch, Seq: uint64(i), Nonce: sha256.Sum256([]byte{byte(i)}), Previous: prev})
		a := uptime.SealAnswer(node, uptime.Answer{Probe: p, Previous: prev})
		prev = uptime.AnswerHash(a)
		out = append(out, epochlog.Observation{Node: [32]byte(nodePub), Kind: epochlog.KindProbe,
			AtMillis: int64(i) * 60_000, OK: true, RTTMicros: 40_000, Evidence: [][]byte{a}})
	}
	var seed pow.Seed
	commitment := pow.SealCommitment(node, pow.Commitment{Seed: seed, M: 1 << 16, Root: sha256.Sum256(nil)})
	rows := make([]uint64, pow.DefaultSamples)
	for i := range rows {
		rows[i] = uint64(i) * 997
	}
	request := pow.SealOpeningRequest(keeper, pow.OpeningRequest{Seed: seed, Rows: rows})
	out = append(out, epochlog.Observation{Node: [32]byte(nodePub), Kind: epochlog.KindChallenge, AtMillis: 1_800_000,
		OK: true, TOPSMilli: 1_400_000_000, RTTMicros: 40_000, Evidence: [][]byte{commitment, request}})
	return out
}

// openingsSize is the signed openings of one GPU challenge (s = 64 rows of T links
// of N int32 at the width a real chain needs, and a Merkle path of ⌈log2 M⌉
// hashes), sealed for real.
func openingsSize(t *testing.T, c classes.Class) int {
	link := make([]int32, c.N)
	for j := range link {
		link[j] = int32(j%3-1) << (pow.GPULinkWidth - 2) // −2^21, 0, 2^21: width 23
	}
	require.Equal(t, pow.GPULinkWidth, pow.LinkWidth(link))
	links := make([][]int32, c.T)
	for i := range links {
		links[i] = link
	}
	depth := bits.Len(uint(c.M - 1))
	o := pow.Openings{}
	for i := range pow.DefaultSamples {
		o.Openings = append(o.Openings, pow.Opening{Row: uint64(i), Links: links, Proof: make([]merkle.Hash, depth)})
	}
	msg := pow.SealOpenings(edKey("node"), o)
	assert.Greater(t, len(msg), pow.OpeningsPayloadSize(pow.DefaultSamples, c.T, c.N, pow.GPULinkWidth, depth))
	return len(msg) + 4 // plus its Borsh length prefix in the observation's evidence
}

func txSize(t *testing.T, keeper solana.PrivateKey, ix solana.Instruction) int {
	tx, err := solana.NewTransaction([]solana.Instruction{ix}, solana.Hash{1}, solana.TransactionPayer(keeper.PublicKey()))
	require.NoError(t, err)
	_, err = tx.Sign(func(solana.PublicKey) *solana.PrivateKey { return &keeper })
	require.NoError(t, err)
	b, err := tx.MarshalBinary()
	require.NoError(t, err)
	return len(b)
}

// TestExchangeAtScale estimates, from the real encodings, what one keeper sends and
// downloads per epoch at 10⁵ nodes, 100 keepers, m = 3 (docs/keeper.md, "Exchange at
// scale"): summaries fit docs/design.md §6's 50 MB, full logs do not come close.
func TestExchangeAtScale(t *testing.T) {
	perKeeper := scaleNodes * scaleM / scaleKeepers // expected nodes assigned to one keeper
	const epoch = 1000
	keeper := edKey("keeper")

	// One keeper's full log for the epoch, without the openings, encoded for real.
	l := &epochlog.Log{Epoch: epoch, Keeper: [32]byte(keeper.Public().(ed25519.PublicKey))}
	// Signed once for one node; every node's observations have the same sizes.
	real := nodeObservations(t, keeper, edKey("node"), epoch)
	probeObs, challengeObs := real[0].EncodedLen(), real[len(real)-1].EncodedLen()
	for i := range perKeeper {
		node := indexKey("node", i)
		for _, o := range real {
			o.Node = node
			l.Observations = append(l.Observations, o)
		}
	}
	logBytes := len(l.Bytes())
	sum, err := epochlog.Summarize(l)
	require.NoError(t, err)
	require.Len(t, sum.Nodes, perKeeper)
	summaryBytes := len(sum.Bytes())
	entry := float64(summaryBytes) / float64(perKeeper)

	gpu := gpuClass(t)
	openings := openingsSize(t, gpu)
	fullLog := logBytes + perKeeper*challengesPerEpoch*openings

	// Votes: each keeper's two transactions per epoch.
	kp := solana.PrivateKey(edKey("keeper"))
	commitIx, err := rewards.CommitHash(kp.PublicKey(), epoch, sum.Hash())
	require.NoError(t, err)
	voteIx, err := rewards.Vote(kp.PublicKey(), report.EpochReport{Epoch: epoch}, 2_000_000)
	require.NoError(t, err)
	commitTx, voteTx := txSize(t, kp, commitIx), txSize(t, kp, voteIx)

	// Claims: a leaf and its proof in a tree of scaleNodes leaves.
	depth := bits.Len(uint(scaleNodes - 1))
	proof := depth * 32

	peers := scaleKeepers - 1
	down := peers * summaryBytes
	t.Logf("scale: %d nodes, %d keepers, m = %d → %d nodes per keeper; per node per keeper per epoch %d probes, %d challenge",
		scaleNodes, scaleKeepers, scaleM, perKeeper, probesPerEpoch, challengesPerEpoch)
	t.Logf("observation (encoded): probe with signed answer %d B; challenge with commitment and request %d B; "+
		"openings of one %s challenge (s=%d, T=%d, N=%d) %d B",
		probeObs, challengeObs, gpu.Name, pow.DefaultSamples, gpu.T, gpu.N, openings)
	t.Logf("full log per keeper: %d B without openings, %d B with them; all %d logs: %d B / %d B",
		logBytes, fullLog, scaleKeepers, scaleKeepers*logBytes, int64(scaleKeepers)*int64(fullLog))
	t.Logf("summary per keeper: %d B (%.1f B per node entry, header %d B)", summaryBytes, entry, summaryBytes-perKeeper*56)
	t.Logf("per keeper per epoch: downloads %d summaries = %d B (budget %d B); pushes its own to %d peers = %d B",
		peers, down, summaryBudget, peers, down)
	t.Logf("on chain per keeper per epoch: commit tx %d B, vote tx %d B; per claim: leaf %d B + proof %d B (depth %d); "+
		"all %d proofs %d B", commitTx, voteTx, report.LeafLen, proof, depth, scaleNodes, scaleNodes*(proof+report.LeafLen))

	assert.LessOrEqual(t, down, summaryBudget, "summaries fit the budget")
	assert.InDelta(t, 56, entry, 1, "a node entry is 56 bytes without failures")
	assert.Greater(t, int64(peers)*int64(logBytes), int64(summaryBudget), "full logs, even without openings, exceed the budget")
	assert.Greater(t, int64(peers)*int64(fullLog), int64(1)<<30, "with openings they are far beyond a GB")
}
