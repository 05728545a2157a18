package match

import (
	"math/rand/v2"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const h100 = 2

func key(b byte) solana.PublicKey { return solana.PublicKey{b} }

var cfg = Config{Epoch: 10, Now: 500, MaxAttestationAgeEpochs: 3, UnmatchedTimeoutSeconds: 600,
	MinOperatorStake: 100, MinStakePerGPU: 10}

// node is an eligible 8-GPU H100 node in the US asking ask.
func node(b byte, ask uint64) Node {
	return Node{Address: key(b), Class: h100, GPUCount: 8, VRAMMiB: 80_000, VCPUs: 64, RAMGiB: 512,
		Location: [2]byte{'U', 'S'}, Compliance: 0b11, Ask: ask, AttestedEpoch: 9, TopsMilli: 1_000_000,
		OperatorStake: 180}
}

// order is an IOSD order for gpus H100 GPUs for 2 hours at up to $3, escrowed in
// full (2% + 0.5% renter fees).
func order(b byte, created int64, gpus uint16) Order {
	o := Order{Address: key(b), CreatedAt: created, Class: h100, GPUs: gpus, Hours: 2, MaxPrice: 3_000_000,
		RenterFeeBps: 250}
	v, f, _ := PartValue(o.MaxPrice, gpus, o.Hours, false, 0, o.RenterFeeBps)
	o.Held = v + f
	return o
}

func TestCheapestFirstTiesByTopsThenKey(t *testing.T) {
	a, b, c, d := node(1, 2_000_000), node(2, 1_500_000), node(3, 1_500_000), node(4, 1_500_000)
	c.TopsMilli = 2_000_000 // same ask as b and d, more TOPS: first
	b.GPUCount, c.GPUCount, d.GPUCount = 4, 4, 4
	res := Match([]Order{order(9, 1, 10)}, []Node{a, b, c, d}, cfg)
	require.Len(t, res.Assignments, 1)
	assert.Equal(t, []Part{{key(3), 4, 1_500_000}, {key(2), 4, 1_500_000}, {key(4), 2, 1_500_000}},
		res.Assignments[0].Parts)
}

func TestOrdersInCreationOrderShareNoGPU(t *testing.T) {
	n := node(1, 1_000_000)
	n.HiredGPUs = 2 // 6 free
	late, early, tie := order(7, 50, 4), order(8, 40, 4), order(6, 50, 1)
	res := Match([]Order{late, early, tie}, []Node{n}, cfg)
	// early takes 4 of 6; then tie (created at 50 like late, lower address) takes 1;
	// late needs 4 of the 1 left.
	require.Len(t, res.Assignments, 2)
	assert.Equal(t, key(8), res.Assignments[0].Order)
	assert.Equal(t, key(6), res.Assignments[1].Order)
	require.Len(t, res.Unmatched, 1)
	u := res.Unmatched[0]
	assert.Equal(t, key(7), u.Order)
	assert.Equal(t, ReasonNotEnoughGPUs, u.Reason)
	assert.Equal(t, 1, u.Eligible)
	assert.Equal(t, 1, u.EligibleGPUs)
}

// Every check of io-hire's check_fit refuses a node, under its own reason.
func TestEveryRefusalHasItsReason(t *testing.T) {
	o := order(1, 1, 1)
	o.MinVRAMMiB, o.MinVCPUs, o.MinRAMGiB = 40_000, 32, 256
	o.Locations = [][2]byte{{'U', 'S'}, {'D', 'E'}}
	o.Compliance = 0b01
	base := node(0, 1_000_000)
	cases := map[Reason]func(n *Node){
		ReasonClass:       func(n *Node) { n.Class = 3 },
		ReasonFrozen:      func(n *Node) { n.Frozen = true },
		ReasonAttestation: func(n *Node) { n.AttestedEpoch = 6 },
		ReasonStake:       func(n *Node) { n.OperatorStake = 179 },
		ReasonAsk:         func(n *Node) { n.Ask = 3_000_001 },
		ReasonFreeGPUs:    func(n *Node) { n.HiredGPUs = 8 },
		ReasonVRAM:        func(n *Node) { n.VRAMMiB = 39_999 },
		ReasonVCPUs:       func(n *Node) { n.VCPUs = 31 },
		ReasonRAM:         func(n *Node) { n.RAMGiB = 255 },
		ReasonLocation:    func(n *Node) { n.Location = [2]byte{'F', 'R'} },
		ReasonCompliance:  func(n *Node) { n.Compliance = 0b10 },
	}
	require.Len(t, cases, int(numNodeReasons))
	var nodes []Node
	var want [numNodeReasons]int
	for r, spoil := range cases {
		n := base
		n.Address = key(byte(r) + 1)
		spoil(&n)
		nodes = append(nodes, n)
		want[r] = 1
		// Alone, the node is refused for r.
		res := Match([]Order{o}, []Node{n}, cfg)
		require.Len(t, res.Unmatched, 1, r.String())
		assert.Equal(t, ReasonNotEnoughGPUs, res.Unmatched[0].Reason)
		assert.Equal(t, 1, Explain(o, []Node{n}, cfg).Refused[r], r.String())
	}
	res := Match([]Order{o}, nodes, cfg)
	require.Len(t, res.Unmatched, 1)
	if u := res.Unmatched[0]; u.Complete {
		assert.Equal(t, want, u.Refused)
	}
	e := Explain(o, nodes, cfg)
	assert.Equal(t, want, e.Refused)
	assert.Zero(t, e.Eligible)
	assert.True(t, e.Complete)
	// The same node unspoiled fits: the order matches.
	res = Match([]Order{o}, append(nodes, base), cfg)
	assert.Len(t, res.Assignments, 1)
}

func TestAnyClassAndEmptyLocations(t *testing.T) {
	o := order(1, 1, 16)
	o.Class = 0
	a, b := node(1, 1_000_000), node(2, 1_000_000)
	b.Class, b.Location = 7, [2]byte{'J', 'P'}
	res := Match([]Order{o}, []Node{a, b}, cfg)
	require.Len(t, res.Assignments, 1)
	assert.Len(t, res.Assignments[0].Parts, 2)
}

func TestTooManyNodes(t *testing.T) {
	var nodes []Node
	for i := range 10 {
		n := node(byte(i+1), 1_000_000)
		n.GPUCount = 1
		nodes = append(nodes, n)
	}
	c := cfg
	c.MaxNodesPerOrder = 8
	res := Match([]Order{order(100, 1, 9)}, nodes, c)
	require.Len(t, res.Unmatched, 1)
	assert.Equal(t, ReasonTooManyNodes, res.Unmatched[0].Reason)
	res = Match([]Order{order(100, 1, 8)}, nodes, c)
	require.Len(t, res.Assignments, 1)
	assert.Len(t, res.Assignments[0].Parts, 8)
	// More GPUs than all ten nodes have: short of GPUs, known without a look.
	res = Match([]Order{order(100, 1, 11)}, nodes, c)
	assert.Equal(t, ReasonNotEnoughGPUs, res.Unmatched[0].Reason)
	assert.False(t, res.Unmatched[0].Complete)
}

func TestEscrowAndTimeout(t *testing.T) {
	o := order(1, 1, 8)
	o.Held-- // a unit short of what the node's ask at the cap commits
	n := node(1, o.MaxPrice)
	res := Match([]Order{o}, []Node{n}, cfg)
	require.Len(t, res.Unmatched, 1)
	assert.Equal(t, ReasonEscrow, res.Unmatched[0].Reason)
	io := order(2, 1, 8)
	io.IsIO, io.IOPrice = true, 0 // Payment::units refuses a $IO price of 0
	res = Match([]Order{io}, []Node{n}, cfg)
	assert.Equal(t, ReasonEscrow, res.Unmatched[0].Reason)
	old := order(3, cfg.Now-cfg.UnmatchedTimeoutSeconds, 8)
	res = Match([]Order{old}, []Node{n}, cfg)
	assert.Equal(t, ReasonTimedOut, res.Unmatched[0].Reason)
	assert.Empty(t, res.Assignments)
}

// Any split of an order in either mint fits its escrow: the program's rounding
// makes Σ parts ≤ the escrowed value (docs/hire.md).
func TestSplitsFitTheEscrow(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2_000 {
		o := order(1, 1, uint16(1+r.IntN(64)))
		o.MaxPrice = 1 + r.Uint64N(10_000_000)
		o.Hours = 1 + r.Uint32N(8_760)
		if r.IntN(2) == 0 {
			o.IsIO, o.IOPrice = true, 1+r.Uint64N(10_000_000)
		}
		v, f, ok := PartValue(o.MaxPrice, o.GPUs, o.Hours, o.IsIO, o.IOPrice, o.RenterFeeBps)
		require.True(t, ok)
		o.Held = v + f
		var nodes []Node
		for i := range 1 + r.IntN(8) {
			n := node(byte(i+1), 1+r.Uint64N(o.MaxPrice))
			n.GPUCount = 8
			nodes = append(nodes, n)
		}
		res := Match([]Order{o}, nodes, Config{Epoch: 10, Now: 1, MaxAttestationAgeEpochs: 3,
			UnmatchedTimeoutSeconds: 600, MinOperatorStake: 100, MinStakePerGPU: 10})
		if len(res.Assignments) == 0 {
			require.Equal(t, ReasonNotEnoughGPUs, res.Unmatched[0].Reason, "%+v", res.Unmatched[0])
		}
	}
}

// randomMarket is a market of n nodes and m orders over a few classes, locations,
// prices and states, with some ties on ask and TOPS.
func randomMarket(r *rand.Rand, n, m int) ([]Order, []Node) {
	locations := [][2]byte{{'U', 'S'}, {'D', 'E'}, {'J', 'P'}, {'F', 'R'}, {'S', 'G'}}
	nodes := make([]Node, n)
	for i := range nodes {
		var a solana.PublicKey
		for j := range 4 {
			v := r.Uint64()
			for k := range 8 {
				a[j*8+k] = byte(v >> (8 * k))
			}
		}
		nodes[i] = Node{Address: a, Class: uint8(1 + r.IntN(5)), GPUCount: uint16(1 << r.IntN(4)),
			VRAMMiB: uint32(24_000 * (1 + r.IntN(4))), VCPUs: uint16(8 * (1 + r.IntN(16))),
			RAMGiB: uint32(64 * (1 + r.IntN(8))), Location: locations[r.IntN(len(locations))],
			Compliance: r.Uint64N(4), Ask: 100_000 * (1 + r.Uint64N(40)), AttestedEpoch: 10 - r.Uint64N(5),
			TopsMilli: 1_000 * (1 + r.Uint64N(10)), OperatorStake: 100 + 10*r.Uint64N(20)}
		nodes[i].HiredGPUs = uint16(r.IntN(int(nodes[i].GPUCount) + 1))
		if r.IntN(50) == 0 {
			nodes[i].Frozen = true
		}
	}
	orders := make([]Order, m)
	for i := range orders {
		var a solana.PublicKey
		v := r.Uint64()
		for k := range 8 {
			a[k] = byte(v >> (8 * k))
		}
		a[31] = byte(i)
		a[30] = byte(i >> 8)
		a[29] = byte(i >> 16)
		o := Order{Address: a, CreatedAt: int64(500 + r.IntN(500)), Class: uint8(r.IntN(6)),
			GPUs: uint16(1 + r.IntN(16)), MinVRAMMiB: uint32(24_000 * r.IntN(3)), MinVCPUs: uint16(8 * r.IntN(4)),
			MinRAMGiB: uint32(64 * r.IntN(3)), Compliance: r.Uint64N(2), Hours: uint32(1 + r.IntN(48)),
			MaxPrice: 100_000 * (1 + r.Uint64N(40)), RenterFeeBps: 250}
		if r.IntN(3) == 0 {
			o.Locations = [][2]byte{locations[r.IntN(len(locations))], locations[r.IntN(len(locations))]}
		}
		if r.IntN(2) == 0 {
			o.IsIO, o.IOPrice = true, 1_000_000+r.Uint64N(3_000_000)
		}
		val, fee, _ := PartValue(o.MaxPrice, o.GPUs, o.Hours, o.IsIO, o.IOPrice, o.RenterFeeBps)
		o.Held = val + fee
		orders[i] = o
	}
	return orders, nodes
}

// Two keepers with the same snapshot, read in any order, produce the same
// assignments and the same reasons; and every assignment passes the checks assign
// makes on chain, with no node giving more GPUs than it has free.
func TestSameSnapshotAnyOrderSameAssignments(t *testing.T) {
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 99))
		orders, nodes := randomMarket(r, 200+r.IntN(800), 50+r.IntN(300))
		want := Match(orders, nodes, cfg)
		for range 3 {
			o2, n2 := append([]Order(nil), orders...), append([]Node(nil), nodes...)
			r.Shuffle(len(o2), func(i, j int) { o2[i], o2[j] = o2[j], o2[i] })
			r.Shuffle(len(n2), func(i, j int) { n2[i], n2[j] = n2[j], n2[i] })
			require.Equal(t, want, Match(o2, n2, cfg), "seed %d", seed)
		}
		checkOnChain(t, orders, nodes, want)
		// Every node is accounted for once: refused under one reason, or eligible.
		for _, u := range want.Unmatched[:min(len(want.Unmatched), 20)] {
			var o Order
			for _, x := range orders {
				if x.Address == u.Order {
					o = x
				}
			}
			e := Explain(o, nodes, cfg)
			total := e.Eligible
			for _, n := range e.Refused {
				total += n
			}
			require.Equal(t, len(nodes), total)
			if u.Complete {
				total = u.Eligible
				for _, n := range u.Refused {
					total += n
				}
				require.Equal(t, len(nodes), total)
			}
		}
	}
}

