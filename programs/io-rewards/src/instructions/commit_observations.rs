use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::epochs::{keepers_at, quorum};
use crate::errors::RewardsError;
use crate::events::ObservationsCommitted;
use crate::state::{Commit, EpochReport, Keeper, RewardsConfig};

/// A serving keeper and the epoch's report account, created by the first keeper to act
/// on the epoch (it fixes the epoch's keeper count and quorum then).
#[derive(Accounts)]
#[instruction(epoch: u64)]
pub struct KeeperOnEpoch<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, RewardsConfig>,
    #[account(
        mut,
        seeds = [seeds::KEEPER, authority.key().as_ref()],
        bump = keeper.bump,
        constraint = keeper.serves_in(epoch) @ RewardsError::NotKeeperForEpoch,
    )]
    pub keeper: Account<'info, Keeper>,
    #[account(
        init_if_needed,
        payer = authority,
        space = 8 + EpochReport::INIT_SPACE,
        seeds = [seeds::EPOCH, &epoch.to_le_bytes()],
        bump,
    )]
    pub report: Account<'info, EpochReport>,
    pub system_program: Program<'info, System>,
}

impl KeeperOnEpoch<'_> {
    /// Fills a new report account; checks that `epoch` has ended and that `now` is
    /// within `window` seconds of its end.
    pub fn open(&mut self, epoch: u64, bump: u8, window: i64, closed: RewardsError) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        let config = &self.config;
        let end = config.epoch_end(epoch).ok_or(RewardsError::Overflow)?;
        require!(now >= end, RewardsError::EpochNotEnded);
        let closes = end.checked_add(window).ok_or(RewardsError::Overflow)?;
        if now > closes {
            return Err(closed.into());
        }
        if self.report.quorum == 0 {
            let keepers = keepers_at(&config.keeper_history, epoch);
            let p = &config.params;
            self.report.set_inner(EpochReport {
                epoch,
                keeper_count: keepers,
                quorum: quorum(keepers, p.quorum_num, p.quorum_den),
                commits: vec![],
                voters: vec![],
                candidates: vec![],
                finalized: false,
                root: [0; 32],
                epoch_emission: 0,
                cumulative_emission: 0,
                io_usd_price: 0,
                bump,
            });
        }
        Ok(())
    }
}

/// A keeper commits the hash of its observation log for an ended epoch, within the
/// commit window; the log itself is served from its endpoint.
pub fn handler(ctx: Context<KeeperOnEpoch>, epoch: u64, log_hash: [u8; 32]) -> Result<()> {
    let window = ctx.accounts.config.params.commit_window_seconds;
    ctx.accounts.open(
        epoch,
        ctx.bumps.report,
        window,
        RewardsError::CommitWindowClosed,
    )?;
    let keeper = ctx.accounts.authority.key();
    let report = &mut ctx.accounts.report;
    require!(
        report.commits.iter().all(|c| c.keeper != keeper),
        RewardsError::AlreadyCommitted
    );
    report.commits.push(Commit { keeper, log_hash });
    emit!(ObservationsCommitted {
        epoch,
        keeper,
        log_hash,
    });
    Ok(())
}
