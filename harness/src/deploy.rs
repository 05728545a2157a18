//! Creating the $IO and IOSD mints and initializing the three programs' configs, as
//! genesis does: used by the tests here and by the localnet.

use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use litesvm::types::FailedTransactionMetadata;
use litesvm::LiteSVM;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::token;
use anchor_spl::associated_token::get_associated_token_address;
use io_protocol::{ids, seeds};
use solana_account::Account;

pub use io_protocol::supply::{
    IO, IOSD_DECIMALS, IO_DECIMALS, IO_GENESIS_SUPPLY, IO_REWARDS_ALLOCATION,
};

/// Everything genesis decides.
#[derive(Clone, Debug)]
pub struct GenesisParams {
    pub staking: io_staking::params::StakingParams,
    pub hire: io_hire::params::HireParams,
    pub rewards: io_rewards::params::RewardsParams,
}

impl GenesisParams {
    /// The defaults with `epoch_seconds`-long epochs: the commit window is a sixth of
    /// an epoch and the vote window half of one, as the hourly defaults have it.
    pub fn with_epoch_seconds(epoch_seconds: i64) -> Self {
        let mut p = GenesisParams::default();
        p.rewards.epoch_seconds = epoch_seconds;
        p.rewards.commit_window_seconds = (epoch_seconds / 6).max(1);
        p.rewards.vote_window_seconds = (epoch_seconds / 2).max(1);
        p
    }
}

impl Default for GenesisParams {
    /// docs/design.md's defaults: hourly epochs, halving every 17,520 epochs, E0 chosen so
    /// the emission series tends to the 300M cap.
    fn default() -> Self {
        const HALVING_EPOCHS: u64 = 17_520;
        const CAP: u64 = 300_000_000 * IO;
        GenesisParams {
            staking: io_staking::params::StakingParams {
                min_operator_stake: 100 * IO,
                min_stake_per_gpu: 0,
                io_per_tops: 10 * IO,
                max_delegation_ratio_bps: 100_000,
                cooldown_seconds: 7 * 24 * 3600,
                delegator_availability_cut_bps: 500,
                delegator_hire_cut_bps: 100,
            },
            hire: io_hire::params::HireParams {
                iosd_fee_bps: 200,
                io_fee_bps: 0,
                max_price_age_epochs: 3,
                unmatched_timeout_seconds: 6 * 3600,
                booking_fee_bps: 50,
                supplier_fee_bps: 100,
                max_attestation_age_epochs: 3,
            },
            rewards: io_rewards::params::RewardsParams {
                genesis_ts: 0,
                epoch_seconds: 3600,
                // Σ E0·(1/2)^k·P = 2·E0·P ≤ CAP.
                initial_epoch_emission: CAP / (2 * HALVING_EPOCHS),
                halving_epochs: HALVING_EPOCHS,
                halving_ratio_bps: 5_000,
                emission_cap: CAP,
                keeper_bond: 10_000 * IO,
                quorum_num: 2,
                quorum_den: 3,
                uptime_threshold_bps: 10_000,
                commit_window_seconds: 600,
                vote_window_seconds: 1_800,
                keeper_unbonding_seconds: 7 * 24 * 3600,
            },
        }
    }
}

/// Addresses of a deployment.
#[derive(Clone, Copy, Debug)]
pub struct Deployment {
    pub io_mint: Pubkey,
    pub iosd_mint: Pubkey,
    /// The deployer (upgrade authority of the three programs and their first admin).
    pub deployer: Pubkey,
    /// The deployer's $IO account: genesis mints the whole supply here and io-rewards
    /// takes its 300M allocation from it; tests fund wallets from what is left.
    pub genesis_io: Pubkey,
    pub staking_config: Pubkey,
    pub delegator_rewards_authority: Pubkey,
    pub delegator_rewards_io: Pubkey,
    pub delegator_rewards_iosd: Pubkey,
    pub slash_burner: Pubkey,
    pub hire_config: Pubkey,
    pub rewards_config: Pubkey,
    pub rewards_vault: Pubkey,
    pub rewards_vault_authority: Pubkey,
    pub keeper_bonds: Pubkey,
    pub keeper_bonds_authority: Pubkey,
    pub attestor: Pubkey,
    pub slasher: Pubkey,
    pub escrow_authority: Pubkey,
    pub treasury: Pubkey,
    pub treasury_io: Pubkey,
    pub treasury_iosd: Pubkey,
}

