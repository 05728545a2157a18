// Package genesis sets ionet up on a cluster where the three programs are deployed
// (`anchor deploy`) but nothing else exists yet (docs/design.md §3, docs/deploy.md):
// it creates the $IO mint and mints the fixed 800M supply to the deployer, revokes the
// $IO mint authority for good, creates the IOSD mint, then initializes io-rewards
// (which takes its 300M allocation from the deployer), io-staking and io-hire, in that
// order, as the localnet's genesis does (harness/src/deploy.rs).
//
// Every step checks the chain first and is skipped when already done, so a run that
// stopped half-way (an expired blockhash, a lost connection) is resumed by running it
// again with the same mint keypairs. The $IO mint is created, minted and revoked in one
// transaction: there is never a $IO mint with a live mint authority.
package genesis

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"
	"github.com/gagliardetto/solana-go/programs/token"
	"github.com/gagliardetto/solana-go/rpc"

	"github.com/ionet-network/ionet/bindings/iohire"
	"github.com/ionet-network/ionet/bindings/iorewards"
	"github.com/ionet-network/ionet/bindings/iostaking"
	"github.com/ionet-network/ionet/chain/hire"
	"github.com/ionet-network/ionet/chain/rewards"
	"github.com/ionet-network/ionet/chain/staking"
)

// Params is everything genesis decides: the three programs' initialize arguments.
type Params struct {
	Staking iostaking.StakingParams `json:"staking"`
	Hire    iohire.HireParams       `json:"hire"`
	Rewards iorewards.RewardsParams `json:"rewards"`
}

//go:embed params.json
var defaultParams []byte

// DefaultParams are the production defaults of docs/design.md: hourly epochs, halving
// every 17,520 epochs (two years), E0 = 300M / 2P. params.json is their one Go copy;
// harness/tests/genesis_params.rs fails when it differs from the Rust genesis
// (harness::deploy::GenesisParams::default()). GenesisTs is 0 there: Run replaces 0 with
// the chain's clock.
func DefaultParams() Params {
	var p Params
	dec := json.NewDecoder(bytes.NewReader(defaultParams))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		panic(fmt.Sprintf("chain/genesis: params.json: %v", err))
	}
	return p
}

// Supply figures of docs/design.md §3, in $IO base units (8 decimals).
const (
	// IOSupply is every $IO there will ever be, minted once here.
	IOSupply = staking.GenesisSupply
	// IOSDDecimals: IOSD is 1:1 USD with micro-dollar units.
	IOSDDecimals = staking.USDDecimals
)

// Options say who deploys and which keys the mints get.
type Options struct {
	// Deployer signs and pays; it must be the upgrade authority of the three programs
	// (their initialize instructions check the ProgramData account) and becomes their
	// first admin. It receives the 500M $IO that io-rewards does not take.
	Deployer solana.PrivateKey
	// IOMint and IOSDMint are the mints' keypairs: keep them to resume a stopped run.
	IOMint, IOSDMint solana.PrivateKey
	// IOSDAuthority may mint IOSD (the stablecoin's issuer); default the deployer.
	IOSDAuthority solana.PublicKey
	Params        Params
	// Progress, when set, gets one line per step.
	Progress func(step string)
}

// Result is the deployment's addresses.
type Result struct {
	IOMint, IOSDMint solana.PublicKey
	// GenesisIO is the deployer's $IO account: the supply less io-rewards' allocation.
	GenesisIO                                solana.PublicKey
	StakingConfig, HireConfig, RewardsConfig solana.PublicKey
	RewardsVault                             solana.PublicKey
	Steps                                    []Step
}

// Step is one step and whether this run did it or found it done.
type Step struct {
	Name      string
	Done      bool // already on chain before this run
	Signature solana.Signature
}

// ErrNotUpgradeAuthority: the deployer is not the programs' upgrade authority.
var ErrNotUpgradeAuthority = errors.New("the deployer is not the program's upgrade authority")

