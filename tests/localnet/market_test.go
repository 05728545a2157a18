package localnet_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/oracle/emission"
	"github.com/ionet-network/ionet/oracle/report"
)

// The io-rewards and io-hire flows, each on a localnet of its own: the keeper set,
// the epochs and the final price are chain-wide state that other tests must not see.
// Every instruction goes through the generated bindings with the accounts of
// harness/src/{rewards,hire,staking}.rs.

// marketEpochSeconds is the localnet's epoch length: a 10 s commit window and a 30 s
// vote window (a sixth and a half of it), crossed with ionet_warpSlot.
const marketEpochSeconds = 60

// ioUnit is one $IO in base units (8 decimals).
const ioUnit = 100_000_000

// market is a started localnet with its deployment's addresses and three keepers.
type market struct {
	t        *testing.T
	ctx      context.Context
	n        *node
	client   *rpc.Client
	faucet   solana.PrivateKey
	ioMint   solana.PublicKey
	iosdMint solana.PublicKey
	// genesisUnix and slotMs turn a time into a slot for ionet_warpSlot.
	genesisUnix int64
	slotMs      int64
	keepers     []solana.PrivateKey
}

// marketNode is a registered node: its PDA, operator and the operator's $IO account.
type marketNode struct {
	node       solana.PublicKey
	operator   solana.PrivateKey
	operatorIO solana.PublicKey
}

// newMarket starts a localnet with short epochs and registers `keepers` keepers, each
// bonding from a wallet the faucet funded. They serve from the next epoch.
func newMarket(t *testing.T, keepers int) *market {
	t.Helper()
	dir := t.TempDir()
	n, err := startNode(dir, "--epoch-seconds", "60")
	require.NoError(t, err)
	t.Cleanup(n.kill)
	raw, err := os.ReadFile(filepath.Join(dir, "genesis.json"))
	require.NoError(t, err)
	var g struct {
		GenesisUnixTimestamp int64 `json:"genesisUnixTimestamp"`
		SlotMs               int64 `json:"slotMs"`
		EpochSeconds         int64 `json:"epochSeconds"`
	}
	require.NoError(t, json.Unmarshal(raw, &g))
	require.Equal(t, int64(marketEpochSeconds), g.EpochSeconds)
	m := &market{
		t: t, ctx: ctxFor(t), n: n, client: n.client, faucet: n.faucet,
		ioMint:      solana.MustPublicKeyFromBase58(n.genesis.Mints.IO),
		iosdMint:    solana.MustPublicKeyFromBase58(n.genesis.Mints.IOSD),
		genesisUnix: g.GenesisUnixTimestamp,
		slotMs:      g.SlotMs,
	}
	bond := m.rewardsConfig().Params.KeeperBond
	for range keepers {
		k := m.wallet(bond)
		ix, err := iorewards.NewRegisterKeeperInstruction(
			iorewards.RegisterKeeperArgs{Endpoint: "http://127.0.0.1:7070"},
			k.PublicKey(), rewardsConfigAddr(), keeperAddr(k.PublicKey()), ata(k.PublicKey(), m.ioMint),
			rewardsPDA(iorewards.KEEPER_BONDS_SEED), solana.TokenProgramID, solana.SystemProgramID)
		require.NoError(t, err)
		m.mustSend(k, ix)
		m.keepers = append(m.keepers, k)
	}
	return m
}

// PDAs, derived from the seed constants in the bindings (io-protocol's seeds).

func findPDA(program solana.PublicKey, seeds ...[]byte) solana.PublicKey {
	a, _, err := solana.FindProgramAddress(seeds, program)
	if err != nil {
		panic(err) // constant seeds and 32-byte keys always have a bump
	}
	return a
}

func rewardsPDA(seeds ...[]byte) solana.PublicKey { return findPDA(iorewards.ProgramID, seeds...) }
func stakingPDA(seeds ...[]byte) solana.PublicKey { return findPDA(iostaking.ProgramID, seeds...) }
func hirePDA(seeds ...[]byte) solana.PublicKey    { return findPDA(iohire.ProgramID, seeds...) }

