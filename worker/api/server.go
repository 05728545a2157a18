package api

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/uptime"
	"github.com/ionet-network/ionet/oracle/wire"
)

// Server defaults.
const (
	// DefaultPendingTTL is how long a commitment waits for its opening request.
	DefaultPendingTTL = 2 * time.Minute
	// DefaultMaxPending bounds the commitments waiting for an opening request; each
	// holds B on its device (a GPU class: 256 MiB) and M × 32 bytes of leaves.
	DefaultMaxPending = 4
)

// Device is one GPU (or the CPU) a challenge can name by its index in
// Config.Devices.
type Device struct {
	// Prover computes this device's commitments and openings.
	Prover *pow.Prover
	// UUID is the device's UUID ("" for a CPU); a challenge naming another UUID for
	// this index is refused.
	UUID string
	// Lock is held while the device computes (a commitment, an opening), so one
	// device runs one challenge at a time. Nil: a lock of its own. Servers whose
	// devices share a Lock share one device.
	Lock sync.Locker
}

// Fault makes a server misbehave on purpose, for tests of the keeper.
type Fault string

// Faults.
const (
	FaultNone Fault = ""
	// FaultWrongRow answers every opening request with the first link of the first
	// opened row corrupted and the openings signed again: Freivalds' check fails.
	FaultWrongRow Fault = "wrong-row"
	// FaultSlow holds every commitment back for Config.SlowDelay before answering.
	FaultSlow Fault = "slow"
)

// ParseFault reads a fault's name ("" or "none" for no fault).
func ParseFault(s string) (Fault, error) {
	switch Fault(s) {
	case FaultNone, "none":
		return FaultNone, nil
	case FaultWrongRow, FaultSlow:
		return Fault(s), nil
	}
	return "", fmt.Errorf("fault %q: want %q, %q or none", s, FaultWrongRow, FaultSlow)
}

// Config configures a worker API server.
type Config struct {
	// Key is the worker's ed25519 identity key.
	Key ed25519.PrivateKey
	// Node is the io-staking node account served (Info.Node); zero: unknown.
	Node solana.PublicKey
	// Class is the class the worker answers; challenges for another class are
	// refused with 400.
	Class string
	// Devices are the devices a challenge's GPU index names; at least one.
	Devices []Device
	// Keepers reports whether a key is a currently registered keeper; challenges,
	// opening requests and probes signed by anyone else are refused with 403.
	Keepers func(ed25519.PublicKey) bool
	// Lookup resolves class names (classes.ByName when nil); give the provers the
	// same one.
	Lookup func(string) (classes.Class, error)
	// Version is reported in Info ("unknown" when empty).
	Version string
	// Fault is for tests of the keeper only.
	Fault Fault
	// SlowDelay is FaultSlow's hold-back (default: pow.Deadline(class, 0) + 1 s,
	// late for any keeper whose RTT is under a second).
	SlowDelay time.Duration
	// PendingTTL and MaxPending bound the commitments waiting for an opening
	// request (DefaultPendingTTL, DefaultMaxPending when 0); past MaxPending a new
	// challenge is refused with 503.
	PendingTTL time.Duration
	MaxPending int
	// Journal, when set, keeps each commitment sent until its opening is served or
	// expires, so a restarted worker can Restore it (nil: commitments live in memory
	// only).
	Journal Journal
	// Now is the worker's clock for expiring pending commitments (time.Now when nil).
	Now    func() time.Time
	Logger *slog.Logger // slog.Default() when nil
}

// Journal records the commitments a worker sent and has not opened yet: the signed
// challenge and the keeper who sent it are enough to compute the same commitment
// again (the challenge is deterministic).
type Journal interface {
	// Committed records a commitment before it is sent; an error fails the challenge.
	Committed(seed pow.Seed, challenge []byte, keeper ed25519.PublicKey, commitment []byte) error
	// Done forgets it: opened, or expired.
	Done(seed pow.Seed)
}

