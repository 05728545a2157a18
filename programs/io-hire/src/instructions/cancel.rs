use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use io_protocol::seeds;
use io_staking::program::IoStaking;
use io_staking::state::{Node, StakingConfig};

use crate::errors::HireError;
use crate::escrow;
use crate::events::OrderEnded;
use crate::instructions::claim_earnings::release_gpus;
use crate::pricing::fee;
use crate::state::{Assignment, EndReason, HireConfig, HireOrder, OrderStatus};

/// The renter ends its order now. Unmatched: everything comes back. Active: each
/// node's stream stops here (what it earned stays claimable), its GPUs are released,
/// and the rest of the escrow with its fees comes back, pro rata. The order's open
/// assignments follow the named accounts as (assignment, node) pairs.
#[derive(Accounts)]
pub struct Cancel<'info> {
    pub renter: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, HireConfig>>,
    #[account(address = config.staking_config @ HireError::WrongStakingConfig)]
    pub staking_config: Box<Account<'info, StakingConfig>>,
    #[account(
        mut,
        has_one = renter @ HireError::NotRenter,
        constraint = order.status != OrderStatus::Ended @ HireError::OrderNotActive,
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
    /// CHECK: the assigner PDA; signs the GPUs' release.
    #[account(seeds = [seeds::ASSIGNER], bump = config.assigner_bump)]
    pub assigner: UncheckedAccount<'info>,
    pub staking_program: Program<'info, IoStaking>,
    pub token_program: Program<'info, Token>,
}

pub fn handler<'info>(ctx: Context<'_, '_, 'info, 'info, Cancel<'info>>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let order_key = ctx.accounts.order.key();
    let mut refund: u64 = 0;
    if ctx.accounts.order.status == OrderStatus::Active {
        let pairs = ctx.remaining_accounts;
        require!(
            pairs.len() == 2 * usize::from(ctx.accounts.order.open_assignments)
                && all_distinct(pairs.iter().step_by(2)),
            HireError::AssignmentsMissing
        );
        for pair in pairs.chunks(2) {
            let mut assignment = Account::<Assignment>::try_from(&pair[0])?;
            require!(
                assignment.order == order_key && assignment.node == pair[1].key(),
                HireError::WrongAssignment
            );
            refund = refund
                .checked_add(stop_stream(
                    &mut assignment,
                    ctx.accounts.order.renter_fee_bps,
                    now,
                ))
                .ok_or(HireError::Overflow)?;
            // A released node is only named: a failed node may since have left
            // io-staking, and its account must not block the renter's cancel.
            if !assignment.released {
                Account::<Node>::try_from(&pair[1])?;
                let a = &ctx.accounts;
                release_gpus(
                    &a.config,
                    &a.staking_program,
                    a.assigner.to_account_info(),
                    a.staking_config.to_account_info(),
                    pair[1].clone(),
                    assignment.gpus,
                )?;
                assignment.released = true;
            }
            assignment.exit(&crate::ID)?;
        }
    } else {
        let o = &ctx.accounts.order;
        refund = o.deposited - o.paid - o.fees - o.refunded;
    }
    let a = &ctx.accounts;
    escrow::pay(
        &a.config,
        &a.token_program,
        &a.escrow,
        &a.escrow_authority.to_account_info(),
        a.renter_refund.to_account_info(),
        refund,
    )?;
    end_order(&mut ctx.accounts.order, EndReason::Cancelled, refund);
    Ok(())
}

/// Whether no account appears twice: every open assignment must be passed once.
pub fn all_distinct<'a, 'info: 'a>(infos: impl Iterator<Item = &'a AccountInfo<'info>>) -> bool {
    let mut keys: Vec<Pubkey> = infos.map(|i| i.key()).collect();
    let n = keys.len();
    keys.sort_unstable();
    keys.dedup();
    keys.len() == n
}

/// Stops an assignment's stream at `now`; returns what goes back to the renter: the
/// value given up and the fees reserved for it.
pub fn stop_stream(assignment: &mut Assignment, renter_fee_bps: u16, now: i64) -> u64 {
    let mut stream = assignment.stream();
    let given_up = stream.stop(now, assignment.claimed);
    assignment.value = stream.value;
    assignment.duration = stream.duration;
    let fee_now = fee(assignment.value, renter_fee_bps).min(assignment.renter_fee);
    let fee_back = assignment.renter_fee - fee_now;
    assignment.renter_fee = fee_now;
    given_up + fee_back
}

/// Marks the order over with `reason` after refunding `refund`.
pub fn end_order(order: &mut Account<HireOrder>, reason: EndReason, refund: u64) {
    order.refunded += refund;
    order.status = OrderStatus::Ended;
    order.end_reason = Some(reason);
    emit!(OrderEnded {
        order: order.key(),
        reason,
        refunded: order.refunded,
        paid: order.paid,
        fees: order.fees,
    });
}
