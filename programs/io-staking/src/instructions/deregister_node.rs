use anchor_lang::prelude::*;
use anchor_spl::token::{self, CloseAccount, Token, TokenAccount, Transfer};
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::NodeDeregistered;
use crate::state::{Node, StakingConfig, WorkerBinding};

/// Closes an empty node: no stake, no ticket, no delegation position, nothing hired.
/// Tokens sent unasked into its vault go back to the operator, so they never block it.
#[derive(Accounts)]
pub struct DeregisterNode<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(
        mut,
        close = operator,
        has_one = operator @ StakingError::NotOperator,
        constraint = node.hired_gpus == 0 @ StakingError::NodeHired,
        constraint = node.pool.total_shares() == Some(0) && node.delegations == 0 @ StakingError::NodeNotEmpty,
    )]
    pub node: Account<'info, Node>,
    #[account(
        mut,
        close = operator,
        seeds = [seeds::WORKER, node.worker.as_ref()],
        bump = worker_binding.bump,
    )]
    pub worker_binding: Account<'info, WorkerBinding>,
    #[account(mut, seeds = [seeds::STAKE_VAULT, node.key().as_ref()], bump = node.vault_bump)]
    pub stake_vault: Account<'info, TokenAccount>,
    /// The operator's $IO account for whatever the vault holds beyond the pool.
    #[account(mut, constraint = sweep_destination.mint == config.io_mint @ StakingError::WrongMint)]
    pub sweep_destination: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<DeregisterNode>) -> Result<()> {
    let node = &ctx.accounts.node;
    let signer = node.signer_seeds();
    let swept = ctx.accounts.stake_vault.amount;
    let program = ctx.accounts.token_program.to_account_info();
    if swept > 0 {
        let accounts = Transfer {
            from: ctx.accounts.stake_vault.to_account_info(),
            to: ctx.accounts.sweep_destination.to_account_info(),
            authority: node.to_account_info(),
        };
        token::transfer(
            CpiContext::new_with_signer(program.clone(), accounts, &[&signer]),
            swept,
        )?;
    }
    let accounts = CloseAccount {
        account: ctx.accounts.stake_vault.to_account_info(),
        destination: ctx.accounts.operator.to_account_info(),
        authority: node.to_account_info(),
    };
    token::close_account(CpiContext::new_with_signer(program, accounts, &[&signer]))?;
    emit!(NodeDeregistered {
        node: node.key(),
        operator: node.operator,
        swept,
    });
    Ok(())
}