// ErrOtherMints: the programs were initialized with other mints than these keypairs'.
var ErrOtherMints = errors.New("ionet is already deployed here with other mints")

// ErrNotDeployed: a program id has no executable account on the cluster.
var ErrNotDeployed = errors.New("program not deployed")

// ProgramDataAddress is the upgradeable loader's ProgramData account of program.
func ProgramDataAddress(program solana.PublicKey) solana.PublicKey {
	a, _, err := solana.FindProgramAddress([][]byte{program[:]}, solana.BPFLoaderUpgradeableProgramID)
	if err != nil {
		panic(err)
	}
	return a
}

// UpgradeAuthority reads a ProgramData account's upgrade authority: bincode of
// UpgradeableLoaderState::ProgramData { slot: u64, upgrade_authority: Option<Pubkey> },
// after the u32 variant index 3. ok is false for an immutable program.
func UpgradeAuthority(data []byte) (authority solana.PublicKey, ok bool, err error) {
	if len(data) < 4+8+1 || binary.LittleEndian.Uint32(data) != 3 {
		return solana.PublicKey{}, false, errors.New("not a ProgramData account")
	}
	if data[12] == 0 {
		return solana.PublicKey{}, false, nil
	}
	if len(data) < 13+32 {
		return solana.PublicKey{}, false, errors.New("ProgramData account too short")
	}
	return solana.PublicKeyFromBytes(data[13:45]), true, nil
}

// Run does genesis, skipping what is already on chain.
func Run(ctx context.Context, client *rpc.Client, o Options) (*Result, error) {
	deployer := o.Deployer.PublicKey()
	if o.IOSDAuthority.IsZero() {
		o.IOSDAuthority = deployer
	}
	g := &run{ctx: ctx, rpc: client, sc: &staking.Client{RPC: client}, o: o}
	r := &Result{
		IOMint:        o.IOMint.PublicKey(),
		IOSDMint:      o.IOSDMint.PublicKey(),
		GenesisIO:     staking.ATA(deployer, o.IOMint.PublicKey()),
		StakingConfig: staking.ConfigAddress(),
		HireConfig:    hire.ConfigAddress(),
		RewardsConfig: rewards.ConfigAddress(),
		RewardsVault:  rewards.VaultAddress(),
	}
	g.r = r
	for _, p := range []solana.PublicKey{iorewards.ProgramID, iostaking.ProgramID, iohire.ProgramID} {
		if err := g.checkProgram(p); err != nil {
			return r, err
		}
	}
	if err := g.sameMints(); err != nil {
		return r, err
	}
	if o.Params.Rewards.GenesisTs == 0 {
		now, err := g.sc.Now(ctx)
		if err != nil {
			return r, err
		}
		o.Params.Rewards.GenesisTs = now
		g.o.Params.Rewards.GenesisTs = now
	}
	steps := []struct {
		name string
		done func() (bool, error)
		ixs  func() ([]solana.Instruction, []solana.PrivateKey, error)
	}{
		{"$IO mint: 800M minted to the deployer, mint authority revoked", g.exists(r.IOMint), g.ioMint},
		{"IOSD mint", g.exists(r.IOSDMint), g.iosdMint},
		{"io-rewards initialized (300M $IO into its vault)", g.exists(r.RewardsConfig), g.initRewards},
		{"io-staking initialized", g.exists(r.StakingConfig), g.initStaking},
		{"io-hire initialized", g.exists(r.HireConfig), g.initHire},
	}
	for _, s := range steps {
		done, err := s.done()
		if err != nil {
			return r, fmt.Errorf("%s: %w", s.name, err)
		}
		step := Step{Name: s.name, Done: done}
		if !done {
			ixs, extra, err := s.ixs()
			if err != nil {
				return r, fmt.Errorf("%s: %w", s.name, err)
			}
			signers := append([]solana.PrivateKey{o.Deployer}, extra...)
			sig, err := g.sc.SendNamed(ctx, decoders, signers, ixs...)
			if err != nil {
				return r, fmt.Errorf("%s: %w", s.name, err)
			}
			step.Signature = sig
		}
		r.Steps = append(r.Steps, step)
		if o.Progress != nil {
			state := "done"
			if step.Done {
				state = "already done"
			}
			o.Progress(fmt.Sprintf("%s: %s", s.name, state))
		}
	}
	return r, nil
}

