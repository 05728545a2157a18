package challenge

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"sort"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/keeper/epochlog"
	"github.com/ionet-network/ionet/oracle/classes"
	"github.com/ionet-network/ionet/oracle/pow"
	"github.com/ionet-network/ionet/oracle/uptime"
	"github.com/ionet-network/ionet/worker/api"
)

// Recorder takes the duty's observations: the keeper's observation log for the
// epoch (keeper/epochlog's Journal behind it). An error is logged and reported by
// Run; the duty goes on.
type Recorder interface {
	Record(epoch uint64, o epochlog.Observation) error
}

// Counting wraps r so that count sees every observation handed to it: its kind and
// its reason ("" when passed or answered), for metrics by reason.
func Counting(r Recorder, count func(kind epochlog.Kind, reason string)) Recorder {
	return counting{r: r, count: count}
}

type counting struct {
	r     Recorder
	count func(epochlog.Kind, string)
}

func (c counting) Record(epoch uint64, o epochlog.Observation) error {
	c.count(o.Kind, o.Reason)
	return c.r.Record(epoch, o)
}

// Node is what the duty needs to know about one node, read from the chain by the
// caller.
type Node struct {
	// Address is the io-staking node account (Observation.Node, and the node of
	// uptime.Assign).
	Address solana.PublicKey
	// Worker is the worker's ed25519 identity key: it signs commitments, openings
	// and answers.
	Worker ed25519.PublicKey
	// Class is the node's proof-of-compute class name.
	Class string
	// Endpoint is the base URL of the worker API (worker/api).
	Endpoint string
	// Hired: its GPUs belong to a renter. It is not challenged (an observation with
	// ReasonHired instead) and is probed ProbesHired times instead of ProbesIdle.
	Hired bool
}

// Epoch is one epoch as the duty needs it.
type Epoch struct {
	Number uint64
	// Beacon is the epoch's randomness (a slot hash unknown before the epoch): it
	// lays out the windows, assigns keepers and is the challenges' slot hash.
	Beacon [32]byte
	// Start and Length are the epoch's span on the keeper's clock.
	Start  time.Time
	Length time.Duration
	// Keepers are the keepers serving in the epoch (uptime.Assign's set).
	Keepers []ed25519.PublicKey
	Nodes   []Node
}

// Config configures the duty.
type Config struct {
	// Key is the keeper's ed25519 key: it signs challenges and probes.
	Key      ed25519.PrivateKey
	Recorder Recorder
	// Client calls the workers (api.NewClient on Clock when nil).
	Client *api.Client
	// Clock is the keeper's clock: the timing rule, probe windows and schedule
	// (pow.SystemClock when nil). Give Client the same one.
	Clock  pow.Clock
	Lookup func(string) (classes.Class, error) // classes.ByName when nil
	// Windows lays the challenge windows out (DefaultWindowConfig when zero).
	Windows WindowConfig
	// KeepersPerNode is m, the keepers assigned to each node (3 when 0).
	KeepersPerNode int
	// ProbesIdle and ProbesHired are the probes per epoch this keeper sends an idle
	// and a hired node (12 and 48 when both are 0; hired ≥ idle).
	ProbesIdle, ProbesHired int
	// ProbeWindow is how long a node has to answer a probe (uptime.DefaultWindow
	// when 0).
	ProbeWindow time.Duration
	// Samples is the rows opened per challenge (pow.DefaultSamples when 0).
	Samples int
	// Workers are the goroutines computing B·r per challenge (1 when 0).
	Workers int
	// Rand is the secret randomness: nonces, opened rows, r, probe times
	// (crypto/rand when nil).
	Rand   io.Reader
	Logger *slog.Logger // slog.Default() when nil
	// Peers reads the other keepers' own challenge observations, for the re-checks
	// (nil: no re-checks, only this keeper's own challenges count).
	Peers Peers
}

// Peers is the other keepers' side of the re-check (docs/design.md §7): a keeper's own
// challenge observations of a node so far in an epoch, as it serves them (the
// daemon's GET /challenges/{epoch}/{node}).
type Peers interface {
	Challenges(ctx context.Context, keeper ed25519.PublicKey, epoch uint64, node solana.PublicKey) ([]epochlog.Observation, error)
}