func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func rewardsConfigAddr() solana.PublicKey { return rewardsPDA(iorewards.CONFIG_SEED) }
func stakingConfigAddr() solana.PublicKey { return stakingPDA(iostaking.CONFIG_SEED) }
func hireConfigAddr() solana.PublicKey    { return hirePDA(iohire.CONFIG_SEED) }
func keeperAddr(authority solana.PublicKey) solana.PublicKey {
	return rewardsPDA(iorewards.KEEPER_SEED, authority[:])
}
func epochReportAddr(epoch uint64) solana.PublicKey {
	return rewardsPDA(iorewards.EPOCH_SEED, le64(epoch))
}
func nodeClaimsAddr(node solana.PublicKey) solana.PublicKey {
	return rewardsPDA(iorewards.NODE_CLAIMS_SEED, node[:])
}
func delegatorRewardsAddr(mint solana.PublicKey) solana.PublicKey {
	return stakingPDA(iostaking.DELEGATOR_REWARDS_VAULT_SEED, mint[:])
}
func orderAddr(renter solana.PublicKey, id uint64) solana.PublicKey {
	return hirePDA(iohire.ORDER_SEED, renter[:], le64(id))
}
func escrowAddr(order solana.PublicKey) solana.PublicKey {
	return hirePDA(iohire.ESCROW_SEED, order[:])
}
func assignmentAddr(order, node solana.PublicKey) solana.PublicKey {
	return hirePDA(iohire.ASSIGNMENT_SEED, order[:], node[:])
}

// assignerAddr is io-hire's ["assigner"] PDA; the IDL declares no constant for it.
func assignerAddr() solana.PublicKey { return hirePDA([]byte("assigner")) }

func treasuryAddr(mint solana.PublicKey) solana.PublicKey {
	return hirePDA(iohire.TREASURY_VAULT_SEED, mint[:])
}

func ata(owner, mint solana.PublicKey) solana.PublicKey {
	a, _, err := solana.FindAssociatedTokenAddress(owner, mint)
	if err != nil {
		panic(err)
	}
	return a
}

// createATA is the ATA program's CreateIdempotent (1): it succeeds when the account exists.
func createATA(payer, owner, mint solana.PublicKey) solana.Instruction {
	return solana.NewInstruction(solana.SPLAssociatedTokenAccountProgramID, solana.AccountMetaSlice{
		solana.Meta(payer).WRITE().SIGNER(),
		solana.Meta(ata(owner, mint)).WRITE(),
		solana.Meta(owner),
		solana.Meta(mint),
		solana.Meta(solana.SystemProgramID),
		solana.Meta(solana.TokenProgramID),
	}, []byte{1})
}

// withAccounts appends remaining accounts to an instruction the bindings built.
func withAccounts(ix solana.Instruction, extra ...*solana.AccountMeta) solana.Instruction {
	data, err := ix.Data()
	if err != nil {
		panic(err)
	}
	return solana.NewInstruction(ix.ProgramID(), append(ix.Accounts(), extra...), data)
}

// Sending and reading.

// send signs with signers (the first pays) and returns the error as sendTransaction
// gave it, for the bindings' DecodeError.
func (m *market) send(signers []solana.PrivateKey, ixs ...solana.Instruction) error {
	_, err := send(m.ctx, m.client, signers, ixs...)
	return err
}

func (m *market) mustSend(payer solana.PrivateKey, ixs ...solana.Instruction) {
	m.t.Helper()
	require.NoError(m.t, m.send([]solana.PrivateKey{payer}, ixs...))
}

// wallet is a new keypair with 1 SOL and io base units of $IO in its ATA.
func (m *market) wallet(io uint64) solana.PrivateKey {
	m.t.Helper()
	w := solana.NewWallet().PrivateKey
	ixs := []solana.Instruction{
		system.NewTransferInstruction(solana.LAMPORTS_PER_SOL, m.faucet.PublicKey(), w.PublicKey()).Build(),
		createATA(m.faucet.PublicKey(), w.PublicKey(), m.ioMint),
	}
	if io > 0 {
		ixs = append(ixs, token.NewTransferCheckedInstruction(io, 8,
			solana.MustPublicKeyFromBase58(m.n.genesis.Accounts.FaucetIO), m.ioMint,
			ata(w.PublicKey(), m.ioMint), m.faucet.PublicKey(), nil).Build())
	}
	m.mustSend(m.faucet, ixs...)
	return w
}

