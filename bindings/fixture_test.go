// Package bindings_test checks the generated Go bindings against bytes the Rust side
// produced (testdata/fixtures, written by harness/tests/fixtures.rs), so the programs'
// layouts and the bindings provably agree.
package bindings_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math/big"
	"os"
	"testing"

	solana "github.com/gagliardetto/solana-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
)

type accountFixture struct {
	Address string                     `json:"address"`
	Data    string                     `json:"data"`
	Fields  map[string]json.RawMessage `json:"fields"`
}

type rewardsFixture struct {
	RewardsConfig accountFixture `json:"rewards_config"`
	Keeper        accountFixture `json:"keeper"`
	Event         struct {
		Data string `json:"data"`
	} `json:"keeper_registered_event"`
	Instruction struct {
		ProgramID string `json:"program_id"`
		Data      string `json:"data"`
		Endpoint  string `json:"endpoint"`
		Accounts  []struct {
			Pubkey     string `json:"pubkey"`
			IsSigner   bool   `json:"is_signer"`
			IsWritable bool   `json:"is_writable"`
		} `json:"accounts"`
	} `json:"register_keeper_instruction"`
}

func loadFixture(t *testing.T) rewardsFixture {
	t.Helper()
	raw, err := os.ReadFile("../testdata/fixtures/io_rewards.json")
	if err != nil {
		t.Fatal(err)
	}
	var f rewardsFixture
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// field unmarshals one expected field of a fixture into the type of got and compares.
func field[T comparable](t *testing.T, fields map[string]json.RawMessage, name string, got T) {
	t.Helper()
	raw, ok := fields[name]
	if !ok {
		t.Fatalf("fixture has no field %q", name)
	}
	var want T
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatalf("field %q: %v", name, err)
	}
	if got != want {
		t.Errorf("%s: Go decoded %v, Rust wrote %v", name, got, want)
	}
}

func key(t *testing.T, fields map[string]json.RawMessage, name string, got solana.PublicKey) {
	t.Helper()
	field(t, fields, name, got.String())
}

func TestRewardsConfigDecodesRustBytes(t *testing.T) {
	f := loadFixture(t).RewardsConfig
	c, err := iorewards.ParseAccount_RewardsConfig(b64(t, f.Data))
	if err != nil {
		t.Fatal(err)
	}
	key(t, f.Fields, "admin", c.Admin)
	key(t, f.Fields, "io_mint", c.IoMint)
	key(t, f.Fields, "vault", c.Vault)
	key(t, f.Fields, "keeper_bonds", c.KeeperBonds)
	field(t, f.Fields, "genesis_ts", c.Params.GenesisTs)
	field(t, f.Fields, "epoch_seconds", c.Params.EpochSeconds)
	field(t, f.Fields, "initial_epoch_emission", c.Params.InitialEpochEmission)
	field(t, f.Fields, "halving_epochs", c.Params.HalvingEpochs)
	field(t, f.Fields, "halving_ratio_bps", c.Params.HalvingRatioBps)
	field(t, f.Fields, "emission_cap", c.Params.EmissionCap)
	field(t, f.Fields, "keeper_bond", c.Params.KeeperBond)
	field(t, f.Fields, "quorum_num", c.Params.QuorumNum)
	field(t, f.Fields, "quorum_den", c.Params.QuorumDen)
	field(t, f.Fields, "uptime_threshold_bps", c.Params.UptimeThresholdBps)
	field(t, f.Fields, "keeper_count", c.KeeperCount)
	field(t, f.Fields, "emitted", c.Emitted)
	field(t, f.Fields, "burned", c.Burned)
	field(t, f.Fields, "bump", c.Bump)
	field(t, f.Fields, "vault_bump", c.VaultBump)
	field(t, f.Fields, "keeper_bonds_bump", c.KeeperBondsBump)
	field(t, f.Fields, "vault_authority_bump", c.VaultAuthorityBump)
	field(t, f.Fields, "keeper_bonds_authority_bump", c.KeeperBondsAuthorityBump)
	// Re-encoding gives back every byte after the discriminator: no field was skipped.
	data := b64(t, f.Data)
	again, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// The config is allocated for its largest value (options set); the rest is zero.
	if !bytes.Equal(again, data[8:8+len(again)]) || len(bytes.Trim(data[8+len(again):], "\x00")) != 0 {
		t.Errorf("re-encoded RewardsConfig differs:\n go   %x\n rust %x", again, data[8:])
	}
	if c.KeeperCount != 1 || c.Params.EmissionCap == 0 {
		t.Errorf("fixture should hold one keeper and a non-zero cap, got %+v", c)
	}
}

