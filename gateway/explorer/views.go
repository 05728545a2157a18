package explorer

import (
	"cmp"
	"context"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/network"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
	"github.com/ionet-network/ionet/oracle/classes"
)

// Network is GET /api/network: the network at a glance.
type Network struct {
	Slot         uint64  `json:"slot"`
	ChainTime    int64   `json:"chain_time"`
	Epoch        uint64  `json:"epoch"`
	EpochSeconds int64   `json:"epoch_seconds"`
	EpochStart   int64   `json:"epoch_start"`
	EpochEnd     int64   `json:"epoch_end"`
	FinalEpoch   *uint64 `json:"final_epoch"`
	// IOUSDMicro is the latest final epoch's IO/USD price, micro-USD per $IO.
	IOUSDMicro  Amount               `json:"io_usd_micro"`
	Nodes       int                  `json:"nodes"`
	StakedNodes int                  `json:"staked_nodes"`
	GPUs        int                  `json:"gpus"`
	HiredGPUs   int                  `json:"hired_gpus"`
	TOPSMilli   Amount               `json:"tops_milli"` // attested, all nodes
	Stake       Amount               `json:"stake"`      // the operators'
	Delegated   Amount               `json:"delegated"`
	Classes     []network.ClassCount `json:"classes"`
	Locations   []LocationCount      `json:"locations"`
	Orders      map[string]int       `json:"orders"`
	Keepers     []KeeperView         `json:"keepers"`
	Serving     int                  `json:"keepers_serving"` // serving or joining, as ionet network status counts
	Supply      SupplyLedger         `json:"supply"`
}

// LocationCount is the nodes of one country.
type LocationCount struct {
	Location string `json:"location"`
	Nodes    int    `json:"nodes"`
	GPUs     int    `json:"gpus"`
}

// SupplyLedger is io-rewards' supply ledger and its two checks (chain/network).
type SupplyLedger struct {
	Genesis     Amount `json:"genesis"`
	Supply      Amount `json:"supply"`
	Burned      Amount `json:"burned"`
	Emitted     Amount `json:"emitted"`
	EmissionCap Amount `json:"emission_cap"`
	Vault       Amount `json:"vault"`
	VaultOK     bool   `json:"vault_ok"`
	SupplyOK    bool   `json:"supply_ok"`
}

// KeeperView is one keeper: on chain, and what its endpoint's /healthz says.
type KeeperView struct {
	Authority  string  `json:"authority"`
	Endpoint   string  `json:"endpoint"`
	Bond       Amount  `json:"bond"`
	ActiveFrom uint64  `json:"active_from"`
	ExitFrom   *uint64 `json:"exit_from"`
	LastVote   *uint64 `json:"last_vote_epoch"`
	Serving    bool    `json:"serving"` // in the current epoch
	KeeperState
}