// Duty runs this keeper's challenges and probes for an epoch.
type Duty interface {
	// Run challenges, in each of the epoch's windows, the nodes this keeper is the
	// window's challenger for, and probes every node assigned to it at secret random
	// times, until the epoch ends (or ctx does). Each result goes to the Recorder.
	// It returns ctx's error when cancelled, else the Recorder's errors joined, or
	// an error for an invalid epoch.
	Run(ctx context.Context, ep Epoch) error
}

type duty struct {
	cfg    Config
	self   ed25519.PublicKey
	client *api.Client
	pow    *pow.Keeper
	log    *slog.Logger
	randMu sync.Mutex // cfg.Rand may not be safe for concurrent use

	errMu sync.Mutex
	errs  []error

	unfitMu sync.Mutex
	unfit   map[string]bool // classes already reported too large for the windows
}

// New validates cfg and fills defaults.
func New(cfg Config) (Duty, error) {
	if len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("challenge duty: an ed25519 key is required")
	}
	if cfg.Recorder == nil {
		return nil, errors.New("challenge duty: a recorder is required")
	}
	if cfg.KeepersPerNode < 0 || cfg.ProbesIdle < 0 || cfg.ProbesHired < 0 || cfg.ProbeWindow < 0 || cfg.Samples < 0 || cfg.Workers < 0 {
		return nil, errors.New("challenge duty: negative keepers per node, probes, probe window, samples or workers")
	}
	if cfg.ProbesIdle == 0 && cfg.ProbesHired == 0 {
		cfg.ProbesIdle, cfg.ProbesHired = 12, 48
	}
	if cfg.ProbesHired < cfg.ProbesIdle {
		return nil, fmt.Errorf("challenge duty: a hired node is probed more often than an idle one (%d < %d)", cfg.ProbesHired, cfg.ProbesIdle)
	}
	if cfg.Windows == (WindowConfig{}) {
		cfg.Windows = DefaultWindowConfig
	}
	if cfg.Windows.PerEpoch <= 0 || cfg.Windows.Length <= 0 {
		return nil, fmt.Errorf("challenge duty: window configuration %+v", cfg.Windows)
	}
	if cfg.KeepersPerNode == 0 {
		cfg.KeepersPerNode = 3
	}
	if cfg.ProbeWindow == 0 {
		cfg.ProbeWindow = uptime.DefaultWindow
	}
	if cfg.Workers == 0 {
		cfg.Workers = 1
	}
	if cfg.Clock == nil {
		cfg.Clock = pow.SystemClock{}
	}
	if cfg.Lookup == nil {
		cfg.Lookup = classes.ByName
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Client == nil {
		cfg.Client = api.NewClient(api.ClientConfig{Clock: cfg.Clock})
	}
	d := &duty{cfg: cfg, self: cfg.Key.Public().(ed25519.PublicKey), client: cfg.Client, log: cfg.Logger}
	// pow's keeper draws from the duty's lock-guarded randomness.
	pk, err := pow.NewKeeper(pow.KeeperConfig{Key: cfg.Key, Clock: cfg.Clock, Rand: lockedReader{d}, Lookup: cfg.Lookup,
		Samples: cfg.Samples, Workers: cfg.Workers})
	if err != nil {
		return nil, err
	}
	d.pow = pk
	return d, nil
}

type lockedReader struct{ d *duty }

func (l lockedReader) Read(p []byte) (int, error) {
	l.d.randMu.Lock()
	defer l.d.randMu.Unlock()
	return l.d.cfg.Rand.Read(p)
}

// plan is what this keeper does in an epoch.
type plan struct {
	probes   []Node                   // assigned nodes, probed
	window   map[uint8][]Window       // class ID → its windows
	turns    map[uint8][]nodeSchedule // class ID → nodes and the windows this keeper challenges them in
	rechecks map[uint8][]nodeSchedule // class ID → nodes and the other keepers challenging them, by window
}

type nodeSchedule struct {
	node    Node
	class   classes.Class
	windows map[int]bool
	others  map[int]ed25519.PublicKey // window → its challenger, where that is another keeper
}

