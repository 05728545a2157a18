package localnet_test

import (
	"encoding/binary"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/oracle/report"
)

// requireHireError checks that err is io-hire's error code.
func requireHireError(t *testing.T, err error, code uint32) {
	t.Helper()
	require.Error(t, err)
	got, ok := iohire.DecodeError(err)
	require.True(t, ok, "not an io-hire error: %v", err)
	require.Equal(t, code, got.Code, "%v", got)
}

// hireOrder is an order's address, renter and payment mint.
type hireOrder struct {
	order  solana.PublicKey
	renter solana.PrivateKey
	mint   solana.PublicKey
}

func (o hireOrder) refundTo() solana.PublicKey { return ata(o.renter.PublicKey(), o.mint) }

func escrowAuthorityAddr() solana.PublicKey { return hirePDA(iohire.ESCROW_AUTHORITY_SEED) }

// gpuSpec asks for gpus class-1 cards with 80 GB each, 16 vCPUs and 64 GiB of RAM, in
// the US or DE, for hours, at most maxPrice micro-USD per GPU-hour.
func gpuSpec(gpus uint16, hours uint32, maxPrice uint64) iohire.OrderSpec {
	return iohire.OrderSpec{
		GpuClass: 1, Gpus: gpus, MinVramMib: 80_000, MinVcpus: 16, MinRamGib: 64,
		Locations: [][2]uint8{{'U', 'S'}, {'D', 'E'}}, Hours: hours, MaxPriceMicroUsd: maxPrice,
	}
}

func (m *market) createOrder(renter solana.PrivateKey, id uint64, mint solana.PublicKey, spec iohire.OrderSpec) (hireOrder, error) {
	m.t.Helper()
	o := hireOrder{order: orderAddr(renter.PublicKey(), id), renter: renter, mint: mint}
	ix, err := iohire.NewCreateOrderInstruction(iohire.CreateOrderArgs{Id: id, Spec: spec},
		renter.PublicKey(), hireConfigAddr(), rewardsConfigAddr(), o.order, mint, escrowAuthorityAddr(),
		escrowAddr(o.order), o.refundTo(), solana.TokenProgramID, solana.SystemProgramID)
	require.NoError(m.t, err)
	return o, m.send([]solana.PrivateKey{renter}, ix)
}

// assign is keeper k's assignment of (node, GPUs) pairs to o; the (node, assignment)
// accounts follow the named ones.
func (m *market) assign(k solana.PrivateKey, o hireOrder, nodes []solana.PublicKey, gpus []uint16) error {
	m.t.Helper()
	ix, err := iohire.NewAssignInstruction(iohire.AssignArgs{Gpus: gpus}, k.PublicKey(), keeperAddr(k.PublicKey()),
		hireConfigAddr(), rewardsConfigAddr(), stakingConfigAddr(), o.order, escrowAddr(o.order), o.refundTo(),
		escrowAuthorityAddr(), assignerAddr(), iostaking.ProgramID, solana.TokenProgramID, solana.SystemProgramID)
	require.NoError(m.t, err)
	var pairs []*solana.AccountMeta
	for _, n := range nodes {
		pairs = append(pairs, solana.Meta(n).WRITE(), solana.Meta(assignmentAddr(o.order, n)).WRITE())
	}
	return m.send([]solana.PrivateKey{k}, withAccounts(ix, pairs...))
}

// claimEarnings is cranked by payer: n's earnings on o to its operator's account for
// the order's mint (created first when missing); the assignment's rent, once it
// closes, goes back to rentPayer, the keeper that assigned it.
func (m *market) claimEarnings(payer solana.PrivateKey, o hireOrder, n marketNode, rentPayer solana.PublicKey) error {
	m.t.Helper()
	op := n.operator.PublicKey()
	ix, err := iohire.NewClaimEarningsInstruction(payer.PublicKey(), hireConfigAddr(), stakingConfigAddr(), o.order,
		assignmentAddr(o.order, n.node), n.node, escrowAddr(o.order), escrowAuthorityAddr(), ata(op, o.mint),
		treasuryAddr(o.mint), o.mint, delegatorRewardsAddr(o.mint), rentPayer, assignerAddr(),
		iostaking.ProgramID, solana.TokenProgramID)
	require.NoError(m.t, err)
	return m.send([]solana.PrivateKey{payer}, createATA(payer.PublicKey(), op, o.mint),
		ix)
}