func (x *Explorer) networkView(ctx context.Context, st *state, _ *http.Request) (any, error) {
	s, snap := st.status, st.snap
	rc := snap.RewardsConfig
	clock := rewards.EpochsOf(rc.Params)
	n := Network{Slot: s.Slot, ChainTime: st.now, Epoch: s.Epoch, EpochSeconds: s.EpochSeconds,
		EpochStart: clock.Start(s.Epoch), EpochEnd: clock.End(s.Epoch), FinalEpoch: s.FinalEpoch,
		IOUSDMicro: Amount(rc.IoUsdPrice), Classes: s.Classes, Orders: s.Orders, Serving: s.Keepers,
		Supply: SupplyLedger{Genesis: Amount(staking.GenesisSupply), Supply: Amount(s.Supply), Burned: Amount(s.Burned),
			Emitted: Amount(s.Emitted), EmissionCap: Amount(s.EmissionCap), Vault: Amount(s.Vault),
			VaultOK: s.VaultOK, SupplyOK: s.SupplyOK}}
	n.Classes = []network.ClassCount{}
	for _, c := range s.Classes {
		if c.Class == network.ClassName(classes.LocalnetCPU.ID) {
			c.Class = st.className(classes.LocalnetCPU.ID)
		}
		n.Classes = append(n.Classes, c)
	}
	locs := map[string]*LocationCount{}
	for _, node := range snap.Nodes {
		n.Nodes++
		n.GPUs += int(node.Spec.GpuCount)
		n.HiredGPUs += int(node.HiredGpus)
		n.TOPSMilli += Amount(node.Attested.TopsMilli)
		n.Stake += Amount(staking.OperatorStake(node))
		n.Delegated += Amount(staking.DelegatedStake(node))
		if staking.IsStaked(node, snap.StakingConfig.Params) {
			n.StakedNodes++
		}
		loc := location(node.Spec.Location)
		lc := locs[loc]
		if lc == nil {
			lc = &LocationCount{Location: loc}
			locs[loc] = lc
		}
		lc.Nodes++
		lc.GPUs += int(node.Spec.GpuCount)
	}
	n.Locations = []LocationCount{}
	for _, lc := range locs {
		n.Locations = append(n.Locations, *lc)
	}
	slices.SortFunc(n.Locations, func(a, b LocationCount) int { return cmp.Compare(a.Location, b.Location) })
	n.Keepers = x.keeperViews(ctx, st)
	return n, nil
}

func (x *Explorer) keeperViews(ctx context.Context, st *state) []KeeperView {
	states := x.keepers.health(ctx, x, st)
	out := []KeeperView{}
	for _, k := range st.snap.Keepers {
		kv := KeeperView{Authority: k.Authority.String(), Endpoint: k.Endpoint, Bond: Amount(k.Bond),
			ActiveFrom: k.ActiveFrom, ExitFrom: k.ExitFrom, LastVote: k.LastVoteEpoch,
			Serving:     k.ActiveFrom <= st.status.Epoch && (k.ExitFrom == nil || st.status.Epoch < *k.ExitFrom),
			KeeperState: states[k.Authority]}
		out = append(out, kv)
	}
	slices.SortFunc(out, func(a, b KeeperView) int { return cmp.Compare(a.Authority, b.Authority) })
	return out
}

// NodeView is one node as GET /api/nodes lists it.
type NodeView struct {
	Address    string `json:"address"`
	Operator   string `json:"operator"`
	Worker     string `json:"worker"`
	Class      string `json:"class"`
	ClassID    uint8  `json:"class_id"`
	GPUs       int    `json:"gpus"`
	HiredGPUs  int    `json:"hired_gpus"`
	VRAMMiB    uint32 `json:"vram_mib"`
	Location   string `json:"location"`
	AskMicro   Amount `json:"ask_micro_usd"`
	Staked     bool   `json:"staked"`
	Stake      Amount `json:"stake"`     // the operator's
	Delegated  Amount `json:"delegated"` // the delegators' total
	Delegators uint32 `json:"delegators"`
	// Attested capacity: the node's latest claimed leaf.
	TOPSMilli     Amount  `json:"tops_milli"`
	UptimeBps     uint16  `json:"uptime_bps"`
	AttestedEpoch uint64  `json:"attested_epoch"`
	EpochReward   Amount  `json:"epoch_reward"`
	Claimed       Amount  `json:"claimed"` // availability rewards claimed, all epochs
	Slashed       Amount  `json:"slashed"`
	FrozenAt      *uint64 `json:"frozen_at_epoch"`
	Endpoint      string  `json:"endpoint"`
}

