use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_protocol::{ids, seeds};
use io_rewards::epochs::{keepers_at, quorum};
use io_rewards::state::{Keeper, RewardsConfig};
use io_staking::cpi::accounts::Slash;
use io_staking::instructions::SlashArgs;
use io_staking::program::IoStaking;
use io_staking::state::{Node, StakingConfig};

use crate::errors::HireError;
use crate::escrow;
use crate::events::{FailureReported, NodeFailed};
use crate::instructions::cancel::stop_stream;
use crate::instructions::claim_earnings::release_gpus;
use crate::pricing::{cost_micro_usd, Payment};
use crate::state::{Assignment, HireConfig, HireOrder, OrderStatus};

/// A keeper serving in this epoch reports that a node failed an active order, with
/// the hash of its evidence. When the epoch's quorum of keepers agrees, the node's
/// stream stops, the renter gets that node's unused escrow back, the node is slashed
/// through io-staking (one hour of its availability reward and of its hire fee per
/// card, burned) and its GPUs are released. A node is slashed once per order, and only
/// while its stream runs: work already delivered is not slashed.
#[derive(Accounts)]
pub struct ReportFailure<'info> {
    pub authority: Signer<'info>,
    #[account(
        seeds = [seeds::KEEPER, authority.key().as_ref()],
        bump = keeper.bump,
        seeds::program = ids::IO_REWARDS,
    )]
    pub keeper: Box<Account<'info, Keeper>>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump, has_one = io_mint @ HireError::WrongMint)]
    pub config: Box<Account<'info, HireConfig>>,
    #[account(mut, address = config.rewards_config @ HireError::WrongRewardsConfig)]
    pub rewards_config: Box<Account<'info, RewardsConfig>>,
    #[account(address = config.staking_config @ HireError::WrongStakingConfig)]
    pub staking_config: Box<Account<'info, StakingConfig>>,
    #[account(mut, constraint = order.status == OrderStatus::Active @ HireError::OrderNotActive)]
    pub order: Box<Account<'info, HireOrder>>,
    #[account(
        mut,
        seeds = [seeds::ASSIGNMENT, order.key().as_ref(), node.key().as_ref()],
        bump = assignment.bump,
        constraint = !assignment.failed @ HireError::AlreadyFailed,
        constraint = Clock::get()?.unix_timestamp < assignment.stream().end() @ HireError::StreamOver,
    )]
    pub assignment: Box<Account<'info, Assignment>>,
    #[account(mut)]
    pub node: Box<Account<'info, Node>>,
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
    /// CHECK: the slasher PDA; signs the slash.
    #[account(seeds = [seeds::SLASHER], bump = config.slasher_bump)]
    pub slasher: UncheckedAccount<'info>,
    /// CHECK: the node's stake vault, by its seeds.
    #[account(
        mut,
        seeds = [seeds::STAKE_VAULT, node.key().as_ref()],
        bump = node.vault_bump,
        seeds::program = ids::IO_STAKING,
    )]
    pub stake_vault: UncheckedAccount<'info>,
    #[account(mut)]
    pub io_mint: Box<Account<'info, Mint>>,
    /// CHECK: io-staking's slash burner PDA, by its seeds.
    #[account(
        seeds = [seeds::SLASH_BURNER],
        bump = staking_config.slash_burner_bump,
        seeds::program = ids::IO_STAKING,
    )]
    pub slash_burner: UncheckedAccount<'info>,
    /// CHECK: io-rewards, by address.
    #[account(address = ids::IO_REWARDS)]
    pub rewards_program: UncheckedAccount<'info>,
    pub staking_program: Program<'info, IoStaking>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<ReportFailure>, evidence: [u8; 32]) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let rewards = &ctx.accounts.rewards_config;
    let epoch = rewards.current_epoch(now).ok_or(HireError::NotKeeper)?;
    require!(ctx.accounts.keeper.serves_in(epoch), HireError::NotKeeper);
    let needed = quorum(
        keepers_at(&rewards.keeper_history, epoch),
        rewards.params.quorum_num,
        rewards.params.quorum_den,
    );
    let voter = ctx.accounts.authority.key();
    let assignment = &mut ctx.accounts.assignment;
    if assignment.failure_epoch != epoch {
        assignment.failure_votes.clear();
        assignment.failure_epoch = epoch;
    }
    require!(
        !assignment.failure_votes.contains(&voter),
        HireError::AlreadyReported
    );
    if assignment.failure_votes.is_empty() {
        assignment.evidence = evidence;
    }
    assignment.failure_votes.push(voter);
    let votes = assignment.failure_votes.len() as u32;
    emit!(FailureReported {
        order: ctx.accounts.order.key(),
        node: ctx.accounts.node.key(),
        keeper: voter,
        evidence,
        votes,
        quorum: needed,
    });
    if votes >= needed {
        execute(ctx.accounts, now, epoch)?;
    }
    Ok(())
}

fn execute(a: &mut ReportFailure, now: i64, epoch: u64) -> Result<()> {
    let refund = stop_stream(&mut a.assignment, a.order.renter_fee_bps, now);
    escrow::pay(
        &a.config,
        &a.token_program,
        &a.escrow,
        &a.escrow_authority.to_account_info(),
        a.renter_refund.to_account_info(),
        refund,
    )?;
    // F: one hour of the hire's fee per GPU in $IO, at the order's price for a $IO
    // order and at the latest final price for an IOSD one.
    let price = if a.order.mint == a.config.io_mint {
        a.order.io_usd_price
    } else {
        a.rewards_config.io_usd_price
    };
    let fee_per_gpu_hour = cost_micro_usd(a.assignment.price_micro_usd, 1, 1)
        .and_then(|usd| {
            Payment::Io {
                micro_usd_per_io: price,
            }
            .units(usd)
        })
        .unwrap_or(0);
    let gpus = a.assignment.gpus;
    let accounts = Slash {
        slasher: a.slasher.to_account_info(),
        config: a.staking_config.to_account_info(),
        node: a.node.to_account_info(),
        stake_vault: a.stake_vault.to_account_info(),
        io_mint: a.io_mint.to_account_info(),
        slash_burner: a.slash_burner.to_account_info(),
        rewards_config: a.rewards_config.to_account_info(),
        rewards_program: a.rewards_program.to_account_info(),
        token_program: a.token_program.to_account_info(),
    };
    io_staking::cpi::slash(
        CpiContext::new_with_signer(
            a.staking_program.to_account_info(),
            accounts,
            &[&a.config.slasher_seeds()],
        ),
        SlashArgs {
            gpus,
            fee_per_gpu_hour,
            reason: 0,
            evidence: a.assignment.evidence,
            epoch,
        },
    )?;
    if !a.assignment.released {
        release_gpus(
            &a.config,
            &a.staking_program,
            a.assigner.to_account_info(),
            a.staking_config.to_account_info(),
            a.node.to_account_info(),
            gpus,
        )?;
        a.assignment.released = true;
    }
    a.assignment.failed = true;
    a.order.failures += 1;
    a.order.refunded += refund;
    let requested = io_staking::pool::slash_amount(
        gpus,
        a.node.attested.epoch_reward,
        a.node.spec.gpu_count,
        fee_per_gpu_hour,
    )
    .unwrap_or(0);
    emit!(NodeFailed {
        order: a.order.key(),
        node: a.node.key(),
        refunded: refund,
        slash_requested: requested,
    });
    Ok(())
}
