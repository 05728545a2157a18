// Package bindings_test checks the generated Go bindings against bytes the Rust side
// produced (testdata/fixtures, written by harness/tests/fixtures.rs), so the programs'
// layouts and the bindings provably agree.
package bindings_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"testing"

	solana "github.com/gagliardetto/solana-go"

	"github.com/ionet-network/ionet/bindings/iorewards"
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
