//! io-rewards: keeper registry and quorum, epoch reports, emission schedule, claims and
//! the $IO supply ledger (DESIGN.md §6).

// Anchor 0.31.1's generated IDL-account instructions call `AccountInfo::realloc`,
// which solana-program 2.2 deprecated.
#![allow(deprecated)]

use anchor_lang::prelude::*;

pub mod constants;
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
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_protocol() {
        assert_eq!(super::ID, io_protocol::ids::IO_REWARDS);
    }
}