func TestKeeperAndEventDecodeRustBytes(t *testing.T) {
	fx := loadFixture(t)
	f := fx.Keeper
	k, err := iorewards.ParseAccount_Keeper(b64(t, f.Data))
	if err != nil {
		t.Fatal(err)
	}
	key(t, f.Fields, "authority", k.Authority)
	field(t, f.Fields, "bond", k.Bond)
	field(t, f.Fields, "endpoint", k.Endpoint)
	field(t, f.Fields, "registered_at", k.RegisteredAt)
	field(t, f.Fields, "bump", k.Bump)
	data := b64(t, f.Data)
	again, err := k.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Keeper is allocated for the longest endpoint; the rest of the account is zero.
	if !bytes.Equal(again, data[8:8+len(again)]) || len(bytes.Trim(data[8+len(again):], "\x00")) != 0 {
		t.Errorf("re-encoded Keeper differs:\n go   %x\n rust %x", again, data[8:])
	}

	ev, err := iorewards.ParseEvent_KeeperRegistered(b64(t, fx.Event.Data))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Keeper.String() != f.Address || ev.Authority != k.Authority || ev.Bond != k.Bond || ev.KeeperCount != 1 {
		t.Errorf("event %+v does not match keeper %s %+v", ev, f.Address, k)
	}
}

func TestRegisterKeeperInstructionMatchesRust(t *testing.T) {
	want := loadFixture(t).Instruction
	acc := func(i int) solana.PublicKey { return solana.MustPublicKeyFromBase58(want.Accounts[i].Pubkey) }
	if len(want.Accounts) != 7 {
		t.Fatalf("fixture has %d accounts, register_keeper takes 7", len(want.Accounts))
	}
	ix, err := iorewards.NewRegisterKeeperInstruction(
		iorewards.RegisterKeeperArgs{Endpoint: want.Endpoint},
		acc(0), acc(1), acc(2), acc(3), acc(4), acc(5), acc(6),
	)
	if err != nil {
		t.Fatal(err)
	}
	if ix.ProgramID().String() != want.ProgramID {
		t.Errorf("program id %s, Rust used %s", ix.ProgramID(), want.ProgramID)
	}
	data, err := ix.Data()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, b64(t, want.Data)) {
		t.Errorf("instruction data differs:\n go   %x\n rust %x", data, b64(t, want.Data))
	}
	if len(ix.Accounts()) != len(want.Accounts) {
		t.Fatalf("go built %d accounts, rust %d", len(ix.Accounts()), len(want.Accounts))
	}
	for i, m := range ix.Accounts() {
		w := want.Accounts[i]
		if m.PublicKey.String() != w.Pubkey || m.IsSigner != w.IsSigner || m.IsWritable != w.IsWritable {
			t.Errorf("account %d: go %+v, rust %+v", i, *m, w)
		}
	}
}

func TestCorruptAccountBytesAreRejected(t *testing.T) {
	data := b64(t, loadFixture(t).RewardsConfig.Data)
	if _, err := iorewards.ParseAccount_RewardsConfig(data[:40]); err == nil {
		t.Error("truncated RewardsConfig decoded without error")
	}
	wrong := bytes.Clone(data)
	wrong[0] ^= 0xff
	if _, err := iorewards.ParseAccount_RewardsConfig(wrong); err == nil {
		t.Error("RewardsConfig with a wrong discriminator decoded without error")
	}
	if _, err := iorewards.ParseAccount_Keeper(data); err == nil {
		t.Error("RewardsConfig bytes decoded as a Keeper")
	}
}

