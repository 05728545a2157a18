use anchor_lang::prelude::*;
use anchor_spl::token::{self, Burn, Mint, Token, TokenAccount};
use io_protocol::seeds;
use io_rewards::cpi::accounts::RecordBurn;
use io_rewards::program::IoRewards;

use crate::errors::HireError;
use crate::events::TreasuryBurned;
use crate::state::{treasury_signer_seeds, HireConfig};

/// The treasury burns $IO it holds (fees paid in $IO, or $IO bought back with IOSD
/// fees) and reports the burn to io-rewards' supply ledger, signing as the treasury PDA.
#[derive(Accounts)]
#[instruction(amount: u64)]
pub struct BuybackBurn<'info> {
    #[account(constraint = amount > 0 @ HireError::ZeroBurn)]
    pub admin: Signer<'info>,
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = admin @ HireError::NotAdmin,
        has_one = io_mint @ HireError::WrongMint,
        has_one = treasury_io @ HireError::WrongTreasury,
    )]
    pub config: Account<'info, HireConfig>,
    /// CHECK: the treasury authority PDA; signs the burn and the ledger report.
    #[account(seeds = [seeds::TREASURY], bump = config.treasury_bump)]
    pub treasury: UncheckedAccount<'info>,
    #[account(mut)]
    pub treasury_io: Account<'info, TokenAccount>,
    #[account(mut)]
    pub io_mint: Account<'info, Mint>,
    /// CHECK: io-rewards' config, by address (io-rewards checks it again).
    #[account(mut, address = config.rewards_config @ HireError::WrongRewardsConfig)]
    pub rewards_config: UncheckedAccount<'info>,
    pub rewards_program: Program<'info, IoRewards>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<BuybackBurn>, amount: u64) -> Result<()> {
    let bump = ctx.accounts.config.treasury_bump;
    let signer_seeds = treasury_signer_seeds(&bump);
    let signer = &[&signer_seeds[..]];

    token::burn(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.to_account_info(),
            Burn {
                mint: ctx.accounts.io_mint.to_account_info(),
                from: ctx.accounts.treasury_io.to_account_info(),
                authority: ctx.accounts.treasury.to_account_info(),
            },
            signer,
        ),
        amount,
    )?;
    io_rewards::cpi::record_burn(
        CpiContext::new_with_signer(
            ctx.accounts.rewards_program.to_account_info(),
            RecordBurn {
                reporter: ctx.accounts.treasury.to_account_info(),
                config: ctx.accounts.rewards_config.to_account_info(),
                io_mint: ctx.accounts.io_mint.to_account_info(),
            },
            signer,
        ),
        amount,
    )?;
    emit!(TreasuryBurned {
        amount,
        treasury_io: ctx.accounts.treasury_io.key(),
    });
    Ok(())
}