impl Deployment {
    pub fn addresses(deployer: Pubkey, io_mint: Pubkey, iosd_mint: Pubkey) -> Self {
        let pda =
            |seeds: &[&[u8]], program: &Pubkey| Pubkey::find_program_address(seeds, program).0;
        let s = ids::IO_STAKING;
        Deployment {
            io_mint,
            iosd_mint,
            deployer,
            genesis_io: get_associated_token_address(&deployer, &io_mint),
            staking_config: pda(&[seeds::CONFIG], &s),
            delegator_rewards_authority: pda(&[seeds::DELEGATOR_REWARDS_AUTHORITY], &s),
            delegator_rewards_io: pda(&[seeds::DELEGATOR_REWARDS_VAULT, io_mint.as_ref()], &s),
            delegator_rewards_iosd: pda(&[seeds::DELEGATOR_REWARDS_VAULT, iosd_mint.as_ref()], &s),
            slash_burner: pda(&[seeds::SLASH_BURNER], &s),
            hire_config: pda(&[seeds::CONFIG], &ids::IO_HIRE),
            rewards_config: pda(&[seeds::CONFIG], &ids::IO_REWARDS),
            rewards_vault: pda(&[seeds::REWARDS_VAULT], &ids::IO_REWARDS),
            rewards_vault_authority: pda(&[seeds::REWARDS_VAULT_AUTHORITY], &ids::IO_REWARDS),
            keeper_bonds: pda(&[seeds::KEEPER_BONDS], &ids::IO_REWARDS),
            keeper_bonds_authority: pda(&[seeds::KEEPER_BONDS_AUTHORITY], &ids::IO_REWARDS),
            attestor: pda(&[seeds::ATTESTOR], &ids::IO_REWARDS),
            slasher: pda(&[seeds::SLASHER], &ids::IO_HIRE),
            escrow_authority: pda(&[seeds::ESCROW_AUTHORITY], &ids::IO_HIRE),
            treasury: pda(&[seeds::TREASURY], &ids::IO_HIRE),
            treasury_io: pda(&[seeds::TREASURY_VAULT, io_mint.as_ref()], &ids::IO_HIRE),
            treasury_iosd: pda(&[seeds::TREASURY_VAULT, iosd_mint.as_ref()], &ids::IO_HIRE),
        }
    }

    /// The keeper account of `authority`.
    pub fn keeper(authority: &Pubkey) -> Pubkey {
        Pubkey::find_program_address(&[seeds::KEEPER, authority.as_ref()], &ids::IO_REWARDS).0
    }

    /// io-rewards `register_keeper`: the bond comes from `bond_source`.
    pub fn register_keeper(
        &self,
        authority: &Pubkey,
        bond_source: &Pubkey,
        endpoint: &str,
    ) -> Instruction {
        Instruction {
            program_id: ids::IO_REWARDS,
            accounts: io_rewards::accounts::RegisterKeeper {
                authority: *authority,
                config: self.rewards_config,
                keeper: Self::keeper(authority),
                bond_source: *bond_source,
                keeper_bonds: self.keeper_bonds,
                token_program: spl_token::ID,
                system_program: solana_sdk_ids::system_program::id(),
            }
            .to_account_metas(None),
            data: io_rewards::instruction::RegisterKeeper {
                args: io_rewards::instructions::RegisterKeeperArgs {
                    endpoint: endpoint.into(),
                },
            }
            .data(),
        }
    }

