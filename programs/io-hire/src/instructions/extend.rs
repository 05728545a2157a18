use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_protocol::seeds;

use crate::errors::HireError;
use crate::events::OrderExtended;
use crate::instructions::cancel::all_distinct;
use crate::instructions::create_order::MAX_HOURS;
use crate::pricing::{cost_micro_usd, fee};
use crate::state::{Assignment, HireConfig, HireOrder, OrderStatus};

/// The renter lengthens a running order by `hours`, topping up the escrow for every
/// node at its matched price (a $IO order keeps its fixed price). Every open
/// assignment follows the named accounts.
#[derive(Accounts)]
pub struct Extend<'info> {
    pub renter: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, HireConfig>>,
    #[account(
        mut,
        has_one = renter @ HireError::NotRenter,
        constraint = order.status == OrderStatus::Active
            && Clock::get()?.unix_timestamp < order.ends_at @ HireError::OrderNotActive,
    )]
    pub order: Box<Account<'info, HireOrder>>,
    #[account(mut, seeds = [seeds::ESCROW, order.key().as_ref()], bump = order.escrow_bump)]
    pub escrow: Box<Account<'info, TokenAccount>>,
    #[account(mut, constraint = source.mint == order.mint @ HireError::WrongMint)]
    pub source: Box<Account<'info, TokenAccount>>,
    pub token_program: Program<'info, Token>,
}

pub fn handler<'info>(ctx: Context<'_, '_, 'info, 'info, Extend<'info>>, hours: u32) -> Result<()> {
    let order = &ctx.accounts.order;
    let total_hours = order
        .spec
        .hours
        .checked_add(hours)
        .ok_or(HireError::Overflow)?;
    require!(
        hours > 0 && total_hours <= MAX_HOURS,
        HireError::InvalidOrder
    );
    require!(
        ctx.remaining_accounts.len() == usize::from(order.open_assignments)
            && all_distinct(ctx.remaining_accounts.iter()),
        HireError::AssignmentsMissing
    );
    let payment = order.payment(&ctx.accounts.config.io_mint);
    let extra_seconds = i64::from(hours) * 3_600;
    let mut top_up: u64 = 0;
    for info in ctx.remaining_accounts {
        let mut a = Account::<Assignment>::try_from(info)?;
        require!(
            a.order == order.key() && !a.failed && !a.released,
            HireError::WrongAssignment
        );
        let value = cost_micro_usd(a.price_micro_usd, a.gpus, hours)
            .and_then(|usd| payment.units(usd))
            .ok_or(HireError::OrderTooLarge)?;
        let renter_fee = fee(value, order.renter_fee_bps);
        a.value = a.value.checked_add(value).ok_or(HireError::OrderTooLarge)?;
        a.renter_fee += renter_fee;
        a.duration += extra_seconds;
        top_up = top_up
            .checked_add(value)
            .and_then(|t| t.checked_add(renter_fee))
            .ok_or(HireError::OrderTooLarge)?;
        a.exit(&crate::ID)?;
    }
    let accounts = Transfer {
        from: ctx.accounts.source.to_account_info(),
        to: ctx.accounts.escrow.to_account_info(),
        authority: ctx.accounts.renter.to_account_info(),
    };
    token::transfer(
        CpiContext::new(ctx.accounts.token_program.to_account_info(), accounts),
        top_up,
    )?;
    let order = &mut ctx.accounts.order;
    order.deposited += top_up;
    order.spec.hours = total_hours;
    order.ends_at += extra_seconds;
    order.extended = true;
    emit!(OrderExtended {
        order: order.key(),
        hours: total_hours,
        deposited: order.deposited,
        ends_at: order.ends_at,
    });
    Ok(())
}
