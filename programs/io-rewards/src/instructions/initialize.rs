use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_protocol::seeds;
use io_protocol::supply::IO_DECIMALS;

use crate::errors::RewardsError;

use crate::events::RewardsInitialized;
use crate::params::RewardsParams;
use crate::state::RewardsConfig;

#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        init,
        payer = admin,
        space = 8 + RewardsConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Account<'info, RewardsConfig>,
    /// The $IO mint; an SPL Token mint (Token-2022 mints fail the owner check).
    #[account(constraint = io_mint.decimals == IO_DECIMALS @ RewardsError::IoDecimals)]
    pub io_mint: Account<'info, Mint>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::REWARDS_VAULT],
        bump,
        token::mint = io_mint,
        token::authority = config,
    )]
    pub vault: Account<'info, TokenAccount>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::KEEPER_BONDS],
        bump,
        token::mint = io_mint,
        token::authority = config,
    )]
    pub keeper_bonds: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, params: RewardsParams) -> Result<()> {
    params.validate()?;
    let config = &mut ctx.accounts.config;
    config.set_inner(RewardsConfig {
        admin: ctx.accounts.admin.key(),
        io_mint: ctx.accounts.io_mint.key(),
        vault: ctx.accounts.vault.key(),
        keeper_bonds: ctx.accounts.keeper_bonds.key(),
        params,
        keeper_count: 0,
        emitted: 0,
        burned: 0,
        bump: ctx.bumps.config,
        vault_bump: ctx.bumps.vault,
        keeper_bonds_bump: ctx.bumps.keeper_bonds,
    });
    emit!(RewardsInitialized {
        admin: config.admin,
        io_mint: config.io_mint,
        vault: config.vault,
        params: config.params.clone(),
    });
    Ok(())
}
