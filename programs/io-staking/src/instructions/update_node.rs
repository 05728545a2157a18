use anchor_lang::prelude::*;

use crate::errors::StakingError;
use crate::events::NodeUpdated;
use crate::instructions::register_node::validate_listing;
use crate::state::{Node, NodeSpec};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct UpdateNodeArgs {
    pub spec: NodeSpec,
    pub ask_micro_usd: u64,
    pub endpoint: String,
}

/// The operator's node, not hired: a node's listing never changes under a renter.
#[derive(Accounts)]
pub struct OperatorNode<'info> {
    pub operator: Signer<'info>,
    #[account(
        mut,
        has_one = operator @ StakingError::NotOperator,
        constraint = node.hired_gpus == 0 @ StakingError::NodeHired,
    )]
    pub node: Account<'info, Node>,
}

/// Replaces the spec, the ask and the endpoint.
pub fn handler(ctx: Context<OperatorNode>, args: UpdateNodeArgs) -> Result<()> {
    validate_listing(&args.spec, args.ask_micro_usd, &args.endpoint)?;
    let node = &mut ctx.accounts.node;
    node.spec = args.spec;
    node.ask_micro_usd = args.ask_micro_usd;
    node.endpoint = args.endpoint;
    emit!(NodeUpdated {
        node: node.key(),
        worker: node.worker,
        spec: node.spec.clone(),
        ask_micro_usd: node.ask_micro_usd,
        endpoint: node.endpoint.clone(),
    });
    Ok(())
}
