use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use io_protocol::seeds;

use crate::errors::HireError;
use crate::escrow;
use crate::instructions::cancel::end_order;
use crate::state::{EndReason, HireConfig, HireOrder, OrderStatus};

/// Anyone may crank an order nobody matched within the timeout: the renter gets
/// everything back.
#[derive(Accounts)]
pub struct ExpireUnmatched<'info> {
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, HireConfig>>,
    #[account(
        mut,
        constraint = order.status == OrderStatus::Open @ HireError::OrderNotOpen,
        constraint = Clock::get()?.unix_timestamp
            >= order.created_at.saturating_add(config.params.unmatched_timeout_seconds) @ HireError::TimeoutNotReached,
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
    /// CHECK: the escrow authority PDA; signs the refund.
    #[account(seeds = [seeds::ESCROW_AUTHORITY], bump = config.escrow_authority_bump)]
    pub escrow_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<ExpireUnmatched>) -> Result<()> {
    let a = &ctx.accounts;
    let refund = a.order.deposited - a.order.paid - a.order.fees - a.order.refunded;
    escrow::pay(
        &a.config,
        &a.token_program,
        &a.escrow,
        &a.escrow_authority.to_account_info(),
        a.renter_refund.to_account_info(),
        refund,
    )?;
    end_order(&mut ctx.accounts.order, EndReason::ExpiredUnmatched, refund);
    Ok(())
}