var decoders = staking.Decoders{
	iostaking.ProgramID: iostaking.DecodeError,
	iohire.ProgramID:    iohire.DecodeError,
	iorewards.ProgramID: iorewards.DecodeError,
}

type run struct {
	ctx context.Context
	rpc *rpc.Client
	sc  *staking.Client
	o   Options
	r   *Result
}

func (g *run) checkProgram(program solana.PublicKey) error {
	acc, err := g.rpc.GetAccountInfoWithOpts(g.ctx, program, &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
	if errors.Is(err, rpc.ErrNotFound) || (err == nil && (acc.Value == nil || !acc.Value.Executable)) {
		return fmt.Errorf("%w: %s (anchor deploy it first)", ErrNotDeployed, program)
	}
	if err != nil {
		return fmt.Errorf("getAccountInfo %s: %w", program, err)
	}
	pd := ProgramDataAddress(program)
	acc, err = g.rpc.GetAccountInfoWithOpts(g.ctx, pd, &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
	if err != nil {
		return fmt.Errorf("ProgramData of %s (%s): %w", program, pd, err)
	}
	auth, ok, err := UpgradeAuthority(acc.Value.Data.GetBinary())
	if err != nil {
		return fmt.Errorf("ProgramData of %s: %w", program, err)
	}
	if !ok || !auth.Equals(g.o.Deployer.PublicKey()) {
		return fmt.Errorf("%w: program %s, upgrade authority %v, deployer %s", ErrNotUpgradeAuthority, program,
			authorityString(auth, ok), g.o.Deployer.PublicKey())
	}
	return nil
}

// sameMints refuses to resume with other mint keypairs than the run that initialized
// the programs: it would create a second, unused 800M "$IO".
func (g *run) sameMints() error {
	rc := &rewards.Client{Staking: g.sc}
	if done, err := g.exists(g.r.RewardsConfig)(); err != nil || !done {
		return err
	}
	cfg, err := rc.Config(g.ctx)
	if err != nil {
		return err
	}
	if !cfg.IoMint.Equals(g.r.IOMint) {
		return fmt.Errorf("%w: io-rewards holds $IO mint %s, --io-mint-keypair is %s", ErrOtherMints, cfg.IoMint, g.r.IOMint)
	}
	if done, err := g.exists(g.r.StakingConfig)(); err != nil || !done {
		return err
	}
	sc, err := g.sc.Config(g.ctx)
	if err != nil {
		return err
	}
	if !sc.IosdMint.Equals(g.r.IOSDMint) {
		return fmt.Errorf("%w: io-staking holds IOSD mint %s, --iosd-mint-keypair is %s", ErrOtherMints, sc.IosdMint, g.r.IOSDMint)
	}
	return nil
}

func authorityString(a solana.PublicKey, ok bool) string {
	if !ok {
		return "none (immutable)"
	}
	return a.String()
}

func (g *run) exists(address solana.PublicKey) func() (bool, error) {
	return func() (bool, error) {
		acc, err := g.rpc.GetAccountInfoWithOpts(g.ctx, address, &rpc.GetAccountInfoOpts{Commitment: rpc.CommitmentConfirmed})
		if errors.Is(err, rpc.ErrNotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return acc.Value != nil, nil
	}
}

// createMint: a rent-exempt SPL Token mint account with no freeze authority.
func (g *run) createMint(mint solana.PrivateKey, decimals uint8, authority solana.PublicKey) ([]solana.Instruction, error) {
	rent, err := g.rpc.GetMinimumBalanceForRentExemption(g.ctx, token.MINT_SIZE, rpc.CommitmentConfirmed)
	if err != nil {
		return nil, fmt.Errorf("getMinimumBalanceForRentExemption: %w", err)
	}
	return []solana.Instruction{
		system.NewCreateAccountInstruction(rent, token.MINT_SIZE, solana.TokenProgramID,
			g.o.Deployer.PublicKey(), mint.PublicKey()).Build(),
		token.NewInitializeMint2InstructionBuilder().SetDecimals(decimals).SetMintAuthority(authority).
			SetMintAccount(mint.PublicKey()).Build(),
	}, nil
}

func (g *run) ioMint() ([]solana.Instruction, []solana.PrivateKey, error) {
	d := g.o.Deployer.PublicKey()
	mint := g.o.IOMint.PublicKey()
	ixs, err := g.createMint(g.o.IOMint, staking.IODecimals, d)
	if err != nil {
		return nil, nil, err
	}
	ixs = append(ixs,
		staking.CreateATAIdempotent(d, d, mint),
		token.NewMintToCheckedInstruction(IOSupply, staking.IODecimals, mint, g.r.GenesisIO, d, nil).Build(),
		// No new authority: nobody can ever mint $IO again.
		token.NewSetAuthorityInstructionBuilder().SetAuthorityType(token.AuthorityMintTokens).
			SetSubjectAccount(mint).SetAuthorityAccount(d).Build(),
	)
	return ixs, []solana.PrivateKey{g.o.IOMint}, nil
}

func (g *run) iosdMint() ([]solana.Instruction, []solana.PrivateKey, error) {
	ixs, err := g.createMint(g.o.IOSDMint, IOSDDecimals, g.o.IOSDAuthority)
	return ixs, []solana.PrivateKey{g.o.IOSDMint}, err
}

func (g *run) initRewards() ([]solana.Instruction, []solana.PrivateKey, error) {
	ix, err := iorewards.NewInitializeInstruction(g.o.Params.Rewards,
		g.o.Deployer.PublicKey(), ProgramDataAddress(iorewards.ProgramID), g.r.RewardsConfig, g.r.IOMint,
		rewards.VaultAuthority(), rewards.KeeperBondsAuthority(), g.r.GenesisIO, g.r.RewardsVault,
		rewards.KeeperBondsAddress(), solana.TokenProgramID, solana.SystemProgramID)
	return []solana.Instruction{ix}, nil, err
}

func (g *run) initStaking() ([]solana.Instruction, []solana.PrivateKey, error) {
	ix, err := iostaking.NewInitializeInstruction(g.o.Params.Staking,
		g.o.Deployer.PublicKey(), ProgramDataAddress(iostaking.ProgramID), g.r.StakingConfig, g.r.IOMint, g.r.IOSDMint,
		g.r.RewardsVault, staking.DelegatorRewardsAuthority(), staking.DelegatorRewardsVault(g.r.IOMint),
		staking.DelegatorRewardsVault(g.r.IOSDMint), solana.TokenProgramID, solana.SystemProgramID)
	return []solana.Instruction{ix}, nil, err
}

func (g *run) initHire() ([]solana.Instruction, []solana.PrivateKey, error) {
	ix, err := iohire.NewInitializeInstruction(g.o.Params.Hire,
		g.o.Deployer.PublicKey(), ProgramDataAddress(iohire.ProgramID), g.r.RewardsConfig, g.r.StakingConfig,
		g.r.HireConfig, g.r.IOMint, g.r.IOSDMint, hire.TreasuryAuthority(), hire.TreasuryAddress(g.r.IOMint),
		hire.TreasuryAddress(g.r.IOSDMint), solana.TokenProgramID, solana.SystemProgramID)
	return []solana.Instruction{ix}, nil, err
}
