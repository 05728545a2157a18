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
use io_protocol::{ids, seeds};

pub use io_protocol::supply::{IO, IO_DECIMALS};
/// IOSD is micro-USD.
pub const IOSD_DECIMALS: u8 = 6;

/// Everything genesis decides.
#[derive(Clone, Debug)]
pub struct GenesisParams {
    pub staking: io_staking::params::StakingParams,
    pub hire: io_hire::params::HireParams,
    pub rewards: io_rewards::params::RewardsParams,
}

impl Default for GenesisParams {
    /// DESIGN.md's defaults: hourly epochs, halving every 17,520 epochs, E0 chosen so
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
            },
        }
    }
}

/// Addresses of a deployment.
#[derive(Clone, Copy, Debug)]
pub struct Deployment {
    pub io_mint: Pubkey,
    pub iosd_mint: Pubkey,
    pub staking_config: Pubkey,
    pub hire_config: Pubkey,
    pub rewards_config: Pubkey,
    pub rewards_vault: Pubkey,
    pub keeper_bonds: Pubkey,
    pub treasury: Pubkey,
    pub treasury_io: Pubkey,
    pub treasury_iosd: Pubkey,
}

impl Deployment {
    pub fn addresses(io_mint: Pubkey, iosd_mint: Pubkey) -> Self {
        let pda =
            |seeds: &[&[u8]], program: &Pubkey| Pubkey::find_program_address(seeds, program).0;
        Deployment {
            io_mint,
            iosd_mint,
            staking_config: pda(&[seeds::CONFIG], &ids::IO_STAKING),
            hire_config: pda(&[seeds::CONFIG], &ids::IO_HIRE),
            rewards_config: pda(&[seeds::CONFIG], &ids::IO_REWARDS),
            rewards_vault: pda(&[seeds::REWARDS_VAULT], &ids::IO_REWARDS),
            keeper_bonds: pda(&[seeds::KEEPER_BONDS], &ids::IO_REWARDS),
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
                config: self.staking_config,
                io_mint: self.io_mint,
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
        params: io_rewards::params::RewardsParams,
    ) -> Instruction {
        Instruction {
            program_id: ids::IO_REWARDS,
            accounts: io_rewards::accounts::Initialize {
                admin: *admin,
                config: self.rewards_config,
                io_mint: self.io_mint,
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

/// Creates both mints (authority: `mint_authority`) and initializes the three configs.
pub fn deploy(
    svm: &mut LiteSVM,
    admin: &Keypair,
    mint_authority: &Keypair,
    io_mint: &Keypair,
    iosd_mint: &Keypair,
    params: &GenesisParams,
) -> Result<Deployment, Box<FailedTransactionMetadata>> {
    token::create_mint(svm, admin, io_mint, &mint_authority.pubkey(), IO_DECIMALS)?;
    token::create_mint(
        svm,
        admin,
        iosd_mint,
        &mint_authority.pubkey(),
        IOSD_DECIMALS,
    )?;
    let d = Deployment::addresses(io_mint.pubkey(), iosd_mint.pubkey());
    let a = admin.pubkey();
    token::send(
        svm,
        admin,
        &[],
        &[d.initialize_rewards(&a, params.rewards.clone())],
    )?;
    token::send(
        svm,
        admin,
        &[],
        &[d.initialize_staking(&a, params.staking.clone())],
    )?;
    token::send(
        svm,
        admin,
        &[],
        &[d.initialize_hire(&a, params.hire.clone())],
    )?;
    Ok(d)
}
