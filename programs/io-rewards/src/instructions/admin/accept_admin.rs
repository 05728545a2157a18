use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::errors::RewardsError;
use crate::events::AdminChanged;
use crate::state::RewardsConfig;

#[derive(Accounts)]
pub struct AcceptAdmin<'info> {
    pub proposed: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        constraint = config.pending_admin == Some(proposed.key()) @ RewardsError::NotPendingAdmin,
    )]
    pub config: Account<'info, RewardsConfig>,
}

/// Step two: the proposed admin signs and takes over.
pub fn handler(ctx: Context<AcceptAdmin>) -> Result<()> {
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
