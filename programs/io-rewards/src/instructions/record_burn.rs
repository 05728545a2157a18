use anchor_lang::prelude::*;
use io_protocol::{ids, seeds};

use crate::errors::RewardsError;
use crate::events::BurnRecorded;
use crate::state::RewardsConfig;

/// Entered by CPI only: the reporter is a PDA of io-staking (slashes) or io-hire
/// (treasury buybacks), which can sign only from inside those programs.
#[derive(Accounts)]
pub struct RecordBurn<'info> {
    #[account(constraint = is_burn_reporter(reporter.key) @ RewardsError::UnauthorizedBurnReporter)]
    pub reporter: Signer<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, RewardsConfig>,
}

pub fn is_burn_reporter(key: &Pubkey) -> bool {
    let (slash_burner, _) = Pubkey::find_program_address(&[seeds::SLASH_BURNER], &ids::IO_STAKING);
    let (treasury, _) = Pubkey::find_program_address(&[seeds::TREASURY], &ids::IO_HIRE);
    *key == slash_burner || *key == treasury
}

pub fn handler(ctx: Context<RecordBurn>, amount: u64) -> Result<()> {
    require!(amount > 0, RewardsError::ZeroBurn);
    let config = &mut ctx.accounts.config;
    config.burned = config
        .burned
        .checked_add(amount)
        .ok_or(RewardsError::Overflow)?;
    emit!(BurnRecorded {
        reporter: ctx.accounts.reporter.key(),
        amount,
        total_burned: config.burned,
    });
    Ok(())
}