// Server is the worker API: an http.Handler answering challenges, opening requests,
// probes and info. Close releases the commitments still waiting for an opening.
type Server interface {
	http.Handler
	Info() Info
	// Restore computes a journaled commitment again after a restart and keeps it
	// for its opening request, which waits while it is computed (an opening request
	// arriving once Restore returned finds it). The result comes on the channel: a
	// commitment whose root differs from the one sent is dropped with an error.
	Restore(ctx context.Context, challenge []byte, keeper ed25519.PublicKey, commitment []byte) <-chan error
	Close() error
}

type server struct {
	cfg       Config
	info      Info
	responder *uptime.Responder
	log       *slog.Logger

	mu      sync.Mutex
	pending map[pow.Seed]*pending
	// restoring holds a channel per seed being computed again by Restore, closed
	// when it is done.
	restoring map[pow.Seed]chan struct{}
	closed    bool
}

// pending is a commitment kept for its opening request.
type pending struct {
	work    *pow.Work
	keeper  ed25519.PublicKey
	device  sync.Locker
	expires time.Time
}

// NewServer validates cfg and fills defaults.
func NewServer(cfg Config) (Server, error) {
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("worker api: an ed25519 key is required")
	}
	if len(cfg.Devices) == 0 {
		return nil, errors.New("worker api: at least one device is required")
	}
	if cfg.Keepers == nil {
		return nil, errors.New("worker api: a keeper check is required")
	}
	if cfg.Class == "" {
		return nil, errors.New("worker api: a class is required")
	}
	if _, err := ParseFault(string(cfg.Fault)); err != nil {
		return nil, fmt.Errorf("worker api: %w", err)
	}
	if cfg.SlowDelay < 0 || cfg.PendingTTL < 0 || cfg.MaxPending < 0 {
		return nil, errors.New("worker api: negative slow delay, pending TTL or pending bound")
	}
	if cfg.Lookup == nil {
		cfg.Lookup = classes.ByName
	}
	if _, err := cfg.Lookup(cfg.Class); err != nil {
		return nil, fmt.Errorf("worker api: %w", err)
	}
	if cfg.Version == "" {
		cfg.Version = "unknown"
	}
	if cfg.PendingTTL == 0 {
		cfg.PendingTTL = DefaultPendingTTL
	}
	if cfg.MaxPending == 0 {
		cfg.MaxPending = DefaultMaxPending
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	devices := make([]Device, len(cfg.Devices))
	uuids := make([]string, len(cfg.Devices))
	anyUUID := false
	for i, d := range cfg.Devices {
		if d.Prover == nil {
			return nil, fmt.Errorf("worker api: device %d has no prover", i)
		}
		if d.Lock == nil {
			d.Lock = &sync.Mutex{}
		}
		devices[i] = d
		uuids[i] = d.UUID
		anyUUID = anyUUID || d.UUID != ""
	}
	cfg.Devices = devices
	pub := cfg.Key.Public().(ed25519.PublicKey)
	info := Info{Worker: solana.PublicKeyFromBytes(pub).String(), Class: cfg.Class, GPUs: len(devices), Version: cfg.Version}
	if !cfg.Node.IsZero() {
		info.Node = cfg.Node.String()
	}
	if anyUUID {
		info.GPUUUIDs = uuids
	}
	return &server{
		cfg: cfg, info: info, log: cfg.Logger,
		responder: uptime.NewResponder(cfg.Key, cfg.Keepers),
		pending:   map[pow.Seed]*pending{}, restoring: map[pow.Seed]chan struct{}{},
	}, nil
}

func (s *server) Info() Info {
	i := s.info
	i.GPUUUIDs = append([]string(nil), s.info.GPUUUIDs...)
	return i
}

// Close releases every pending commitment; later challenges are refused with 503.
func (s *server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var errs []error
	for seed, p := range s.pending {
		if p != nil { // nil: a reservation whose device is still computing
			errs = append(errs, p.work.Close())
		}
		delete(s.pending, seed)
	}
	return errors.Join(errs...)
}

