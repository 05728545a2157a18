use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::StakeDeposited;
use crate::pool::ShareClass;
use crate::state::{Node, StakingConfig};

/// The operator adds $IO to its own stake in the node's pool.
#[derive(Accounts)]
pub struct Stake<'info> {
    pub operator: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(mut, has_one = operator @ StakingError::NotOperator)]
    pub node: Account<'info, Node>,
    #[account(mut, seeds = [seeds::STAKE_VAULT, node.key().as_ref()], bump = node.vault_bump)]
    pub stake_vault: Account<'info, TokenAccount>,
    #[account(mut, constraint = source.mint == config.io_mint @ StakingError::WrongMint)]
    pub source: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<Stake>, amount: u64) -> Result<()> {
    let shares = deposit(&mut ctx.accounts.node, ShareClass::Operator, amount)?;
    pull(
        &ctx.accounts.token_program,
        &ctx.accounts.source,
        &ctx.accounts.stake_vault,
        ctx.accounts.operator.to_account_info(),
        amount,
    )?;
    let node = &ctx.accounts.node;
    emit!(StakeDeposited {
        node: node.key(),
        owner: node.operator,
        operator: true,
        amount,
        shares,
        pool_tokens: node.pool.tokens,
    });
    Ok(())
}

/// Adds `amount` to the pool as `class` shares, with the errors a user can cause. The
/// share price never exceeds 1 (it starts there and only slashes move it), so any
/// positive amount buys at least as many shares.
pub fn deposit(node: &mut Node, class: ShareClass, amount: u64) -> Result<u128> {
    require!(amount > 0, StakingError::ZeroAmount);
    require!(!node.pool.is_wiped(), StakingError::PoolWiped);
    let shares = node
        .pool
        .deposit(class, amount)
        .ok_or(StakingError::Overflow)?;
    Ok(shares)
}

/// Moves `amount` from a holder's account into the stake vault, signed by the holder.
pub fn pull<'info>(
    token_program: &Program<'info, Token>,
    source: &Account<'info, TokenAccount>,
    stake_vault: &Account<'info, TokenAccount>,
    authority: AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    let accounts = Transfer {
        from: source.to_account_info(),
        to: stake_vault.to_account_info(),
        authority,
    };
    token::transfer(
        CpiContext::new(token_program.to_account_info(), accounts),
        amount,
    )
}