    /// io-rewards `deregister_keeper`: the bond goes back to `bond_destination`.
    pub fn deregister_keeper(&self, authority: &Pubkey, bond_destination: &Pubkey) -> Instruction {
        Instruction {
            program_id: ids::IO_REWARDS,
            accounts: io_rewards::accounts::DeregisterKeeper {
                authority: *authority,
                config: self.rewards_config,
                keeper: Self::keeper(authority),
                bond_destination: *bond_destination,
                keeper_bonds: self.keeper_bonds,
                keeper_bonds_authority: self.keeper_bonds_authority,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: io_rewards::instruction::DeregisterKeeper {}.data(),
        }
    }

    pub fn initialize_staking(
        &self,
        admin: &Pubkey,
        params: io_staking::params::StakingParams,
    ) -> Instruction {
        Instruction {
            program_id: ids::IO_STAKING,
            accounts: io_staking::accounts::Initialize {
                admin: *admin,
                program_data: ids::program_data(&ids::IO_STAKING),
                config: self.staking_config,
                io_mint: self.io_mint,
                iosd_mint: self.iosd_mint,
                rewards_vault: self.rewards_vault,
                rewards_authority: self.delegator_rewards_authority,
                rewards_io: self.delegator_rewards_io,
                rewards_iosd: self.delegator_rewards_iosd,
                token_program: spl_token::ID,
                system_program: solana_sdk_ids::system_program::id(),
            }
            .to_account_metas(None),
            data: io_staking::instruction::Initialize { params }.data(),
        }
    }

    pub fn initialize_hire(
        &self,
        admin: &Pubkey,
        params: io_hire::params::HireParams,
    ) -> Instruction {
        Instruction {
            program_id: ids::IO_HIRE,
            accounts: io_hire::accounts::Initialize {
                admin: *admin,
                program_data: ids::program_data(&ids::IO_HIRE),
                rewards_config: self.rewards_config,
                staking_config: self.staking_config,
                config: self.hire_config,
                io_mint: self.io_mint,
                iosd_mint: self.iosd_mint,
                treasury: self.treasury,
                treasury_io: self.treasury_io,
                treasury_iosd: self.treasury_iosd,
                token_program: spl_token::ID,
                system_program: solana_sdk_ids::system_program::id(),
            }
            .to_account_metas(None),
            data: io_hire::instruction::Initialize { params }.data(),
        }
    }

    pub fn initialize_rewards(
        &self,
        admin: &Pubkey,
        allocation_source: &Pubkey,
        params: io_rewards::params::RewardsParams,
    ) -> Instruction {
        Instruction {
            program_id: ids::IO_REWARDS,
            accounts: io_rewards::accounts::Initialize {
                admin: *admin,
                program_data: ids::program_data(&ids::IO_REWARDS),
                config: self.rewards_config,
                io_mint: self.io_mint,
                vault_authority: self.rewards_vault_authority,
                keeper_bonds_authority: self.keeper_bonds_authority,
                allocation_source: *allocation_source,
                vault: self.rewards_vault,
                keeper_bonds: self.keeper_bonds,
                token_program: spl_token::ID,
                system_program: solana_sdk_ids::system_program::id(),
            }
            .to_account_metas(None),
            data: io_rewards::instruction::Initialize { params }.data(),
        }
    }
}

/// Writes the upgradeable loader's ProgramData account of `program` with `authority`
/// as its upgrade authority, as `solana program deploy` leaves it. The programs run as
/// native builtins here, but their `initialize` checks this account exactly as on chain.
pub fn install_program_data(svm: &mut LiteSVM, program: &Pubkey, authority: &Pubkey) {
    // bincode of UpgradeableLoaderState::ProgramData { slot: 0, upgrade_authority_address }:
    // the variant index (3, u32 LE), the slot (u64 LE), then Option<Pubkey>.
    let mut data = Vec::with_capacity(45);
    data.extend_from_slice(&3u32.to_le_bytes());
    data.extend_from_slice(&0u64.to_le_bytes());
    data.push(1);
    data.extend_from_slice(authority.as_ref());
    let account = Account {
        lamports: svm.minimum_balance_for_rent_exemption(data.len()),
        data,
        owner: ids::BPF_LOADER_UPGRADEABLE,
        executable: false,
        rent_epoch: 0,
    };
    svm.set_account(ids::program_data(program), account)
        .expect("a plain data account is always accepted");
}

/// The first half of genesis (docs/design.md §3): creates both mints, mints the fixed 800M
/// $IO supply into the deployer's account, revokes the $IO mint authority for good and
/// makes `deployer` the upgrade authority of the three programs. IOSD's mint authority
/// stays with `iosd_authority`.
pub fn prepare_genesis(
    svm: &mut LiteSVM,
    deployer: &Keypair,
    iosd_authority: &Keypair,
    io_mint: &Keypair,
    iosd_mint: &Keypair,
) -> Result<Deployment, Box<FailedTransactionMetadata>> {
    let a = deployer.pubkey();
    token::create_mint(svm, deployer, io_mint, &a, IO_DECIMALS)?;
    token::create_mint(
        svm,
        deployer,
        iosd_mint,
        &iosd_authority.pubkey(),
        IOSD_DECIMALS,
    )?;
    let d = Deployment::addresses(a, io_mint.pubkey(), iosd_mint.pubkey());
    let create_ata = anchor_spl::associated_token::spl_associated_token_account::instruction::create_associated_token_account(
        &a, &a, &d.io_mint, &spl_token::ID,
    );
    token::send(svm, deployer, &[], &[create_ata])?;
    token::mint_to(
        svm,
        deployer,
        &d.io_mint,
        deployer,
        &d.genesis_io,
        IO_GENESIS_SUPPLY,
    )?;
    let revoke = spl_token::instruction::set_authority(
        &spl_token::ID,
        &d.io_mint,
        None,
        spl_token::instruction::AuthorityType::MintTokens,
        &a,
        &[],
    )
    .expect("valid set_authority instruction");
    token::send(svm, deployer, &[], &[revoke])?;
    for program in [ids::IO_STAKING, ids::IO_HIRE, ids::IO_REWARDS] {
        install_program_data(svm, &program, &a);
    }
    Ok(d)
}

/// Genesis: [`prepare_genesis`], then io-rewards (which takes its 300M allocation from
/// the deployer), io-staking and io-hire are initialized in that order.
pub fn deploy(
    svm: &mut LiteSVM,
    deployer: &Keypair,
    iosd_authority: &Keypair,
    io_mint: &Keypair,
    iosd_mint: &Keypair,
    params: &GenesisParams,
) -> Result<Deployment, Box<FailedTransactionMetadata>> {
    let d = prepare_genesis(svm, deployer, iosd_authority, io_mint, iosd_mint)?;
    let a = deployer.pubkey();
    let ixs = [
        d.initialize_rewards(&a, &d.genesis_io, params.rewards.clone()),
        d.initialize_staking(&a, params.staking.clone()),
        d.initialize_hire(&a, params.hire.clone()),
    ];
    for ix in ixs {
        token::send(svm, deployer, &[], &[ix])?;
    }
    Ok(d)
}