// httpError is an error response to be: status and message.
type httpError struct {
	status int
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

func fail(status int, format string, args ...any) *httpError {
	return &httpError{status: status, err: fmt.Errorf(format, args...)}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("worker api: panic", "path", r.URL.Path, "panic", v)
			writeError(w, http.StatusInternalServerError, "internal error")
		}
	}()
	type route struct {
		method string
		limit  int64
		handle func(context.Context, []byte) ([]byte, error)
	}
	var rt route
	switch r.URL.Path {
	case PathInfo:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			writeError(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+": use GET")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if r.Method == http.MethodHead {
			return
		}
		_ = json.NewEncoder(w).Encode(s.info)
		return
	case PathChallenge:
		rt = route{http.MethodPost, MaxChallengeBody, s.challenge}
	case PathOpen:
		rt = route{http.MethodPost, MaxOpenBody, s.open}
	case PathProbe:
		rt = route{http.MethodPost, MaxProbeBody, s.probe}
	default:
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
		return
	}
	if r.Method != rt.method {
		writeError(w, http.StatusMethodNotAllowed, r.Method+" "+r.URL.Path+": use POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rt.limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", rt.limit))
			return
		}
		writeError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return
	}
	out, err := rt.handle(r.Context(), body)
	if err != nil {
		status := http.StatusInternalServerError
		var he *httpError
		if errors.As(err, &he) {
			status = he.status
		}
		if status >= 500 {
			s.log.Error("worker api", "path", r.URL.Path, "error", err)
		} else {
			s.log.Debug("worker api: refused", "path", r.URL.Path, "status", status, "error", err)
		}
		writeError(w, status, err.Error())
		return
	}
	w.Header().Set("Content-Type", ContentType)
	_, _ = w.Write(out)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorBody{Error: msg})
}

// wireStatus maps a message that failed to open to its status: 401 for a bad
// signature, 400 for the rest of the garbling.
func wireStatus(err error) int {
	if errors.Is(err, wire.ErrSignature) || errors.Is(err, wire.ErrSigner) {
		return http.StatusUnauthorized
	}
	return http.StatusBadRequest
}

// keeperOf opens the envelope of a keeper's message and checks its signer is a
// registered keeper. pow then opens the payload against that key.
func (s *server) keeperOf(msg []byte, kind wire.Kind) (ed25519.PublicKey, error) {
	m, err := wire.Open(msg, kind)
	if err != nil {
		return nil, &httpError{status: wireStatus(err), err: err}
	}
	if !s.cfg.Keepers(m.Signer) {
		return nil, fail(http.StatusForbidden, "signer %s: %w", solana.PublicKeyFromBytes(m.Signer), uptime.ErrKeeper)
	}
	return m.Signer, nil
}

