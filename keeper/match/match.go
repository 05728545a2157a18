// Package match is the keepers' public matching engine (docs/design.md §5): a pure,
// deterministic function from a snapshot of open orders and nodes, the protocol's
// parameters and the chain's time to the assignments a keeper submits. Every keeper
// given the same snapshot, in any order, computes the same assignments. There is no
// RPC inside; keeper/market feeds it from the follower's snapshot.
//
// The rules (docs/market.md):
//   - orders are taken in creation order (created_at, then the order's address);
//   - an order's eligible nodes are taken cheapest ask first, ties by attested TOPS
//     (higher first), then by node address; each gives as many of its free GPUs as
//     the order still needs, until the order is filled;
//   - an order is filled entirely or not at all, and a node's GPUs given to an
//     earlier order in the round are no longer free for a later one;
//   - filling an order may take at most Config.MaxNodesPerOrder nodes (one assign
//     transaction), and a round checks at most Config.ScanBudget nodes in all: the
//     orders after that are deferred to a later round;
//   - every node is checked against every constraint io-hire's assign re-checks on
//     chain (check_fit, the escrow's arithmetic), so an assignment fails on chain only
//     when another keeper's landed first.
package match

import (
	"bytes"
	"cmp"
	"slices"
	"sort"

	"github.com/gagliardetto/solana-go"
)

// Reason is why a node was refused for an order, or why an order stays unmatched.
type Reason uint8

// Node refusals, in the order the matcher checks them (cheap first); each refused
// node is counted once, under the first check it fails. The names follow io-hire's
// errors.
const (
	ReasonClass       Reason = iota // ClassMismatch
	ReasonFrozen                    // NodeFrozen: slashed, not attested since
	ReasonAttestation               // AttestationStale: no TOPS attested recently
	ReasonStake                     // NodeNotStaked
	ReasonAsk                       // AskAboveMax
	ReasonFreeGPUs                  // NotEnoughFreeGpus (hired, or given to an earlier order this round)
	ReasonVRAM                      // VramTooLow
	ReasonVCPUs                     // VcpusTooLow
	ReasonRAM                       // RamTooLow
	ReasonLocation                  // LocationNotAllowed
	ReasonCompliance                // ComplianceMissing
	numNodeReasons
)

// Order outcomes that are not about one node.
const (
	// ReasonNotEnoughGPUs: the eligible nodes' free GPUs add up to less than the order.
	ReasonNotEnoughGPUs Reason = iota + 32
	// ReasonTooManyNodes: filling the order cheapest first needs more nodes than one
	// assign transaction holds (Config.MaxNodesPerOrder), whether or not the nodes
	// after them would have enough GPUs.
	ReasonTooManyNodes
	// ReasonEscrow: the parts' values overflow or exceed the escrow (OrderTooLarge,
	// Overflow on chain).
	ReasonEscrow
	// ReasonTimedOut: the order is past its unmatched timeout; it is expired, not
	// matched.
	ReasonTimedOut
	// ReasonDeferred: the round's budget of node checks (Config.ScanBudget) was spent
	// on older orders; the order is looked at in a later round.
	ReasonDeferred
)

var reasonNames = map[Reason]string{
	ReasonClass: "class-mismatch", ReasonFrozen: "node-frozen", ReasonAttestation: "attestation-stale",
	ReasonStake: "node-not-staked", ReasonAsk: "ask-above-max", ReasonFreeGPUs: "not-enough-free-gpus",
	ReasonVRAM: "vram-too-low", ReasonVCPUs: "vcpus-too-low", ReasonRAM: "ram-too-low",
	ReasonLocation: "location-not-allowed", ReasonCompliance: "compliance-missing",
	ReasonNotEnoughGPUs: "not-enough-eligible-gpus", ReasonTooManyNodes: "too-many-nodes",
	ReasonEscrow: "escrow-too-small", ReasonTimedOut: "timed-out", ReasonDeferred: "deferred",
}

// String is the reason's stable name, used in metrics and the order's status.
func (r Reason) String() string {
	if s, ok := reasonNames[r]; ok {
		return s
	}
	return "unknown"
}

// NodeReasons are the node refusals in check order.
func NodeReasons() []Reason {
	out := make([]Reason, numNodeReasons)
	for i := range out {
		out[i] = Reason(i)
	}
	return out
}

// Order is an open hire order as the matcher reads it (iohire.HireOrder).
type Order struct {
	Address   solana.PublicKey
	CreatedAt int64
	// Class is the GPU class id; 0 takes any class.
	Class      uint8
	GPUs       uint16
	MinVRAMMiB uint32
	MinVCPUs   uint16
	MinRAMGiB  uint32
	// Locations a node may be in; empty takes any.
	Locations  [][2]byte
	Compliance uint64
	Hours      uint32
	// MaxPrice is the cap in micro-USD per GPU-hour.
	MaxPrice uint64
	// IsIO: paid in $IO at IOPrice micro-USD per $IO (fixed at creation); IOSD else.
	IsIO         bool
	IOPrice      uint64
	RenterFeeBps uint16
	// Held is what the escrow holds for the order: deposited − paid − fees − refunded.
	Held uint64
}

