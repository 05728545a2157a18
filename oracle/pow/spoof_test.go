package pow

// Spoofing trials: each attack is run many times against a keeper and the measured
// catch rate is compared with what docs/design.md §7 and the formulas promise.

import (
	"context"
	"crypto/ed25519"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
	"github.com/ionet-network/ionet/oracle/wire"
)

// cheater commits to chains of its choosing and answers openings honestly from them.
type cheater struct {
	key   ed25519.PrivateKey
	seed  Seed
	links [][]int32 // T links of M×N
	tree  *merkle.Tree
}

// newCheater computes the true chains for the challenge, lets forge change them
// (the last link is what gets committed), and commits to the result.
func newCheater(t testing.TB, key ed25519.PrivateKey, chMsg []byte, keeper ed25519.PublicKey, forge func(links [][]int32)) (*cheater, []byte) {
	t.Helper()
	ch, err := OpenChallenge(chMsg, keeper)
	if err != nil {
		t.Fatal(err)
	}
	seed := ch.Seed()
	b := make([]int8, tiny.K*tiny.N)
	NewGenerator(seed).Rows(MatrixB, 0, tiny.K, tiny.N, b)
	links := ChainReference(seed, b, 0, tiny.M, tiny.K, tiny.N, tiny.T)
	forge(links)
	last := links[tiny.T-1]
	hashes := make([]merkle.Hash, tiny.M)
	for i := range hashes {
		hashes[i] = RowHash(i, last[i*tiny.N:(i+1)*tiny.N])
	}
	tree, err := merkle.New(hashes)
	if err != nil {
		t.Fatal(err)
	}
	ch2 := &cheater{key: key, seed: seed, links: links, tree: tree}
	return ch2, SealCommitment(key, Commitment{Seed: seed, M: uint64(tiny.M), Root: tree.Root()})
}

func (ch *cheater) open(t testing.TB, req []byte, keeper ed25519.PublicKey) []byte {
	t.Helper()
	q, err := OpenOpeningRequest(req, keeper)
	if err != nil {
		t.Fatal(err)
	}
	out := Openings{Seed: ch.seed}
	for _, i := range q.Rows {
		p, err := ch.tree.Proof(int(i))
		if err != nil {
			t.Fatal(err)
		}
		op := Opening{Row: i, Proof: p}
		for _, l := range ch.links {
			op.Links = append(op.Links, l[int(i)*tiny.N:(int(i)+1)*tiny.N])
		}
		out.Openings = append(out.Openings, op)
	}
	return SealOpenings(ch.key, out)
}

// runCheat plays one challenge against the keeper and reports whether it was caught.
func runCheat(t *testing.T, f *fixture, worker ed25519.PrivateKey, forge func(links [][]int32)) bool {
	t.Helper()
	sess, chMsg, err := f.keeper.Challenge(params(worker, tiny.Name))
	if err != nil {
		t.Fatal(err)
	}
	ch, commit := newCheater(t, worker, chMsg, pub(f.keeperKey), forge)
	f.clock.Advance(tiny.RefTime)
	_, req, err := sess.Commitment(commit, 0)
	if err != nil {
		t.Fatalf("commitment refused before openings: %v", err)
	}
	_, err = sess.Openings(ch.open(t, req, pub(f.keeperKey)))
	if err != nil && !errors.Is(err, ErrWrongRow) {
		t.Fatalf("cheat caught for the wrong reason: %v", err)
	}
	return err != nil
}

// lastLink is the committed link of a forgery.
func lastLink(links [][]int32) []int32 { return links[len(links)-1] }

// missProbability is the chance that s rows drawn without replacement from m avoid
// all `bad` rows: C(m−bad, s)/C(m, s). It is ≤ (1−bad/m)^s, the docs/design.md bound.
func missProbability(m, bad, s int) float64 {
	p := 1.0
	for i := range s {
		p *= float64(m-bad-i) / float64(m-i)
	}
	return p
}

func TestSpoofWrongRows(t *testing.T) {
	f := newFixture(t)
	worker := testKey("worker")
	rng := rand.New(rand.NewPCG(3, 4))
	const trials = 100
	caught := 0
	for range trials {
		// Every row has one entry off by a random nonzero amount: any opened row
		// is wrong, so only Freivalds (≤ 2^-32 per row) can let it through.
		if runCheat(t, f, worker, func(links [][]int32) {
			c := lastLink(links)
			for i := range tiny.M {
				c[i*tiny.N+rng.IntN(tiny.N)] += int32(rng.Uint32()|1) >> rng.IntN(31)
			}
		}) {
			caught++
		}
	}
	assertRate(t, "all rows wrong", caught, trials, 1-math.Pow(2, -32*DefaultSamples))
	if caught != trials {
		t.Fatalf("wrong rows passed in %d trials", trials-caught)
	}
}

