use anchor_lang::prelude::*;
use anchor_spl::token::{Token, TokenAccount};
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::StakeDeposited;
use crate::instructions::stake::{deposit, pull};
use crate::pool::ShareClass;
use crate::state::{Delegation, Node, StakingConfig};

/// Any wallet but the operator's delegates $IO to a node, within the node's two caps.
#[derive(Accounts)]
pub struct Delegate<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(mut, constraint = node.operator != owner.key() @ StakingError::OperatorMustStake)]
    pub node: Account<'info, Node>,
    #[account(
        init_if_needed,
        payer = owner,
        space = 8 + Delegation::INIT_SPACE,
        seeds = [seeds::DELEGATION, node.key().as_ref(), owner.key().as_ref()],
        bump,
    )]
    pub delegation: Account<'info, Delegation>,
    #[account(mut, seeds = [seeds::STAKE_VAULT, node.key().as_ref()], bump = node.vault_bump)]
    pub stake_vault: Account<'info, TokenAccount>,
    #[account(mut, constraint = source.mint == config.io_mint @ StakingError::WrongMint)]
    pub source: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Delegate>, amount: u64) -> Result<()> {
    let owner = ctx.accounts.owner.key();
    let node = &mut ctx.accounts.node;
    let position = &mut ctx.accounts.delegation;
    if position.owner == Pubkey::default() {
        position.set_inner(Delegation {
            node: node.key(),
            owner,
            shares: 0,
            rewards: Default::default(),
            bump: ctx.bumps.delegation,
        });
        node.delegations = node
            .delegations
            .checked_add(1)
            .ok_or(StakingError::Overflow)?;
    }
    position.settle(node)?;
    let shares = deposit(node, ShareClass::Delegated, amount)?;
    position.shares = position
        .shares
        .checked_add(shares)
        .ok_or(StakingError::Overflow)?;

    let caps = node
        .delegation_caps(&ctx.accounts.config.params)
        .ok_or(StakingError::Overflow)?;
    let delegated = node.pool.delegated_stake().ok_or(StakingError::Overflow)?;
    require!(delegated <= caps.by_capacity, StakingError::OverCapacityCap);
    require!(
        delegated <= caps.by_operator_stake,
        StakingError::OverOperatorRatioCap
    );

    pull(
        &ctx.accounts.token_program,
        &ctx.accounts.source,
        &ctx.accounts.stake_vault,
        ctx.accounts.owner.to_account_info(),
        amount,
    )?;
    emit!(StakeDeposited {
        node: node.key(),
        owner,
        operator: false,
        amount,
        shares,
        pool_tokens: node.pool.tokens,
    });
    Ok(())
}