func (s *server) challenge(ctx context.Context, msg []byte) ([]byte, error) {
	keeper, err := s.keeperOf(msg, wire.KindChallenge)
	if err != nil {
		return nil, err
	}
	ch, err := pow.OpenChallenge(msg, keeper)
	if err != nil {
		return nil, &httpError{status: wireStatus(err), err: err}
	}
	if !ch.Worker.Equal(s.cfg.Key.Public()) {
		return nil, fail(http.StatusBadRequest, "challenge: %w", pow.ErrNotForMe)
	}
	if ch.Class != s.cfg.Class {
		return nil, fail(http.StatusBadRequest, "challenge for class %q, this worker answers %q", ch.Class, s.cfg.Class)
	}
	if int64(ch.GPUIndex) >= int64(len(s.cfg.Devices)) {
		return nil, fail(http.StatusBadRequest, "challenge for GPU %d, this worker has %d", ch.GPUIndex, len(s.cfg.Devices))
	}
	dev := s.cfg.Devices[ch.GPUIndex]
	if dev.UUID != "" && ch.GPUUUID != dev.UUID {
		return nil, fail(http.StatusBadRequest, "challenge for GPU %d with UUID %q, its UUID is %q", ch.GPUIndex, ch.GPUUUID, dev.UUID)
	}
	class, err := s.cfg.Lookup(ch.Class)
	if err != nil {
		return nil, fail(http.StatusBadRequest, "challenge: %w", err)
	}
	seed := ch.Seed()
	if err := s.reserve(seed); err != nil {
		return nil, err
	}
	dev.Lock.Lock()
	work, commitment, err := dev.Prover.Commit(ctx, msg, keeper)
	dev.Lock.Unlock()
	if err != nil {
		s.release(seed)
		if errors.Is(err, pow.ErrTooLarge) || errors.Is(err, classes.ErrUnknown) {
			return nil, fail(http.StatusBadRequest, "%w", err)
		}
		if ctx.Err() != nil {
			return nil, fail(http.StatusServiceUnavailable, "challenge abandoned: %w", err)
		}
		return nil, err
	}
	if s.cfg.Fault == FaultSlow {
		delay := s.cfg.SlowDelay
		if delay == 0 {
			delay = pow.Deadline(class, 0) + time.Second
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if s.cfg.Journal != nil {
		if err := s.cfg.Journal.Committed(seed, msg, keeper, commitment); err != nil {
			s.release(seed)
			_ = work.Close()
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	if err := s.store(seed, &pending{work: work, keeper: keeper, device: dev.Lock}); err != nil {
		_ = work.Close()
		return nil, err
	}
	s.log.Info("challenge answered", "keeper", solana.PublicKeyFromBytes(keeper), "class", ch.Class, "gpu", ch.GPUIndex)
	return commitment, nil
}

// Restore computes a journaled commitment again (see Server).
func (s *server) Restore(ctx context.Context, msg []byte, keeper ed25519.PublicKey, sent []byte) <-chan error {
	out := make(chan error, 1)
	ch, err := pow.OpenChallenge(msg, keeper)
	if err != nil {
		out <- fmt.Errorf("restore: %w", err)
		return out
	}
	if !ch.Worker.Equal(s.cfg.Key.Public()) || ch.Class != s.cfg.Class || int64(ch.GPUIndex) >= int64(len(s.cfg.Devices)) {
		out <- fmt.Errorf("restore: the challenge is not for this worker's key, class and devices")
		return out
	}
	seed := ch.Seed()
	if err := s.reserve(seed); err != nil {
		out <- fmt.Errorf("restore: %w", err)
		return out
	}
	done := make(chan struct{})
	s.mu.Lock()
	s.restoring[seed] = done
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.restoring, seed)
			s.mu.Unlock()
			close(done)
		}()
		out <- s.recommit(ctx, ch, seed, msg, keeper, sent)
	}()
	return out
}

// recommit is Restore's computation.
func (s *server) recommit(ctx context.Context, ch pow.Challenge, seed pow.Seed, msg []byte, keeper ed25519.PublicKey, sent []byte) error {
	dev := s.cfg.Devices[ch.GPUIndex]
	dev.Lock.Lock()
	work, commitment, err := dev.Prover.Commit(ctx, msg, keeper)
	dev.Lock.Unlock()
	if err != nil {
		s.release(seed)
		return fmt.Errorf("restore: %w", err)
	}
	again, err1 := pow.OpenCommitment(commitment, s.cfg.Key.Public().(ed25519.PublicKey))
	first, err2 := pow.OpenCommitment(sent, s.cfg.Key.Public().(ed25519.PublicKey))
	if err1 != nil || err2 != nil || again.Root != first.Root || again.M != first.M {
		s.release(seed)
		_ = work.Close()
		return fmt.Errorf("restore: the commitment computed again differs from the one sent")
	}
	if err := s.store(seed, &pending{work: work, keeper: keeper, device: dev.Lock}); err != nil {
		_ = work.Close()
		return err
	}
	s.log.Info("commitment restored", "keeper", solana.PublicKeyFromBytes(keeper), "class", ch.Class, "gpu", ch.GPUIndex)
	return nil
}

// reserve claims a pending slot for seed before the device computes: a seed already
// pending (a replayed challenge) or a full table is refused.
func (s *server) reserve(seed pow.Seed) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fail(http.StatusServiceUnavailable, "worker api: shutting down")
	}
	s.expireLocked()
	if _, ok := s.pending[seed]; ok {
		return fail(http.StatusConflict, "challenge %x already answered", seed[:4])
	}
	if len(s.pending) >= s.cfg.MaxPending {
		return fail(http.StatusServiceUnavailable, "%d commitments already wait for their openings", len(s.pending))
	}
	s.pending[seed] = nil
	return nil
}