// giveIOSD mints micro-USD of IOSD (the faucet is its mint authority) into owner's ATA.
func (m *market) giveIOSD(owner solana.PublicKey, amount uint64) solana.PublicKey {
	m.t.Helper()
	dest := ata(owner, m.iosdMint)
	m.mustSend(m.faucet, createATA(m.faucet.PublicKey(), owner, m.iosdMint),
		token.NewMintToInstruction(amount, m.iosdMint, dest, m.faucet.PublicKey(), nil).Build())
	return dest
}

// data reads an account's bytes; nil when it does not exist.
func (m *market) data(address solana.PublicKey) []byte {
	m.t.Helper()
	out, err := m.client.GetAccountInfoWithOpts(m.ctx, address, &rpc.GetAccountInfoOpts{
		Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed,
	})
	if err == rpc.ErrNotFound || (err == nil && (out == nil || out.Value == nil)) {
		return nil
	}
	require.NoError(m.t, err)
	return out.Value.Data.GetBinary()
}

func (m *market) exists(address solana.PublicKey) bool { return m.data(address) != nil }

// memcmpAt is a getProgramAccounts memcmp filter at offset.
func memcmpAt(offset uint64, b []byte) rpc.RPCFilter {
	return rpc.RPCFilter{Memcmp: &rpc.RPCFilterMemcmp{Offset: offset, Bytes: solana.Base58(b)}}
}

// programAccounts lists the addresses of program's accounts matching filters, the
// way docs/rewards.md and docs/hire.md tell keepers to.
func (m *market) programAccounts(program solana.PublicKey, filters ...rpc.RPCFilter) []solana.PublicKey {
	m.t.Helper()
	out, err := m.client.GetProgramAccountsWithOpts(m.ctx, program, &rpc.GetProgramAccountsOpts{
		Encoding: solana.EncodingBase64, Commitment: rpc.CommitmentConfirmed, Filters: filters,
	})
	require.NoError(m.t, err)
	keys := make([]solana.PublicKey, len(out))
	for i, a := range out {
		keys[i] = a.Pubkey
	}
	return keys
}

// balance is what an SPL token account holds (0 when it does not exist).
func (m *market) balance(account solana.PublicKey) uint64 {
	m.t.Helper()
	d := m.data(account)
	if d == nil {
		return 0
	}
	require.GreaterOrEqual(m.t, len(d), 72)
	return binary.LittleEndian.Uint64(d[64:72])
}

func (m *market) rewardsConfig() *iorewards.RewardsConfig {
	m.t.Helper()
	c, err := iorewards.ParseAccount_RewardsConfig(m.data(rewardsConfigAddr()))
	require.NoError(m.t, err)
	return c
}

func (m *market) stakingConfig() *iostaking.StakingConfig {
	m.t.Helper()
	c, err := iostaking.ParseAccount_StakingConfig(m.data(stakingConfigAddr()))
	require.NoError(m.t, err)
	return c
}

func (m *market) stakingNode(address solana.PublicKey) *iostaking.Node {
	m.t.Helper()
	n, err := iostaking.ParseAccount_Node(m.data(address))
	require.NoError(m.t, err)
	return n
}

func (m *market) epochReport(epoch uint64) *iorewards.EpochReport {
	m.t.Helper()
	r, err := iorewards.ParseAccount_EpochReport(m.data(epochReportAddr(epoch)))
	require.NoError(m.t, err)
	return r
}

// Time.

// now is the chain's unix time (the Clock sysvar).
func (m *market) now() int64 {
	m.t.Helper()
	_, ts := clock(m.t, m.n)
	return ts
}

// warpTo moves the chain's clock to unix time ts (or a little later: slots keep
// following the wall clock).
func (m *market) warpTo(ts int64) {
	m.t.Helper()
	ms := (ts - m.genesisUnix) * 1000
	slot := uint64((ms + m.slotMs - 1) / m.slotMs)
	var now uint64
	require.NoError(m.t, m.client.RPCCallForInto(m.ctx, &now, "ionet_warpSlot", []any{slot}))
	require.GreaterOrEqual(m.t, m.now(), ts)
}

// epochEnd is when epoch ends: the first second of the next one.
func (m *market) epochEnd(epoch uint64) int64 {
	p := m.rewardsConfig().Params
	return p.GenesisTs + int64(epoch+1)*p.EpochSeconds
}

func (m *market) currentEpoch() uint64 {
	p := m.rewardsConfig().Params
	return uint64((m.now() - p.GenesisTs) / p.EpochSeconds)
}

// Nodes.

