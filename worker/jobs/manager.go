package jobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/chain/staking"
)

// Spec is the body of POST /jobs: a command for one node of an order.
type Spec struct {
	// Order is the hire order's account (base58), Node the node it is for: a spec
	// signed for one node is refused by the others.
	Order string `json:"order"`
	Node  string `json:"node"`
	// Command is the program and its arguments; Env adds variables (IONET_* are the
	// worker's and cannot be set).
	Command []string          `json:"command"`
	Env     map[string]string `json:"env,omitempty"`
	// Image is the container image, for a worker running jobs in containers.
	Image string `json:"image,omitempty"`
	// Nonce tells two otherwise identical jobs apart (the job id hashes the spec).
	Nonce string `json:"nonce,omitempty"`
}

// Spec bounds.
const (
	MaxSpecBody = 64 << 10
	maxArgs     = 256
	maxEnv      = 256
)

// Job states.
const (
	StateRunning = "running"
	StateExited  = "exited"  // the command ended by itself (ExitCode)
	StateStopped = "stopped" // the worker or the renter stopped it (Reason)
	StateFailed  = "failed"  // it could not start (Reason)
	StateLost    = "lost"    // the worker restarted while it ran
)

// Status is a job as GET /jobs/{id} shows it.
type Status struct {
	ID    string `json:"id"`
	Order string `json:"order"`
	// OrderCreatedAt is Hire.CreatedAt of the order the job ran for: renters tell
	// its jobs from those of an earlier order at the same address by it.
	OrderCreatedAt int64    `json:"orderCreatedAt,omitempty"`
	Renter         string   `json:"renter"`
	Rank           int      `json:"rank"`
	WorldSize      int      `json:"worldSize"`
	Peers          []string `json:"peers"`
	Runner         string   `json:"runner"`
	// Nonce is the spec's: a renter running one command on every node of an order
	// gives each node's spec the same nonce, which ties the jobs together.
	Nonce    string     `json:"nonce,omitempty"`
	GPUs     []string   `json:"gpus,omitempty"`
	State    string     `json:"state"`
	ExitCode *int       `json:"exitCode,omitempty"`
	Reason   string     `json:"reason,omitempty"`
	Started  time.Time  `json:"started"`
	Ended    *time.Time `json:"ended,omitempty"`
}

// Config configures a Manager.
type Config struct {
	// Node is this worker's io-staking node.
	Node solana.PublicKey
	// Hires reads orders (ChainHires on a real chain).
	Hires Hires
	// Runner starts jobs.
	Runner Runner
	// Dir holds each job's directory: its working directory, output and status.
	Dir string
	// Poll is how often running jobs' hires are checked (DefaultPoll when 0).
	Poll time.Duration
	// StopGrace is how long a stopped job has between SIGTERM and SIGKILL
	// (DefaultStopGrace when 0).
	StopGrace time.Duration
	// MaxOutput bounds a job's kept output (DefaultMaxOutput when 0); the rest is
	// dropped with a note.
	MaxOutput int64
	// MaxJobs bounds jobs running at once (DefaultMaxJobs when 0).
	MaxJobs int
	// GPUs are the UUIDs of the node's GPUs (none on a CPU node). Each order's jobs
	// get as many as its assignment holds, and no other order's.
	GPUs []string
	// Now is the clock request signatures are checked on (time.Now when nil).
	Now func() time.Time
	// Running is told the number of running jobs whenever it changes (metrics).
	Running func(int)
	Logger  *slog.Logger
}

// Manager defaults.
const (
	DefaultPoll      = 5 * time.Second
	DefaultStopGrace = 10 * time.Second
	DefaultMaxOutput = 64 << 20
	DefaultMaxJobs   = 16
)

// Manager runs the node's hired jobs and serves them over HTTP (ServeHTTP). Run
// watches the hires and stops every job when its context ends.
type Manager struct {
	cfg Config
	log *slog.Logger

	mu     sync.Mutex
	jobs   map[string]*job
	closed bool
	wg     sync.WaitGroup
	// held maps each order with running jobs to the indices of the GPUs it holds.
	held map[solana.PublicKey][]int
}

type job struct {
	order  solana.PublicKey
	renter solana.PublicKey
	dir    string
	proc   Process
	out    *cappedFile

	mu     sync.Mutex
	status Status
}

func (j *job) snapshot() Status {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := j.status
	s.Peers = append([]string(nil), s.Peers...)
	return s
}

