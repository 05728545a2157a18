package uptime

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func key(tag string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(tag))
	return ed25519.NewKeyFromSeed(s[:])
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func anyKeeper(ed25519.PublicKey) bool { return true }

func TestProbeAnswerChain(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	keeper, node := key("keeper"), key("node")
	p, err := NewProber(ProberConfig{Key: keeper, Node: pub(node), Epoch: 7, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	r := NewResponder(node, anyKeeper)
	answer := func() ([]byte, error) {
		probe, err := p.Probe()
		if err != nil {
			t.Fatal(err)
		}
		return r.Answer(probe)
	}
	// Ten answered in time, one late, one lost (never delivered), then two more.
	for range 10 {
		a, err := answer()
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		if err := p.Answer(a); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := answer()
	clock.Advance(6 * time.Second)
	if err := p.Answer(a); !errors.Is(err, ErrLateAnswer) {
		t.Fatalf("late answer: %v", err)
	}
	if _, err := answer(); err != nil { // lost on the way back
		t.Fatal(err)
	}
	for range 2 {
		a, _ := answer()
		if err := p.Answer(a); err != nil {
			t.Fatalf("chain broken after a lost answer: %v", err)
		}
	}
	if got := p.UptimeBps(); got != 12*10000/14 {
		t.Fatalf("uptime = %d bps", got)
	}
	if err := VerifyChain(p.Log(), 7, pub(keeper), pub(node)); err != nil {
		t.Fatal(err)
	}
	// Dropping or reordering a logged answer breaks the chain.
	log := p.Log()
	if err := VerifyChain(append(log[:3:3], log[4:]...), 7, pub(keeper), pub(node)); !errors.Is(err, ErrChain) {
		t.Fatalf("dropped answer: %v", err)
	}
	log[1], log[2] = log[2], log[1]
	if err := VerifyChain(log, 7, pub(keeper), pub(node)); !errors.Is(err, ErrChain) {
		t.Fatalf("reordered answers: %v", err)
	}
}

func TestAnswersCannotBeForgedOrReplayed(t *testing.T) {
	keeper, node, other := key("keeper"), key("node"), key("other")
	p, _ := NewProber(ProberConfig{Key: keeper, Node: pub(node), Epoch: 1})
	probe, _ := p.Probe()
	// Another node cannot answer, and a node refuses probes not addressed to it.
	if _, err := NewResponder(other, anyKeeper).Answer(probe); !errors.Is(err, ErrNotMine) {
		t.Fatalf("other node: %v", err)
	}
	if _, err := NewResponder(node, func(ed25519.PublicKey) bool { return false }).Answer(probe); !errors.Is(err, ErrKeeper) {
		t.Fatalf("unknown keeper: %v", err)
	}
	forged := SealAnswer(other, Answer{Probe: probe, Previous: Genesis(1, pub(keeper), pub(node))})
	if err := p.Answer(forged); err == nil {
		t.Fatal("answer signed by another key accepted")
	}
	r := NewResponder(node, anyKeeper)
	a1, _ := r.Answer(probe)
	if err := p.Answer(a1); err != nil {
		t.Fatal(err)
	}
	// Replaying the same answer to the next probe fails: it answers an old probe.
	if _, err := p.Probe(); err != nil {
		t.Fatal(err)
	}
	if err := p.Answer(a1); !errors.Is(err, ErrUnknownProbe) {
		t.Fatalf("replayed answer: %v", err)
	}
	// A keeper cannot make the node sign a made-up history.
	fake := SealProbe(keeper, Probe{Node: pub(node), Epoch: 1, Seq: 9, Previous: [32]byte{1}})
	if _, err := r.Answer(fake); !errors.Is(err, ErrChain) {
		t.Fatalf("made-up previous: %v", err)
	}
}

func TestOfflineNodeUptimeMatchesAvailability(t *testing.T) {
	// A node online 90% of the epoch, probed at secret random times, scores ≈ 90%,
	// and the median over 5 keepers is stable.
	rng := mrand.New(mrand.NewPCG(1, 2))
	node := key("node")
	const epoch = time.Hour
	offFrom, offTo := 20*time.Minute, 26*time.Minute // 10% down
	var scores []uint32
	for k := range 5 {
		clock := &fakeClock{now: time.Unix(0, 0)}
		kk := key(fmt.Sprint("keeper", k))
		p, _ := NewProber(ProberConfig{Key: kk, Node: pub(node), Epoch: 3, Clock: clock})
		r := NewResponder(node, anyKeeper)
		var at time.Duration
		for _, when := range Schedule(rng, epoch, 600) {
			clock.Advance(when - at)
			at = when
			probe, _ := p.Probe()
			if when >= offFrom && when < offTo {
				continue
			}
			a, _ := r.Answer(probe)
			if err := p.Answer(a); err != nil {
				t.Fatal(err)
			}
		}
		scores = append(scores, p.UptimeBps())
	}
	med := MedianBps(scores)
	t.Logf("per-keeper uptime %v bps, median %d", scores, med)
	if med < 8600 || med > 9400 {
		t.Fatalf("median uptime %d bps for a node up 90%%", med)
	}
}

func TestMedianBps(t *testing.T) {
	cases := []struct {
		in   []uint32
		want uint32
	}{
		{nil, 0}, {[]uint32{5}, 5}, {[]uint32{9, 1, 5}, 5}, {[]uint32{10000, 0}, 5000},
		{[]uint32{1, 2, 3, 10000}, 2}, {[]uint32{9999, 10000}, 9999},
	}
	for _, c := range cases {
		if got := MedianBps(c.in); got != c.want {
			t.Errorf("MedianBps(%v) = %d, want %d", c.in, got, c.want)
		}
	}
}

func TestAssignRendezvous(t *testing.T) {
	var keepers []ed25519.PublicKey
	for i := range 10 {
		keepers = append(keepers, pub(key(fmt.Sprint("k", i))))
	}
	beacon := sha256.Sum256([]byte("beacon"))
	counts := map[string]int{}
	moved := 0
	const nodes = 2000
	for i := range nodes {
		node := pub(key(fmt.Sprint("n", i)))
		got := Assign(beacon, node, keepers, 3)
		if len(got) != 3 {
			t.Fatalf("got %d keepers", len(got))
		}
		// Order of the keeper list does not matter.
		rev := append([]ed25519.PublicKey(nil), keepers...)
		for l, r := 0, len(rev)-1; l < r; l, r = l+1, r-1 {
			rev[l], rev[r] = rev[r], rev[l]
		}
		again := Assign(beacon, node, rev, 3)
		for j := range got {
			counts[string(got[j])]++
			if !got[j].Equal(again[j]) {
				t.Fatal("assignment depends on keeper order")
			}
		}
		// Removing a keeper that was not assigned changes nothing.
		without := Assign(beacon, node, keepers[1:], 3)
		if !contains(got, keepers[0]) {
			for j := range got {
				if !got[j].Equal(without[j]) {
					t.Fatal("removing an unassigned keeper moved the node")
				}
			}
		} else {
			moved++
		}
	}
	// Load spreads: each keeper gets ≈ 3/10 of the nodes.
	for k, c := range counts {
		if c < nodes*3/10*7/10 || c > nodes*3/10*13/10 {
			t.Errorf("keeper %x has %d nodes", k[:4], c)
		}
	}
	if moved < nodes*3/10*7/10 || moved > nodes*3/10*13/10 {
		t.Errorf("%d nodes moved when one keeper left", moved)
	}
}

func contains(list []ed25519.PublicKey, k ed25519.PublicKey) bool {
	for _, x := range list {
		if x.Equal(k) {
			return true
		}
	}
	return false
}
