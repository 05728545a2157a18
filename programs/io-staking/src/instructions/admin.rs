//! Governance: the two-step admin handover and parameter updates.

use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::{AdminChanged, AdminProposed, ParamsUpdated};
use crate::params::StakingParams;
use crate::state::StakingConfig;

/// The admin acting on the config.
#[derive(Accounts)]
pub struct AdminOnly<'info> {
    pub admin: Signer<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump, has_one = admin @ StakingError::NotAdmin)]
    pub config: Account<'info, StakingConfig>,
}

/// Step one: the admin names a successor, who has no power until it accepts.
pub fn propose_admin(ctx: Context<AdminOnly>, proposed: Pubkey) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.pending_admin = Some(proposed);
    emit!(AdminProposed {
        admin: config.admin,
        proposed,
    });
    Ok(())
}

/// Replaces the parameters as a whole, validated as at initialization.
pub fn update_params(ctx: Context<AdminOnly>, params: StakingParams) -> Result<()> {
    params.validate()?;
    ctx.accounts.config.params = params.clone();
    emit!(ParamsUpdated { params });
    Ok(())
}

#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    pub proposed: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        constraint = config.pending_admin == Some(proposed.key()) @ StakingError::NotPendingAdmin,
    )]
    pub config: Account<'info, StakingConfig>,
}

/// Step two: the proposed admin signs and takes over.
pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let old_admin = config.admin;
    config.admin = ctx.accounts.proposed.key();
    config.pending_admin = None;
    emit!(AdminChanged {
        old_admin,
        new_admin: config.admin,
    });
    Ok(())
}
