use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, Transfer};
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::DelegatorRewardsDeposited;
use crate::state::{Node, StakingConfig};

/// CPI only: io-rewards (the availability-reward cut, signed by its vault authority)
/// or io-hire (the hire-fee cut, signed by its escrow authority) pays the delegators'
/// share of a node's earnings into the rewards pot and the node's accumulator. A node
/// without delegators refuses, so callers check `delegated_shares` and keep the cut.
#[derive(Accounts)]
pub struct DepositDelegatorRewards<'info> {
    #[account(
        constraint = depositor.key() == config.rewards_depositor
            || depositor.key() == config.hire_depositor @ StakingError::NotRewardDepositor,
    )]
    pub depositor: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(mut)]
    pub node: Account<'info, Node>,
    #[account(constraint = config.reward_index(&mint.key()).is_some() @ StakingError::NotRewardMint)]
    pub mint: Account<'info, Mint>,
    #[account(mut, token::mint = mint)]
    pub source: Account<'info, TokenAccount>,
    #[account(mut, seeds = [seeds::DELEGATOR_REWARDS_VAULT, mint.key().as_ref()], bump)]
    pub rewards_vault: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<DepositDelegatorRewards>, amount: u64) -> Result<()> {
    require!(amount > 0, StakingError::ZeroAmount);
    let mint = ctx.accounts.mint.key();
    let index = ctx
        .accounts
        .config
        .reward_index(&mint)
        .ok_or(StakingError::NotRewardMint)?;
    let node = &mut ctx.accounts.node;
    let delegated = node.pool.delegated_shares;
    require!(delegated > 0, StakingError::NoDelegators);
    node.rewards[index]
        .deposit(amount, delegated)
        .ok_or(StakingError::Overflow)?;
    let accounts = Transfer {
        from: ctx.accounts.source.to_account_info(),
        to: ctx.accounts.rewards_vault.to_account_info(),
        authority: ctx.accounts.depositor.to_account_info(),
    };
    token::transfer(
        CpiContext::new(ctx.accounts.token_program.to_account_info(), accounts),
        amount,
    )?;
    emit!(DelegatorRewardsDeposited {
        node: node.key(),
        mint,
        amount,
        per_share: node.rewards[index].per_share,
    });
    Ok(())
}