func TestSeedsFromTheIDLDeriveTheRustAddresses(t *testing.T) {
	fx := loadFixture(t)
	config, _, err := solana.FindProgramAddress([][]byte{iorewards.CONFIG_SEED}, iorewards.ProgramID)
	if err != nil {
		t.Fatal(err)
	}
	if config.String() != fx.RewardsConfig.Address {
		t.Errorf("config PDA %s, Rust used %s", config, fx.RewardsConfig.Address)
	}
	vault, _, err := solana.FindProgramAddress([][]byte{iorewards.REWARDS_VAULT_SEED}, iorewards.ProgramID)
	if err != nil {
		t.Fatal(err)
	}
	key(t, fx.RewardsConfig.Fields, "vault", vault)
	authority := solana.MustPublicKeyFromBase58(fx.Instruction.Accounts[0].Pubkey)
	keeper, _, err := solana.FindProgramAddress([][]byte{iorewards.KEEPER_SEED, authority[:]}, iorewards.ProgramID)
	if err != nil {
		t.Fatal(err)
	}
	if keeper.String() != fx.Keeper.Address {
		t.Errorf("keeper PDA %s, Rust used %s", keeper, fx.Keeper.Address)
	}
}

// stakingFixture is testdata/fixtures/io_staking.json: a node with operator stake and
// one delegation, part of it in a cooldown ticket (harness/tests/fixtures.rs).
type stakingFixture struct {
	StakingConfig  accountFixture        `json:"staking_config"`
	Node           accountFixture        `json:"node"`
	Delegation     accountFixture        `json:"delegation"`
	Ticket         accountFixture        `json:"ticket"`
	NodeRegistered struct{ Data string } `json:"node_registered_event"`
	StakeDeposited struct{ Data string } `json:"stake_deposited_event"`
	RegisterNode   instructionFixture    `json:"register_node_instruction"`
	Delegate       instructionFixture    `json:"delegate_instruction"`
}

type instructionFixture struct {
	ProgramID string `json:"program_id"`
	Data      string `json:"data"`
	Accounts  []struct {
		Pubkey     string `json:"pubkey"`
		IsSigner   bool   `json:"is_signer"`
		IsWritable bool   `json:"is_writable"`
	} `json:"accounts"`
}

func (f instructionFixture) key(i int) solana.PublicKey {
	return solana.MustPublicKeyFromBase58(f.Accounts[i].Pubkey)
}

func loadStakingFixture(t *testing.T) stakingFixture {
	t.Helper()
	raw, err := os.ReadFile("../testdata/fixtures/io_staking.json")
	require.NoError(t, err)
	var f stakingFixture
	require.NoError(t, json.Unmarshal(raw, &f))
	return f
}

// sameBytes checks that re-encoding gives back every byte after the discriminator and
// that whatever the account holds beyond (space for the longest value) is zero.
func sameBytes(t *testing.T, what string, again, data []byte) {
	t.Helper()
	require.GreaterOrEqual(t, len(data), 8+len(again), "%s: Go encodes more bytes than the account holds", what)
	assert.Equal(t, data[8:8+len(again)], again, "re-encoded %s differs", what)
	assert.Empty(t, bytes.Trim(data[8+len(again):], "\x00"), "%s: bytes after the encoded value are not zero", what)
}

func TestStakingConfigDecodesRustBytes(t *testing.T) {
	f := loadStakingFixture(t).StakingConfig
	data := b64(t, f.Data)
	c, err := iostaking.ParseAccount_StakingConfig(data)
	require.NoError(t, err)
	key(t, f.Fields, "admin", c.Admin)
	key(t, f.Fields, "io_mint", c.IoMint)
	key(t, f.Fields, "iosd_mint", c.IosdMint)
	key(t, f.Fields, "slasher", c.Slasher)
	key(t, f.Fields, "attestor", c.Attestor)
	field(t, f.Fields, "min_operator_stake", c.Params.MinOperatorStake)
	field(t, f.Fields, "cooldown_seconds", c.Params.CooldownSeconds)
	field(t, f.Fields, "bump", c.Bump)
	assert.Nil(t, c.PendingAdmin, "no admin handover was proposed")
	again, err := c.Marshal()
	require.NoError(t, err)
	sameBytes(t, "StakingConfig", again, data)
}