func nodeView(address solana.PublicKey, n *iostaking.Node, st *state) NodeView {
	snap := st.snap
	v := NodeView{Address: address.String(), Operator: n.Operator.String(), Worker: n.Worker.String(),
		Class: st.className(n.Spec.GpuClass), ClassID: n.Spec.GpuClass, GPUs: int(n.Spec.GpuCount),
		HiredGPUs: int(n.HiredGpus), VRAMMiB: n.Spec.VramMibPerGpu, Location: location(n.Spec.Location),
		AskMicro: Amount(n.AskMicroUsd), Staked: staking.IsStaked(n, snap.StakingConfig.Params),
		Stake: Amount(staking.OperatorStake(n)), Delegated: Amount(staking.DelegatedStake(n)), Delegators: n.Delegations,
		TOPSMilli: Amount(n.Attested.TopsMilli), UptimeBps: n.Attested.UptimeBps, AttestedEpoch: n.Attested.Epoch,
		EpochReward: Amount(n.Attested.EpochReward), Slashed: Amount(n.SlashedTotal), FrozenAt: n.FrozenAtEpoch,
		Endpoint: n.Endpoint}
	if c, ok := snap.NodeClaims[rewards.NodeClaimsAddress(address)]; ok {
		v.Claimed = Amount(c.State.Claimed)
	}
	return v
}

func (x *Explorer) nodesView(_ context.Context, st *state, _ *http.Request) (any, error) {
	out := []NodeView{}
	for addr, n := range st.snap.Nodes {
		out = append(out, nodeView(addr, n, st))
	}
	slices.SortFunc(out, func(a, b NodeView) int {
		return cmp.Or(cmp.Compare(a.Class, b.Class), cmp.Compare(a.Address, b.Address))
	})
	return out, nil
}

// NodeDetail is GET /api/nodes/{node}.
type NodeDetail struct {
	NodeView
	// Earnings: availability rewards claimed ($IO, NodeClaims) and, per order still
	// on chain, the hire stream claimed in the order's mint.
	LastClaimedEpoch *uint64      `json:"last_claimed_epoch"`
	Hires            []Assignment `json:"hires"`
	HireClaimedIOSD  Amount       `json:"hire_claimed_iosd"`
	HireClaimedIO    Amount       `json:"hire_claimed_io"`
	// Epochs are the node's leaves in the final reports the keepers served (TOPS,
	// uptime, reward per epoch), newest first.
	Epochs []NodeEpoch `json:"epochs"`
	// Challenges are the keepers' challenges of the node, by epoch, newest first:
	// fetched from each keeper's GET /challenges/{epoch}/{node} while the epoch is
	// open, and kept in memory since the gateway started.
	Challenges []EpochChallenges `json:"challenges"`
}

// NodeEpoch is a node's leaf in one final report.
type NodeEpoch struct {
	Epoch       uint64 `json:"epoch"`
	TOPSMilli   Amount `json:"tops_milli"`
	UptimeBps   uint16 `json:"uptime_bps"`
	HiredBps    uint16 `json:"hired_bps"`
	EpochReward Amount `json:"epoch_reward"`
	Cumulative  Amount `json:"cumulative_reward"`
}

func (x *Explorer) nodeView(ctx context.Context, st *state, r *http.Request) (any, error) {
	addr, err := parseKey(r.PathValue("node"))
	if err != nil {
		return nil, err
	}
	n, ok := st.snap.Nodes[addr]
	if !ok {
		return nil, errNotFoundf("no node %s on chain", addr)
	}
	d := NodeDetail{NodeView: nodeView(addr, n, st), Hires: []Assignment{}, Epochs: []NodeEpoch{}}
	if c, ok := st.snap.NodeClaims[rewards.NodeClaimsAddress(addr)]; ok {
		d.LastClaimedEpoch = c.State.LastEpoch
	}
	hc := st.snap.HireConfig
	for _, a := range st.snap.Assignments {
		if a.Node != addr {
			continue
		}
		o := st.snap.Orders[a.Order]
		av := assignmentView(a, o, hc.IoMint)
		d.Hires = append(d.Hires, av)
		if o != nil && o.Mint == hc.IoMint {
			d.HireClaimedIO += Amount(a.Claimed)
		} else {
			d.HireClaimedIOSD += Amount(a.Claimed)
		}
	}
	slices.SortFunc(d.Hires, func(a, b Assignment) int { return cmp.Compare(b.Start, a.Start) })
	x.fetchReportsNow(ctx, st)
	d.Epochs = x.keepers.leavesOf(addr)
	d.Challenges = x.keepers.challenges(ctx, x, st, addr)
	return d, nil
}

