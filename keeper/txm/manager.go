package txm

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/chain/staking"
)

type manager struct {
	cfg      Config
	rpc      RPC
	keys     Keystore
	log      *slog.Logger
	metrics  *Metrics
	decoders staking.Decoders
	now      func() time.Time
	store    *store

	// ctx ends at Close; every goroutine below watches it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// mu guards entries, closed and each entry's rec pointer. A record's content is
	// changed only by its own worker goroutine, on a private copy, and published
	// with commit; Enqueue and sweep add and remove entries.
	mu      sync.Mutex
	entries map[string]*entry
	closed  bool
}

type entry struct {
	rec  *record       // the latest committed copy; replaced, never modified
	done chan struct{} // closed once rec is final
	// keys are the Request's keys; nil for a record loaded from the store.
	keys Keystore
}

// Open opens (or creates) the store at cfg.Path, resumes every record left in
// flight, and starts the sweeper that drops finished records after cfg.Retention.
// Errors: an invalid Config, a nil Deps.RPC, or a store that cannot be opened
// (e.g. held by another process).
func Open(cfg Config, deps Deps) (Manager, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if deps.RPC == nil {
		return nil, errors.New("txm: Deps.RPC is nil")
	}
	m := &manager{
		cfg:      cfg,
		rpc:      deps.Metrics.Instrument(deps.RPC),
		keys:     deps.Keys,
		log:      deps.Logger,
		metrics:  deps.Metrics,
		decoders: deps.Decoders,
		now:      deps.Now,
		entries:  make(map[string]*entry),
	}
	if m.keys == nil {
		m.keys = func(solana.PublicKey) *solana.PrivateKey { return nil }
	}
	if m.log == nil {
		m.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m.log = m.log.With("component", "txm")
	if m.decoders == nil {
		m.decoders = DefaultDecoders()
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.store, err = openStore(cfg.Path); err != nil {
		return nil, err
	}
	recs, err := m.store.all()
	if err != nil {
		_ = m.store.close()
		return nil, err
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())

	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range recs {
		e := &entry{rec: r, done: make(chan struct{})}
		m.entries[r.Key] = e
		m.metrics.moved("", r.State)
		if r.final(cfg.Finalize) {
			close(e.done)
			continue
		}
		m.log.Info("resuming transaction", "key", r.Key, "state", r.State, "signatures", len(r.Attempts))
		m.start(e)
	}
	m.wg.Add(1)
	go m.sweepLoop()
	return m, nil
}

// start runs e's worker. Callers hold mu and have checked closed, so Close's
// wg.Wait cannot miss it.
func (m *manager) start(e *entry) {
	m.wg.Add(1)
	go m.work(e, e.rec.clone())
}

func (m *manager) Enqueue(ctx context.Context, req Request) (Tx, error) {
	if err := ctx.Err(); err != nil {
		return Tx{}, err
	}
	if req.Key == "" || len(req.Instructions) == 0 || len(req.FeePayer) != 64 {
		return Tx{}, fmt.Errorf("%w: a key, instructions and a fee payer are required", ErrInvalidRequest)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Tx{}, ErrClosed
	}
	if e, ok := m.entries[req.Key]; ok {
		return e.rec.tx(), nil
	}
	tx, err := solana.NewTransaction(req.Instructions, solana.Hash{}, solana.TransactionPayer(req.FeePayer.PublicKey()))
	if err != nil {
		return Tx{}, fmt.Errorf("%w: %q: %w", ErrInvalidRequest, req.Key, err)
	}
	msg, err := tx.Message.MarshalBinary()
	if err != nil {
		return Tx{}, fmt.Errorf("%w: %q: %w", ErrInvalidRequest, req.Key, err)
	}
	keys := KeysOf(append([]solana.PrivateKey{req.FeePayer}, req.Signers...)...)
	for _, signer := range tx.Message.Signers() {
		if keys(signer) == nil && m.keys(signer) == nil {
			return Tx{}, fmt.Errorf("%w: %q: no private key for signer %s", ErrInvalidRequest, req.Key, signer)
		}
	}
	now := m.now()
	r := &record{Key: req.Key, State: Queued, Message: msg, Created: now, Updated: now}
	if err := m.store.put(r); err != nil {
		return Tx{}, fmt.Errorf("enqueue: %w", err)
	}
	e := &entry{rec: r, done: make(chan struct{}), keys: keys}
	m.entries[r.Key] = e
	m.metrics.moved("", Queued)
	m.metrics.entered(Queued)
	m.log.Info("transaction queued", "key", r.Key)
	m.start(e)
	return r.tx(), nil
}

func (m *manager) Submit(ctx context.Context, req Request) (Tx, error) {
	if _, err := m.Enqueue(ctx, req); err != nil {
		return Tx{}, err
	}
	return m.Wait(ctx, req.Key)
}

func (m *manager) Wait(ctx context.Context, key string) (Tx, error) {
	m.mu.Lock()
	e, ok := m.entries[key]
	closed := m.closed
	m.mu.Unlock()
	if !ok {
		return Tx{}, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	current := func() Tx {
		m.mu.Lock()
		defer m.mu.Unlock()
		return e.rec.tx()
	}
	select {
	case <-e.done:
		t := current()
		return t, t.Err()
	default:
	}
	if closed {
		return current(), ErrClosed
	}
	select {
	case <-e.done:
		t := current()
		return t, t.Err()
	case <-ctx.Done():
		return current(), ctx.Err()
	case <-m.ctx.Done():
		return current(), ErrClosed
	}
}

func (m *manager) Get(key string) (Tx, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return Tx{}, fmt.Errorf("%w: %q", ErrNotFound, key)
	}
	return e.rec.tx(), nil
}

func (m *manager) List() []Tx {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Tx, 0, len(m.entries))
	for _, e := range m.entries {
		out = append(out, e.rec.tx())
	}
	return out
}

func (m *manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
	if err := m.store.close(); err != nil {
		return fmt.Errorf("close txm store: %w", err)
	}
	return nil
}

// commit persists r, the worker's copy of e's record, then publishes a copy of it.
func (m *manager) commit(e *entry, r *record) error {
	r.Updated = m.now()
	if err := m.store.put(r); err != nil {
		return err
	}
	published := r.clone()
	m.mu.Lock()
	defer m.mu.Unlock()
	if from := e.rec.State; from != published.State {
		// Counted before Wait can return, so a caller sees its own transition.
		m.metrics.moved(from, published.State)
		m.metrics.entered(published.State)
	}
	wasFinal := e.rec.final(m.cfg.Finalize)
	e.rec = published
	if published.final(m.cfg.Finalize) && !wasFinal {
		close(e.done)
	}
	return nil
}

func (m *manager) sweepLoop() {
	defer m.wg.Done()
	t := time.NewTicker(m.cfg.SweepEvery)
	defer t.Stop()
	for {
		select {
		case <-m.ctx.Done():
			return
		case <-t.C:
			m.sweep()
		}
	}
}

// sweep drops final records last changed more than Retention ago.
func (m *manager) sweep() {
	cutoff := m.now().Add(-m.cfg.Retention)
	m.mu.Lock()
	defer m.mu.Unlock()
	var keys []string
	for k, e := range m.entries {
		if e.rec.final(m.cfg.Finalize) && e.rec.Updated.Before(cutoff) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return
	}
	if err := m.store.delete(keys); err != nil {
		m.log.Error("dropping finished transactions", "err", err)
		return
	}
	for _, k := range keys {
		m.metrics.moved(m.entries[k].rec.State, "")
		delete(m.entries, k)
	}
	m.log.Debug("dropped finished transactions", "count", len(keys))
}

func (r *record) clone() *record {
	c := *r
	c.Attempts = slices.Clone(r.Attempts)
	return &c
}
