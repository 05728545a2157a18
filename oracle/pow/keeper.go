package pow

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/merkle"
)

// Verification failures; test with errors.Is.
var (
	ErrSeedMismatch = errors.New("pow: answer is for another challenge")
	ErrShape        = errors.New("pow: answer has the wrong number of rows")
	ErrLate         = errors.New("pow: answer arrived after the deadline")
	ErrOpenings     = errors.New("pow: openings do not match the request")
	ErrProof        = errors.New("pow: opened row does not match the commitment")
	ErrWrongRow     = errors.New("pow: opened row is not A·B")
	ErrState        = errors.New("pow: step out of order")
)

// DefaultSamples is s, the rows opened per challenge: skipping a fraction f of the
// rows survives with probability ≤ (1−f)^s, 0.9^64 ≈ 0.12% for f = 10%.
const DefaultSamples = 64

// KeeperConfig configures the verifying side.
type KeeperConfig struct {
	Key     ed25519.PrivateKey
	Clock   Clock                               // SystemClock when nil
	Rand    io.Reader                           // secret randomness; crypto/rand when nil
	Lookup  func(string) (classes.Class, error) // classes.ByName when nil
	Samples int                                 // DefaultSamples when 0
	Workers int                                 // goroutines for B·r; 1 when 0
}

// Keeper issues challenges and verifies answers.
type Keeper struct {
	cfg KeeperConfig
}

// NewKeeper validates the configuration and fills defaults.
func NewKeeper(cfg KeeperConfig) (*Keeper, error) {
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("pow keeper: missing ed25519 key")
	}
	if cfg.Samples < 0 || cfg.Workers < 0 {
		return nil, errors.New("pow keeper: negative samples or workers")
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Lookup == nil {
		cfg.Lookup = classes.ByName
	}
	if cfg.Samples == 0 {
		cfg.Samples = DefaultSamples
	}
	if cfg.Workers == 0 {
		cfg.Workers = 1
	}
	return &Keeper{cfg: cfg}, nil
}

// Session is one challenge's life at the keeper: Challenge → Commitment → Openings.
// Not safe for concurrent use.
type Session struct {
	k      *Keeper
	params Params
	class  classes.Class
	seed   Seed
	sentAt time.Time

	committed bool
	commit    Commitment
	result    Result
	rows      []uint64
	r, v      []uint64
	done      bool
}

// Result is what a keeper records for a verified challenge.
type Result struct {
	Elapsed  time.Duration // challenge sent → commitment received, keeper's clock
	RTT      time.Duration
	Deadline time.Duration
	TOPS     float64
	Flagged  bool // TOPS above FlagFactor × the class's dense peak
}

// Challenge starts a session: it draws the nonce, signs the challenge and records
// the send time. Send the returned message right away.
func (k *Keeper) Challenge(p Params) (*Session, []byte, error) {
	class, err := k.cfg.Lookup(p.Class)
	if err != nil {
		return nil, nil, fmt.Errorf("challenge: %w", err)
	}
	if err := class.Validate(); err != nil {
		return nil, nil, fmt.Errorf("challenge: %w", err)
	}
	if _, err := io.ReadFull(k.cfg.Rand, p.Nonce[:]); err != nil {
		return nil, nil, fmt.Errorf("challenge nonce: %w", err)
	}
	msg, err := SealChallenge(k.cfg.Key, Challenge{Params: p})
	if err != nil {
		return nil, nil, err
	}
	s := &Session{k: k, params: p, class: class, seed: p.Seed(), sentAt: k.cfg.Clock.Now()}
	return s, msg, nil
}

// Seed returns the challenge's seed.
func (s *Session) Seed() Seed { return s.seed }

// Commitment takes the worker's commitment, measured against the keeper's clock with
// the separately measured round-trip time, and returns the signed opening request.
// A late answer returns ErrLate with the Result filled in for the log.
func (s *Session) Commitment(msg []byte, rtt time.Duration) (Result, []byte, error) {
	at := s.k.cfg.Clock.Now()
	if s.committed {
		return Result{}, nil, fmt.Errorf("commitment: %w", ErrState)
	}
	c, err := OpenCommitment(msg, s.params.Worker)
	if err != nil {
		return Result{}, nil, err
	}
	if c.Seed != s.seed {
		return Result{}, nil, fmt.Errorf("commitment for seed %x: %w", c.Seed[:4], ErrSeedMismatch)
	}
	if c.M != uint64(s.class.M) {
		return Result{}, nil, fmt.Errorf("commitment with %d rows, class %s has %d: %w", c.M, s.class.Name, s.class.M, ErrShape)
	}
	elapsed := at.Sub(s.sentAt)
	res := Result{Elapsed: elapsed, RTT: rtt, Deadline: Deadline(s.class, rtt)}
	res.TOPS = TOPS(s.class, elapsed, rtt)
	res.Flagged = Flagged(s.class, res.TOPS)
	s.committed = true
	s.commit = c
	s.result = res
	if elapsed > res.Deadline {
		return res, nil, fmt.Errorf("commitment after %v, deadline %v: %w", elapsed, res.Deadline, ErrLate)
	}
	if s.rows, err = s.sampleRows(); err != nil {
		return res, nil, err
	}
	req := SealOpeningRequest(s.k.cfg.Key, OpeningRequest{Seed: s.seed, Rows: s.rows})
	return res, req, nil
}

