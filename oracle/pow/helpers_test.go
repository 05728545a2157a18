package pow

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ionet-network/ionet/oracle/classes"
)

// fakeClock is a simulated keeper clock: tests advance it instead of sleeping.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testKey(tag string) ed25519.PrivateKey {
	seed := sha256.Sum256([]byte(tag))
	return ed25519.NewKeyFromSeed(seed[:])
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

// tiny is a small class so protocol tests run in milliseconds; its reference time
// is what its sizes give at 70% of its peak, like the real table.
var tiny = classes.Class{ID: 200, Name: "tiny", M: 500, K: 16, N: 4, T: 3, DensePeakTOPS: 1e-6, Source: "test"}

func init() {
	tiny.RefTime = time.Duration(tiny.Ops() / (classes.RefEfficiency * tiny.DensePeakTOPS * 1e12) * float64(time.Second))
}

func lookup(name string) (classes.Class, error) {
	if name == tiny.Name {
		return tiny, nil
	}
	return classes.ByName(name)
}

type fixture struct {
	clock     *fakeClock
	keeperKey ed25519.PrivateKey
	keeper    *Keeper
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{clock: newFakeClock(), keeperKey: testKey("keeper")}
	k, err := NewKeeper(KeeperConfig{Key: f.keeperKey, Clock: f.clock, Lookup: lookup, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	f.keeper = k
	return f
}

func params(worker ed25519.PrivateKey, class string) Params {
	return Params{
		SlotHash: sha256.Sum256([]byte("slot")),
		Worker:   pub(worker),
		GPUUUID:  "GPU-0f6e2f5a-1c1d-4b0e-9d7e-6a4d3c2b1a00",
		GPUIndex: 0,
		Class:    class,
	}
}

func newProver(t testing.TB, key ed25519.PrivateKey) *Prover {
	t.Helper()
	p, err := NewProver(ProverConfig{Key: key, Backend: ReferenceBackend{}, Lookup: lookup, BlockRows: 64})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rate asserts that caught/trials is at least expected minus a 5σ binomial margin
// (plus one trial, for rates at the edge).
func assertRate(t *testing.T, what string, caught, trials int, expected float64) {
	t.Helper()
	got := float64(caught) / float64(trials)
	sigma := sqrt(expected * (1 - expected) / float64(trials))
	floor := expected - 5*sigma - 1/float64(trials)
	t.Logf("%s: caught %d/%d = %.4f, expected ≥ %.4f (floor %.4f)", what, caught, trials, got, expected, floor)
	if got < floor {
		t.Errorf("%s: catch rate %.4f below %.4f", what, got, floor)
	}
}

func sqrt(x float64) float64 {
	if x <= 0 {
		return 0
	}
	z := x
	for range 50 {
		z = (z + x/z) / 2
	}
	return z
}

var _ = fmt.Sprintf
