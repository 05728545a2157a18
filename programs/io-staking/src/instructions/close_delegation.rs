use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::DelegationClosed;
use crate::state::{Delegation, Node};

/// Closes an empty position (no shares, rewards claimed) and returns its rent to the
/// owner. Anyone may crank it, so an abandoned position never keeps a node open.
#[derive(Accounts)]
pub struct CloseDelegation<'info> {
    /// CHECK: receives the rent; must be the position's owner.
    #[account(mut, address = delegation.owner @ StakingError::NotPositionOwner)]
    pub owner: UncheckedAccount<'info>,
    #[account(mut)]
    pub node: Account<'info, Node>,
    #[account(
        mut,
        close = owner,
        has_one = node @ StakingError::WrongNode,
    )]
    pub delegation: Account<'info, Delegation>,
}

pub fn handler(ctx: Context<CloseDelegation>) -> Result<()> {
    let position = &mut ctx.accounts.delegation;
    let node = &mut ctx.accounts.node;
    position.settle(node)?;
    require!(
        position.shares == 0 && position.rewards.iter().all(|r| r.pending == 0),
        StakingError::PositionNotEmpty
    );
    node.delegations = node
        .delegations
        .checked_sub(1)
        .ok_or(StakingError::Overflow)?;
    emit!(DelegationClosed {
        node: node.key(),
        owner: position.owner,
    });
    Ok(())
}
