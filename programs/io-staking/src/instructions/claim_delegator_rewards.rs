use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, Transfer};
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::DelegatorRewardsClaimed;
use crate::state::{Delegation, Node, StakingConfig};

/// Pays a position's delegator rewards in one mint. Anyone may crank it: the tokens
/// can only go to an account of the position's owner. It touches the same accounts
/// whatever the number of delegators (the accumulator does the bookkeeping), and a
/// claim with nothing pending pays 0 and succeeds.
#[derive(Accounts)]
pub struct ClaimDelegatorRewards<'info> {
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(mut)]
    pub node: Account<'info, Node>,
    #[account(
        mut,
        seeds = [seeds::DELEGATION, node.key().as_ref(), delegation.owner.as_ref()],
        bump = delegation.bump,
        has_one = node @ StakingError::WrongNode,
    )]
    pub delegation: Account<'info, Delegation>,
    #[account(constraint = config.reward_index(&mint.key()).is_some() @ StakingError::NotRewardMint)]
    pub mint: Account<'info, Mint>,
    #[account(mut, seeds = [seeds::DELEGATOR_REWARDS_VAULT, mint.key().as_ref()], bump)]
    pub rewards_vault: Account<'info, TokenAccount>,
    /// CHECK: the authority PDA of the reward pots; signs the payout.
    #[account(seeds = [seeds::DELEGATOR_REWARDS_AUTHORITY], bump = config.rewards_authority_bump)]
    pub rewards_authority: UncheckedAccount<'info>,
    #[account(
        mut,
        token::mint = mint,
        constraint = destination.owner == delegation.owner @ StakingError::NotOwnersAccount,
    )]
    pub destination: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<ClaimDelegatorRewards>) -> Result<()> {
    let mint = ctx.accounts.mint.key();
    let config = &ctx.accounts.config;
    let index = config
        .reward_index(&mint)
        .ok_or(StakingError::NotRewardMint)?;
    let node = &mut ctx.accounts.node;
    let position = &mut ctx.accounts.delegation;
    position.settle(node)?;
    let amount = position.rewards[index].take();
    // The independent bound: never pay a node's delegators more than was deposited.
    node.rewards[index]
        .pay(amount)
        .ok_or(StakingError::RewardsExceedDeposits)?;
    if amount > 0 {
        let accounts = Transfer {
            from: ctx.accounts.rewards_vault.to_account_info(),
            to: ctx.accounts.destination.to_account_info(),
            authority: ctx.accounts.rewards_authority.to_account_info(),
        };
        token::transfer(
            CpiContext::new_with_signer(
                ctx.accounts.token_program.to_account_info(),
                accounts,
                &[&config.signer_seeds_rewards_authority()],
            ),
            amount,
        )?;
    }
    emit!(DelegatorRewardsClaimed {
        node: node.key(),
        owner: position.owner,
        mint,
        amount,
    });
    Ok(())
}