// cancel is the renter's cancellation; the (assignment, node) accounts of its open
// assignments follow the named ones.
func (m *market) cancel(o hireOrder, nodes ...solana.PublicKey) error {
	m.t.Helper()
	ix, err := iohire.NewCancelInstruction(o.renter.PublicKey(), hireConfigAddr(), stakingConfigAddr(), o.order,
		escrowAddr(o.order), o.refundTo(), escrowAuthorityAddr(), assignerAddr(), iostaking.ProgramID,
		solana.TokenProgramID)
	require.NoError(m.t, err)
	var pairs []*solana.AccountMeta
	for _, n := range nodes {
		pairs = append(pairs, solana.Meta(assignmentAddr(o.order, n)).WRITE(), solana.Meta(n).WRITE())
	}
	return m.send([]solana.PrivateKey{o.renter}, withAccounts(ix, pairs...))
}

func (m *market) closeOrder(o hireOrder) error {
	m.t.Helper()
	ix, err := iohire.NewCloseOrderInstruction(o.renter.PublicKey(), hireConfigAddr(), o.order, escrowAddr(o.order),
		o.refundTo(), escrowAuthorityAddr(), solana.TokenProgramID)
	require.NoError(m.t, err)
	return m.send([]solana.PrivateKey{o.renter}, ix)
}

func (m *market) hireOrder(o hireOrder) *iohire.HireOrder {
	m.t.Helper()
	s, err := iohire.ParseAccount_HireOrder(m.data(o.order))
	require.NoError(m.t, err)
	return s
}

func (m *market) assignment(o hireOrder, node solana.PublicKey) *iohire.Assignment {
	m.t.Helper()
	a, err := iohire.ParseAccount_Assignment(m.data(assignmentAddr(o.order, node)))
	require.NoError(m.t, err)
	return a
}

// requireBooks checks the escrow's books: deposited = escrow + paid + fees + refunded.
func (m *market) requireBooks(o hireOrder) {
	m.t.Helper()
	s := m.hireOrder(o)
	require.Equal(m.t, s.Deposited, m.balance(escrowAddr(o.order))+s.Paid+s.Fees+s.Refunded)
}

func bps(amount uint64, bps uint64) uint64   { return amount * bps / 10_000 }
func bpsUp(amount uint64, bps uint64) uint64 { return (amount*bps + 9_999) / 10_000 }

