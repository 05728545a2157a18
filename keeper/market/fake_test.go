package market

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/keeper/follower"
	"github.com/ionet-network/ionet/oracle/uptime"
	"github.com/ionet-network/ionet/worker/api"
)

// fakeChain is a snapshot and a clock.
type fakeChain struct {
	mu   sync.Mutex
	snap *follower.Snapshot
	now  int64
	down bool // the RPC is unreachable
	// closed are accounts gone from the chain though the snapshot still holds them
	// (the follower lags); noAccounts fails every Exists read.
	closed     map[solana.PublicKey]bool
	noAccounts bool
}

func (c *fakeChain) Exists(_ context.Context, address solana.PublicKey) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down || c.noAccounts {
		return false, errors.New("connection refused")
	}
	return !c.closed[address], nil
}

func (c *fakeChain) Snapshot() *follower.Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snap
}

func (c *fakeChain) Now(context.Context) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down {
		return 0, errors.New("connection refused")
	}
	return c.now, nil
}

// sent is one transaction a fake sender was asked for.
type sent struct {
	key string
	ixs []solana.Instruction
}

// fakeSender records transactions and fails those err says.
type fakeSender struct {
	mu   sync.Mutex
	sent []sent
	err  func(key string) error
}

func (s *fakeSender) Send(_ context.Context, key string, ixs ...solana.Instruction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, sent{key, ixs})
	if s.err != nil {
		return s.err(key)
	}
	return nil
}

func (s *fakeSender) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, x := range s.sent {
		out = append(out, x.key)
	}
	return out
}

var (
	ioMint   = solana.PublicKey{0xa1}
	iosdMint = solana.PublicKey{0xa2}
)

// market is a snapshot with configs, one keeper serving from epoch 0 and 60 s
// epochs starting at unix 0.
func marketSnapshot(keeper solana.PublicKey) *follower.Snapshot {
	s := &follower.Snapshot{Synced: true, Slot: 100,
		StakingConfig: &iostaking.StakingConfig{IoMint: ioMint, Params: iostaking.StakingParams{MinOperatorStake: 100, MinStakePerGpu: 10}},
		RewardsConfig: &iorewards.RewardsConfig{IoMint: ioMint, Params: iorewards.RewardsParams{EpochSeconds: 60, QuorumNum: 2, QuorumDen: 3}},
		HireConfig: &iohire.HireConfig{IoMint: ioMint, IosdMint: iosdMint, Params: iohire.HireParams{
			UnmatchedTimeoutSeconds: 600, MaxAttestationAgeEpochs: 3}},
		Nodes:       map[solana.PublicKey]*iostaking.Node{},
		Keepers:     map[solana.PublicKey]*iorewards.Keeper{},
		Orders:      map[solana.PublicKey]*iohire.HireOrder{},
		Assignments: map[solana.PublicKey]*iohire.Assignment{},
	}
	s.Keepers[rewards.KeeperAddress(keeper)] = &iorewards.Keeper{Authority: keeper, Endpoint: "http://k"}
	return s
}

// addNode adds an eligible 8-GPU class-2 node asking ask, with worker key w.
func addNode(s *follower.Snapshot, b byte, ask uint64, w ed25519.PublicKey) solana.PublicKey {
	addr := solana.PublicKey{0x10, b}
	n := &iostaking.Node{Spec: iostaking.NodeSpec{GpuClass: 2, GpuCount: 8, VramMibPerGpu: 80_000, Vcpus: 64,
		RamGib: 512, Location: [2]uint8{'U', 'S'}}, AskMicroUsd: ask,
		Attested: iostaking.AttestedCapacity{Epoch: 10, TopsMilli: 1_000_000}, Endpoint: fmt.Sprintf("http://node-%d", b),
		Pool: iostaking.Pool{Tokens: 1_000, OperatorShares: staking.U128(1_000)}}
	if w != nil {
		n.Worker = solana.PublicKeyFromBytes(w)
	}
	s.Nodes[addr] = n
	return addr
}

func addOrder(s *follower.Snapshot, b byte, created int64, gpus uint16, status iohire.OrderStatus) solana.PublicKey {
	addr := solana.PublicKey{0x20, b}
	spec := iohire.OrderSpec{GpuClass: 2, Gpus: gpus, Hours: 2, MaxPriceMicroUsd: 3_000_000}
	v := uint64(3_000_000) * uint64(gpus) * 2
	s.Orders[addr] = &iohire.HireOrder{Renter: solana.PublicKey{0x30, b}, Id: uint64(b), Mint: iosdMint, Status: status,
		RenterFeeBps: 250, CreatedAt: created, Deposited: v + v*250/10_000, Spec: spec}
	return addr
}

// fakeWorker answers probes with a real uptime.Responder unless it is down.
type fakeWorker struct {
	mu   sync.Mutex
	r    *uptime.Responder
	down bool
}

func newFakeWorker(key ed25519.PrivateKey) *fakeWorker {
	return &fakeWorker{r: uptime.NewResponder(key, func(ed25519.PublicKey) bool { return true })}
}

// fakeNet is the keeper's network: workers by endpoint, and a switch that cuts it.
type fakeNet struct {
	mu      sync.Mutex
	workers map[string]*fakeWorker
	cut     bool
}

func (n *fakeNet) Probe(_ context.Context, endpoint string, probe []byte) ([]byte, time.Duration, error) {
	n.mu.Lock()
	cut, w := n.cut, n.workers[endpoint]
	n.mu.Unlock()
	if cut || w == nil {
		return nil, 0, fmt.Errorf("%w: no route to host", api.ErrUnreachable)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.down {
		return nil, 0, fmt.Errorf("%w: connection refused", api.ErrUnreachable)
	}
	a, err := w.r.Answer(probe)
	return a, time.Millisecond, err
}

func (n *fakeNet) selfCheck(context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cut {
		return errors.New("network unreachable")
	}
	return nil
}

// memEvidence is a content-addressed store in memory.
type memEvidence struct {
	mu sync.Mutex
	by map[[32]byte][]byte
}

func (m *memEvidence) Put(b []byte) ([32]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := sha256.Sum256(b)
	if m.by == nil {
		m.by = map[[32]byte][]byte{}
	}
	m.by[h] = b
	return h, nil
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