func TestSpoofSkippedRows(t *testing.T) {
	for _, frac := range []float64{0.05, 0.10} {
		f := newFixture(t)
		worker := testKey("worker")
		rng := rand.New(rand.NewPCG(5, uint64(frac*100)))
		bad := int(frac * float64(tiny.M))
		const trials = 400
		caught := 0
		for range trials {
			// Skipped rows are left as zeros; the cheater saved that work.
			if runCheat(t, f, worker, func(links [][]int32) {
				for _, i := range rng.Perm(tiny.M)[:bad] {
					for _, c := range links {
						clear(c[i*tiny.N : (i+1)*tiny.N])
					}
				}
			}) {
				caught++
			}
		}
		expected := 1 - missProbability(tiny.M, bad, DefaultSamples)
		if design := 1 - math.Pow(1-frac, DefaultSamples); expected < design {
			t.Fatalf("sampling without replacement must beat the design bound %.4f, got %.4f", design, expected)
		}
		assertRate(t, "skip "+pct(frac), caught, trials, expected)
	}
}

func pct(f float64) string {
	return string(rune('0'+int(f*100)/10)) + string(rune('0'+int(f*100)%10)) + "%"
}

func TestSpoofReplayedProof(t *testing.T) {
	f := newFixture(t)
	worker := testKey("worker")
	prover := newProver(t, worker)
	// An honest proof for an earlier challenge…
	old, oldMsg, err := f.keeper.Challenge(params(worker, tiny.Name))
	if err != nil {
		t.Fatal(err)
	}
	work, oldCommit, err := prover.Commit(context.Background(), oldMsg, pub(f.keeperKey))
	if err != nil {
		t.Fatal(err)
	}
	_, oldReq, err := old.Commitment(oldCommit, 0)
	if err != nil {
		t.Fatal(err)
	}
	oldOpenings, err := work.Open(oldReq, pub(f.keeperKey))
	if err != nil {
		t.Fatal(err)
	}
	// …replayed against fresh challenges for the same worker, GPU, class and slot.
	const trials = 200
	caught := 0
	for range trials {
		sess, _, err := f.keeper.Challenge(params(worker, tiny.Name))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := sess.Commitment(oldCommit, 0); errors.Is(err, ErrSeedMismatch) {
			caught++
		}
	}
	assertRate(t, "replayed commitment", caught, trials, 1)
	// Replaying old openings after an honest new commitment is caught too.
	sess, chMsg, _ := f.keeper.Challenge(params(worker, tiny.Name))
	work2, commit, err := prover.Commit(context.Background(), chMsg, pub(f.keeperKey))
	if err != nil {
		t.Fatal(err)
	}
	defer work2.Close()
	if _, _, err := sess.Commitment(commit, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.Openings(oldOpenings); !errors.Is(err, ErrSeedMismatch) {
		t.Fatalf("replayed openings: %v", err)
	}
	if caught != trials {
		t.Fatalf("replay accepted %d times", trials-caught)
	}
}

func TestSpoofAnotherIdentity(t *testing.T) {
	f := newFixture(t)
	alice, mallory := testKey("alice"), testKey("mallory")
	const trials = 100
	forwarded, resigned := 0, 0
	for range trials {
		// Alice does the work for her own challenge.
		_, aliceMsg, err := f.keeper.Challenge(params(alice, tiny.Name))
		if err != nil {
			t.Fatal(err)
		}
		work, aliceCommit, err := newProver(t, alice).Commit(context.Background(), aliceMsg, pub(f.keeperKey))
		if err != nil {
			t.Fatal(err)
		}
		work.Close()
		c, _ := OpenCommitment(aliceCommit, pub(alice))
		// Mallory is challenged at the same time and answers with Alice's work:
		// forwarded as signed by Alice, or re-signed with her own key.
		sess, _, err := f.keeper.Challenge(params(mallory, tiny.Name))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := sess.Commitment(aliceCommit, 0); errors.Is(err, wire.ErrSigner) {
			forwarded++
		}
		if _, _, err := sess.Commitment(SealCommitment(mallory, c), 0); errors.Is(err, ErrSeedMismatch) {
			resigned++
		}
	}
	assertRate(t, "forwarded under other identity", forwarded, trials, 1)
	assertRate(t, "re-signed under other identity", resigned, trials, 1)
	if forwarded != trials || resigned != trials {
		t.Fatal("another identity's proof was accepted")
	}
	// The honest prover refuses a challenge addressed to someone else.
	_, msg, _ := f.keeper.Challenge(params(alice, tiny.Name))
	if _, _, err := newProver(t, mallory).Commit(context.Background(), msg, pub(f.keeperKey)); !errors.Is(err, ErrNotForMe) {
		t.Fatalf("prover for another key: %v", err)
	}
}

// TestSpoofSlowDevice plays devices of known peak against the H100 SXM class's real
// sizes on a simulated clock: the device "computes" for ops/(efficiency × peak),
// the network adds RTT, and the keeper's timing rule decides. No matrix work is done:
// the timing check happens before any opening.
func TestSpoofSlowDevice(t *testing.T) {
	h100, err := classes.ByName("h100-sxm")
	if err != nil {
		t.Fatal(err)
	}
	devices := []struct {
		name     string
		peakTOPS float64
		honest   bool
	}{
		{"h100-sxm (honest)", 1979, true},
		// Within the 1.25× slack of the class: passes the deadline by design, but
		// its measured TOPS (the reward weight) stays at its own throughput.
		{"h100-pcie", 1513, false},
		{"a100", 624, false},
		{"rtx4090", 661, false},
	}
	rng := rand.New(rand.NewPCG(7, 8))
	worker := testKey("worker")
	for _, d := range devices {
		f := newFixture(t)
		const trials = 500
		caught, expectedCaught := 0, 0.0
		for range trials {
			// Honest devices run at the class's reference efficiency or better; a
			// cheater is allowed up to 95% of its own peak.
			eff := 0.70 + 0.25*rng.Float64()
			rtt := time.Duration(5+rng.IntN(400)) * time.Millisecond
			compute := time.Duration(h100.Ops() / (eff * d.peakTOPS * 1e12) * float64(time.Second))
			if compute+rtt > Deadline(h100, rtt) {
				expectedCaught++
			}
			sess, _, err := f.keeper.Challenge(params(worker, h100.Name))
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(compute + rtt)
			commit := SealCommitment(worker, Commitment{Seed: sess.Seed(), M: uint64(h100.M)})
			res, _, err := sess.Commitment(commit, rtt)
			switch {
			case errors.Is(err, ErrLate):
				caught++
			case err != nil:
				t.Fatal(err)
			case res.Flagged:
				t.Fatalf("%s flagged at %.0f TOPS", d.name, res.TOPS)
			case res.TOPS > eff*d.peakTOPS*1.0001:
				t.Fatalf("%s credited %.0f TOPS, more than it computed", d.name, res.TOPS)
			}
		}
		if d.honest {
			if caught != 0 {
				t.Fatalf("honest %s rejected %d/%d times", d.name, caught, trials)
			}
			t.Logf("%s: accepted %d/%d", d.name, trials, trials)
			continue
		}
		// Derived from the rule, trial by trial: the measured rate must match.
		assertRate(t, d.name+" claiming h100-sxm", caught, trials, expectedCaught/trials)
		if float64(caught) != expectedCaught {
			t.Fatalf("%s: caught %d, the rule says %v", d.name, caught, expectedCaught)
		}
	}
}

func TestTimingRule(t *testing.T) {
	h100, _ := classes.ByName("h100-sxm")
	if got := Deadline(h100, 100*time.Millisecond); got != 27*time.Second {
		t.Fatalf("deadline with small RTT = %v, want 1.25×20s + 2s", got)
	}
	if got := Deadline(h100, 3*time.Second); got != 31*time.Second {
		t.Fatalf("deadline with 3s RTT = %v, want 1.25×20s + 6s", got)
	}
	// TOPS discounts the RTT; at the reference time it is 70% of peak.
	tops := TOPS(h100, 20*time.Second+time.Second, time.Second)
	if math.Abs(tops-0.7*1979) > 0.01 {
		t.Fatalf("tops = %v", tops)
	}
	if Flagged(h100, 1.05*1979) || !Flagged(h100, 1.051*1979) || !Flagged(h100, TOPS(h100, time.Second, time.Second)) {
		t.Fatal("flag threshold")
	}
	// An answer faster than the device class allows is flagged by the keeper.
	f := newFixture(t)
	worker := testKey("worker")
	sess, _, _ := f.keeper.Challenge(params(worker, h100.Name))
	f.clock.Advance(10 * time.Second) // 2771 TOPS: faster than any H100
	res, _, err := sess.Commitment(SealCommitment(worker, Commitment{Seed: sess.Seed(), M: uint64(h100.M)}), 0)
	if err != nil || !res.Flagged {
		t.Fatalf("too-fast answer: %+v, %v", res, err)
	}
}

// A cheater that runs T−1 links per row and commits that as the last link saves 1/T
// of the work; every opened row then fails a link.
func TestSpoofShortChain(t *testing.T) {
	f := newFixture(t)
	worker := testKey("worker")
	const trials = 100
	caught := 0
	for range trials {
		if runCheat(t, f, worker, func(links [][]int32) {
			// Claims C_{T−2} is C_{T−1}: every link but the last is right.
			copy(links[tiny.T-1], links[tiny.T-2])
		}) {
			caught++
		}
	}
	assertRate(t, "one link skipped in every row", caught, trials, 1)
	if caught != trials {
		t.Fatalf("short chain passed %d times", trials-caught)
	}
}

// A cheater that gets a middle link wrong and continues the chain from the wrong
// bytes commits a consistent-looking chain; the wrong link fails Freivalds.
func TestSpoofWrongMiddleLink(t *testing.T) {
	f := newFixture(t)
	worker := testKey("worker")
	rng := rand.New(rand.NewPCG(9, 10))
	const trials = 100
	caught := 0
	for range trials {
		sess, chMsg, err := f.keeper.Challenge(params(worker, tiny.Name))
		if err != nil {
			t.Fatal(err)
		}
		ch, err := OpenChallenge(chMsg, pub(f.keeperKey))
		if err != nil {
			t.Fatal(err)
		}
		b := make([]int8, tiny.K*tiny.N)
		NewGenerator(ch.Seed()).Rows(MatrixB, 0, tiny.K, tiny.N, b)
		forged, commit := newCheater(t, worker, chMsg, pub(f.keeperKey), func(links [][]int32) {
			for i := range tiny.M {
				links[1][i*tiny.N+rng.IntN(tiny.N)] ^= 1 << rng.IntN(32)
			}
			a := make([]int8, tiny.M*tiny.K)
			for l := 2; l < tiny.T; l++ {
				NextA(a, links[l-1])
				copy(links[l], MulReference(a, b, tiny.M, tiny.K, tiny.N))
			}
		})
		f.clock.Advance(tiny.RefTime)
		_, req, err := sess.Commitment(commit, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = sess.Openings(forged.open(t, req, pub(f.keeperKey)))
		if errors.Is(err, ErrWrongRow) {
			caught++
		} else if err != nil {
			t.Fatalf("caught for the wrong reason: %v", err)
		}
	}
	assertRate(t, "wrong middle link", caught, trials, 1)
	if caught != trials {
		t.Fatalf("wrong middle link passed %d times", trials-caught)
	}
}

// simulateClass plays devices of a known throughput against class c on the
// simulated clock and returns how many of trials missed the deadline. compute is
// the device's time for the class's operations.
func simulateClass(t *testing.T, c classes.Class, trials int, compute func(rng *rand.Rand) time.Duration) (late int, flagged int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(13, uint64(trials)))
	worker := testKey("worker")
	f := newFixture(t)
	for range trials {
		rtt := time.Duration(5+rng.IntN(400)) * time.Millisecond
		sess, _, err := f.keeper.Challenge(params(worker, c.Name))
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(compute(rng) + rtt)
		res, _, err := sess.Commitment(SealCommitment(worker, Commitment{Seed: sess.Seed(), M: uint64(c.M)}), rtt)
		switch {
		case errors.Is(err, ErrLate):
			late++
		case err != nil:
			t.Fatal(err)
		case res.Flagged:
			flagged++
		}
	}
	return late, flagged
}

// A device with half of the class's throughput misses the deadline in ≥ 99.9% of
// trials, for every GPU class. "The class's throughput" is its dense peak at the
// reference efficiency; the half-speed device is allowed to do better than that on
// its own hardware, up to 95% of its half peak.
func TestSpoofHalfThroughputDevice(t *testing.T) {
	for _, c := range classes.All() {
		const trials = 2000
		late, _ := simulateClass(t, c, trials, func(rng *rand.Rand) time.Duration {
			eff := 0.70 + 0.25*rng.Float64()
			return time.Duration(c.Ops() / (eff * 0.5 * c.DensePeakTOPS * 1e12) * float64(time.Second))
		})
		assertRate(t, c.Name+": half-throughput device", late, trials, 0.999)
		if float64(late)/trials < 0.999 {
			t.Fatalf("%s: half-throughput device made the deadline %d/%d times", c.Name, trials-late, trials)
		}
	}
}

// CPU classes follow ISA, cores and a speed tier the worker measures
// (classes.CPUTierFor). For every ISA, a 16-core part at any real rate across the
// tiers' span (two-port AVX-512 servers at 0.45–0.88 TOPS per core, one-port ones
// and Zen 4 at half that, AVX2 parts, scalar Go on arm64 at a few GOPS) passes the
// class of its tier and is not flagged; the same part answering twice as fast (as a
// faster device answering for it would) is flagged every time; claiming the tier
// of twice its speed misses the deadline every time; and 16 cores claiming 32 miss
// it too.
func TestCPUClassesJudgeRealServers(t *testing.T) {
	// The simulated clock makes each outcome exact; the trials vary the RTT (5–405 ms,
	// under the 2 s allowance).
	const trials = 10
	for _, isa := range []classes.CPUISA{classes.ISAAVX512VNNI, classes.ISAAVX2, classes.ISAGeneric} {
		lo := classes.CPUTierCentre * classes.TierPeakTOPS(isa, classes.CPUMaxTier)
		hi := classes.CPUTierCentre * classes.TierPeakTOPS(isa, classes.CPUMinTier)
		for perCore := lo; perCore <= hi; perCore *= 1.17 {
			tier := classes.CPUTierFor(isa, perCore)
			c, err := classes.CPUTier(isa, 16, tier)
			if err != nil {
				t.Fatal(err)
			}
			real := 16 * perCore
			at := func(rate float64) func(*rand.Rand) time.Duration {
				return func(*rand.Rand) time.Duration {
					return time.Duration(c.Ops() / (rate * 1e12) * float64(time.Second))
				}
			}
			late, flagged := simulateClass(t, c, trials, at(real))
			if late != 0 || flagged != 0 {
				t.Fatalf("%s at %.4g TOPS/core: %d late, %d flagged of %d", c.Name, perCore, late, flagged, trials)
			}
			late, flagged = simulateClass(t, c, trials, at(2*real))
			if late != 0 || flagged != trials {
				t.Fatalf("%s, 2× overclaim at %.4g TOPS/core: %d late, %d flagged of %d; want all flagged", c.Name, perCore, late, flagged, trials)
			}
			if tier-classes.CPUTiersPerOctave >= classes.CPUMinTier {
				up, err := classes.CPUTier(isa, 16, tier-classes.CPUTiersPerOctave)
				if err != nil {
					t.Fatal(err)
				}
				late, _ := simulateClass(t, up, trials, func(*rand.Rand) time.Duration {
					return time.Duration(up.Ops() / (real * 1e12) * float64(time.Second))
				})
				if late != trials {
					t.Fatalf("%s at %.4g TOPS/core claiming %s: %d/%d late", c.Name, perCore, up.Name, late, trials)
				}
			}
		}
	}
	c32, err := classes.CPU(classes.ISAAVX512VNNI, 32)
	if err != nil {
		t.Fatal(err)
	}
	late, _ := simulateClass(t, c32, 200, func(*rand.Rand) time.Duration {
		return time.Duration(c32.Ops() / (16 * 0.64 * 1e12) * float64(time.Second))
	})
	if late != 200 {
		t.Fatalf("16 cores claiming 32: %d/200 late", late)
	}
}

// classes.CPUTierCentre is the geometric centre of the window of honest rates that
// this package's timing rule leaves (late below RefTime·0.7/Deadline of peak, flagged
// above FlagFactor), with the network allowance of a nearby keeper.
func TestCPUTierCentreMatchesTimingRule(t *testing.T) {
	c, err := classes.CPU(classes.ISAAVX512VNNI, 16)
	if err != nil {
		t.Fatal(err)
	}
	late := classes.RefEfficiency * c.RefTime.Seconds() / Deadline(c, 0).Seconds()
	if got := math.Sqrt(late * FlagFactor); math.Abs(got-classes.CPUTierCentre) > 0.001 {
		t.Fatalf("centre of [%.4f, %.2f] is %.4f, classes.CPUTierCentre %.3f", late, FlagFactor, got, classes.CPUTierCentre)
	}
}