func TestNodeDecodesRustBytes(t *testing.T) {
	f := loadStakingFixture(t).Node
	data := b64(t, f.Data)
	n, err := iostaking.ParseAccount_Node(data)
	require.NoError(t, err)
	key(t, f.Fields, "node_id", n.NodeId)
	key(t, f.Fields, "operator", n.Operator)
	key(t, f.Fields, "worker", n.Worker)
	field(t, f.Fields, "gpu_count", n.Spec.GpuCount)
	field(t, f.Fields, "location", string(n.Spec.Location[:]))
	field(t, f.Fields, "ask_micro_usd", n.AskMicroUsd)
	field(t, f.Fields, "endpoint", n.Endpoint)
	field(t, f.Fields, "pool_tokens", n.Pool.Tokens)
	field(t, f.Fields, "operator_shares", n.Pool.OperatorShares.String())
	field(t, f.Fields, "delegated_shares", n.Pool.DelegatedShares.String())
	field(t, f.Fields, "cooling_shares", n.Pool.CoolingShares.String())
	field(t, f.Fields, "delegations", n.Delegations)
	field(t, f.Fields, "attested_tops_milli", n.Attested.TopsMilli)
	field(t, f.Fields, "bump", n.Bump)
	field(t, f.Fields, "vault_bump", n.VaultBump)
	// The rest of the spec as fixtures.rs registered it.
	assert.Equal(t, iostaking.NodeSpec{GpuClass: 1, GpuCount: 8, VramMibPerGpu: 81_920, Vcpus: 96, RamGib: 1_024,
		BandwidthMbps: 10_000, Location: [2]uint8{'D', 'E'}, Compliance: 0b101, Nvlink: true}, n.Spec)
	again, err := n.Marshal()
	require.NoError(t, err)
	// Node is allocated for the longest endpoint; the rest of the account is zero.
	sameBytes(t, "Node", again, data)
}

func TestDelegationAndTicketDecodeRustBytes(t *testing.T) {
	fx := loadStakingFixture(t)
	f := fx.Delegation
	data := b64(t, f.Data)
	d, err := iostaking.ParseAccount_Delegation(data)
	require.NoError(t, err)
	key(t, f.Fields, "node", d.Node)
	key(t, f.Fields, "owner", d.Owner)
	field(t, f.Fields, "shares", d.Shares.String())
	field(t, f.Fields, "bump", d.Bump)
	again, err := d.Marshal()
	require.NoError(t, err)
	sameBytes(t, "Delegation", again, data)

	f = fx.Ticket
	data = b64(t, f.Data)
	tk, err := iostaking.ParseAccount_Ticket(data)
	require.NoError(t, err)
	key(t, f.Fields, "node", tk.Node)
	key(t, f.Fields, "owner", tk.Owner)
	field(t, f.Fields, "id", tk.Id)
	field(t, f.Fields, "shares", tk.Shares.String())
	field(t, f.Fields, "unlocks_at", tk.UnlocksAt)
	again, err = tk.Marshal()
	require.NoError(t, err)
	sameBytes(t, "Ticket", again, data)

	// The node's pool counts exactly this position and this ticket.
	n, err := iostaking.ParseAccount_Node(b64(t, fx.Node.Data))
	require.NoError(t, err)
	assert.Equal(t, n.Pool.DelegatedShares.BigInt(), d.Shares.BigInt())
	assert.Equal(t, n.Pool.CoolingShares.BigInt(), tk.Shares.BigInt())
	assert.Equal(t, fx.Node.Address, d.Node.String())
	assert.Equal(t, fx.Node.Address, tk.Node.String())
}

func TestStakingEventsMatchTheAccounts(t *testing.T) {
	fx := loadStakingFixture(t)
	n, err := iostaking.ParseAccount_Node(b64(t, fx.Node.Data))
	require.NoError(t, err)
	reg, err := iostaking.ParseEvent_NodeRegistered(b64(t, fx.NodeRegistered.Data))
	require.NoError(t, err)
	assert.Equal(t, fx.Node.Address, reg.Node.String())
	assert.Equal(t, n.Operator, reg.Operator)
	assert.Equal(t, n.Worker, reg.Worker)
	assert.Equal(t, n.Spec, reg.Spec)
	assert.Equal(t, n.AskMicroUsd, reg.AskMicroUsd)
	assert.Equal(t, n.Endpoint, reg.Endpoint)

	d, err := iostaking.ParseAccount_Delegation(b64(t, fx.Delegation.Data))
	require.NoError(t, err)
	dep, err := iostaking.ParseEvent_StakeDeposited(b64(t, fx.StakeDeposited.Data))
	require.NoError(t, err)
	assert.Equal(t, fx.Node.Address, dep.Node.String())
	assert.Equal(t, d.Owner, dep.Owner)
	assert.False(t, dep.Operator, "a delegation, not the operator's stake")
	// 600 $IO delegated at 1:1 into a pool of 1,000 $IO operator stake; 200 of the
	// shares moved to the ticket afterwards.
	assert.Equal(t, uint64(600_0000_0000), dep.Amount)
	assert.Equal(t, "60000000000", dep.Shares.String())
	assert.Equal(t, n.Pool.Tokens, dep.PoolTokens, "no token left the pool after the deposit")
	shares := new(big.Int).Add(d.Shares.BigInt(), n.Pool.CoolingShares.BigInt())
	assert.Equal(t, dep.Shares.BigInt(), shares, "position plus ticket hold the shares the deposit bought")

	// The delegate instruction's amount is the event's.
	data := b64(t, fx.Delegate.Data)
	assert.Equal(t, dep.Amount, binary.LittleEndian.Uint64(data[8:]))
}

