//! io-rewards: keeper registry and quorum, epoch reports, emission schedule, claims and
//! the $IO supply ledger (docs/design.md §6).

// Anchor 0.31.1's generated IDL-account instructions call `AccountInfo::realloc`,
// which solana-program 2.2 deprecated.
#![allow(deprecated)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod epochs;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod params;
pub mod state;

use instructions::*;
use params::*;

declare_id!("9aAKPA5yEFNLHQAV3NpaRuxzsjQDS57VPhK88LgYqVM6");

#[program]
pub mod io_rewards {
    use super::*;

    pub fn initialize(ctx: Context<Initialize>, params: RewardsParams) -> Result<()> {
        instructions::initialize::handler(ctx, params)
    }

    pub fn register_keeper(ctx: Context<RegisterKeeper>, args: RegisterKeeperArgs) -> Result<()> {
        instructions::register_keeper::handler(ctx, args)
    }

    pub fn deregister_keeper(ctx: Context<DeregisterKeeper>) -> Result<()> {
        instructions::deregister_keeper::handler(ctx)
    }

    pub fn record_burn(ctx: Context<RecordBurn>, amount: u64) -> Result<()> {
        instructions::record_burn::handler(ctx, amount)
    }

    pub fn announce_exit(ctx: Context<AnnounceExit>) -> Result<()> {
        instructions::announce_exit::handler(ctx)
    }

    pub fn commit_observations(
        ctx: Context<KeeperOnEpoch>,
        epoch: u64,
        log_hash: [u8; 32],
    ) -> Result<()> {
        instructions::commit_observations::handler(ctx, epoch, log_hash)
    }

    pub fn submit_report_vote(
        ctx: Context<KeeperOnEpoch>,
        epoch: u64,
        vote: ReportVote,
    ) -> Result<()> {
        instructions::submit_report_vote::handler(ctx, epoch, vote)
    }

    pub fn claim(ctx: Context<Claim>, args: ClaimArgs) -> Result<()> {
        instructions::claim::handler(ctx, args)
    }

    pub fn propose_admin(ctx: Context<AdminOnly>, proposed: Pubkey) -> Result<()> {
        instructions::admin::propose_admin::handler(ctx, proposed)
    }

    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::admin::accept_admin::handler(ctx)
    }

    pub fn update_params(ctx: Context<AdminOnly>, params: RewardsParams) -> Result<()> {
        instructions::admin::update_params::handler(ctx, params)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_protocol() {
        assert_eq!(super::ID, io_protocol::ids::IO_REWARDS);
    }
}
