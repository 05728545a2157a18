//! io-hire: hire orders, escrow in $IO or IOSD, assignment, streaming settlement,
//! cancel and refund, failure and slashing, fees and the fee treasury (DESIGN.md §5).

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

declare_id!("6MYzwrsCkVcPYgDsgDAqTxUHzjECNVsMPxGyY8LQ9oZ6");

#[program]
pub mod io_hire {
    use super::*;

    pub fn initialize(ctx: Context<Initialize>, params: HireParams) -> Result<()> {
        instructions::initialize::handler(ctx, params)
    }

    pub fn buyback_burn(ctx: Context<BuybackBurn>, amount: u64) -> Result<()> {
        instructions::buyback_burn::handler(ctx, amount)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_protocol() {
        assert_eq!(super::ID, io_protocol::ids::IO_HIRE);
    }
}
