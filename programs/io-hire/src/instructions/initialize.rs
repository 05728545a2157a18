use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_protocol::seeds;

use crate::errors::HireError;
use crate::events::HireInitialized;
use crate::params::HireParams;
use crate::state::HireConfig;

#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        init,
        payer = admin,
        space = 8 + HireConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Account<'info, HireConfig>,
    pub io_mint: Account<'info, Mint>,
    #[account(
        constraint = iosd_mint.key() != io_mint.key() @ HireError::SameMints,
        constraint = iosd_mint.decimals == 6 @ HireError::IosdDecimals,
    )]
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
        params,
        bump: ctx.bumps.config,
        treasury_bump: ctx.bumps.treasury,
    });
    emit!(HireInitialized {
        admin: config.admin,
        io_mint: config.io_mint,
        iosd_mint: config.iosd_mint,
        params: config.params.clone(),
    });
    Ok(())
}