// Node is a registered node as the matcher reads it (iostaking.Node).
type Node struct {
	Address    solana.PublicKey
	Class      uint8
	GPUCount   uint16
	HiredGPUs  uint16
	VRAMMiB    uint32
	VCPUs      uint16
	RAMGiB     uint32
	Location   [2]byte
	Compliance uint64
	// Ask in micro-USD per GPU-hour.
	Ask           uint64
	Frozen        bool
	AttestedEpoch uint64
	TopsMilli     uint64
	// OperatorStake is what the operator's shares are worth.
	OperatorStake uint64
}

// Config is the protocol's parameters the checks read, all from chain state.
type Config struct {
	// Epoch is io-rewards' current epoch at Now.
	Epoch uint64
	// Now is the chain's unix time.
	Now int64
	// MaxAttestationAgeEpochs is io-hire's max_attestation_age_epochs.
	MaxAttestationAgeEpochs uint32
	// UnmatchedTimeoutSeconds is io-hire's unmatched_timeout_seconds.
	UnmatchedTimeoutSeconds int64
	// MinOperatorStake and MinStakePerGPU are io-staking's.
	MinOperatorStake uint64
	MinStakePerGPU   uint64
	// MaxNodesPerOrder is how many nodes one assign transaction holds (a keeper's
	// limit, not the program's: DefaultMaxNodesPerOrder).
	MaxNodesPerOrder int
	// ScanBudget bounds the node checks of one round (DefaultScanBudget): orders
	// after it is spent are deferred, so a round's time is bounded whatever the
	// orders ask. Part of the public rule: keepers must share it.
	ScanBudget int
}

// DefaultScanBudget is 8×10⁷ node checks: about 0.4 s on one core of the project's
// machines (BenchmarkMatchNoFit), and more than a realistic market of 10⁵ nodes and
// 10⁴ orders needs (about 6×10⁷).
const DefaultScanBudget = 80_000_000

// DefaultMaxNodesPerOrder: a legacy transaction (1,232 bytes) holds assign's 13
// named accounts and 2 per node; 8 nodes leave room for the signature and the data.
const DefaultMaxNodesPerOrder = 8

// Part is one node's share of an assignment.
type Part struct {
	Node solana.PublicKey
	GPUs uint16
	// Price is the node's ask, the price it is paid (micro-USD per GPU-hour).
	Price uint64
}

// Assignment is an order filled by nodes, cheapest first: what a keeper submits.
type Assignment struct {
	Order solana.PublicKey
	Parts []Part
}

// Unmatched says why an order got no assignment this round.
type Unmatched struct {
	Order solana.PublicKey
	// Reason is the order's outcome: ReasonNotEnoughGPUs, ReasonTooManyNodes,
	// ReasonEscrow or ReasonTimedOut.
	Reason Reason
	// Refused counts the nodes refused for each node reason (indexed by Reason);
	// eligible nodes are not counted.
	Refused [numNodeReasons]int
	// Eligible is how many nodes fit; EligibleGPUs their free GPUs (after earlier
	// orders of the round).
	Eligible     int
	EligibleGPUs int
	// Complete: Refused and Eligible cover every node. A round stops looking at an
	// order's nodes once its outcome is known (the cheapest nodes need one too many,
	// or every free GPU under its cap is too few); Explain counts them all.
	Complete bool
}

// Result is one matching round.
type Result struct {
	Assignments []Assignment
	Unmatched   []Unmatched
}