// checkInstruction compares a Go-built instruction with Rust's, byte for byte and meta
// for meta.
func checkInstruction(t *testing.T, ix solana.Instruction, want instructionFixture) {
	t.Helper()
	assert.Equal(t, want.ProgramID, ix.ProgramID().String())
	data, err := ix.Data()
	require.NoError(t, err)
	assert.Equal(t, b64(t, want.Data), data)
	require.Len(t, ix.Accounts(), len(want.Accounts))
	for i, m := range ix.Accounts() {
		w := want.Accounts[i]
		assert.Equal(t, w.Pubkey, m.PublicKey.String(), "account %d", i)
		assert.Equal(t, w.IsSigner, m.IsSigner, "account %d signer", i)
		assert.Equal(t, w.IsWritable, m.IsWritable, "account %d writable", i)
	}
}

func TestStakingInstructionsMatchRust(t *testing.T) {
	fx := loadStakingFixture(t)
	n, err := iostaking.ParseAccount_Node(b64(t, fx.Node.Data))
	require.NoError(t, err)

	w := fx.RegisterNode
	require.Len(t, w.Accounts, 9, "register_node takes 9 accounts")
	ix, err := iostaking.NewRegisterNodeInstruction(
		iostaking.RegisterNodeArgs{Spec: n.Spec, AskMicroUsd: n.AskMicroUsd, Endpoint: n.Endpoint},
		w.key(0), w.key(1), w.key(2), w.key(3), w.key(4), w.key(5), w.key(6), w.key(7), w.key(8),
	)
	require.NoError(t, err)
	checkInstruction(t, ix, w)

	w = fx.Delegate
	require.Len(t, w.Accounts, 8, "delegate takes 8 accounts")
	ix, err = iostaking.NewDelegateInstruction(600_0000_0000,
		w.key(0), w.key(1), w.key(2), w.key(3), w.key(4), w.key(5), w.key(6), w.key(7))
	require.NoError(t, err)
	checkInstruction(t, ix, w)
}

func TestStakingSeedsFromTheIDLDeriveTheRustAddresses(t *testing.T) {
	fx := loadStakingFixture(t)
	pda := func(seeds ...[]byte) string {
		t.Helper()
		a, _, err := solana.FindProgramAddress(seeds, iostaking.ProgramID)
		require.NoError(t, err)
		return a.String()
	}
	reg := fx.RegisterNode
	worker := reg.key(1)
	node := solana.MustPublicKeyFromBase58(fx.Node.Address)
	owner := fx.Delegate.key(0)
	assert.Equal(t, fx.StakingConfig.Address, pda(iostaking.CONFIG_SEED))
	assert.Equal(t, reg.Accounts[2].Pubkey, pda(iostaking.CONFIG_SEED))
	assert.Equal(t, fx.Node.Address, pda(iostaking.NODE_SEED, worker[:]))
	assert.Equal(t, reg.Accounts[4].Pubkey, pda(iostaking.WORKER_SEED, worker[:]), "worker binding")
	assert.Equal(t, reg.Accounts[5].Pubkey, pda(iostaking.STAKE_VAULT_SEED, node[:]), "stake vault")
	assert.Equal(t, fx.Delegate.Accounts[4].Pubkey, pda(iostaking.STAKE_VAULT_SEED, node[:]), "stake vault")
	assert.Equal(t, fx.Delegation.Address, pda(iostaking.DELEGATION_SEED, node[:], owner[:]))
	id := make([]byte, 8)
	binary.LittleEndian.PutUint64(id, 7)
	assert.Equal(t, fx.Ticket.Address, pda(iostaking.TICKET_SEED, node[:], owner[:], id))
}