// New validates cfg and loads the jobs a previous run left in Dir (those that were
// running are marked lost: a worker's jobs end with it).
func New(cfg Config) (*Manager, error) {
	if cfg.Hires == nil || cfg.Runner == nil || cfg.Dir == "" || cfg.Node.IsZero() {
		return nil, errors.New("jobs: node, hires, runner and dir are required")
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.StopGrace <= 0 {
		cfg.StopGrace = DefaultStopGrace
	}
	if cfg.MaxOutput <= 0 {
		cfg.MaxOutput = DefaultMaxOutput
	}
	if cfg.MaxJobs <= 0 {
		cfg.MaxJobs = DefaultMaxJobs
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Running == nil {
		cfg.Running = func(int) {}
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	m := &Manager{cfg: cfg, log: cfg.Logger, jobs: map[string]*job{}, held: map[solana.PublicKey][]int{}}
	if err := m.load(); err != nil {
		return nil, err
	}
	return m, nil
}

// load reads the status of every job directory.
func (m *Manager) load() error {
	entries, err := os.ReadDir(m.cfg.Dir)
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(m.cfg.Dir, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "status.json"))
		if err != nil {
			continue
		}
		var s Status
		if json.Unmarshal(b, &s) != nil || s.ID != e.Name() {
			continue
		}
		order, err1 := solana.PublicKeyFromBase58(s.Order)
		renter, err2 := solana.PublicKeyFromBase58(s.Renter)
		if err1 != nil || err2 != nil {
			continue
		}
		j := &job{order: order, renter: renter, dir: dir, status: s}
		if s.State == StateRunning {
			j.status.State, j.status.Reason = StateLost, "the worker restarted while the job ran"
			j.save()
		}
		m.jobs[s.ID] = j
	}
	return nil
}

// save writes the job's status next to its output.
func (j *job) save() {
	b, _ := json.Marshal(j.status)
	tmp := filepath.Join(j.dir, "status.json.tmp")
	if os.WriteFile(tmp, b, 0o600) == nil {
		_ = os.Rename(tmp, filepath.Join(j.dir, "status.json"))
	}
}

// jobID names a spec's job on this node.
func jobID(node solana.PublicKey, body []byte) string {
	h := sha256.New()
	h.Write(node[:])
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// requestError is a refusal with its HTTP status.
type requestError struct {
	status int
	err    error
}

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

func refuse(status int, format string, args ...any) error {
	return &requestError{status: status, err: fmt.Errorf(format, args...)}
}

// parseSpec decodes and checks a spec for this node.
func (m *Manager) parseSpec(body []byte) (Spec, solana.PublicKey, error) {
	var s Spec
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, solana.PublicKey{}, refuse(400, "job spec: %v", err)
	}
	order, err := solana.PublicKeyFromBase58(s.Order)
	if err != nil {
		return s, solana.PublicKey{}, refuse(400, "job spec: order %q: %v", s.Order, err)
	}
	node, err := solana.PublicKeyFromBase58(s.Node)
	if err != nil {
		return s, solana.PublicKey{}, refuse(400, "job spec: node %q: %v", s.Node, err)
	}
	if !node.Equals(m.cfg.Node) {
		return s, solana.PublicKey{}, refuse(400, "job spec for node %s, this worker is node %s", node, m.cfg.Node)
	}
	if len(s.Command) == 0 || len(s.Command) > maxArgs || s.Command[0] == "" {
		return s, solana.PublicKey{}, refuse(400, "job spec: a command of 1 to %d arguments is required", maxArgs)
	}
	if len(s.Env) > maxEnv {
		return s, solana.PublicKey{}, refuse(400, "job spec: at most %d environment variables", maxEnv)
	}
	for k := range s.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") {
			return s, solana.PublicKey{}, refuse(400, "job spec: environment variable name %q", k)
		}
		if strings.HasPrefix(k, "IONET_") {
			return s, solana.PublicKey{}, refuse(400, "job spec: %s is set by the worker", k)
		}
	}
	return s, order, nil
}

