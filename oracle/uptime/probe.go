package uptime

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Errors from checking answers; test with errors.Is.
var (
	ErrUnknownProbe = errors.New("uptime: answer to no outstanding probe")
	ErrChain        = errors.New("uptime: answer does not extend the chain")
	ErrLateAnswer   = errors.New("uptime: answer after the window")
	ErrNotMine      = errors.New("uptime: probe for another node")
	ErrKeeper       = errors.New("uptime: probe from an unknown keeper")
)

// DefaultWindow is how long a node has to answer a probe.
const DefaultWindow = 5 * time.Second

// Clock is the keeper's time source; tests inject a simulated one.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Schedule draws count probe times uniformly in [0, epoch), sorted, from secret
// randomness so a node cannot be online only when it expects a probe.
func Schedule(rng *mrand.Rand, epoch time.Duration, count int) []time.Duration {
	out := make([]time.Duration, count)
	for i := range out {
		out[i] = time.Duration(rng.Int64N(int64(epoch)))
	}
	slices.Sort(out)
	return out
}

// ProberConfig configures one keeper's prober for one node and epoch.
type ProberConfig struct {
	Key    ed25519.PrivateKey
	Node   ed25519.PublicKey
	Epoch  uint64
	Window time.Duration // DefaultWindow when 0
	Clock  Clock         // wall clock when nil
	Rand   io.Reader     // crypto/rand when nil
}

// Prober is a keeper's probe chain with one node in one epoch. Not safe for
// concurrent use; the keeper's per-node goroutine owns it.
type Prober struct {
	cfg      ProberConfig
	seq      uint64
	last     [32]byte
	pending  []byte // outstanding probe message
	sentAt   time.Time
	sent     int
	answered int
	log      [][]byte // accepted answers, for the observation log
}

// NewProber starts an empty chain.
func NewProber(cfg ProberConfig) (*Prober, error) {
	if len(cfg.Key) != ed25519.PrivateKeySize || len(cfg.Node) != ed25519.PublicKeySize {
		return nil, errors.New("uptime prober: key and node are required")
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	p := &Prober{cfg: cfg}
	p.last = Genesis(cfg.Epoch, cfg.Key.Public().(ed25519.PublicKey), cfg.Node)
	return p, nil
}

// Probe returns the next signed probe. An unanswered earlier probe counts as missed.
func (p *Prober) Probe() ([]byte, error) {
	pr := Probe{Node: p.cfg.Node, Epoch: p.cfg.Epoch, Seq: p.seq, Previous: p.last}
	if _, err := io.ReadFull(p.cfg.Rand, pr.Nonce[:]); err != nil {
		return nil, fmt.Errorf("probe nonce: %w", err)
	}
	p.seq++
	p.sent++
	p.pending = SealProbe(p.cfg.Key, pr)
	p.sentAt = p.cfg.Clock.Now()
	return p.pending, nil
}

// Answer checks a node's answer to the outstanding probe and extends the chain.
func (p *Prober) Answer(msg []byte) error {
	at := p.cfg.Clock.Now()
	a, err := OpenAnswer(msg, p.cfg.Node)
	if err != nil {
		return err
	}
	if p.pending == nil || !bytes.Equal(a.Probe, p.pending) {
		return ErrUnknownProbe
	}
	if a.Previous != p.last {
		return ErrChain
	}
	p.pending = nil
	if at.Sub(p.sentAt) > p.cfg.Window {
		return fmt.Errorf("answer after %v: %w", at.Sub(p.sentAt), ErrLateAnswer)
	}
	p.last = AnswerHash(msg)
	p.answered++
	p.log = append(p.log, msg)
	return nil
}

// UptimeBps is answered/sent in basis points (10000 when nothing was sent yet).
func (p *Prober) UptimeBps() uint32 {
	if p.sent == 0 {
		return 10000
	}
	return uint32(uint64(p.answered) * 10000 / uint64(p.sent))
}

// Log returns the accepted answers in order.
func (p *Prober) Log() [][]byte { return slices.Clone(p.log) }

// VerifyChain checks a logged answer chain of node to keeper from genesis, so any
// keeper can audit another keeper's observation log.
func VerifyChain(answers [][]byte, epoch uint64, keeper, node ed25519.PublicKey) error {
	last := Genesis(epoch, keeper, node)
	for i, msg := range answers {
		a, err := OpenAnswer(msg, node)
		if err != nil {
			return fmt.Errorf("answer %d: %w", i, err)
		}
		pr, signer, err := OpenProbe(a.Probe)
		if err != nil {
			return fmt.Errorf("answer %d: %w", i, err)
		}
		if !signer.Equal(keeper) || !pr.Node.Equal(node) || pr.Epoch != epoch {
			return fmt.Errorf("answer %d: probe from another keeper, node or epoch: %w", i, ErrChain)
		}
		if a.Previous != last || pr.Previous != last {
			return fmt.Errorf("answer %d: %w", i, ErrChain)
		}
		last = AnswerHash(msg)
	}
	return nil
}

// Responder is the worker side: it answers probes addressed to it from keepers
// it accepts. It only extends a chain from genesis or from one of its own answers,
// so a keeper cannot make it sign a history it never had. Safe for concurrent use.
type Responder struct {
	key     ed25519.PrivateKey
	keepers func(ed25519.PublicKey) bool

	mu   sync.Mutex
	sent map[chainKey]map[[32]byte]bool
}

type chainKey struct {
	keeper [32]byte
	epoch  uint64
}

// NewResponder answers for key; keepers reports whether a probe's signer is a
// registered keeper.
func NewResponder(key ed25519.PrivateKey, keepers func(ed25519.PublicKey) bool) *Responder {
	return &Responder{key: key, keepers: keepers, sent: map[chainKey]map[[32]byte]bool{}}
}

// Answer signs the answer to a probe.
func (r *Responder) Answer(probe []byte) ([]byte, error) {
	pr, keeper, err := OpenProbe(probe)
	if err != nil {
		return nil, err
	}
	if !pr.Node.Equal(r.key.Public().(ed25519.PublicKey)) {
		return nil, ErrNotMine
	}
	if !r.keepers(keeper) {
		return nil, ErrKeeper
	}
	ck := chainKey{keeper: [32]byte(keeper), epoch: pr.Epoch}
	r.mu.Lock()
	defer r.mu.Unlock()
	mine := r.sent[ck]
	if pr.Previous != Genesis(pr.Epoch, keeper, pr.Node) && !mine[pr.Previous] {
		return nil, fmt.Errorf("probe %d chains on an answer this node never gave: %w", pr.Seq, ErrChain)
	}
	msg := SealAnswer(r.key, Answer{Probe: probe, Previous: pr.Previous})
	if mine == nil {
		mine = map[[32]byte]bool{}
		r.sent[ck] = mine
	}
	mine[AnswerHash(msg)] = true
	return msg, nil
}
