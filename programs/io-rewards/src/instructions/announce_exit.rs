use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::epochs::{change_keepers, next_epoch};
use crate::errors::RewardsError;
use crate::events::KeeperExitAnnounced;
use crate::state::{Keeper, RewardsConfig, MAX_KEEPERS};

/// First step of a keeper's exit: it stops serving from the next epoch, and its bond
/// unbonds (`deregister_keeper` returns it later).
#[derive(Accounts)]
pub struct AnnounceExit<'info> {
    pub authority: Signer<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, RewardsConfig>,
    #[account(
        mut,
        seeds = [seeds::KEEPER, authority.key().as_ref()],
        bump = keeper.bump,
        constraint = keeper.exit_from.is_none() @ RewardsError::ExitAlreadyAnnounced,
    )]
    pub keeper: Account<'info, Keeper>,
}

pub fn handler(ctx: Context<AnnounceExit>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let config = &mut ctx.accounts.config;
    let p = &config.params;
    // A keeper registered for a later epoch than the next leaves from its first one.
    let exit_from =
        next_epoch(p.genesis_ts, p.epoch_seconds, now).max(ctx.accounts.keeper.active_from);
    change_keepers(
        &mut config.keeper_history,
        exit_from,
        -1,
        MAX_KEEPERS as u32,
    )
    .ok_or(RewardsError::Overflow)?;
    let keeper = &mut ctx.accounts.keeper;
    keeper.exit_from = Some(exit_from);
    keeper.exit_announced_at = now;
    emit!(KeeperExitAnnounced {
        keeper: keeper.key(),
        authority: keeper.authority,
        exit_from,
    });
    Ok(())
}