// registerNode lists a node of gpus cards at ask micro-USD per GPU-hour (class 1,
// 80 GiB per card, in the US) for a new operator holding operatorIO $IO, and stakes
// stake of it.
func (m *market) registerNode(gpus uint16, ask, operatorIO, stake uint64) marketNode {
	m.t.Helper()
	operator := m.wallet(operatorIO)
	worker := solana.NewWallet().PrivateKey
	node := stakingPDA(iostaking.NODE_SEED, worker.PublicKey().Bytes())
	vault := stakingPDA(iostaking.STAKE_VAULT_SEED, node[:])
	register, err := iostaking.NewRegisterNodeInstruction(iostaking.RegisterNodeArgs{
		Spec: iostaking.NodeSpec{
			GpuClass: 1, GpuCount: gpus, VramMibPerGpu: 81_920, Vcpus: 96, RamGib: 1_024,
			BandwidthMbps: 10_000, Location: [2]uint8{'U', 'S'}, Nvlink: true,
		},
		AskMicroUsd: ask,
		Endpoint:    "http://10.0.0.7:7070",
	}, operator.PublicKey(), worker.PublicKey(), stakingConfigAddr(), node,
		stakingPDA(iostaking.WORKER_SEED, worker.PublicKey().Bytes()), vault, m.ioMint,
		solana.TokenProgramID, solana.SystemProgramID)
	require.NoError(m.t, err)
	opIO := ata(operator.PublicKey(), m.ioMint)
	stakeIx, err := iostaking.NewStakeInstruction(stake, operator.PublicKey(), stakingConfigAddr(), node, vault,
		opIO, solana.TokenProgramID)
	require.NoError(m.t, err)
	require.NoError(m.t, m.send([]solana.PrivateKey{operator, worker}, register, stakeIx))
	return marketNode{node: node, operator: operator, operatorIO: opIO}
}

// delegate has a new wallet delegate amount $IO to node.
func (m *market) delegate(node solana.PublicKey, amount uint64) solana.PrivateKey {
	m.t.Helper()
	owner := m.wallet(amount)
	ix, err := iostaking.NewDelegateInstruction(amount, owner.PublicKey(), stakingConfigAddr(), node,
		stakingPDA(iostaking.DELEGATION_SEED, node[:], owner.PublicKey().Bytes()),
		stakingPDA(iostaking.STAKE_VAULT_SEED, node[:]), ata(owner.PublicKey(), m.ioMint),
		solana.TokenProgramID, solana.SystemProgramID)
	require.NoError(m.t, err)
	m.mustSend(owner, ix)
	return owner
}

// Epoch reports.

// schedule is io-rewards' emission schedule as oracle/emission computes it.
func schedule(p iorewards.RewardsParams) emission.Schedule {
	return emission.Schedule{
		InitialEpochEmission: p.InitialEpochEmission,
		PeriodEpochs:         p.HalvingEpochs,
		RatioBps:             p.HalvingRatioBps,
		Cap:                  p.EmissionCap,
	}
}

// buildReport is what every honest keeper computes for epoch from the same medians.
func (m *market) buildReport(epoch uint64, nodes []report.NodeInput) report.EpochReport {
	m.t.Helper()
	rc := m.rewardsConfig()
	r, err := report.Build(report.EpochInput{
		Epoch:    epoch,
		Schedule: schedule(rc.Params),
		Params: report.Params{
			StakeBoostBps:      report.DefaultStakeBoostBps,
			IOPerTOPS:          m.stakingConfig().Params.IoPerTops,
			UptimeThresholdBps: rc.Params.UptimeThresholdBps,
		},
		RewardsProgram:         iorewards.ProgramID,
		IOMint:                 m.ioMint,
		PrevCumulativeEmission: rc.ReportedCumulative,
		Nodes:                  nodes,
	})
	require.NoError(m.t, err)
	return r
}

func voteFor(r report.EpochReport, price uint64) iorewards.ReportVote {
	return iorewards.ReportVote{
		Root:               [32]uint8(r.Root),
		EpochEmission:      r.EpochEmission,
		CumulativeEmission: r.CumulativeEmission,
		IoUsdPrice:         price,
	}
}

