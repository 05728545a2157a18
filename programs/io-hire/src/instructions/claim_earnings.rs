use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_protocol::seeds;
use io_staking::cpi::accounts::{DepositDelegatorRewards, HireGpus};
use io_staking::program::IoStaking;
use io_staking::state::{Node, StakingConfig};

use crate::errors::HireError;
use crate::escrow;
use crate::events::{EarningsClaimed, OrderEnded};
use crate::pricing::{fee, ClaimSplit};
use crate::state::{Assignment, EndReason, HireConfig, HireOrder, OrderStatus};

/// Anyone may crank a node's earnings: `earned − claimed` of its stream (lazy, O(1)),
/// less the supplier's booking and payment fees (to the treasury) and the delegators'
/// cut (into io-staking), to the operator. The renter's fees on the same part go to
/// the treasury. Once the stream is over and paid, the node's GPUs are released, the
/// assignment closes (rent back to the keeper who paid it), and the last one to close
/// ends the order.
#[derive(Accounts)]
pub struct ClaimEarnings<'info> {
    pub payer: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, HireConfig>>,
    #[account(address = config.staking_config @ HireError::WrongStakingConfig)]
    pub staking_config: Box<Account<'info, StakingConfig>>,
    #[account(mut)]
    pub order: Box<Account<'info, HireOrder>>,
    #[account(
        mut,
        seeds = [seeds::ASSIGNMENT, order.key().as_ref(), node.key().as_ref()],
        bump = assignment.bump,
        has_one = order @ HireError::WrongAssignment,
        has_one = node @ HireError::WrongAssignment,
    )]
    pub assignment: Box<Account<'info, Assignment>>,
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,
    #[account(mut, seeds = [seeds::ESCROW, order.key().as_ref()], bump = order.escrow_bump)]
    pub escrow: Box<Account<'info, TokenAccount>>,
    /// CHECK: the escrow authority PDA; signs the payouts and the deposit.
    #[account(seeds = [seeds::ESCROW_AUTHORITY], bump = config.escrow_authority_bump)]
    pub escrow_authority: UncheckedAccount<'info>,
    #[account(
        mut,
        constraint = operator_account.owner == node.operator
            && operator_account.mint == order.mint @ HireError::NotOperatorsAccount,
    )]
    pub operator_account: Box<Account<'info, TokenAccount>>,
    #[account(
        mut,
        constraint = config.treasury_of(&order.mint) == Some(treasury.key()) @ HireError::WrongTreasuryAccount,
    )]
    pub treasury: Box<Account<'info, TokenAccount>>,
    #[account(address = order.mint @ HireError::WrongMint)]
    pub mint: Box<Account<'info, Mint>>,
    /// CHECK: io-staking's delegator-reward pot of this mint, by its seeds.
    #[account(
        mut,
        seeds = [seeds::DELEGATOR_REWARDS_VAULT, order.mint.as_ref()],
        bump,
        seeds::program = io_protocol::ids::IO_STAKING,
    )]
    pub delegator_rewards: UncheckedAccount<'info>,
    /// CHECK: receives the assignment's rent when it closes; must be who paid it.
    #[account(mut, address = assignment.rent_payer @ HireError::WrongRentDestination)]
    pub rent_payer: UncheckedAccount<'info>,
    /// CHECK: the assigner PDA; signs the GPUs' release.
    #[account(seeds = [seeds::ASSIGNER], bump = config.assigner_bump)]
    pub assigner: UncheckedAccount<'info>,
    pub staking_program: Program<'info, IoStaking>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<ClaimEarnings>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = &ctx.accounts;
    let stream = a.assignment.stream();
    let earned = stream.owed(now, a.assignment.claimed);
    let gross = earned - a.assignment.claimed;
    let renter_fee_due = fee(earned, a.order.renter_fee_bps).min(a.assignment.renter_fee);
    let renter_fees = renter_fee_due.saturating_sub(a.assignment.fee_paid);
    let p = &a.config.params;
    let supplier_bps = u32::from(p.booking_fee_bps) + u32::from(p.supplier_fee_bps);
    let split = ClaimSplit::new(
        gross,
        supplier_bps,
        a.staking_config.params.delegator_hire_cut_bps,
        a.node.pool.delegated_shares > 0,
    );
    let authority = a.escrow_authority.to_account_info();
    escrow::pay(
        &a.config,
        &a.token_program,
        &a.escrow,
        &authority,
        a.operator_account.to_account_info(),
        split.operator,
    )?;
    escrow::pay(
        &a.config,
        &a.token_program,
        &a.escrow,
        &authority,
        a.treasury.to_account_info(),
        split.supplier_fees + renter_fees,
    )?;
    if split.delegators > 0 {
        let accounts = DepositDelegatorRewards {
            depositor: authority.clone(),
            config: a.staking_config.to_account_info(),
            node: a.node.to_account_info(),
            mint: a.mint.to_account_info(),
            source: a.escrow.to_account_info(),
            rewards_vault: a.delegator_rewards.to_account_info(),
            token_program: a.token_program.to_account_info(),
        };
        io_staking::cpi::deposit_delegator_rewards(
            CpiContext::new_with_signer(
                a.staking_program.to_account_info(),
                accounts,
                &[&a.config.escrow_authority_seeds()],
            ),
            split.delegators,
        )?;
    }
    emit!(EarningsClaimed {
        order: a.order.key(),
        node: a.node.key(),
        gross,
        operator_amount: split.operator,
        delegator_amount: split.delegators,
        supplier_fees: split.supplier_fees,
        renter_fees,
    });
    let finished = now >= stream.end() && earned == stream.value;
    let assignment = &mut ctx.accounts.assignment;
    assignment.claimed = earned;
    assignment.fee_paid += renter_fees;
    let order = &mut ctx.accounts.order;
    order.paid += gross;
    order.fees += renter_fees;
    if finished {
        if !ctx.accounts.assignment.released {
            release(ctx.accounts, ctx.accounts.assignment.gpus)?;
        }
        finish(ctx.accounts)?;
    }
    Ok(())
}

/// Releases the node's GPUs in io-staking.
pub fn release_gpus<'info>(
    config: &HireConfig,
    staking_program: &Program<'info, IoStaking>,
    assigner: AccountInfo<'info>,
    staking_config: AccountInfo<'info>,
    node: AccountInfo<'info>,
    gpus: u16,
) -> Result<()> {
    let accounts = HireGpus {
        assigner,
        config: staking_config,
        node,
    };
    io_staking::cpi::release_gpus(
        CpiContext::new_with_signer(
            staking_program.to_account_info(),
            accounts,
            &[&config.assigner_seeds()],
        ),
        gpus,
    )
}

fn release(a: &ClaimEarnings, gpus: u16) -> Result<()> {
    release_gpus(
        &a.config,
        &a.staking_program,
        a.assigner.to_account_info(),
        a.staking_config.to_account_info(),
        a.node.to_account_info(),
        gpus,
    )
}

/// Closes the settled assignment and, with the last one, ends the order.
fn finish(a: &mut ClaimEarnings) -> Result<()> {
    a.assignment.close(a.rent_payer.to_account_info())?;
    let order = &mut a.order;
    order.open_assignments = order.open_assignments.saturating_sub(1);
    if order.open_assignments == 0 && order.status == OrderStatus::Active {
        let reason = if order.failures > 0 {
            EndReason::NodeFailed
        } else if order.extended {
            EndReason::ExtendedThenCompleted
        } else {
            EndReason::Completed
        };
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
    Ok(())
}