// Match runs one round. It does not modify its arguments; orders and nodes may come
// in any order, with unique addresses.
func Match(orders []Order, nodes []Node, cfg Config) Result {
	maxParts := cfg.MaxNodesPerOrder
	if maxParts <= 0 {
		maxParts = DefaultMaxNodesPerOrder
	}
	budget := cfg.ScanBudget
	if budget <= 0 {
		budget = DefaultScanBudget
	}
	// Nodes in price order: cheapest ask, then higher TOPS, then address.
	sorted := make([]*Node, len(nodes))
	for i := range nodes {
		sorted[i] = &nodes[i]
	}
	slices.SortFunc(sorted, func(a, b *Node) int {
		if c := cmp.Compare(a.Ask, b.Ask); c != 0 {
			return c
		}
		if c := cmp.Compare(b.TopsMilli, a.TopsMilli); c != 0 {
			return c
		}
		return bytes.Compare(a.Address[:], b.Address[:])
	})
	// The order-independent checks, once per node: nodes that pass go into their
	// class's list (and the list of all classes), in price order; the others are
	// counted per class.
	var (
		byClass  [256]candList
		all      candList
		perClass [256]int
		static   [256][numNodeReasons]int
		free     = make([]uint16, len(sorted))
	)
	for i, n := range sorted {
		perClass[n.Class]++
		if r, ok := staticCheck(n, cfg); !ok {
			static[n.Class][r]++
			continue
		}
		free[i] = n.GPUCount - min(n.HiredGPUs, n.GPUCount)
		byClass[n.Class].add(n, int32(i))
		all.add(n, int32(i))
	}
	var staticAll [numNodeReasons]int
	for c := range static {
		for r, v := range static[c] {
			staticAll[r] += v
		}
	}

	byAge := make([]*Order, len(orders))
	for i := range orders {
		byAge[i] = &orders[i]
	}
	slices.SortFunc(byAge, func(a, b *Order) int {
		if c := cmp.Compare(a.CreatedAt, b.CreatedAt); c != 0 {
			return c
		}
		return bytes.Compare(a.Address[:], b.Address[:])
	})

	// A list's prefix[k] is the free GPUs of its first k nodes before the round: an
	// upper bound on what those nodes can give any order of the round.
	all.sumFree(free)
	for c := range byClass {
		byClass[c].sumFree(free)
	}

	var res Result
	var parts []Part
	var idx []int32
	for _, o := range byAge {
		if TimedOut(o.CreatedAt, cfg.UnmatchedTimeoutSeconds, cfg.Now) {
			res.Unmatched = append(res.Unmatched, Unmatched{Order: o.Address, Reason: ReasonTimedOut})
			continue
		}
		u := Unmatched{Order: o.Address}
		list := &all
		if o.Class != 0 {
			list = &byClass[o.Class]
			u.Refused = static[o.Class]
			u.Refused[ReasonClass] = len(nodes) - perClass[o.Class]
		} else {
			u.Refused = staticAll
		}
		// Nodes above the order's cap, all at the end of the list.
		cut := sort.Search(len(list.c), func(i int) bool { return list.ask[i] > o.MaxPrice })
		u.Refused[ReasonAsk] += len(list.c) - cut
		need := int(o.GPUs)
		if need == 0 || cut == 0 || list.prefix[cut] < need {
			// Even every free GPU under the cap would not do: no need to look closer.
			u.Reason = ReasonNotEnoughGPUs
			res.Unmatched = append(res.Unmatched, u)
			continue
		}
		if budget <= 0 {
			res.Unmatched = append(res.Unmatched, Unmatched{Order: o.Address, Reason: ReasonDeferred})
			continue
		}
		parts, idx = parts[:0], idx[:0]
		var committed u128
		escrowOK, tooMany, scanned := true, false, 0
		var refused [numNodeReasons]int
		minVRAM, minVCPUs, minRAM, anyLocation := o.MinVRAMMiB, o.MinVCPUs, o.MinRAMGiB, len(o.Locations) > 0
		for k := range list.c[:cut] {
			scanned++
			c := &list.c[k]
			i := c.idx
			// c.fits, spelled out: this loop is the round's cost.
			switch {
			case free[i] == 0:
				refused[ReasonFreeGPUs]++
				continue
			case c.vram < minVRAM:
				refused[ReasonVRAM]++
				continue
			case c.vcpus < minVCPUs:
				refused[ReasonVCPUs]++
				continue
			case c.ram < minRAM:
				refused[ReasonRAM]++
				continue
			case anyLocation && !slices.Contains(o.Locations, c.location):
				refused[ReasonLocation]++
				continue
			case o.Compliance != 0 && list.compliance[k]&o.Compliance != o.Compliance:
				refused[ReasonCompliance]++
				continue
			}
			u.Eligible++
			u.EligibleGPUs += int(free[i])
			if len(parts) == maxParts {
				tooMany = true // filling cheapest first needs one node too many
				break
			}
			g := min(int(free[i]), need)
			need -= g
			ask := list.ask[k]
			parts = append(parts, Part{Node: sorted[i].Address, GPUs: uint16(g), Price: ask})
			idx = append(idx, i)
			value, fee, ok := PartValue(ask, uint16(g), o.Hours, o.IsIO, o.IOPrice, o.RenterFeeBps)
			if !ok {
				escrowOK = false
			} else {
				committed = add(committed, value, fee)
			}
			if need == 0 {
				break
			}
		}
		budget -= scanned
		for r, n := range refused {
			u.Refused[r] += n
		}
		switch {
		case tooMany:
			u.Reason = ReasonTooManyNodes
		case need > 0:
			u.Reason = ReasonNotEnoughGPUs
			u.Complete = scanned == cut
		case !escrowOK || !fitsIn(committed, o.Held):
			u.Reason = ReasonEscrow
		default:
			for k, i := range idx {
				free[i] -= parts[k].GPUs
			}
			res.Assignments = append(res.Assignments, Assignment{Order: o.Address, Parts: slices.Clone(parts)})
			continue
		}
		res.Unmatched = append(res.Unmatched, u)
	}
	return res
}

