use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_protocol::{ids, seeds};
use io_rewards::state::RewardsConfig;
use io_staking::state::StakingConfig;

use crate::errors::HireError;
use crate::events::HireInitialized;
use crate::params::HireParams;
use crate::state::HireConfig;

/// Creates the config and the fee treasury. Only the program's upgrade authority may
/// call it, last of the three programs: io-rewards' and io-staking's configs must name
/// the same $IO mint (and io-staking the same IOSD mint).
#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = ids::BPF_LOADER_UPGRADEABLE,
        constraint = program_data.upgrade_authority_address == Some(admin.key()) @ HireError::NotDeployer,
    )]
    pub program_data: Account<'info, ProgramData>,
    #[account(
        seeds = [seeds::CONFIG],
        bump = rewards_config.bump,
        seeds::program = ids::IO_REWARDS,
        constraint = rewards_config.io_mint == io_mint.key() @ HireError::MintMismatch,
    )]
    pub rewards_config: Account<'info, RewardsConfig>,
    #[account(
        seeds = [seeds::CONFIG],
        bump = staking_config.bump,
        seeds::program = ids::IO_STAKING,
        constraint = staking_config.io_mint == io_mint.key()
            && staking_config.iosd_mint == iosd_mint.key() @ HireError::MintMismatch,
    )]
    pub staking_config: Account<'info, StakingConfig>,
    #[account(
        init,
        payer = admin,
        space = 8 + HireConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Account<'info, HireConfig>,
    pub io_mint: Account<'info, Mint>,
    /// IOSD, as io-staking's config names it (io-staking checked its decimals).
    pub iosd_mint: Account<'info, Mint>,
    /// CHECK: the treasury authority PDA; it holds no data, only signs.
    #[account(seeds = [seeds::TREASURY], bump)]
    pub treasury: UncheckedAccount<'info>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::TREASURY_VAULT, io_mint.key().as_ref()],
        bump,
        token::mint = io_mint,
        token::authority = treasury,
    )]
    pub treasury_io: Account<'info, TokenAccount>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::TREASURY_VAULT, iosd_mint.key().as_ref()],
        bump,
        token::mint = iosd_mint,
        token::authority = treasury,
    )]
    pub treasury_iosd: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, params: HireParams) -> Result<()> {
    params.validate()?;
    let config = &mut ctx.accounts.config;
    config.set_inner(HireConfig {
        admin: ctx.accounts.admin.key(),
        io_mint: ctx.accounts.io_mint.key(),
        iosd_mint: ctx.accounts.iosd_mint.key(),
        treasury_io: ctx.accounts.treasury_io.key(),
        treasury_iosd: ctx.accounts.treasury_iosd.key(),
        rewards_config: ctx.accounts.rewards_config.key(),
        staking_config: ctx.accounts.staking_config.key(),
        params,
        bump: ctx.bumps.config,
        treasury_bump: ctx.bumps.treasury,
        escrow_authority_bump: Pubkey::find_program_address(&[seeds::ESCROW_AUTHORITY], &crate::ID)
            .1,
        assigner_bump: Pubkey::find_program_address(&[seeds::ASSIGNER], &crate::ID).1,
        slasher_bump: Pubkey::find_program_address(&[seeds::SLASHER], &crate::ID).1,
    });
    emit!(HireInitialized {
        admin: config.admin,
        io_mint: config.io_mint,
        iosd_mint: config.iosd_mint,
        params: config.params.clone(),
    });
    Ok(())
}
