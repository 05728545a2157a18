use anchor_lang::prelude::*;
use anchor_lang::solana_program::program::{invoke, invoke_signed};
use anchor_lang::solana_program::system_instruction;
use anchor_spl::token::{Token, TokenAccount};
use io_protocol::{ids, seeds};
use io_rewards::state::{Keeper, RewardsConfig};
use io_staking::cpi::accounts::HireGpus;
use io_staking::program::IoStaking;
use io_staking::state::{Node, StakingConfig};

use crate::errors::HireError;
use crate::escrow;
use crate::events::{NodeAssigned, OrderActivated};
use crate::pricing::{cost_micro_usd, fee};
use crate::state::{Assignment, HireConfig, HireOrder, OrderSpec, OrderStatus};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AssignArgs {
    /// GPUs each node gives, in the order of the (node, assignment) account pairs that
    /// follow the named accounts.
    pub gpus: Vec<u16>,
}

/// A keeper serving in the current epoch matches an open order to nodes. The program
/// re-checks every constraint for every node, so a keeper can choose but not cheat;
/// the first valid assignment wins. Each node is paid its own ask, and the escrow above
/// what the asks and fees need goes back to the renter now.
#[derive(Accounts)]
pub struct Assign<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        seeds = [seeds::KEEPER, authority.key().as_ref()],
        bump = keeper.bump,
        seeds::program = ids::IO_REWARDS,
    )]
    pub keeper: Box<Account<'info, Keeper>>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, HireConfig>>,
    #[account(address = config.rewards_config @ HireError::WrongRewardsConfig)]
    pub rewards_config: Box<Account<'info, RewardsConfig>>,
    #[account(address = config.staking_config @ HireError::WrongStakingConfig)]
    pub staking_config: Box<Account<'info, StakingConfig>>,
    #[account(mut, constraint = order.status == OrderStatus::Open @ HireError::OrderNotOpen)]
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
    /// CHECK: the assigner PDA; signs the GPU reservations in io-staking.
    #[account(seeds = [seeds::ASSIGNER], bump = config.assigner_bump)]
    pub assigner: UncheckedAccount<'info>,
    pub staking_program: Program<'info, IoStaking>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

/// Why a node does not fit, checked cheapest first.
pub fn check_fit(
    node: &Node,
    spec: &OrderSpec,
    gpus: u16,
    staking: &StakingConfig,
    current_epoch: u64,
    max_age: u32,
) -> core::result::Result<(), HireError> {
    if gpus == 0 || node.free_gpus() < gpus {
        return Err(HireError::NotEnoughFreeGpus);
    }
    if node.spec.gpu_class != spec.gpu_class && spec.gpu_class != 0 {
        return Err(HireError::ClassMismatch);
    }
    if node.spec.vram_mib_per_gpu < spec.min_vram_mib {
        return Err(HireError::VramTooLow);
    }
    if node.spec.vcpus < spec.min_vcpus {
        return Err(HireError::VcpusTooLow);
    }
    if node.spec.ram_gib < spec.min_ram_gib {
        return Err(HireError::RamTooLow);
    }
    if !spec.locations.is_empty() && !spec.locations.contains(&node.spec.location) {
        return Err(HireError::LocationNotAllowed);
    }
    if node.spec.compliance & spec.compliance != spec.compliance {
        return Err(HireError::ComplianceMissing);
    }
    if node.ask_micro_usd > spec.max_price_micro_usd {
        return Err(HireError::AskAboveMax);
    }
    if node.frozen_at_epoch.is_some() {
        return Err(HireError::NodeFrozen);
    }
    let attested = node.attested.tops_milli > 0
        && current_epoch.saturating_sub(node.attested.epoch) <= u64::from(max_age);
    if !attested {
        return Err(HireError::AttestationStale);
    }
    if !node.is_staked(&staking.params) {
        return Err(HireError::NodeNotStaked);
    }
    Ok(())
}