func (s *server) release(seed pow.Seed) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.pending[seed]; ok && p == nil {
		delete(s.pending, seed)
	}
}

func (s *server) store(seed pow.Seed, p *pending) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return fail(http.StatusServiceUnavailable, "worker api: shutting down")
	}
	p.expires = s.cfg.Now().Add(s.cfg.PendingTTL)
	s.pending[seed] = p
	return nil
}

// expireLocked drops pending commitments past their TTL; reservations (nil) are in
// the device's hands and stay.
func (s *server) expireLocked() {
	now := s.cfg.Now()
	for seed, p := range s.pending {
		if p != nil && now.After(p.expires) {
			_ = p.work.Close()
			delete(s.pending, seed)
			if s.cfg.Journal != nil {
				s.cfg.Journal.Done(seed)
			}
		}
	}
}

// take removes and returns the pending commitment for seed, if keeper made it; a
// commitment being restored is waited for (until ctx ends).
func (s *server) take(ctx context.Context, seed pow.Seed, keeper ed25519.PublicKey) (*pending, error) {
	s.mu.Lock()
	for {
		ch, ok := s.restoring[seed]
		if !ok {
			break
		}
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fail(http.StatusServiceUnavailable, "commitment %x still being restored: %w", seed[:4], ctx.Err())
		}
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	s.expireLocked()
	p := s.pending[seed]
	if p == nil {
		return nil, fail(http.StatusNotFound, "no commitment pending for seed %x (expired, already opened, or never made)", seed[:4])
	}
	if !p.keeper.Equal(keeper) {
		return nil, fail(http.StatusForbidden, "seed %x was challenged by another keeper", seed[:4])
	}
	delete(s.pending, seed)
	if s.cfg.Journal != nil {
		s.cfg.Journal.Done(seed)
	}
	return p, nil
}

func (s *server) open(ctx context.Context, msg []byte) ([]byte, error) {
	keeper, err := s.keeperOf(msg, wire.KindOpeningRequest)
	if err != nil {
		return nil, err
	}
	req, err := pow.OpenOpeningRequest(msg, keeper)
	if err != nil {
		return nil, &httpError{status: wireStatus(err), err: err}
	}
	p, err := s.take(ctx, req.Seed, keeper)
	if err != nil {
		return nil, err
	}
	defer p.work.Close()
	p.device.Lock()
	out, err := p.work.Open(msg, keeper)
	p.device.Unlock()
	if err != nil {
		if errors.Is(err, wire.ErrPayload) || errors.Is(err, pow.ErrOpenings) {
			return nil, fail(http.StatusBadRequest, "%w", err)
		}
		return nil, err
	}
	if s.cfg.Fault == FaultWrongRow {
		return s.corrupt(out)
	}
	return out, nil
}

// corrupt flips the first entry of the first link of the first opened row and signs
// the openings again (FaultWrongRow).
func (s *server) corrupt(msg []byte) ([]byte, error) {
	o, err := pow.OpenOpenings(msg, s.cfg.Key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("fault %s: %w", FaultWrongRow, err)
	}
	if len(o.Openings) > 0 && len(o.Openings[0].Links) > 0 && len(o.Openings[0].Links[0]) > 0 {
		o.Openings[0].Links[0][0] ^= 1
	}
	return pow.SealOpenings(s.cfg.Key, o), nil
}

func (s *server) probe(_ context.Context, msg []byte) ([]byte, error) {
	out, err := s.responder.Answer(msg)
	switch {
	case err == nil:
		return out, nil
	case errors.Is(err, uptime.ErrKeeper):
		return nil, fail(http.StatusForbidden, "%w", err)
	case errors.Is(err, uptime.ErrChain):
		return nil, fail(http.StatusConflict, "%w", err)
	case errors.Is(err, uptime.ErrNotMine):
		return nil, fail(http.StatusBadRequest, "%w", err)
	}
	return nil, &httpError{status: wireStatus(err), err: err}
}
