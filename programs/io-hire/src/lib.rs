//! io-hire: hire orders, escrow in $IO or IOSD, assignment, streaming settlement,
//! cancel and refund, failure and slashing, fees and the fee treasury (docs/design.md §5).

// Anchor 0.31.1's generated IDL-account instructions call `AccountInfo::realloc`,
// which solana-program 2.2 deprecated.
#![allow(deprecated)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod escrow;
pub mod events;
pub mod instructions;
pub mod params;
pub mod pricing;
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

    pub fn create_order(ctx: Context<CreateOrder>, args: CreateOrderArgs) -> Result<()> {
        instructions::create_order::handler(ctx, args)
    }

    pub fn assign<'info>(
        ctx: Context<'_, '_, 'info, 'info, Assign<'info>>,
        args: AssignArgs,
    ) -> Result<()> {
        instructions::assign::handler(ctx, args)
    }

    pub fn claim_earnings(ctx: Context<ClaimEarnings>) -> Result<()> {
        instructions::claim_earnings::handler(ctx)
    }

    pub fn extend<'info>(
        ctx: Context<'_, '_, 'info, 'info, Extend<'info>>,
        hours: u32,
    ) -> Result<()> {
        instructions::extend::handler(ctx, hours)
    }

    pub fn cancel<'info>(ctx: Context<'_, '_, 'info, 'info, Cancel<'info>>) -> Result<()> {
        instructions::cancel::handler(ctx)
    }

    pub fn expire_unmatched(ctx: Context<ExpireUnmatched>) -> Result<()> {
        instructions::expire_unmatched::handler(ctx)
    }

    pub fn report_failure(ctx: Context<ReportFailure>, evidence: [u8; 32]) -> Result<()> {
        instructions::report_failure::handler(ctx, evidence)
    }

    pub fn close_order(ctx: Context<CloseOrder>) -> Result<()> {
        instructions::close_order::handler(ctx)
    }

    pub fn withdraw_fees(ctx: Context<WithdrawFees>, amount: u64) -> Result<()> {
        instructions::withdraw_fees::handler(ctx, amount)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_protocol() {
        assert_eq!(super::ID, io_protocol::ids::IO_HIRE);
    }
}
