use anchor_lang::prelude::*;

use super::AdminOnly;
use crate::events::ParamsUpdated;
use crate::params::RewardsParams;

/// Replaces the parameters as a whole, validated as at initialization.
pub fn handler(ctx: Context<AdminOnly>, params: RewardsParams) -> Result<()> {
    params.validate()?;
    ctx.accounts.config.params = params.clone();
    emit!(ParamsUpdated { params });
    Ok(())
}
