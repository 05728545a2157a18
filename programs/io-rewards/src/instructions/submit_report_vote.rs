use anchor_lang::prelude::*;
use io_protocol::leaf::lower_median;

use crate::errors::RewardsError;
use crate::events::{EpochFinalized, ReportVoted};
use crate::instructions::commit_observations::KeeperOnEpoch;
use crate::state::{Candidate, EpochReport, RewardsConfig};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct ReportVote {
    /// Merkle root of the epoch's leaves (`io_protocol::leaf`), sorted by node key.
    pub root: [u8; 32],
    /// $IO awarded for this epoch (at most E(e); forfeited shares stay in the vault).
    pub epoch_emission: u64,
    /// Awarded through this epoch: the last final cumulative plus `epoch_emission`.
    pub cumulative_emission: u64,
    /// Micro-USD per $IO, from the keeper's price feed.
    pub io_usd_price: u64,
}

/// A serving keeper votes for an ended epoch's report, within the vote window. The
/// first report (root and totals) to reach the epoch's quorum is final; its price is
/// the median of the prices in the votes that made the quorum.
pub fn handler(ctx: Context<KeeperOnEpoch>, epoch: u64, vote: ReportVote) -> Result<()> {
    let window = ctx.accounts.config.params.vote_window_seconds;
    ctx.accounts.open(
        epoch,
        ctx.bumps.report,
        window,
        RewardsError::VoteWindowClosed,
    )?;
    let voter = ctx.accounts.authority.key();
    check_vote(&ctx.accounts.config, epoch, &vote)?;
    let report = &mut ctx.accounts.report;
    require!(!report.voters.contains(&voter), RewardsError::AlreadyVoted);
    report.voters.push(voter);
    let votes = tally(report, &vote);
    let keeper = &mut ctx.accounts.keeper;
    keeper.last_vote_epoch = Some(keeper.last_vote_epoch.map_or(epoch, |e| e.max(epoch)));
    emit!(ReportVoted {
        epoch,
        keeper: voter,
        root: vote.root,
        epoch_emission: vote.epoch_emission,
        cumulative_emission: vote.cumulative_emission,
        io_usd_price: vote.io_usd_price,
        votes: votes.len() as u32,
        quorum: report.quorum,
    });
    if votes.len() as u32 >= report.quorum {
        let price = lower_median(&votes).ok_or(RewardsError::InvalidPrice)?;
        finalize(&mut ctx.accounts.config, report, &vote, price);
    }
    Ok(())
}

/// What any vote must satisfy: a later epoch than the last final one, totals within
/// the schedule and the cap, consistent with the last final cumulative, a price.
fn check_vote(config: &RewardsConfig, epoch: u64, vote: &ReportVote) -> Result<()> {
    require!(
        config.final_epoch.is_none_or(|f| epoch > f),
        RewardsError::EpochAlreadyFinal
    );
    let schedule = config.params.schedule();
    let allowed = schedule.cumulative(epoch.checked_add(1).ok_or(RewardsError::Overflow)?);
    require!(
        vote.epoch_emission <= schedule.epoch_emission(epoch)
            && vote.cumulative_emission <= allowed,
        RewardsError::EmissionOverSchedule
    );
    require!(
        config.reported_cumulative.checked_add(vote.epoch_emission)
            == Some(vote.cumulative_emission),
        RewardsError::CumulativeMismatch
    );
    require!(vote.io_usd_price > 0, RewardsError::InvalidPrice);
    Ok(())
}

/// Adds the vote to its candidate; returns the candidate's prices so far.
fn tally(report: &mut EpochReport, vote: &ReportVote) -> Vec<u64> {
    let same = |c: &Candidate| {
        c.root == vote.root
            && c.epoch_emission == vote.epoch_emission
            && c.cumulative_emission == vote.cumulative_emission
    };
    let i = match report.candidates.iter().position(same) {
        Some(i) => i,
        None => {
            report.candidates.push(Candidate {
                root: vote.root,
                epoch_emission: vote.epoch_emission,
                cumulative_emission: vote.cumulative_emission,
                prices: vec![],
            });
            report.candidates.len() - 1
        }
    };
    report.candidates[i].prices.push(vote.io_usd_price);
    report.candidates[i].prices.clone()
}

fn finalize(config: &mut RewardsConfig, report: &mut EpochReport, vote: &ReportVote, price: u64) {
    report.finalized = true;
    report.root = vote.root;
    report.epoch_emission = vote.epoch_emission;
    report.cumulative_emission = vote.cumulative_emission;
    report.io_usd_price = price;
    config.final_epoch = Some(report.epoch);
    config.reported_cumulative = vote.cumulative_emission;
    config.io_usd_price = price;
    emit!(EpochFinalized {
        epoch: report.epoch,
        root: report.root,
        epoch_emission: report.epoch_emission,
        cumulative_emission: report.cumulative_emission,
        io_usd_price: price,
    });
}