// start checks the order on chain and starts the job (or returns the existing job
// of the same spec).
func (m *Manager) start(ctx context.Context, signer solana.PublicKey, body []byte) (Status, bool, error) {
	spec, order, err := m.parseSpec(body)
	if err != nil {
		return Status{}, false, err
	}
	id := jobID(m.cfg.Node, body)
	m.mu.Lock()
	if j, ok := m.jobs[id]; ok {
		m.mu.Unlock()
		if !j.renter.Equals(signer) {
			return Status{}, false, refuse(403, "job %s belongs to another renter", id)
		}
		return j.snapshot(), false, nil
	}
	m.mu.Unlock()
	h, err := m.cfg.Hires.Hire(ctx, order)
	if err != nil {
		if errors.Is(err, staking.ErrNotFound) {
			return Status{}, false, refuse(404, "order %s: %v", order, err)
		}
		return Status{}, false, refuse(503, "reading order %s: %v", order, err)
	}
	if !h.Renter.Equals(signer) {
		return Status{}, false, refuse(403, "order %s is renter %s's; the request is signed by %s", order, h.Renter, signer)
	}
	if !h.Active {
		return Status{}, false, refuse(409, "order %s is not active for this node: %s", order, h.Reason)
	}
	rank := h.Rank(m.cfg.Node)
	var peers, endpoints []string
	for i, p := range h.Peers {
		if i != rank {
			peers, endpoints = append(peers, p.Host()), append(endpoints, p.Endpoint)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return Status{}, false, refuse(503, "the worker is shutting down")
	}
	if j, ok := m.jobs[id]; ok {
		return j.snapshot(), false, nil
	}
	if n := m.runningLocked(); n >= m.cfg.MaxJobs {
		return Status{}, false, refuse(503, "%d jobs already run on this worker", n)
	}
	gpus, err := m.gpusLocked(order, h.GPUs)
	if err != nil {
		return Status{}, false, err
	}
	dir := filepath.Join(m.cfg.Dir, id)
	if err := os.MkdirAll(filepath.Join(dir, "work"), 0o700); err != nil {
		return Status{}, false, err
	}
	out, err := openCapped(filepath.Join(dir, "output.log"), m.cfg.MaxOutput)
	if err != nil {
		return Status{}, false, err
	}
	j := &job{order: order, renter: signer, dir: dir, out: out, status: Status{
		ID: id, Order: order.String(), OrderCreatedAt: h.CreatedAt, Renter: signer.String(), Rank: rank, WorldSize: len(h.Peers),
		Peers: peers, Runner: m.cfg.Runner.Name(), Nonce: spec.Nonce, GPUs: gpus, State: StateRunning, Started: m.cfg.Now().UTC(),
	}}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(dir, "work")}
	keys := make([]string, 0, len(spec.Env))
	for k := range spec.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+spec.Env[k])
	}
	env = append(env, "IONET_ORDER="+order.String(), fmt.Sprintf("IONET_RANK=%d", rank),
		fmt.Sprintf("IONET_WORLD_SIZE=%d", len(h.Peers)), "IONET_PEERS="+strings.Join(peers, ","),
		"IONET_PEER_ENDPOINTS="+strings.Join(endpoints, ","), "IONET_NODE="+m.cfg.Node.String(), "IONET_JOB="+id)
	if len(m.cfg.GPUs) > 0 {
		// Only the order's GPUs: CUDA and the NVIDIA container runtime take UUIDs.
		env = append(env, "CUDA_VISIBLE_DEVICES="+strings.Join(gpus, ","), "NVIDIA_VISIBLE_DEVICES="+strings.Join(gpus, ","))
	}
	proc, err := m.cfg.Runner.Start(Launch{ID: id, Command: spec.Command, Env: env, Dir: filepath.Join(dir, "work"),
		Image: spec.Image, GPUs: gpus, Output: out})
	if err != nil {
		_ = out.Close()
		now := m.cfg.Now().UTC()
		j.status.State, j.status.Reason, j.status.Ended = StateFailed, err.Error(), &now
		j.save()
		m.jobs[id] = j
		m.releaseLocked(order)
		return j.snapshot(), true, nil
	}
	j.proc = proc
	j.save()
	m.jobs[id] = j
	m.log.Info("job started", "job", id, "order", order, "rank", rank, "world_size", len(h.Peers), "runner", m.cfg.Runner.Name())
	m.cfg.Running(m.runningLocked())
	m.wg.Add(1)
	go m.wait(j)
	return j.snapshot(), true, nil
}

// wait records how the job ended.
func (m *Manager) wait(j *job) {
	defer m.wg.Done()
	code, err := j.proc.Wait()
	_ = j.out.Close()
	now := m.cfg.Now().UTC()
	j.mu.Lock()
	if j.status.State == StateRunning {
		j.status.State = StateExited
	}
	if err != nil && j.status.Reason == "" {
		j.status.Reason = err.Error()
	}
	j.status.ExitCode, j.status.Ended = &code, &now
	j.save()
	st := j.status
	j.mu.Unlock()
	m.log.Info("job ended", "job", st.ID, "state", st.State, "exit_code", code, "reason", st.Reason)
	m.mu.Lock()
	m.releaseLocked(j.order)
	m.cfg.Running(m.runningLocked())
	m.mu.Unlock()
}

