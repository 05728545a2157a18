use anchor_lang::prelude::*;
use anchor_spl::token::{self, CloseAccount, Token, TokenAccount};
use io_protocol::seeds;

use crate::errors::HireError;
use crate::escrow;
use crate::state::{HireConfig, HireOrder, OrderStatus};

/// Closes an ended order whose assignments are all settled: anything left in the
/// escrow (tokens sent unasked) goes to the renter, and both accounts' rent to the
/// renter, nobody else.
#[derive(Accounts)]
pub struct CloseOrder<'info> {
    #[account(mut)]
    pub renter: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, HireConfig>>,
    #[account(
        mut,
        close = renter,
        has_one = renter @ HireError::NotRenter,
        constraint = order.status == OrderStatus::Ended
            && order.open_assignments == 0 @ HireError::OrderNotFinished,
    )]
    pub order: Box<Account<'info, HireOrder>>,
    #[account(mut, seeds = [seeds::ESCROW, order.key().as_ref()], bump = order.escrow_bump)]
    pub escrow: Box<Account<'info, TokenAccount>>,
    #[account(
        mut,
        constraint = renter_refund.owner == order.renter
            && renter_refund.mint == order.mint @ HireError::NotRentersAccount,
    )]
    pub renter_refund: Box<Account<'info, TokenAccount>>,
    /// CHECK: the escrow authority PDA; signs the sweep and the close.
    #[account(seeds = [seeds::ESCROW_AUTHORITY], bump = config.escrow_authority_bump)]
    pub escrow_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<CloseOrder>) -> Result<()> {
    let a = &ctx.accounts;
    let authority = a.escrow_authority.to_account_info();
    escrow::pay(
        &a.config,
        &a.token_program,
        &a.escrow,
        &authority,
        a.renter_refund.to_account_info(),
        a.escrow.amount,
    )?;
    let accounts = CloseAccount {
        account: a.escrow.to_account_info(),
        destination: a.renter.to_account_info(),
        authority,
    };
    token::close_account(CpiContext::new_with_signer(
        a.token_program.to_account_info(),
        accounts,
        &[&a.config.escrow_authority_seeds()],
    ))
}
