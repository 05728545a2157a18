use anchor_lang::prelude::*;

use super::AdminOnly;
use crate::errors::RewardsError;
use crate::events::ParamsUpdated;
use crate::params::RewardsParams;

/// Replaces the parameters as a whole, validated as at initialization. The epoch
/// clock (genesis time, epoch length) stays as it was: epochs already reported,
/// keepers' terms and claims are numbered by it.
pub fn handler(ctx: Context<AdminOnly>, params: RewardsParams) -> Result<()> {
    params.validate()?;
    let old = &ctx.accounts.config.params;
    require!(
        params.genesis_ts == old.genesis_ts && params.epoch_seconds == old.epoch_seconds,
        RewardsError::EpochClockFixed
    );
    ctx.accounts.config.params = params.clone();
    emit!(ParamsUpdated { params });
    Ok(())
}
