use anchor_lang::prelude::*;

use super::AdminOnly;
use crate::events::AdminProposed;

/// Step one: the admin names a successor, who has no power until it accepts.
pub fn handler(ctx: Context<AdminOnly>, proposed: Pubkey) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.pending_admin = Some(proposed);
    emit!(AdminProposed {
        admin: config.admin,
        proposed,
    });
    Ok(())
}
