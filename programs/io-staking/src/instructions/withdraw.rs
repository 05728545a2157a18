use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::Withdrawn;
use crate::state::{Node, StakingConfig, Ticket};

/// After the cooldown, a ticket's shares leave the pool at the current price (lower if
/// a slash came during the cooldown) and the ticket closes.
#[derive(Accounts)]
pub struct Withdraw<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(mut)]
    pub node: Account<'info, Node>,
    #[account(
        mut,
        close = owner,
        has_one = owner @ StakingError::NotTicketOwner,
        has_one = node @ StakingError::WrongNode,
        constraint = Clock::get()?.unix_timestamp >= ticket.unlocks_at @ StakingError::CooldownNotOver,
    )]
    pub ticket: Account<'info, Ticket>,
    #[account(mut, seeds = [seeds::STAKE_VAULT, node.key().as_ref()], bump = node.vault_bump)]
    pub stake_vault: Account<'info, TokenAccount>,
    #[account(mut, constraint = destination.mint == config.io_mint @ StakingError::WrongMint)]
    pub destination: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<Withdraw>) -> Result<()> {
    let shares = ctx.accounts.ticket.shares;
    let node = &mut ctx.accounts.node;
    let amount = node
        .pool
        .redeem_cooling(shares)
        .ok_or(StakingError::Overflow)?;
    if amount > 0 {
        let accounts = Transfer {
            from: ctx.accounts.stake_vault.to_account_info(),
            to: ctx.accounts.destination.to_account_info(),
            authority: node.to_account_info(),
        };
        token::transfer(
            CpiContext::new_with_signer(
                ctx.accounts.token_program.to_account_info(),
                accounts,
                &[&node.signer_seeds()],
            ),
            amount,
        )?;
    }
    emit!(Withdrawn {
        node: node.key(),
        owner: ctx.accounts.owner.key(),
        ticket: ctx.accounts.ticket.key(),
        shares,
        amount,
    });
    Ok(())
}
