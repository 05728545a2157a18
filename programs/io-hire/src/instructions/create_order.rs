use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, Transfer};
use io_protocol::seeds;
use io_rewards::epochs::epoch_at;
use io_rewards::state::RewardsConfig;

use crate::errors::HireError;
use crate::events::OrderCreated;
use crate::pricing::{cost_micro_usd, fee, Payment};
use crate::state::{HireConfig, HireOrder, OrderSpec, OrderStatus};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateOrderArgs {
    /// The renter's choice; it names the order PDA.
    pub id: u64,
    pub spec: OrderSpec,
}

/// Longest order: a year of hours.
pub const MAX_HOURS: u32 = 8_760;
pub const MAX_GPUS: u16 = 1_024;

impl OrderSpec {
    pub fn validate(&self) -> Result<()> {
        require!(
            (1..=MAX_GPUS).contains(&self.gpus)
                && (1..=MAX_HOURS).contains(&self.hours)
                && self.max_price_micro_usd > 0
                && self.locations.len() <= 8,
            HireError::InvalidOrder
        );
        Ok(())
    }
}

/// A renter escrows the most the order can cost (max price × GPUs × hours, in the
/// payment mint) plus its fees. A $IO order converts at the latest final IO/USD price
/// from io-rewards, fixed for the order's life; a stale price refuses it.
#[derive(Accounts)]
#[instruction(args: CreateOrderArgs)]
pub struct CreateOrder<'info> {
    #[account(mut)]
    pub renter: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Box<Account<'info, HireConfig>>,
    #[account(address = config.rewards_config @ HireError::WrongRewardsConfig)]
    pub rewards_config: Box<Account<'info, RewardsConfig>>,
    #[account(
        init,
        payer = renter,
        space = 8 + HireOrder::INIT_SPACE,
        seeds = [seeds::ORDER, renter.key().as_ref(), &args.id.to_le_bytes()],
        bump,
    )]
    pub order: Box<Account<'info, HireOrder>>,
    #[account(constraint = config.treasury_of(&mint.key()).is_some() @ HireError::NotPaymentMint)]
    pub mint: Account<'info, Mint>,
    /// CHECK: io-hire's escrow authority PDA, the escrow's owner.
    #[account(seeds = [seeds::ESCROW_AUTHORITY], bump = config.escrow_authority_bump)]
    pub escrow_authority: UncheckedAccount<'info>,
    #[account(
        init,
        payer = renter,
        seeds = [seeds::ESCROW, order.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = escrow_authority,
    )]
    pub escrow: Account<'info, TokenAccount>,
    #[account(mut, token::mint = mint)]
    pub source: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CreateOrder>, args: CreateOrderArgs) -> Result<()> {
    args.spec.validate()?;
    let now = Clock::get()?.unix_timestamp;
    let config = &ctx.accounts.config;
    let mint = ctx.accounts.mint.key();
    let io_usd_price = if mint == config.io_mint {
        fresh_price(
            &ctx.accounts.rewards_config,
            config.params.max_price_age_epochs,
            now,
        )?
    } else {
        0
    };
    let payment = if mint == config.io_mint {
        Payment::Io {
            micro_usd_per_io: io_usd_price,
        }
    } else {
        Payment::Iosd
    };
    let spec = &args.spec;
    let value = cost_micro_usd(spec.max_price_micro_usd, spec.gpus, spec.hours)
        .and_then(|usd| payment.units(usd))
        .ok_or(HireError::OrderTooLarge)?;
    let renter_fee_bps = config.renter_fee_bps(&mint);
    let deposit = value
        .checked_add(fee(value, renter_fee_bps))
        .ok_or(HireError::OrderTooLarge)?;
    let accounts = Transfer {
        from: ctx.accounts.source.to_account_info(),
        to: ctx.accounts.escrow.to_account_info(),
        authority: ctx.accounts.renter.to_account_info(),
    };
    token::transfer(
        CpiContext::new(ctx.accounts.token_program.to_account_info(), accounts),
        deposit,
    )?;
    ctx.accounts.order.set_inner(HireOrder {
        renter: ctx.accounts.renter.key(),
        id: args.id,
        mint,
        spec: args.spec.clone(),
        io_usd_price,
        renter_fee_bps,
        status: OrderStatus::Open,
        end_reason: None,
        created_at: now,
        started_at: 0,
        ends_at: 0,
        extended: false,
        failures: 0,
        open_assignments: 0,
        deposited: deposit,
        paid: 0,
        fees: 0,
        refunded: 0,
        bump: ctx.bumps.order,
        escrow_bump: ctx.bumps.escrow,
    });
    emit!(OrderCreated {
        order: ctx.accounts.order.key(),
        renter: ctx.accounts.renter.key(),
        mint,
        gpus: args.spec.gpus,
        hours: args.spec.hours,
        max_price_micro_usd: args.spec.max_price_micro_usd,
        io_usd_price,
        deposited: deposit,
    });
    Ok(())
}

/// The latest final IO/USD price, if its epoch is within `max_age` epochs of now.
pub fn fresh_price(rewards: &RewardsConfig, max_age: u32, now: i64) -> Result<u64> {
    let p = &rewards.params;
    let current = epoch_at(p.genesis_ts, p.epoch_seconds, now).ok_or(HireError::StalePrice)?;
    let fresh = rewards
        .final_epoch
        .is_some_and(|e| current.saturating_sub(e) <= u64::from(max_age));
    require!(fresh && rewards.io_usd_price > 0, HireError::StalePrice);
    Ok(rewards.io_usd_price)
}
