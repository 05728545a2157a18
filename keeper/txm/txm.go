package txm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/chain/staking"
)

// Sentinel errors, checked with errors.Is.
var (
	// ErrNotFound: no record under that key (never enqueued, or dropped after the
	// retention window).
	ErrNotFound = errors.New("txm: no such transaction")
	// ErrClosed: the manager was closed.
	ErrClosed = errors.New("txm: closed")
	// ErrInvalidRequest: a Request without key, instructions or fee payer, or whose
	// instructions do not compile into a transaction.
	ErrInvalidRequest = errors.New("txm: invalid request")
	// ErrSimulationFailed: simulateTransaction reported an error; nothing was sent.
	ErrSimulationFailed = errors.New("txm: simulation failed")
	// ErrTransactionFailed: a signature landed with an error (its fee was paid).
	ErrTransactionFailed = errors.New("txm: transaction failed on chain")
	// ErrRejected: the RPC refused the transaction for good (malformed, bad
	// signature, unsupported) and none of its signatures landed.
	ErrRejected = errors.New("txm: rejected by the RPC")
	// ErrNoSigner: a signer's private key was not available, e.g. a record resumed
	// after a restart whose keys Deps.Keys does not hold.
	ErrNoSigner = errors.New("txm: signer key not available")
	// ErrExpired: Config.MaxAttempts blockhashes expired with nothing landed.
	ErrExpired = errors.New("txm: blockhash expired too many times")
)

// State is where a record is. Its string form is what metrics and the store use.
type State string

// States. Queued and Sent are in flight; Failed, Finalized, and Confirmed (unless
// Config.Finalize) are final.
const (
	Queued    State = "queued"
	Sent      State = "sent"
	Confirmed State = "confirmed"
	Finalized State = "finalized"
	Failed    State = "failed"
)

// States lists every State, in lifecycle order.
var States = []State{Queued, Sent, Confirmed, Finalized, Failed}

// Request is one transaction to send.
type Request struct {
	// Key identifies the action: a second Enqueue or Submit with the same key
	// returns the existing record and sends nothing. Non-empty.
	Key string
	// Instructions in order; at least one.
	Instructions []solana.Instruction
	// FeePayer pays the fee and signs.
	FeePayer solana.PrivateKey
	// Signers are the other keys the instructions need. They are held in memory
	// only; after a restart Deps.Keys must supply them to re-sign.
	Signers []solana.PrivateKey
}

// Tx is a snapshot of one record.
type Tx struct {
	Key   string
	State State
	// Signatures lists every signature broadcast for Key, oldest first.
	Signatures []solana.Signature
	// Landed is the signature that made it into a block; zero until one did.
	Landed solana.Signature
	// Slot is the slot Landed was processed in; 0 until one landed.
	Slot uint64
	// Failure says why State is Failed; nil otherwise.
	Failure *Failure
	// Created and Updated are the manager's clock at enqueue and at the last change.
	Created, Updated time.Time
}

// Err is nil unless the record failed; then it is the *Failure (errors.Is finds the
// sentinel, errors.As a programerr.ProgramError when a program named its error).
func (t Tx) Err() error {
	if t.State != Failed || t.Failure == nil {
		return nil
	}
	return t.Failure
}

// Manager sends transactions under idempotency keys. Its methods are safe for
// concurrent use.
type Manager interface {
	// Enqueue persists req as queued and starts sending it; it returns at once with
	// the new record, or with the existing one when req.Key is known (then req is
	// ignored, even if its instructions differ). Errors: ErrInvalidRequest,
	// ErrClosed, or a storage error.
	Enqueue(ctx context.Context, req Request) (Tx, error)
	// Submit is Enqueue followed by Wait.
	Submit(ctx context.Context, req Request) (Tx, error)
	// Wait blocks until the record under key is final (confirmed, or finalized
	// when Config.Finalize, or failed) and returns it; for a failed record the
	// error is Tx.Err(). ctx ending returns the current record and ctx's error; the
	// record keeps going. ErrNotFound for an unknown key, ErrClosed after Close.
	Wait(ctx context.Context, key string) (Tx, error)
	// Get returns the record under key, or ErrNotFound.
	Get(key string) (Tx, error)
	// List returns every record held, in no particular order.
	List() []Tx
	// Close stops sending and polling, waits for every goroutine the manager
	// started, and closes the store. Records in flight stay persisted and resume at
	// the next Open. Safe to call twice.
	Close() error
}