// candList is the nodes of one class (or of all) that passed the order-independent
// checks, in price order: the fields the per-order checks read, packed so a scan
// reads 16 bytes a node, with the asks (binary-searched once per order) and the
// compliance bits (read only for orders that ask some) beside them.
type candList struct {
	c          []cand
	ask        []uint64
	compliance []uint64
	prefix     []int
}

func (l *candList) add(n *Node, idx int32) {
	l.c = append(l.c, cand{vram: n.VRAMMiB, ram: n.RAMGiB, idx: idx, vcpus: n.VCPUs, location: n.Location})
	l.ask = append(l.ask, n.Ask)
	l.compliance = append(l.compliance, n.Compliance)
}

func (l *candList) sumFree(free []uint16) {
	l.prefix = make([]int, len(l.c)+1)
	for k, c := range l.c {
		l.prefix[k+1] = l.prefix[k] + int(free[c.idx])
	}
}

// cand is one node of a candList.
type cand struct {
	vram     uint32
	ram      uint32
	idx      int32 // into the sorted nodes and free
	vcpus    uint16
	location [2]byte
}

// fits is the rest of check_fit but the compliance bits, for a node of the order's
// class with an ask under its cap: some GPU free, and the order's spec.
func (c *cand) fits(free uint16, o *Order) (Reason, bool) {
	switch {
	case free == 0:
		return ReasonFreeGPUs, false
	case c.vram < o.MinVRAMMiB:
		return ReasonVRAM, false
	case c.vcpus < o.MinVCPUs:
		return ReasonVCPUs, false
	case c.ram < o.MinRAMGiB:
		return ReasonRAM, false
	case len(o.Locations) > 0 && !slices.Contains(o.Locations, c.location):
		return ReasonLocation, false
	}
	return 0, true
}

// Explain counts, for one order, every node refused under each reason, against the
// nodes as given (their GPUs hired on chain, not the assignments of a round): why
// the order cannot be matched now. Eligible nodes are counted in Eligible and
// EligibleGPUs; Reason is left zero (the round's outcome says it).
func Explain(o Order, nodes []Node, cfg Config) Unmatched {
	u := Unmatched{Order: o.Address, Complete: true}
	for i := range nodes {
		n := &nodes[i]
		if o.Class != 0 && n.Class != o.Class {
			u.Refused[ReasonClass]++
			continue
		}
		if r, ok := staticCheck(n, cfg); !ok {
			u.Refused[r]++
			continue
		}
		if n.Ask > o.MaxPrice {
			u.Refused[ReasonAsk]++
			continue
		}
		free := n.GPUCount - min(n.HiredGPUs, n.GPUCount)
		c := cand{vram: n.VRAMMiB, ram: n.RAMGiB, vcpus: n.VCPUs, location: n.Location}
		if r, ok := c.fits(free, &o); !ok {
			u.Refused[r]++
			continue
		}
		if n.Compliance&o.Compliance != o.Compliance {
			u.Refused[ReasonCompliance]++
			continue
		}
		u.Eligible++
		u.EligibleGPUs += int(free)
	}
	return u
}

// staticCheck is the part of check_fit that does not depend on the order.
func staticCheck(n *Node, cfg Config) (Reason, bool) {
	if n.Frozen {
		return ReasonFrozen, false
	}
	if !Attested(n.TopsMilli, n.AttestedEpoch, cfg.Epoch, cfg.MaxAttestationAgeEpochs) {
		return ReasonAttestation, false
	}
	need, ok := RequiredStake(cfg.MinOperatorStake, cfg.MinStakePerGPU, n.GPUCount)
	if !ok || n.OperatorStake < need {
		return ReasonStake, false
	}
	return 0, true
}

func add(x u128, a, b uint64) u128 {
	lo, c := bitsAdd(x.lo, a)
	x.hi += c
	lo, c = bitsAdd(lo, b)
	x.hi += c
	x.lo = lo
	return x
}

func bitsAdd(a, b uint64) (uint64, uint64) {
	s := a + b
	if s < a {
		return s, 1
	}
	return s, 0
}

// fitsIn: the escrow covers what the parts commit (assign's held − committed).
func fitsIn(committed u128, held uint64) bool { return committed.hi == 0 && committed.lo <= held }
