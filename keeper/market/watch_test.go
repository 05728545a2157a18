package market

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
)

// hiredMarket is a snapshot with one active hire of a node whose worker answers
// through net, and a watch over it probing every 15 s by a fake clock.
type hiredMarket struct {
	chain  *fakeChain
	net    *fakeNet
	worker *fakeWorker
	txs    *fakeSender
	ev     *memEvidence
	clock  *fakeClock
	watch  *Watch
	order  solana.PublicKey
	node   solana.PublicKey
	keeper solana.PrivateKey
}

func newHiredMarket(t *testing.T) *hiredMarket {
	t.Helper()
	keeper := solana.NewWallet().PrivateKey
	_, wkey, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	s := marketSnapshot(keeper.PublicKey())
	node := addNode(s, 1, 2_000_000, wkey.Public().(ed25519.PublicKey))
	order := addOrder(s, 1, 300, 8, iohire.OrderStatus_Active)
	s.Assignments[solana.PublicKey{0x40}] = &iohire.Assignment{Order: order, Node: node, Gpus: 8, Start: 300,
		Duration: 48 * 3600}
	m := &hiredMarket{chain: &fakeChain{snap: s, now: 600}, txs: &fakeSender{}, ev: &memEvidence{},
		clock: &fakeClock{t: time.Unix(600, 0)}, order: order, node: node, keeper: keeper}
	m.worker = newFakeWorker(wkey)
	m.net = &fakeNet{workers: map[string]*fakeWorker{s.Nodes[node].Endpoint: m.worker}}
	m.watch, err = NewWatch(WatchConfig{Key: keeper, Every: 15 * time.Second, Clock: m.clock,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		WatchDeps{Chain: m.chain, Txs: m.txs, Prober: m.net, Evidence: m.ev, SelfCheck: m.net.selfCheck})
	require.NoError(t, err)
	return m
}

// round plays one watch round and moves the clocks 15 s on.
func (m *hiredMarket) round(t *testing.T) WatchRound {
	t.Helper()
	r, err := m.watch.Round(context.Background())
	m.clock.add(15 * time.Second)
	m.chain.mu.Lock()
	m.chain.now += 15
	m.chain.mu.Unlock()
	require.NoError(t, err)
	return r
}

func TestDeadHiredNodeIsVotedFailedWithSignedEvidence(t *testing.T) {
	m := newHiredMarket(t)
	for range 4 {
		r := m.round(t)
		require.Len(t, r.Probed, 1)
		assert.Equal(t, Answered, r.Probed[0].Outcome)
	}
	m.worker.down = true
	// 5 misses over 3 minutes at one every 15 s: the 13th miss spans 180 s.
	for i := range 12 {
		r := m.round(t)
		assert.Equal(t, Missed, r.Probed[0].Outcome)
		assert.Empty(t, r.Voted, "miss %d", i+1)
	}
	r := m.round(t)
	require.Len(t, r.Voted, 1)
	keys := m.txs.keys()
	require.Len(t, keys, 1)
	epoch := uint64((600 + 16*15) / 60)
	assert.Equal(t, "failure/"+m.order.String()+"/"+m.node.String()+"/"+jsonNum(epoch), keys[0])

	// The vote's evidence hash is the stored log's SHA-256, the log is signed by
	// the keeper, and it holds the answers and then the misses.
	data, err := m.txs.sent[0].ixs[0].Data()
	require.NoError(t, err)
	var hash [32]byte
	copy(hash[:], data[8:40])
	doc, ok := m.ev.by[hash]
	require.True(t, ok)
	assert.Equal(t, hash, sha256.Sum256(doc))
	var signed SignedProbeLog
	require.NoError(t, json.Unmarshal(doc, &signed))
	assert.True(t, ed25519.Verify(ed25519.PublicKey(m.keeper.PublicKey().Bytes()), signed.Log, signed.Signature))
	var log ProbeLog
	require.NoError(t, json.Unmarshal(signed.Log, &log))
	assert.Equal(t, ProbeLogKind, log.Kind)
	assert.Equal(t, m.node, log.Node)
	require.Len(t, log.Entries, 17)
	assert.Equal(t, "answered", log.Entries[0].Outcome)
	assert.NotEmpty(t, log.Entries[0].Answer)
	assert.Equal(t, "missed", log.Entries[16].Outcome)
	assert.Equal(t, "unreachable", log.Entries[16].Reason)

	// Once per epoch: the next round does not vote again.
	m.round(t)
	assert.Len(t, m.txs.keys(), 1)
}

func jsonNum(v uint64) string { b, _ := json.Marshal(v); return string(b) }

// One keeper's network is cut for 20 minutes during a hire: its probes get no
// answer, but its own checks fail too, so it records unknown and never votes.
func TestKeeperNetworkCutTwentyMinutesVotesNothing(t *testing.T) {
	m := newHiredMarket(t)
	m.round(t)
	m.net.cut = true
	for range 20 * 4 {
		r := m.round(t)
		assert.Equal(t, Unknown, r.Probed[0].Outcome)
		assert.Empty(t, r.Voted)
	}
	m.net.cut = false
	for range 20 {
		r := m.round(t)
		assert.Equal(t, Answered, r.Probed[0].Outcome)
	}
	assert.Empty(t, m.txs.keys())

	assert.Empty(t, m.txs.keys())
}

// Misses on both sides of an outage of the keeper's own RPC are not consecutive:
// the outage records an unknown for every watched hire.
func TestOwnRPCOutageEndsAStreak(t *testing.T) {
	m := newHiredMarket(t)
	m.worker.down = true
	for range 6 {
		m.round(t) // 6 misses over 75 s: not yet 3 minutes
	}
	m.chain.down = true
	_, err := m.watch.Round(context.Background())
	require.Error(t, err)
	m.clock.add(20 * time.Minute)
	m.chain.down = false
	for range 12 {
		r := m.round(t) // 12 more misses: 165 s since the outage
		assert.Empty(t, r.Voted)
	}
	assert.Empty(t, m.txs.keys())
	r := m.round(t)
	assert.Len(t, r.Voted, 1, "13 misses over 180 s after the outage")
}

// A keeper that does not serve in the current epoch records but does not vote.
func TestNotServingDoesNotVote(t *testing.T) {
	m := newHiredMarket(t)
	m.chain.snap.Keepers = nil
	m.worker.down = true
	for range 20 {
		m.round(t)
	}
	assert.Empty(t, m.txs.keys())
}

func TestHiredNodes(t *testing.T) {
	s := marketSnapshot(solana.PublicKey{1})
	node := addNode(s, 1, 1, ed25519.PublicKey(make([]byte, 32)))
	s.Nodes[node].Worker = solana.PublicKey{9}
	active := addOrder(s, 1, 0, 1, iohire.OrderStatus_Active)
	open := addOrder(s, 2, 0, 1, iohire.OrderStatus_Open)
	s.Assignments[solana.PublicKey{1}] = &iohire.Assignment{Order: active, Node: node, Start: 0, Duration: 100}
	s.Assignments[solana.PublicKey{2}] = &iohire.Assignment{Order: open, Node: node, Start: 0, Duration: 100}
	s.Assignments[solana.PublicKey{3}] = &iohire.Assignment{Order: active, Node: solana.PublicKey{7}, Start: 0, Duration: 100}
	assert.Len(t, HiredNodes(s, 99), 1)
	assert.Empty(t, HiredNodes(s, 100), "the stream is over")
	s.Assignments[solana.PublicKey{1}].Failed = true
	assert.Empty(t, HiredNodes(s, 50))
}