// Assignment is one node's part of a hire order at its matched price.
type Assignment struct {
	Order        string `json:"order"`
	Node         string `json:"node"`
	GPUs         uint16 `json:"gpus"`
	PriceMicro   Amount `json:"price_micro_usd"` // per GPU-hour, the node's ask when matched
	Value        Amount `json:"value"`           // the stream, in the order's mint
	Claimed      Amount `json:"claimed"`
	Start        int64  `json:"start"`
	Duration     int64  `json:"duration"`
	Failed       bool   `json:"failed"`
	FailureVotes int    `json:"failure_votes"`
	Released     bool   `json:"released"`
	Status       string `json:"order_status"`
	Mint         string `json:"mint"` // "IOSD" or "IO": Value's and Claimed's unit
}

func assignmentView(a *iohire.Assignment, o *iohire.HireOrder, ioMint solana.PublicKey) Assignment {
	v := Assignment{Order: a.Order.String(), Node: a.Node.String(), GPUs: a.Gpus, PriceMicro: Amount(a.PriceMicroUsd),
		Value: Amount(a.Value), Claimed: Amount(a.Claimed), Start: a.Start, Duration: a.Duration, Failed: a.Failed,
		FailureVotes: len(a.FailureVotes), Released: a.Released}
	v.Mint = "IOSD"
	if o != nil {
		v.Status = network.OrderStatus(o)
		if o.Mint == ioMint {
			v.Mint = "IO"
		}
	}
	return v
}

// Hire is one order as GET /api/hires lists it.
type Hire struct {
	Address     string       `json:"address"`
	Renter      string       `json:"renter"`
	ID          uint64       `json:"id"`
	Mint        string       `json:"mint"` // "IOSD" or "IO"
	Status      string       `json:"status"`
	Class       string       `json:"class"`
	GPUs        uint16       `json:"gpus"`
	Hours       uint32       `json:"hours"`
	MaxPrice    Amount       `json:"max_price_micro_usd"`
	Locations   []string     `json:"locations"`
	CreatedAt   int64        `json:"created_at"`
	StartedAt   int64        `json:"started_at"`
	EndsAt      int64        `json:"ends_at"`
	Deposited   Amount       `json:"deposited"`
	Paid        Amount       `json:"paid"`
	Fees        Amount       `json:"fees"`
	Refunded    Amount       `json:"refunded"`
	IOUSDMicro  Amount       `json:"io_usd_micro"` // an $IO order's price
	Assignments []Assignment `json:"assignments"`
}

func (x *Explorer) hiresView(_ context.Context, st *state, _ *http.Request) (any, error) {
	hc := st.snap.HireConfig
	byOrder := map[solana.PublicKey][]Assignment{}
	for _, a := range st.snap.Assignments {
		byOrder[a.Order] = append(byOrder[a.Order], assignmentView(a, st.snap.Orders[a.Order], hc.IoMint))
	}
	out := []Hire{}
	for addr, o := range st.snap.Orders {
		h := Hire{Address: addr.String(), Renter: o.Renter.String(), ID: o.Id, Mint: "IOSD",
			Status: network.OrderStatus(o), Class: "any", GPUs: o.Spec.Gpus, Hours: o.Spec.Hours,
			MaxPrice: Amount(o.Spec.MaxPriceMicroUsd), Locations: []string{}, CreatedAt: o.CreatedAt,
			StartedAt: o.StartedAt, EndsAt: o.EndsAt, Deposited: Amount(o.Deposited), Paid: Amount(o.Paid),
			Fees: Amount(o.Fees), Refunded: Amount(o.Refunded), IOUSDMicro: Amount(o.IoUsdPrice),
			Assignments: byOrder[addr]}
		if o.Mint == hc.IoMint {
			h.Mint = "IO"
		}
		if o.Spec.GpuClass != 0 {
			h.Class = st.className(o.Spec.GpuClass)
		}
		for _, l := range o.Spec.Locations {
			h.Locations = append(h.Locations, location(l))
		}
		if h.Assignments == nil {
			h.Assignments = []Assignment{}
		}
		slices.SortFunc(h.Assignments, func(a, b Assignment) int { return cmp.Compare(a.Node, b.Node) })
		out = append(out, h)
	}
	// Open and running orders first, then the newest.
	rank := func(h Hire) int {
		switch h.Status {
		case "Active":
			return 0
		case "Open":
			return 1
		}
		return 2
	}
	slices.SortFunc(out, func(a, b Hire) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(b.CreatedAt, a.CreatedAt), cmp.Compare(a.Address, b.Address))
	})
	return out, nil
}