// unfitLevel is warn the first time class is found too large for the windows, and
// debug after that.
func (d *duty) unfitLevel(class string) slog.Level {
	d.unfitMu.Lock()
	defer d.unfitMu.Unlock()
	if d.unfit[class] {
		return slog.LevelDebug
	}
	if d.unfit == nil {
		d.unfit = map[string]bool{}
	}
	d.unfit[class] = true
	return slog.LevelWarn
}

func (d *duty) plan(ep Epoch) (plan, error) {
	p := plan{window: map[uint8][]Window{}, turns: map[uint8][]nodeSchedule{}, rechecks: map[uint8][]nodeSchedule{}}
	for _, n := range ep.Nodes {
		if len(n.Worker) != ed25519.PublicKeySize || n.Endpoint == "" {
			d.log.Warn("node without a worker key or endpoint: not observed", "node", n.Address)
			continue
		}
		assigned := uptime.Assign(ep.Beacon, ed25519.PublicKey(n.Address[:]), ep.Keepers, d.cfg.KeepersPerNode)
		if !contains(assigned, d.self) {
			continue
		}
		p.probes = append(p.probes, n)
		class, err := d.cfg.Lookup(n.Class)
		if err != nil {
			d.log.Warn("node of an unknown class: probed, not challenged", "node", n.Address, "class", n.Class, "error", err)
			continue
		}
		ws, ok := p.window[class.ID]
		if !ok {
			ws, err = Windows(ep.Beacon, ep.Start, ep.Length, class, d.cfg.Windows)
			switch {
			case errors.Is(err, ErrWindowTooShort):
				// One class too large for this layout must not cost the others their
				// challenges: its nodes are probed only.
				// Said once per class at warn level, then at debug: it holds every epoch.
				d.log.Log(context.Background(), d.unfitLevel(class.Name),
					"class does not fit the challenge windows: its nodes are probed, not challenged",
					"class", class.Name, "error", err)
			case err != nil:
				return plan{}, err
			case len(ws) == 0:
				// The layout does not fit the epoch: say so, or a misconfigured keeper
				// would only probe without a word.
				d.log.Warn("no challenge window fits the epoch: the class's nodes are probed, not challenged",
					"class", class.Name, "epoch_length", ep.Length, "lead", d.cfg.Windows.Lead,
					"window", d.cfg.Windows.Length, "recheck", d.cfg.Windows.Recheck)
			}
			p.window[class.ID] = ws
		}
		s := nodeSchedule{node: n, class: class, windows: map[int]bool{}, others: map[int]ed25519.PublicKey{}}
		for _, w := range ws {
			if c := Challenger(assigned, w.Index); bytes.Equal(c, d.self) {
				s.windows[w.Index] = true
			} else {
				s.others[w.Index] = c
			}
		}
		if len(s.windows) > 0 {
			p.turns[class.ID] = append(p.turns[class.ID], s)
		}
		if len(s.others) > 0 && d.cfg.Peers != nil && !n.Hired {
			p.rechecks[class.ID] = append(p.rechecks[class.ID], s)
		}
	}
	return p, nil
}

func contains(keys []ed25519.PublicKey, k ed25519.PublicKey) bool {
	for _, x := range keys {
		if x.Equal(k) {
			return true
		}
	}
	return false
}

