package follower

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/gagliardetto/solana-go/rpc/ws"
)

// Config says where the chain is and how often to resynchronize in full.
type Config struct {
	RPCURL string
	WSURL  string
	// Resync is the period of a full getProgramAccounts pass even without a
	// disconnect, which also drops closed accounts a node never notified (0: 10 min).
	Resync time.Duration
	// Backoff is the first wait after a failure, doubled up to MaxBackoff (0: 500 ms, 15 s).
	Backoff, MaxBackoff time.Duration
	Logger              *slog.Logger
	// OnEvent, when set, counts what the follower does: "resync", "notification",
	// "error" (metrics wrap the follower through it).
	OnEvent func(event string)
}

// Follower keeps the latest Snapshot. Run owns the mutable view; Snapshot may be
// called from any goroutine.
type Follower struct {
	cfg  Config
	rpc  *rpc.Client
	last atomic.Pointer[Snapshot]
	// synced is closed after the first full catch-up.
	synced chan struct{}
}

// New validates cfg. Nothing is contacted before Run.
func New(cfg Config) (*Follower, error) {
	if cfg.RPCURL == "" || cfg.WSURL == "" {
		return nil, errors.New("follower: an RPC URL and a websocket URL are required")
	}
	if cfg.Resync <= 0 {
		cfg.Resync = 10 * time.Minute
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 15 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.OnEvent == nil {
		cfg.OnEvent = func(string) {}
	}
	f := &Follower{cfg: cfg, rpc: rpc.New(cfg.RPCURL), synced: make(chan struct{})}
	f.last.Store(emptySnapshot())
	return f, nil
}

// Snapshot is the latest published view; never nil, Synced false before the first
// catch-up.
func (f *Follower) Snapshot() *Snapshot { return f.last.Load() }

// Synced is closed once the first catch-up is published.
func (f *Follower) Synced() <-chan struct{} { return f.synced }

// notification is one programSubscribe message, or the end of a subscription.
type notification struct {
	owner   solana.PublicKey
	address solana.PublicKey
	data    []byte
	slot    uint64
	err     error
}

// Run follows the chain until ctx ends: subscribe, catch up, apply notifications;
// on any failure (RPC down, websocket closed) wait with backoff and start over with
// a full catch-up. It returns only ctx's error.
func (f *Follower) Run(ctx context.Context) error {
	wait := f.cfg.Backoff
	for {
		err := f.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f.cfg.OnEvent("error")
		f.cfg.Logger.Warn("chain follower lost the chain; resynchronizing", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, f.cfg.MaxBackoff)
		if err == nil {
			wait = f.cfg.Backoff
		}
	}
}

// session is one websocket connection: subscriptions first (so nothing changes
// unseen between the catch-up and the stream), then getProgramAccounts, then the
// stream until it fails or the resync period ends (returns nil then).
func (f *Follower) session(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	client, err := ws.Connect(ctx, f.cfg.WSURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", f.cfg.WSURL, err)
	}
	defer client.Close()
	changes := make(chan notification, 1024)
	done := make(chan struct{})
	running := 0
	for _, program := range Programs {
		sub, err := client.ProgramSubscribeWithOpts(program, rpc.CommitmentConfirmed, solana.EncodingBase64, nil)
		if err != nil {
			cancel()
			for range running {
				<-done
			}
			return fmt.Errorf("programSubscribe %s: %w", program, err)
		}
		running++
		go func(owner solana.PublicKey) {
			defer func() { done <- struct{}{} }()
			defer sub.Unsubscribe()
			for {
				got, err := sub.Recv(ctx)
				if err != nil {
					select {
					case changes <- notification{err: fmt.Errorf("programSubscribe %s: %w", owner, err)}:
					case <-ctx.Done():
					}
					return
				}
				n := notification{owner: owner, address: got.Value.Pubkey, slot: got.Context.Slot}
				if acc := got.Value.Account; acc != nil && acc.Lamports > 0 && acc.Owner.Equals(owner) {
					n.data = acc.Data.GetBinary()
				}
				select {
				case changes <- n:
				case <-ctx.Done():
					return
				}
			}
		}(program)
	}
	defer func() {
		cancel()
		for range running {
			<-done
		}
	}()

	view, err := f.catchUp(ctx)
	if err != nil {
		return err
	}
	f.publish(view)
	resync := time.NewTimer(f.cfg.Resync)
	defer resync.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-resync.C:
			return nil
		case n := <-changes:
			if n.err != nil {
				return n.err
			}
			f.cfg.OnEvent("notification")
			if err := view.apply(n.owner, n.address, n.data, n.slot); err != nil {
				f.cfg.Logger.Warn("undecodable account notification", "err", err)
			}
			if len(changes) == 0 {
				f.publish(view)
			}
		}
	}
}

// Read is one catch-up without following: every account of the followed programs
// at rpcURL now (for one-shot commands).
func Read(ctx context.Context, rpcURL string) (*Snapshot, error) {
	f, err := New(Config{RPCURL: rpcURL, WSURL: "unused", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	return f.catchUp(ctx)
}

// catchUp reads every account of the followed programs into a fresh view.
func (f *Follower) catchUp(ctx context.Context) (*Snapshot, error) {
	slot, err := f.rpc.GetSlot(ctx, rpc.CommitmentConfirmed)
	if err != nil {
		return nil, fmt.Errorf("getSlot: %w", err)
	}
	view := emptySnapshot()
	for _, program := range Programs {
		accounts, err := f.rpc.GetProgramAccountsWithOpts(ctx, program, &rpc.GetProgramAccountsOpts{
			Commitment: rpc.CommitmentConfirmed, Encoding: solana.EncodingBase64,
		})
		if err != nil {
			return nil, fmt.Errorf("getProgramAccounts %s: %w", program, err)
		}
		for _, a := range accounts {
			if err := view.apply(program, a.Pubkey, a.Account.Data.GetBinary(), slot); err != nil {
				f.cfg.Logger.Warn("undecodable account", "err", err)
			}
		}
	}
	view.Synced = true
	f.cfg.OnEvent("resync")
	f.cfg.Logger.Debug("chain follower caught up", "slot", slot, "nodes", len(view.Nodes),
		"keepers", len(view.Keepers), "orders", len(view.Orders))
	return view, nil
}

// publish hands readers an immutable copy of view.
func (f *Follower) publish(view *Snapshot) {
	f.last.Store(view.clone())
	if view.Synced {
		select {
		case <-f.synced:
		default:
			close(f.synced)
		}
	}
}