// checkOnChain replays res as assign would: each part passes check_fit against the
// node's GPUs still free, the parts add up to the order, and the escrow covers them.
func checkOnChain(t *testing.T, orders []Order, nodes []Node, res Result) {
	t.Helper()
	byNode := map[solana.PublicKey]Node{}
	for _, n := range nodes {
		byNode[n.Address] = n
	}
	byOrder := map[solana.PublicKey]Order{}
	for _, o := range orders {
		byOrder[o.Address] = o
	}
	matched := map[solana.PublicKey]bool{}
	for _, a := range res.Assignments {
		o := byOrder[a.Order]
		require.False(t, matched[a.Order])
		matched[a.Order] = true
		require.LessOrEqual(t, len(a.Parts), DefaultMaxNodesPerOrder)
		total, held := 0, o.Held
		seen := map[solana.PublicKey]bool{}
		for _, p := range a.Parts {
			n := byNode[p.Node]
			require.False(t, seen[p.Node], "a node twice in one order")
			seen[p.Node] = true
			free := n.GPUCount - n.HiredGPUs
			require.True(t, p.GPUs > 0 && p.GPUs <= free)
			require.True(t, o.Class == 0 || n.Class == o.Class)
			require.True(t, n.VRAMMiB >= o.MinVRAMMiB && n.VCPUs >= o.MinVCPUs && n.RAMGiB >= o.MinRAMGiB)
			require.True(t, len(o.Locations) == 0 || containsLoc(o.Locations, n.Location))
			require.Equal(t, o.Compliance, n.Compliance&o.Compliance)
			require.LessOrEqual(t, n.Ask, o.MaxPrice)
			require.Equal(t, n.Ask, p.Price)
			require.False(t, n.Frozen)
			require.True(t, Attested(n.TopsMilli, n.AttestedEpoch, cfg.Epoch, cfg.MaxAttestationAgeEpochs))
			need, _ := RequiredStake(cfg.MinOperatorStake, cfg.MinStakePerGPU, n.GPUCount)
			require.GreaterOrEqual(t, n.OperatorStake, need)
			v, f, ok := PartValue(n.Ask, p.GPUs, o.Hours, o.IsIO, o.IOPrice, o.RenterFeeBps)
			require.True(t, ok)
			require.LessOrEqual(t, v+f, held)
			held -= v + f
			total += int(p.GPUs)
			n.HiredGPUs += p.GPUs
			byNode[p.Node] = n
		}
		require.Equal(t, int(o.GPUs), total)
	}
	for _, u := range res.Unmatched {
		require.False(t, matched[u.Order])
		matched[u.Order] = true
	}
	require.Len(t, matched, len(orders))
}

func containsLoc(ls [][2]byte, l [2]byte) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}

// Once the round's budget of node checks is spent, the later orders are deferred.
func TestScanBudgetDefersLaterOrders(t *testing.T) {
	var nodes []Node
	for i := range 10 {
		n := node(byte(i+1), 1_000_000)
		n.VRAMMiB = 1 // refused by every order below: each order checks all 10
		nodes = append(nodes, n)
	}
	c := cfg
	c.ScanBudget = 25
	var orders []Order
	for i := range 5 {
		o := order(byte(100+i), int64(i), 1)
		o.MinVRAMMiB = 2
		orders = append(orders, o)
	}
	res := Match(orders, nodes, c)
	var reasons []Reason
	for _, u := range res.Unmatched {
		reasons = append(reasons, u.Reason)
	}
	assert.Equal(t, []Reason{ReasonNotEnoughGPUs, ReasonNotEnoughGPUs, ReasonNotEnoughGPUs, ReasonDeferred, ReasonDeferred}, reasons)
}