// commit is keeper k's commit_observations for epoch: the hash of its observation log.
func (m *market) commit(k solana.PrivateKey, epoch uint64, log []byte) error {
	ix, err := iorewards.NewCommitObservationsInstruction(epoch, sha256.Sum256(log), k.PublicKey(),
		rewardsConfigAddr(), keeperAddr(k.PublicKey()), epochReportAddr(epoch), solana.SystemProgramID)
	require.NoError(m.t, err)
	return m.send([]solana.PrivateKey{k}, ix)
}

// vote is keeper k's submit_report_vote for epoch.
func (m *market) vote(k solana.PrivateKey, epoch uint64, v iorewards.ReportVote) error {
	ix, err := iorewards.NewSubmitReportVoteInstruction(epoch, v, k.PublicKey(), rewardsConfigAddr(),
		keeperAddr(k.PublicKey()), epochReportAddr(epoch), solana.SystemProgramID)
	require.NoError(m.t, err)
	return m.send([]solana.PrivateKey{k}, ix)
}

// claimIx is io-rewards' claim of leaf with its proof, paid by payer, the operator's
// share to operatorIO.
func (m *market) claimIx(payer solana.PublicKey, l report.Leaf, proof [][32]uint8, operatorIO solana.PublicKey) solana.Instruction {
	m.t.Helper()
	ix, err := iorewards.NewClaimInstruction(iorewards.ClaimArgs{
		Epoch: l.Epoch, Class: l.Class, TopsMilli: l.TOPSMilli, UptimeBps: l.UptimeBps, HiredBps: l.HiredBps,
		EpochReward: l.EpochReward, CumulativeReward: l.CumulativeReward, Proof: proof,
	}, payer, rewardsConfigAddr(), epochReportAddr(l.Epoch), nodeClaimsAddr(l.Node), l.Node, stakingConfigAddr(),
		rewardsPDA(iorewards.REWARDS_VAULT_SEED), rewardsPDA(iorewards.REWARDS_VAULT_AUTHORITY_SEED), operatorIO,
		delegatorRewardsAddr(m.ioMint), m.ioMint, rewardsPDA(iorewards.ATTESTOR_SEED), iostaking.ProgramID,
		solana.TokenProgramID, solana.SystemProgramID)
	require.NoError(m.t, err)
	return ix
}

// proofOf is the Merkle proof of the report's leaf for node, and the leaf.
func (m *market) proofOf(r report.EpochReport, node solana.PublicKey) (report.Leaf, [][32]uint8) {
	m.t.Helper()
	tree, err := report.Tree(r.Leaves, iorewards.ProgramID, m.ioMint)
	require.NoError(m.t, err)
	require.Equal(m.t, r.Root, tree.Root())
	for i, l := range r.Leaves {
		if l.Node == node {
			p, err := tree.Proof(i)
			require.NoError(m.t, err)
			proof := make([][32]uint8, len(p))
			for j := range p {
				proof[j] = p[j]
			}
			return l, proof
		}
	}
	m.t.Fatalf("no leaf for %s", node)
	return report.Leaf{}, nil
}

// finalizeEpoch runs the keepers' round for the first epoch they serve in: it waits
// for the epoch to end, every keeper commits, the first two vote the report Build
// gives for nodes at price, and the epoch is final. It returns the report.
func (m *market) finalizeEpoch(nodes []report.NodeInput, price uint64) report.EpochReport {
	m.t.Helper()
	epoch := m.servingEpoch()
	m.warpTo(m.epochEnd(epoch) + 1)
	r := m.buildReport(epoch, nodes)
	for i, k := range m.keepers {
		require.NoError(m.t, m.commit(k, epoch, []byte{byte(i)}))
	}
	for _, k := range m.keepers[:2] {
		require.NoError(m.t, m.vote(k, epoch, voteFor(r, price)))
	}
	require.True(m.t, m.epochReport(epoch).Finalized)
	return r
}

// servingEpoch is the first epoch the keepers serve in.
func (m *market) servingEpoch() uint64 {
	m.t.Helper()
	k, err := iorewards.ParseAccount_Keeper(m.data(keeperAddr(m.keepers[0].PublicKey())))
	require.NoError(m.t, err)
	return k.ActiveFrom
}

// nodeInput is a node's medians as the keepers measured them: class 1, 1,979 TOPS,
// full uptime, unhired.
func nodeInput(node solana.PublicKey, stake uint64) report.NodeInput {
	return report.NodeInput{Node: node, Class: 1, TOPSMilli: 1_979_000, UptimeBps: 10_000, Stake: stake}
}
