use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_protocol::seeds;

use crate::errors::HireError;
use crate::events::FeesWithdrawn;
use crate::state::{treasury_signer_seeds, HireConfig};

/// The admin takes IOSD fees out of the treasury to buy $IO, which `buyback_burn`
/// then burns.
#[derive(Accounts)]
pub struct WithdrawFees<'info> {
    pub admin: Signer<'info>,
    #[account(
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = admin @ HireError::NotAdmin,
        has_one = treasury_iosd @ HireError::WrongTreasury,
    )]
    pub config: Box<Account<'info, HireConfig>>,
    /// CHECK: the treasury authority PDA; signs the withdrawal.
    #[account(seeds = [seeds::TREASURY], bump = config.treasury_bump)]
    pub treasury: UncheckedAccount<'info>,
    #[account(mut)]
    pub treasury_iosd: Box<Account<'info, TokenAccount>>,
    #[account(mut, constraint = destination.mint == config.iosd_mint @ HireError::WrongMint)]
    pub destination: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<WithdrawFees>, amount: u64) -> Result<()> {
    require!(amount > 0, HireError::ZeroBurn);
    let bump = ctx.accounts.config.treasury_bump;
    let accounts = Transfer {
        from: ctx.accounts.treasury_iosd.to_account_info(),
        to: ctx.accounts.destination.to_account_info(),
        authority: ctx.accounts.treasury.to_account_info(),
    };
    token::transfer(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.to_account_info(),
            accounts,
            &[&treasury_signer_seeds(&bump)],
        ),
        amount,
    )?;
    emit!(FeesWithdrawn {
        mint: ctx.accounts.config.iosd_mint,
        amount,
        destination: ctx.accounts.destination.key(),
    });
    Ok(())
}
