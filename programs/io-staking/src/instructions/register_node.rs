use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::NodeRegistered;
use crate::pool::Pool;
use crate::state::{AttestedCapacity, Node, NodeSpec, StakingConfig, WorkerBinding};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct RegisterNodeArgs {
    pub spec: NodeSpec,
    /// Ask in micro-USD per GPU-hour.
    pub ask_micro_usd: u64,
    /// The worker's HTTP endpoint, where keepers send challenges and probes.
    pub endpoint: String,
}

/// Most GPUs one node may declare (one machine; large clusters register many nodes).
pub const MAX_GPUS: u16 = 1024;

impl NodeSpec {
    pub fn validate(&self) -> Result<()> {
        require!(
            (1..=MAX_GPUS).contains(&self.gpu_count)
                && io_protocol::classes::is_known(self.gpu_class)
                && self.location.iter().all(u8::is_ascii_uppercase),
            StakingError::InvalidSpec
        );
        Ok(())
    }
}

pub fn validate_listing(spec: &NodeSpec, ask_micro_usd: u64, endpoint: &str) -> Result<()> {
    spec.validate()?;
    require!(ask_micro_usd > 0, StakingError::InvalidAsk);
    require!(
        !endpoint.is_empty() && endpoint.len() <= Node::MAX_ENDPOINT_LEN,
        StakingError::InvalidEndpoint
    );
    Ok(())
}

/// Signed by the operator and by the worker's identity key, which proves the operator
/// runs that worker. The node PDA and the worker binding are both seeded by the key,
/// so nobody can register an honest worker's key first and collect its attestations.
#[derive(Accounts)]
pub struct RegisterNode<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    pub worker: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump, has_one = io_mint @ StakingError::WrongMint)]
    pub config: Account<'info, StakingConfig>,
    #[account(
        init,
        payer = operator,
        space = 8 + Node::INIT_SPACE,
        seeds = [seeds::NODE, worker.key().as_ref()],
        bump,
    )]
    pub node: Account<'info, Node>,
    #[account(
        init,
        payer = operator,
        space = 8 + WorkerBinding::INIT_SPACE,
        seeds = [seeds::WORKER, worker.key().as_ref()],
        bump,
    )]
    pub worker_binding: Account<'info, WorkerBinding>,
    #[account(
        init,
        payer = operator,
        seeds = [seeds::STAKE_VAULT, node.key().as_ref()],
        bump,
        token::mint = io_mint,
        token::authority = node,
    )]
    pub stake_vault: Account<'info, TokenAccount>,
    pub io_mint: Account<'info, Mint>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<RegisterNode>, args: RegisterNodeArgs) -> Result<()> {
    validate_listing(&args.spec, args.ask_micro_usd, &args.endpoint)?;
    let worker = ctx.accounts.worker.key();
    ctx.accounts.worker_binding.set_inner(WorkerBinding {
        node: ctx.accounts.node.key(),
        bump: ctx.bumps.worker_binding,
    });
    ctx.accounts.node.set_inner(Node {
        node_id: worker,
        operator: ctx.accounts.operator.key(),
        worker,
        spec: args.spec.clone(),
        ask_micro_usd: args.ask_micro_usd,
        endpoint: args.endpoint.clone(),
        pool: Pool::default(),
        delegations: 0,
        rewards: Default::default(),
        attested: AttestedCapacity::default(),
        hired_gpus: 0,
        frozen_at_epoch: None,
        slashed_total: 0,
        bump: ctx.bumps.node,
        vault_bump: ctx.bumps.stake_vault,
    });
    emit!(NodeRegistered {
        node: ctx.accounts.node.key(),
        operator: ctx.accounts.operator.key(),
        worker,
        spec: args.spec,
        ask_micro_usd: args.ask_micro_usd,
        endpoint: args.endpoint,
    });
    Ok(())
}