// sampleRows draws min(s, M) distinct rows uniformly, from the keeper's secret
// randomness.
func (s *Session) sampleRows() ([]uint64, error) {
	var key [32]byte
	if _, err := io.ReadFull(s.k.cfg.Rand, key[:]); err != nil {
		return nil, fmt.Errorf("sample rows: %w", err)
	}
	rng := mrand.New(mrand.NewChaCha8(key))
	m := uint64(s.class.M)
	n := min(uint64(s.k.cfg.Samples), m)
	seen := make(map[uint64]bool, n)
	rows := make([]uint64, 0, n)
	for uint64(len(rows)) < n {
		i := rng.Uint64N(m)
		if !seen[i] {
			seen[i] = true
			rows = append(rows, i)
		}
	}
	return rows, nil
}

// Prepare draws the secret vector r and computes v = B·r. Openings calls it if
// needed; calling it while waiting for the worker hides its cost.
func (s *Session) Prepare() error {
	if s.v != nil {
		return nil
	}
	r, err := RandomVector(s.k.cfg.Rand, s.class.N)
	if err != nil {
		return err
	}
	s.r = r
	s.v = BTimesR(NewGenerator(s.seed), s.class.K, s.class.N, r, s.k.cfg.Workers)
	return nil
}

// Openings verifies the opened rows: each is the requested row, its last link is in
// the committed tree, and every link passes Freivalds' check, the first against A₀'s
// regenerated row and each later one against the previous link's bytes. Cost: v = B·r
// (K·N, Prepare) plus s·T·(K + N) multiply-adds.
func (s *Session) Openings(msg []byte) (Result, error) {
	if !s.committed || s.rows == nil || s.done {
		return Result{}, fmt.Errorf("openings: %w", ErrState)
	}
	s.done = true
	o, err := OpenOpenings(msg, s.params.Worker)
	if err != nil {
		return Result{}, err
	}
	if o.Seed != s.seed {
		return Result{}, fmt.Errorf("openings for seed %x: %w", o.Seed[:4], ErrSeedMismatch)
	}
	if len(o.Openings) != len(s.rows) {
		return Result{}, fmt.Errorf("%d openings for %d rows: %w", len(o.Openings), len(s.rows), ErrOpenings)
	}
	if err := s.Prepare(); err != nil {
		return Result{}, err
	}
	for idx, op := range o.Openings {
		if err := s.checkShape(idx, op); err != nil {
			return Result{}, err
		}
	}
	// Rows are independent: check them on the keeper's workers, report the first
	// failing row in request order.
	errs := make([]error, len(o.Openings))
	gen := NewGenerator(s.seed)
	var wg sync.WaitGroup
	workers := max(1, min(s.k.cfg.Workers, len(o.Openings)))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := make([]int8, s.class.K)
			for idx := w; idx < len(o.Openings); idx += workers {
				errs[idx] = s.checkOpening(gen, a, o.Openings[idx])
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return Result{}, err
		}
	}
	return s.result, nil
}

// checkOpening checks one well-shaped opening: the last link's leaf against the
// root, then every link with Freivalds, a is scratch for A_t.
func (s *Session) checkOpening(gen *Generator, a []int8, op Opening) error {
	last := op.Links[len(op.Links)-1]
	if !merkle.Verify(s.commit.Root, RowHash(int(op.Row), last), op.Proof) {
		return fmt.Errorf("opening of row %d: %w", op.Row, ErrProof)
	}
	gen.Row(MatrixA, int(op.Row), a)
	for t, c := range op.Links {
		if t > 0 {
			NextA(a, op.Links[t-1])
		}
		if !CheckRow(a, c, s.r, s.v) {
			return fmt.Errorf("opening of row %d, link %d: %w", op.Row, t, ErrWrongRow)
		}
	}
	return nil
}

// checkShape checks that opening idx is the requested row with T links of N entries.
func (s *Session) checkShape(idx int, op Opening) error {
	if op.Row != s.rows[idx] || len(op.Links) != s.class.T {
		return fmt.Errorf("opening %d: row %d with %d links, want row %d with %d: %w",
			idx, op.Row, len(op.Links), s.rows[idx], s.class.T, ErrOpenings)
	}
	for t, c := range op.Links {
		if len(c) != s.class.N {
			return fmt.Errorf("opening %d, link %d: %d entries, want %d: %w", idx, t, len(c), s.class.N, ErrOpenings)
		}
	}
	return nil
}

// sameKey compares keys without caring about slice identity.
func sameKey(a, b ed25519.PublicKey) bool { return bytes.Equal(a, b) }