// An order in IOSD and one in $IO are escrowed with their fees, assigned by keepers to
// a staked node attested by a claimed epoch report, streamed, claimed with the
// supplier's fees, and one is cancelled with a pro-rata refund; every balance moves as
// the fees say.
func TestHireOrdersInIOSDAndIOAreAssignedClaimedAndCancelled(t *testing.T) {
	m := newMarket(t, 3)
	// An 8-card node asking $2.00 per GPU-hour; keepers finalize an epoch at $2.00 per
	// $IO and the node's claim of it attests its capacity in io-staking.
	n := m.registerNode(8, 2_000_000, 2_000*ioUnit, 1_000*ioUnit)
	r := m.finalizeEpoch([]report.NodeInput{nodeInput(n.node, 1_000*ioUnit)}, 2_000_000)
	leaf, proof := m.proofOf(r, n.node)
	m.mustSend(m.keepers[0], m.claimIx(m.keepers[0].PublicKey(), leaf, proof, n.operatorIO))
	require.Equal(t, r.Epoch, m.stakingNode(n.node).Attested.Epoch)
	require.Equal(t, r.Epoch+1, m.currentEpoch())

	renter := m.wallet(100 * ioUnit)
	usd := m.giveIOSD(renter.PublicKey(), 100_000_000)
	io := ata(renter.PublicKey(), m.ioMint)
	iosdTreasury, ioTreasury := treasuryAddr(m.iosdMint), treasuryAddr(m.ioMint)
	require.Equal(t, n.operator.PublicKey(), m.stakingNode(n.node).Operator)

	// A cap below the node's ask: the keeper cannot assign it.
	cheap, err := m.createOrder(renter, 3, m.iosdMint, gpuSpec(4, 4, 1_999_999))
	require.NoError(t, err)
	requireHireError(t, m.assign(m.keepers[0], cheap, []solana.PublicKey{n.node}, []uint16{4}), iohire.ErrCodeAskAboveMax)
	// Cancelled before any match, it refunds in full.
	usdBefore := m.balance(usd)
	require.NoError(t, m.cancel(cheap))
	require.Equal(t, usdBefore+m.hireOrder(cheap).Deposited, m.balance(usd))
	require.Equal(t, iohire.EndReason_Cancelled, *m.hireOrder(cheap).EndReason)
	require.NoError(t, m.closeOrder(cheap))
	require.False(t, m.exists(cheap.order))

	// IOSD: 4 GPUs × 4 h × $2.50 = $40 plus 2% payment and 0.5% booking fees.
	usdBefore = m.balance(usd)
	byUSD, err := m.createOrder(renter, 1, m.iosdMint, gpuSpec(4, 4, 2_500_000))
	require.NoError(t, err)
	require.Equal(t, uint64(41_000_000), m.hireOrder(byUSD).Deposited)
	require.Equal(t, usdBefore-41_000_000, m.balance(usd))
	require.Equal(t, uint64(41_000_000), m.balance(escrowAddr(byUSD.order)))
	// $IO: the same $40 at the final $2.00 is 20 $IO plus the 0.5% booking fee only.
	ioBefore := m.balance(io)
	byIO, err := m.createOrder(renter, 2, m.ioMint, gpuSpec(4, 4, 2_500_000))
	require.NoError(t, err)
	s := m.hireOrder(byIO)
	require.Equal(t, uint64(2_000_000), s.IoUsdPrice)
	require.Equal(t, uint64(20*ioUnit+10_000_000), s.Deposited)
	require.Equal(t, ioBefore-s.Deposited, m.balance(io))

	// What a keeper matching orders reads with the filters of docs/hire.md: the open
	// orders (status at 80), and the class-1 nodes in the US.
	open := m.programAccounts(iohire.ProgramID, memcmpAt(0, iohire.Account_HireOrder[:]),
		memcmpAt(80, []byte{0}))
	require.ElementsMatch(t, []solana.PublicKey{byUSD.order, byIO.order}, open)
	require.Equal(t, []solana.PublicKey{n.node}, m.programAccounts(iostaking.ProgramID,
		memcmpAt(0, iostaking.Account_Node[:]), memcmpAt(104, []byte{1}), memcmpAt(121, []byte("US"))))

	// Keepers assign both to the node at its $2.00 ask; the rest of each escrow goes
	// back: IOSD keeps $32 + $0.80 of fees, $IO keeps 16 $IO + 0.08.
	usdBefore, ioBefore = m.balance(usd), m.balance(io)
	require.NoError(t, m.assign(m.keepers[0], byUSD, []solana.PublicKey{n.node}, []uint16{4}))
	require.NoError(t, m.assign(m.keepers[1], byIO, []solana.PublicKey{n.node}, []uint16{4}))
	require.Equal(t, usdBefore+8_200_000, m.balance(usd))
	require.Equal(t, ioBefore+4*ioUnit+2_000_000, m.balance(io))
	require.Equal(t, uint16(8), m.stakingNode(n.node).HiredGpus)
	// The node's ask and hired GPUs where docs/hire.md says: 132 and 295.
	raw := m.data(n.node)
	require.Equal(t, uint64(2_000_000), binary.LittleEndian.Uint64(raw[132:140]))
	require.Equal(t, uint16(8), binary.LittleEndian.Uint16(raw[295:297]))
	require.Equal(t, iohire.OrderStatus_Active, m.hireOrder(byUSD).Status)
	// The first valid assignment wins; a second keeper's finds the order taken.
	requireHireError(t, m.assign(m.keepers[2], byUSD, []solana.PublicKey{n.node}, []uint16{4}), iohire.ErrCodeOrderNotOpen)
	m.requireBooks(byUSD)
	m.requireBooks(byIO)
	require.Empty(t, m.programAccounts(iohire.ProgramID, memcmpAt(0, iohire.Account_HireOrder[:]),
		memcmpAt(80, []byte{0})))

	// An hour later the node claims its IOSD stream so far: about $8, less the
	// supplier's 0.5% booking and 1% payment fees (rounded up); the renter's 2.5% on
	// the same part goes to the treasury too.
	start := m.assignment(byUSD, n.node).Start
	m.warpTo(start + 3_600)
	opUSD := ata(n.operator.PublicKey(), m.iosdMint)
	treasuryBefore := m.balance(iosdTreasury)
	require.NoError(t, m.claimEarnings(m.keepers[2], byUSD, n, m.keepers[0].PublicKey()))
	gross := m.assignment(byUSD, n.node).Claimed
	require.GreaterOrEqual(t, gross, uint64(8_000_000))
	require.Less(t, gross, uint64(8_000_000+60*32_000_000/14_400), "more than a minute's worth past the hour")
	require.Equal(t, gross-bpsUp(gross, 150), m.balance(opUSD))
	require.Equal(t, treasuryBefore+bpsUp(gross, 150)+bps(gross, 250), m.balance(iosdTreasury))
	m.requireBooks(byUSD)

	// The renter cancels: the unused part of the stream and its fees come back pro
	// rata (about 3 of 4 hours: $24 + $0.60), the node's GPUs are released.
	before := m.assignment(byUSD, n.node)
	usdBefore = m.balance(usd)
	requireHireError(t, m.cancel(byUSD), iohire.ErrCodeAssignmentsMissing)
	require.NoError(t, m.cancel(byUSD, n.node))
	after := m.assignment(byUSD, n.node)
	refund := before.Value - after.Value + before.RenterFee - after.RenterFee
	require.Equal(t, usdBefore+refund, m.balance(usd))
	require.InDelta(t, 24_600_000, float64(refund), 60*32_800_000/14_400)
	require.GreaterOrEqual(t, after.Value, gross)
	s = m.hireOrder(byUSD)
	require.Equal(t, iohire.OrderStatus_Ended, s.Status)
	require.Equal(t, iohire.EndReason_Cancelled, *s.EndReason)
	require.Equal(t, uint64(8_200_000)+refund, s.Refunded)
	require.Equal(t, uint16(4), m.stakingNode(n.node).HiredGpus)
	m.requireBooks(byUSD)

	// The node still gets the seconds it served before the cancel, and no more; the
	// assignment closes and the escrow is empty.
	m.warpTo(m.now() + 3_600)
	require.NoError(t, m.claimEarnings(m.keepers[2], byUSD, n, m.keepers[0].PublicKey()))
	require.False(t, m.exists(assignmentAddr(byUSD.order, n.node)))
	s = m.hireOrder(byUSD)
	require.Equal(t, after.Value, s.Paid)
	require.Equal(t, uint64(0), m.balance(escrowAddr(byUSD.order)))
	require.Equal(t, s.Paid-bpsUp(gross, 150)-bpsUp(s.Paid-gross, 150), m.balance(opUSD))
	m.requireBooks(byUSD)
	require.NoError(t, m.closeOrder(byUSD))
	require.False(t, m.exists(byUSD.order))
	require.False(t, m.exists(escrowAddr(byUSD.order)))

	// The $IO order runs to its end: one claim pays the whole 16 $IO stream, less the
	// supplier's 1.5%, and the order completes.
	m.warpTo(m.hireOrder(byIO).EndsAt + 1)
	opIO, ioTreasuryBefore := m.balance(n.operatorIO), m.balance(ioTreasury)
	require.NoError(t, m.claimEarnings(m.keepers[2], byIO, n, m.keepers[1].PublicKey()))
	require.Equal(t, opIO+16*ioUnit-bpsUp(16*ioUnit, 150), m.balance(n.operatorIO))
	require.Equal(t, ioTreasuryBefore+bpsUp(16*ioUnit, 150)+bps(16*ioUnit, 50), m.balance(ioTreasury))
	s = m.hireOrder(byIO)
	require.Equal(t, iohire.OrderStatus_Ended, s.Status)
	require.Equal(t, iohire.EndReason_Completed, *s.EndReason)
	require.Equal(t, uint64(16*ioUnit), s.Paid)
	require.Equal(t, uint16(0), m.stakingNode(n.node).HiredGpus)
	m.requireBooks(byIO)
	requireHireError(t, m.cancel(byIO), iohire.ErrCodeOrderNotActive)
	require.NoError(t, m.closeOrder(byIO))
	require.False(t, m.exists(byIO.order))
}
