use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::NodeUpdated;
use crate::state::{Node, WorkerBinding};

/// Moves a node to a new worker identity key, which signs to prove the operator holds
/// it. The old key's binding closes; the new key may not serve another node.
#[derive(Accounts)]
pub struct RotateWorker<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    pub new_worker: Signer<'info>,
    #[account(
        mut,
        has_one = operator @ StakingError::NotOperator,
        constraint = node.hired_gpus == 0 @ StakingError::NodeHired,
    )]
    pub node: Account<'info, Node>,
    #[account(
        mut,
        close = operator,
        seeds = [seeds::WORKER, node.worker.as_ref()],
        bump = old_binding.bump,
    )]
    pub old_binding: Account<'info, WorkerBinding>,
    #[account(
        init,
        payer = operator,
        space = 8 + WorkerBinding::INIT_SPACE,
        seeds = [seeds::WORKER, new_worker.key().as_ref()],
        bump,
    )]
    pub new_binding: Account<'info, WorkerBinding>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<RotateWorker>) -> Result<()> {
    ctx.accounts.new_binding.set_inner(WorkerBinding {
        node: ctx.accounts.node.key(),
        bump: ctx.bumps.new_binding,
    });
    let node = &mut ctx.accounts.node;
    node.worker = ctx.accounts.new_worker.key();
    emit!(NodeUpdated {
        node: node.key(),
        worker: node.worker,
        spec: node.spec.clone(),
        ask_micro_usd: node.ask_micro_usd,
        endpoint: node.endpoint.clone(),
    });
    Ok(())
}