pub fn handler<'info>(
    ctx: Context<'_, '_, 'info, 'info, Assign<'info>>,
    args: AssignArgs,
) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let rewards = &ctx.accounts.rewards_config;
    let epoch = rewards.current_epoch(now).ok_or(HireError::NotKeeper)?;
    require!(ctx.accounts.keeper.serves_in(epoch), HireError::NotKeeper);
    let pairs = ctx.remaining_accounts;
    require!(
        !args.gpus.is_empty() && pairs.len() == 2 * args.gpus.len(),
        HireError::BadAssignmentAccounts
    );
    let total: u32 = args.gpus.iter().map(|g| u32::from(*g)).sum();
    require!(
        total == u32::from(ctx.accounts.order.spec.gpus),
        HireError::GpuCountMismatch
    );
    let io_mint = ctx.accounts.config.io_mint;
    let payment = ctx.accounts.order.payment(&io_mint);
    let hours = ctx.accounts.order.spec.hours;
    let duration = i64::from(hours) * 3_600;
    let mut committed: u64 = 0;
    for (i, gpus) in args.gpus.iter().copied().enumerate() {
        let node_info = &pairs[2 * i];
        let node = Account::<Node>::try_from(node_info)?;
        check_fit(
            &node,
            &ctx.accounts.order.spec,
            gpus,
            &ctx.accounts.staking_config,
            epoch,
            ctx.accounts.config.params.max_attestation_age_epochs,
        )?;
        let value = cost_micro_usd(node.ask_micro_usd, gpus, hours)
            .and_then(|usd| payment.units(usd))
            .ok_or(HireError::OrderTooLarge)?;
        let renter_fee = fee(value, ctx.accounts.order.renter_fee_bps);
        committed = committed
            .checked_add(value)
            .and_then(|c| c.checked_add(renter_fee))
            .ok_or(HireError::Overflow)?;
        let assignment = Assignment {
            order: ctx.accounts.order.key(),
            node: node.key(),
            gpus,
            price_micro_usd: node.ask_micro_usd,
            value,
            start: now,
            duration,
            renter_fee,
            claimed: 0,
            fee_paid: 0,
            failed: false,
            released: false,
            failure_votes: vec![],
            evidence: [0; 32],
            failure_epoch: 0,
            rent_payer: ctx.accounts.authority.key(),
            bump: 0,
        };
        create_assignment(ctx.accounts, &pairs[2 * i + 1], assignment)?;
        reserve(ctx.accounts, node_info, gpus)?;
        emit!(NodeAssigned {
            order: ctx.accounts.order.key(),
            node: node.key(),
            keeper: ctx.accounts.authority.key(),
            gpus,
            price_micro_usd: node.ask_micro_usd,
            value,
        });
    }
    let a = &ctx.accounts;
    let held = a.order.deposited - a.order.paid - a.order.fees - a.order.refunded;
    let refund = held.checked_sub(committed).ok_or(HireError::Overflow)?;
    escrow::pay(
        &a.config,
        &a.token_program,
        &a.escrow,
        &a.escrow_authority.to_account_info(),
        a.renter_refund.to_account_info(),
        refund,
    )?;
    let order = &mut ctx.accounts.order;
    order.refunded += refund;
    order.status = OrderStatus::Active;
    order.started_at = now;
    order.ends_at = now + duration;
    order.open_assignments = args.gpus.len() as u16;
    emit!(OrderActivated {
        order: order.key(),
        started_at: now,
        ends_at: order.ends_at,
        refunded: refund,
    });
    Ok(())
}

/// Creates the assignment PDA `[ASSIGNMENT, order, node]` at `info`, paid by the keeper.
fn create_assignment<'info>(
    a: &Assign<'info>,
    info: &AccountInfo<'info>,
    mut value: Assignment,
) -> Result<()> {
    let (order, node) = (value.order, value.node);
    let (expected, bump) = Pubkey::find_program_address(
        &[seeds::ASSIGNMENT, order.as_ref(), node.as_ref()],
        &crate::ID,
    );
    require_keys_eq!(info.key(), expected, HireError::BadAssignmentAccounts);
    value.bump = bump;
    let space = 8 + Assignment::INIT_SPACE;
    let rent = Rent::get()?.minimum_balance(space);
    let signer: &[&[u8]] = &[seeds::ASSIGNMENT, order.as_ref(), node.as_ref(), &[bump]];
    let payer = a.authority.to_account_info();
    let system = a.system_program.to_account_info();
    let held = info.lamports();
    if held == 0 {
        invoke_signed(
            &system_instruction::create_account(
                payer.key,
                &expected,
                rent,
                space as u64,
                &crate::ID,
            ),
            &[payer, info.clone(), system],
            &[signer],
        )?;
    } else {
        // Anyone can send lamports to the predictable address first; `create_account`
        // would then fail and block the match. Top up, allocate and assign instead,
        // as Anchor's `init` does.
        if held < rent {
            invoke(
                &system_instruction::transfer(payer.key, &expected, rent - held),
                &[payer, info.clone(), system.clone()],
            )?;
        }
        invoke_signed(
            &system_instruction::allocate(&expected, space as u64),
            &[info.clone(), system.clone()],
            &[signer],
        )?;
        invoke_signed(
            &system_instruction::assign(&expected, &crate::ID),
            &[info.clone(), system],
            &[signer],
        )?;
    }
    let mut data = info.try_borrow_mut_data()?;
    value.try_serialize(&mut &mut data[..])?;
    Ok(())
}

fn reserve<'info>(a: &Assign<'info>, node: &AccountInfo<'info>, gpus: u16) -> Result<()> {
    let accounts = HireGpus {
        assigner: a.assigner.to_account_info(),
        config: a.staking_config.to_account_info(),
        node: node.clone(),
    };
    io_staking::cpi::reserve_gpus(
        CpiContext::new_with_signer(
            a.staking_program.to_account_info(),
            accounts,
            &[&a.config.assigner_seeds()],
        ),
        gpus,
    )
}