// Config is the manager's configuration; zero durations take the defaults shown.
type Config struct {
	// Path is the bbolt file (created when missing, mode 0600), e.g.
	// <data dir>/txm.db. One process at a time: Open fails after 1 s if another
	// holds it.
	Path string
	// Finalize keeps polling confirmed records until they are finalized; Wait then
	// returns at finalized.
	Finalize bool
	// PollMin and PollMax bound the exponential backoff between status polls of a
	// sent record (default 250 ms and 2 s); it restarts at PollMin with each new
	// signature.
	PollMin, PollMax time.Duration
	// RetryMin and RetryMax bound the backoff between retries of a failed RPC call
	// (default 250 ms and 10 s). Retries go on until Close.
	RetryMin, RetryMax time.Duration
	// RPCTimeout bounds each RPC call (default 10 s).
	RPCTimeout time.Duration
	// Rebroadcast is how often the newest signed transaction is sent again while
	// its blockhash is valid and nothing landed (default 2 s).
	Rebroadcast time.Duration
	// MaxAttempts is how many blockhashes may expire before the record fails with
	// ErrExpired (default 20).
	MaxAttempts int
	// Retention is how long finished records are kept (default 24 h); SweepEvery how
	// often they are looked for (default 1 min).
	Retention, SweepEvery time.Duration
}

// withDefaults fills zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Path == "" {
		return c, errors.New("txm config: Path is empty")
	}
	def := func(d *time.Duration, v time.Duration, name string) error {
		if *d < 0 {
			return fmt.Errorf("txm config: %s is negative (%s)", name, *d)
		}
		if *d == 0 {
			*d = v
		}
		return nil
	}
	for _, f := range []struct {
		d    *time.Duration
		v    time.Duration
		name string
	}{
		{&c.PollMin, 250 * time.Millisecond, "PollMin"},
		{&c.PollMax, 2 * time.Second, "PollMax"},
		{&c.RetryMin, 250 * time.Millisecond, "RetryMin"},
		{&c.RetryMax, 10 * time.Second, "RetryMax"},
		{&c.RPCTimeout, 10 * time.Second, "RPCTimeout"},
		{&c.Rebroadcast, 2 * time.Second, "Rebroadcast"},
		{&c.Retention, 24 * time.Hour, "Retention"},
		{&c.SweepEvery, time.Minute, "SweepEvery"},
	} {
		if err := def(f.d, f.v, f.name); err != nil {
			return c, err
		}
	}
	if c.PollMax < c.PollMin {
		return c, fmt.Errorf("txm config: PollMax %s < PollMin %s", c.PollMax, c.PollMin)
	}
	if c.RetryMax < c.RetryMin {
		return c, fmt.Errorf("txm config: RetryMax %s < RetryMin %s", c.RetryMax, c.RetryMin)
	}
	if c.MaxAttempts < 0 {
		return c, fmt.Errorf("txm config: MaxAttempts is negative (%d)", c.MaxAttempts)
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 20
	}
	return c, nil
}

// RPC is the part of the Solana JSON-RPC the manager uses; *rpc.Client has it.
type RPC interface {
	GetLatestBlockhash(ctx context.Context, commitment rpc.CommitmentType) (*rpc.GetLatestBlockhashResult, error)
	SimulateTransactionWithOpts(ctx context.Context, tx *solana.Transaction, opts *rpc.SimulateTransactionOpts) (*rpc.SimulateTransactionResponse, error)
	SendTransactionWithOpts(ctx context.Context, tx *solana.Transaction, opts rpc.TransactionOpts) (solana.Signature, error)
	GetSignatureStatuses(ctx context.Context, searchTransactionHistory bool, sigs ...solana.Signature) (*rpc.GetSignatureStatusesResult, error)
	GetBlockHeight(ctx context.Context, commitment rpc.CommitmentType) (uint64, error)
}

// Keystore returns the private key of a signer, or nil when it has none. It is
// solana-go's signer getter, so a func built for tx.Sign fits.
type Keystore func(key solana.PublicKey) *solana.PrivateKey

// KeysOf is a Keystore holding keys.
func KeysOf(keys ...solana.PrivateKey) Keystore {
	byKey := make(map[solana.PublicKey]solana.PrivateKey, len(keys))
	for _, k := range keys {
		byKey[k.PublicKey()] = k
	}
	return func(pub solana.PublicKey) *solana.PrivateKey {
		if k, ok := byKey[pub]; ok {
			return &k
		}
		return nil
	}
}

// Deps are what the manager talks to.
type Deps struct {
	// RPC is required.
	RPC RPC
	// Keys signs records resumed after a restart (the keys of a Request are not
	// persisted). Nil: such records fail with ErrNoSigner when they must be signed.
	Keys Keystore
	// Logger; nil discards.
	Logger *slog.Logger
	// Metrics; nil records none.
	Metrics *Metrics
	// Decoders names the custom errors of programs; nil means DefaultDecoders().
	Decoders staking.Decoders
	// Now is the clock for Created/Updated and retention; nil means time.Now.
	Now func() time.Time
}