func (d *duty) Run(ctx context.Context, ep Epoch) error {
	if ep.Length <= 0 {
		return fmt.Errorf("challenge duty: epoch %d of length %v", ep.Number, ep.Length)
	}
	p, err := d.plan(ep)
	if err != nil {
		return fmt.Errorf("challenge duty: epoch %d: %w", ep.Number, err)
	}
	end := ep.Start.Add(ep.Length)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	ids := make([]int, 0, len(p.turns))
	for id := range p.turns {
		ids = append(ids, int(id))
	}
	sort.Ints(ids)
	for _, id := range ids {
		wg.Go(func() { d.windows(ctx, ep, p.window[uint8(id)], p.turns[uint8(id)]) })
	}
	for id, nodes := range p.rechecks {
		wg.Go(func() { d.rechecks(ctx, ep, p.window[id], nodes) })
	}
	for _, n := range p.probes {
		count := d.cfg.ProbesIdle
		if n.Hired {
			count = d.cfg.ProbesHired
		}
		times, err := d.schedule(ep.Length, count)
		if err != nil {
			return err
		}
		wg.Go(func() { d.probes(ctx, ep, n, times) })
	}
	d.log.Info("challenge duty", "epoch", ep.Number, "probed", len(p.probes), "classes", len(p.turns))
	_ = d.sleepUntil(ctx, end)
	cancel()
	wg.Wait()
	d.errMu.Lock()
	errs := d.errs
	d.errs = nil
	d.errMu.Unlock()
	if err := parent.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// schedule draws count probe times in the epoch from the secret randomness.
func (d *duty) schedule(length time.Duration, count int) ([]time.Duration, error) {
	var seed [32]byte
	if _, err := io.ReadFull(lockedReader{d}, seed[:]); err != nil {
		return nil, fmt.Errorf("challenge duty: probe schedule: %w", err)
	}
	usable := length - d.cfg.ProbeWindow
	if usable <= 0 || count == 0 {
		return nil, nil
	}
	return uptime.Schedule(mrand.New(mrand.NewChaCha8(seed)), usable, count), nil
}

// sleepUntil waits until t on the keeper's clock, or ctx's end (its error).
func (d *duty) sleepUntil(ctx context.Context, t time.Time) error {
	wait := t.Sub(d.cfg.Clock.Now())
	if wait <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (d *duty) record(epoch uint64, o epochlog.Observation) {
	o.AtMillis = d.cfg.Clock.Now().UnixMilli()
	if err := d.cfg.Recorder.Record(epoch, o); err != nil {
		d.log.Error("observation not recorded", "epoch", epoch, "node", solana.PublicKey(o.Node), "error", err)
		d.errMu.Lock()
		d.errs = append(d.errs, fmt.Errorf("record node %s: %w", solana.PublicKey(o.Node), err))
		d.errMu.Unlock()
	}
}

// windows runs one class's windows: at each start, every node this keeper challenges
// in it at once, then waits for all of them before the next window.
func (d *duty) windows(ctx context.Context, ep Epoch, ws []Window, nodes []nodeSchedule) {
	for _, w := range ws {
		if d.sleepUntil(ctx, w.Start) != nil {
			return
		}
		wctx, cancel := context.WithDeadline(ctx, w.End)
		var wg sync.WaitGroup
		for _, s := range nodes {
			if !s.windows[w.Index] {
				continue
			}
			if s.node.Hired {
				d.record(ep.Number, epochlog.Observation{Node: s.node.Address, Kind: epochlog.KindChallenge, Reason: epochlog.ReasonHired})
				continue
			}
			wg.Go(func() {
				o, ok := d.challenge(wctx, ep, s, w)
				if ok {
					d.record(ep.Number, o)
				}
			})
		}
		wg.Wait()
		cancel()
	}
}

// openRetry is how long the keeper waits before asking an unreachable worker for its
// openings again.
const openRetry = 200 * time.Millisecond

// openings asks the worker for the rows of its commitment, and asks again while the
// worker is unreachable, until ctx (the window) ends: a worker that restarts after
// sending its commitment answers from its commitment journal (worker/agent), so a
// crash between the two messages costs it the retry, not the challenge. Any answer,
// an error status included, is final.
func (d *duty) openings(ctx context.Context, endpoint string, req []byte) ([]byte, error) {
	for {
		out, err := d.client.Open(ctx, endpoint, req)
		if err == nil || !errors.Is(err, api.ErrUnreachable) {
			return out, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(openRetry):
		}
	}
}

// challenge runs one exchange. ok is false when there is nothing to record: the
// duty was cancelled, or the keeper itself failed.
func (d *duty) challenge(ctx context.Context, ep Epoch, s nodeSchedule, w Window) (epochlog.Observation, bool) {
	n := s.node
	o := epochlog.Observation{Node: n.Address, Kind: epochlog.KindChallenge}
	failed := func(reason string, err error) (epochlog.Observation, bool) {
		if ctx.Err() != nil && errors.Is(context.Cause(ctx), context.Canceled) {
			return o, false
		}
		o.Reason = reason
		d.log.Info("challenge failed", "epoch", ep.Number, "window", w.Index, "node", n.Address, "reason", reason, "error", err)
		return o, true
	}
	// The round trip, on a connection the challenge then reuses: the lower of the
	// info request and a HEAD.
	info, rtt, err := d.client.Info(ctx, n.Endpoint)
	if err != nil {
		return failed(epochlog.ReasonUnreachable, err)
	}
	if again, err := d.client.RTT(ctx, n.Endpoint); err == nil {
		rtt = min(rtt, again)
	}
	o.RTTMicros = uint64(rtt.Microseconds())
	gpu := 0
	if info.GPUs > 1 {
		gpu = w.Index % info.GPUs
	}
	uuid := ""
	if gpu < len(info.GPUUUIDs) {
		uuid = info.GPUUUIDs[gpu]
	}
	sess, msg, err := d.pow.Challenge(pow.Params{SlotHash: ep.Beacon, Worker: n.Worker, GPUUUID: uuid, GPUIndex: uint32(gpu), Class: n.Class})
	if err != nil {
		d.log.Error("challenge not issued", "node", n.Address, "error", err)
		return o, false
	}
	o.Evidence = [][]byte{msg}
	prepared := make(chan error, 1)
	go func() { prepared <- sess.Prepare() }() // B·r while the worker computes
	deadline := pow.Deadline(s.class, rtt)
	cctx, cancel := context.WithTimeout(ctx, deadline+d.cfg.Windows.Spread)
	commitment, err := d.client.Challenge(cctx, n.Endpoint, msg)
	cancel()
	if perr := <-prepared; perr != nil {
		d.log.Error("challenge: B·r", "node", n.Address, "error", perr)
		return o, false
	}
	if err != nil {
		return failed(Reason(err), err)
	}
	o.Evidence = append(o.Evidence, commitment)
	res, req, err := sess.Commitment(commitment, rtt)
	if err != nil {
		return failed(Reason(err), err)
	}
	o.Evidence = append(o.Evidence, req)
	openings, err := d.openings(ctx, n.Endpoint, req)
	if err != nil {
		r := Reason(err)
		if r == epochlog.ReasonDeadline {
			r = epochlog.ReasonUnreachable // the window ended without openings
		}
		return failed(r, err)
	}
	o.Evidence = append(o.Evidence, openings)
	if res, err = sess.Openings(openings); err != nil {
		return failed(Reason(err), err)
	}
	if res.Flagged {
		return failed(epochlog.ReasonTooFast, fmt.Errorf("%.3f TOPS above %.2f × the class's %.3f", res.TOPS, pow.FlagFactor, s.class.DensePeakTOPS))
	}
	o.OK = true
	o.TOPSMilli = uint64(math.Floor(res.TOPS * 1000))
	d.log.Info("challenge passed", "epoch", ep.Number, "window", w.Index, "node", n.Address, "tops", res.TOPS,
		"elapsed", res.Elapsed, "deadline", res.Deadline)
	return o, true
}

// probes sends node its probes at the scheduled offsets from the epoch's start.
func (d *duty) probes(ctx context.Context, ep Epoch, n Node, times []time.Duration) {
	prober, err := uptime.NewProber(uptime.ProberConfig{Key: d.cfg.Key, Node: n.Worker, Epoch: ep.Number,
		Window: d.cfg.ProbeWindow, Clock: d.cfg.Clock, Rand: lockedReader{d}})
	if err != nil {
		d.log.Error("prober", "node", n.Address, "error", err)
		return
	}
	for _, at := range times {
		if d.sleepUntil(ctx, ep.Start.Add(at)) != nil {
			return
		}
		o := epochlog.Observation{Node: n.Address, Kind: epochlog.KindProbe}
		msg, err := prober.Probe()
		if err != nil {
			d.log.Error("probe not issued", "node", n.Address, "error", err)
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, d.cfg.ProbeWindow)
		answer, rtt, err := d.client.Probe(pctx, n.Endpoint, msg)
		cancel()
		if err == nil {
			o.RTTMicros = uint64(rtt.Microseconds())
			err = prober.Answer(answer)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			o.Reason = Reason(err)
			d.log.Debug("probe missed", "epoch", ep.Number, "node", n.Address, "reason", o.Reason, "error", err)
		} else {
			o.OK = true
			o.Evidence = [][]byte{answer}
		}
		d.record(ep.Number, o)
	}
}