// gpusLocked returns the UUIDs of the GPUs order holds, taking n free ones for its
// first running job; an order wanting more GPUs than are free is refused (another
// order's jobs hold them).
func (m *Manager) gpusLocked(order solana.PublicKey, n int) ([]string, error) {
	if len(m.cfg.GPUs) == 0 {
		return nil, nil
	}
	idx, ok := m.held[order]
	if !ok {
		used := map[int]bool{}
		for _, is := range m.held {
			for _, i := range is {
				used[i] = true
			}
		}
		for i := range m.cfg.GPUs {
			if len(idx) < n && !used[i] {
				idx = append(idx, i)
			}
		}
		if len(idx) < n || n <= 0 {
			return nil, refuse(503, "order %s holds %d GPUs of this node; %d are free of other orders' jobs", order, n, len(idx))
		}
		m.held[order] = idx
	}
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = m.cfg.GPUs[i]
	}
	return out, nil
}

// releaseLocked frees order's GPUs once none of its jobs runs.
func (m *Manager) releaseLocked(order solana.PublicKey) {
	for _, j := range m.jobs {
		j.mu.Lock()
		// A stopped job holds its GPUs until its processes are gone.
		running := j.order.Equals(order) && j.proc != nil && j.status.Ended == nil
		j.mu.Unlock()
		if running {
			return
		}
	}
	delete(m.held, order)
}

func (m *Manager) runningLocked() int {
	n := 0
	for _, j := range m.jobs {
		j.mu.Lock()
		if j.status.State == StateRunning {
			n++
		}
		j.mu.Unlock()
	}
	return n
}

// Running is the number of jobs running.
func (m *Manager) Running() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runningLocked()
}

// stop ends a running job for reason (a no-op for a job already over).
func (m *Manager) stop(j *job, reason string) {
	j.mu.Lock()
	if j.status.State != StateRunning || j.proc == nil {
		j.mu.Unlock()
		return
	}
	j.status.State, j.status.Reason = StateStopped, reason
	j.save()
	j.mu.Unlock()
	m.log.Info("stopping job", "job", j.status.ID, "reason", reason)
	j.proc.Stop(m.cfg.StopGrace)
}

// Run checks the hires of running jobs every Poll and stops a job whose hire ended;
// when ctx ends it stops every job and waits for them.
func (m *Manager) Run(ctx context.Context) error {
	t := time.NewTicker(m.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			m.mu.Lock()
			m.closed = true
			all := make([]*job, 0, len(m.jobs))
			for _, j := range m.jobs {
				all = append(all, j)
			}
			m.mu.Unlock()
			for _, j := range all {
				m.stop(j, "the worker is shutting down")
			}
			m.wg.Wait()
			return nil
		case <-t.C:
			m.check(ctx)
		}
	}
}

// check stops the running jobs whose order is no longer active for this node. A
// failed read keeps the job running until the next poll.
func (m *Manager) check(ctx context.Context) {
	byOrder := map[solana.PublicKey][]*job{}
	m.mu.Lock()
	for _, j := range m.jobs {
		j.mu.Lock()
		if j.status.State == StateRunning {
			byOrder[j.order] = append(byOrder[j.order], j)
		}
		j.mu.Unlock()
	}
	m.mu.Unlock()
	for order, js := range byOrder {
		h, err := m.cfg.Hires.Hire(ctx, order)
		if err != nil {
			if errors.Is(err, staking.ErrNotFound) {
				h = Hire{Reason: "the order is closed"}
			} else {
				m.log.Warn("order not checked", "order", order, "error", err)
				continue
			}
		}
		if h.Active {
			continue
		}
		for _, j := range js {
			m.stop(j, "the hire ended: "+h.Reason)
		}
	}
}

// list is signer's jobs, oldest first (then by id).
func (m *Manager) list(signer solana.PublicKey) []Status {
	m.mu.Lock()
	var out []Status
	for _, j := range m.jobs {
		if j.renter.Equals(signer) {
			out = append(out, j.snapshot())
		}
	}
	m.mu.Unlock()
	sort.Slice(out, func(a, b int) bool {
		if !out[a].Started.Equal(out[b].Started) {
			return out[a].Started.Before(out[b].Started)
		}
		return out[a].ID < out[b].ID
	})
	return out
}

// job returns id's job if signer may see it.
func (m *Manager) job(id string, signer solana.PublicKey) (*job, error) {
	m.mu.Lock()
	j, ok := m.jobs[id]
	m.mu.Unlock()
	if !ok {
		return nil, refuse(404, "no job %q", id)
	}
	if !j.renter.Equals(signer) {
		return nil, refuse(403, "job %s belongs to another renter", id)
	}
	return j, nil
}
