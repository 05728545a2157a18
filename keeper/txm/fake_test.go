package txm

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// validFor is how many blocks a fake blockhash stays valid, as on Solana.
const validFor = 150

// fakeChain is the RPC of a chain the test steers: its block height, what
// simulation says, which signatures landed, and whether the node answers at all.
type fakeChain struct {
	mu        sync.Mutex
	height    uint64
	hashes    uint64
	simErr    any
	simLogs   []string
	simErrs   []any                      // answered (in order) before simErr
	sendErr   error                      // returned by sendTransaction (the node still got it unless dropSends)
	dropSends bool                       // sends never reach the node
	landOn    rpc.ConfirmationStatusType // set: every send received lands at once with this status
	statuses  map[solana.Signature]*rpc.SignatureStatusesResult
	sent      []solana.Signature // every send received, in order, repeats included
	sims      int
	heights   int   // getBlockHeight calls answered
	down      error // returned by every call while set
	downCalls int   // calls answered with down
}

func newFakeChain() *fakeChain {
	return &fakeChain{height: 1000, statuses: map[solana.Signature]*rpc.SignatureStatusesResult{}}
}

func (f *fakeChain) isDown() error {
	if f.down != nil {
		f.downCalls++
	}
	return f.down
}

func (f *fakeChain) GetLatestBlockhash(ctx context.Context, _ rpc.CommitmentType) (*rpc.GetLatestBlockhashResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.isDown(); err != nil {
		return nil, err
	}
	f.hashes++
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], f.hashes)
	return &rpc.GetLatestBlockhashResult{Value: &rpc.LatestBlockhashResult{
		Blockhash:            solana.Hash(sha256.Sum256(seed[:])),
		LastValidBlockHeight: f.height + validFor,
	}}, nil
}

func (f *fakeChain) SimulateTransactionWithOpts(ctx context.Context, tx *solana.Transaction, _ *rpc.SimulateTransactionOpts) (*rpc.SimulateTransactionResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.isDown(); err != nil {
		return nil, err
	}
	f.sims++
	simErr := f.simErr
	if len(f.simErrs) > 0 {
		simErr, f.simErrs = f.simErrs[0], f.simErrs[1:]
	}
	return &rpc.SimulateTransactionResponse{Value: &rpc.SimulateTransactionResult{Err: simErr, Logs: f.simLogs}}, nil
}

func (f *fakeChain) SendTransactionWithOpts(ctx context.Context, tx *solana.Transaction, opts rpc.TransactionOpts) (solana.Signature, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.isDown(); err != nil {
		return solana.Signature{}, err
	}
	if f.dropSends {
		return solana.Signature{}, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	sig := tx.Signatures[0]
	if err := tx.VerifySignatures(); err != nil {
		return sig, err
	}
	f.sent = append(f.sent, sig)
	if f.landOn != "" {
		f.statuses[sig] = &rpc.SignatureStatusesResult{Slot: f.height, ConfirmationStatus: f.landOn}
	}
	return sig, f.sendErr
}

func (f *fakeChain) GetSignatureStatuses(ctx context.Context, _ bool, sigs ...solana.Signature) (*rpc.GetSignatureStatusesResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.isDown(); err != nil {
		return nil, err
	}
	out := &rpc.GetSignatureStatusesResult{Value: make([]*rpc.SignatureStatusesResult, len(sigs))}
	for i, s := range sigs {
		if st, ok := f.statuses[s]; ok {
			c := *st
			out.Value[i] = &c
		}
	}
	return out, nil
}

func (f *fakeChain) GetBlockHeight(ctx context.Context, _ rpc.CommitmentType) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.isDown(); err != nil {
		return 0, err
	}
	f.heights++
	return f.height, nil
}

func (f *fakeChain) simulations() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sims
}

func (f *fakeChain) heightCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.heights
}

// sends returns a copy of every signature received so far.
func (f *fakeChain) sends() []solana.Signature {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]solana.Signature(nil), f.sent...)
}

// distinct counts the different signatures received.
func (f *fakeChain) distinct() int {
	seen := map[solana.Signature]bool{}
	for _, s := range f.sends() {
		seen[s] = true
	}
	return len(seen)
}

func (f *fakeChain) with(fn func(f *fakeChain)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// land marks sig as landed with status (and err when not nil).
func (f *fakeChain) land(sig solana.Signature, status rpc.ConfirmationStatusType, err any) {
	f.with(func(f *fakeChain) {
		f.statuses[sig] = &rpc.SignatureStatusesResult{Slot: f.height, ConfirmationStatus: status, Err: err}
	})
}

// fastConfig polls and retries every few milliseconds.
func fastConfig(t *testing.T) Config {
	return Config{
		Path:     filepath.Join(t.TempDir(), "txm.db"),
		PollMin:  time.Millisecond,
		PollMax:  5 * time.Millisecond,
		RetryMin: time.Millisecond,
		RetryMax: 5 * time.Millisecond,
		// Rebroadcasts only when a test wants them.
		Rebroadcast: time.Hour,
	}
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// open opens a manager on chain and closes it when the test ends.
func open(t *testing.T, cfg Config, deps Deps) Manager {
	t.Helper()
	if deps.Logger == nil {
		deps.Logger = testLogger(t)
	}
	m, err := Open(cfg, deps)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m
}

// transfer is a request moving one lamport from a new payer.
func transfer(key string) Request {
	payer := solana.NewWallet().PrivateKey
	return Request{
		Key:          key,
		Instructions: []solana.Instruction{system.NewTransferInstruction(1, payer.PublicKey(), solana.NewWallet().PublicKey()).Build()},
		FeePayer:     payer,
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually waits for cond, polling; the test fails if it never holds.
func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, time.Millisecond, what)
}

// metricValue reads one sample of name with labels from reg.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, fam := range families {
		if fam.GetName() != name {
			continue
		}
		for _, m := range fam.GetMetric() {
			if matches(m, labels) {
				if m.GetCounter() != nil {
					return m.GetCounter().GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func matches(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; ok {
			if v != l.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(labels)
}

var errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