// Epoch is one epoch report as GET /api/epochs lists it.
type Epoch struct {
	Epoch       uint64   `json:"epoch"`
	Finalized   bool     `json:"finalized"`
	Root        string   `json:"root"` // hex, once final
	KeeperCount uint32   `json:"keeper_count"`
	Quorum      uint32   `json:"quorum"`
	Committed   []string `json:"committed"` // keepers that committed their observations
	Voters      []string `json:"voters"`
	Candidates  int      `json:"candidates"`
	IOUSDMicro  Amount   `json:"io_usd_micro"`
	Emission    Amount   `json:"epoch_emission"`
	Cumulative  Amount   `json:"cumulative_emission"`
	Start       int64    `json:"start"`
	End         int64    `json:"end"`
	// Leaves is the number of nodes in the final report a keeper served (-1: no
	// keeper served it yet, as for `ionet dev epoch`'s reports).
	Leaves int `json:"leaves"`
}

func (x *Explorer) epochsView(ctx context.Context, st *state, _ *http.Request) (any, error) {
	x.fetchReportsNow(ctx, st)
	clock := rewards.EpochsOf(st.snap.RewardsConfig.Params)
	out := []Epoch{}
	for _, r := range st.snap.EpochReports {
		out = append(out, epochView(r, clock, x.keepers.leafCount(r.Epoch)))
	}
	slices.SortFunc(out, func(a, b Epoch) int { return cmp.Compare(b.Epoch, a.Epoch) })
	return out, nil
}

func epochView(r *iorewards.EpochReport, clock rewards.Epochs, leaves int) Epoch {
	e := Epoch{Epoch: r.Epoch, Finalized: r.Finalized, KeeperCount: r.KeeperCount, Quorum: r.Quorum,
		Committed: []string{}, Voters: []string{}, Candidates: len(r.Candidates), Start: clock.Start(r.Epoch),
		End: clock.End(r.Epoch), Leaves: leaves}
	for _, c := range r.Commits {
		e.Committed = append(e.Committed, c.Keeper.String())
	}
	for _, v := range r.Voters {
		e.Voters = append(e.Voters, v.String())
	}
	if r.Finalized {
		e.Root = hex.EncodeToString(r.Root[:])
		e.IOUSDMicro = Amount(r.IoUsdPrice)
		e.Emission = Amount(r.EpochEmission)
		e.Cumulative = Amount(r.CumulativeEmission)
	}
	return e
}

// location is an ISO 3166-1 alpha-2 code as text ("--" when unset).
func location(l [2]uint8) string {
	if l[0] == 0 && l[1] == 0 {
		return "--"
	}
	return strings.ToUpper(string(l[:]))
}

// fetchReportsNow fetches the keepers' final reports on a request's path, unless Run
// does it in the background (a request then never waits for a slow keeper).
func (x *Explorer) fetchReportsNow(ctx context.Context, st *state) {
	if x.cfg.PollEvery <= 0 {
		x.keepers.fetchReports(ctx, x, st)
	}
}
