use anchor_lang::prelude::*;
use anchor_spl::token::Mint;
use io_protocol::seeds;

use crate::events::StakingInitialized;
use crate::params::StakingParams;
use crate::state::StakingConfig;

#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        init,
        payer = admin,
        space = 8 + StakingConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Account<'info, StakingConfig>,
    /// The $IO mint; an SPL Token mint (Token-2022 mints fail the owner check).
    pub io_mint: Account<'info, Mint>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, params: StakingParams) -> Result<()> {
    params.validate()?;
    let config = &mut ctx.accounts.config;
    config.set_inner(StakingConfig {
        admin: ctx.accounts.admin.key(),
        io_mint: ctx.accounts.io_mint.key(),
        params,
        bump: ctx.bumps.config,
    });
    emit!(StakingInitialized {
        admin: config.admin,
        io_mint: config.io_mint,
        params: config.params.clone(),
    });
    Ok(())
}
