use anchor_lang::prelude::*;
use anchor_spl::token::Mint;
use io_protocol::supply::IO_GENESIS_SUPPLY;
use io_protocol::{ids, seeds};

use crate::errors::RewardsError;
use crate::events::BurnRecorded;
use crate::state::RewardsConfig;

/// Entered by CPI only, right after the caller burned: the reporter is a PDA of
/// io-staking (slashes) or io-hire (treasury buybacks), which can sign only from inside
/// those programs, and the mint's supply must show the burn.
#[derive(Accounts)]
#[instruction(amount: u64)]
pub struct RecordBurn<'info> {
    #[account(
        constraint = is_burn_reporter(reporter.key) @ RewardsError::UnauthorizedBurnReporter,
        constraint = amount > 0 @ RewardsError::ZeroBurn,
    )]
    pub reporter: Signer<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, RewardsConfig>,
    #[account(address = config.io_mint @ RewardsError::WrongMint)]
    pub io_mint: Account<'info, Mint>,
}

pub fn is_burn_reporter(key: &Pubkey) -> bool {
    let (slash_burner, _) = Pubkey::find_program_address(&[seeds::SLASH_BURNER], &ids::IO_STAKING);
    let (treasury, _) = Pubkey::find_program_address(&[seeds::TREASURY], &ids::IO_HIRE);
    *key == slash_burner || *key == treasury
}

pub fn handler(ctx: Context<RecordBurn>, amount: u64) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.burned = config
        .burned
        .checked_add(amount)
        .ok_or(RewardsError::Overflow)?;
    // The ledger may never count more burned than has left the supply (holders can
    // also burn their own $IO through SPL Token, which the ledger does not see).
    let accounted = ctx.accounts.io_mint.supply.checked_add(config.burned);
    require!(
        accounted.is_some_and(|total| total <= IO_GENESIS_SUPPLY),
        RewardsError::BurnNotInSupply
    );
    emit!(BurnRecorded {
        reporter: ctx.accounts.reporter.key(),
        amount,
        total_burned: config.burned,
    });
    Ok(())
}
