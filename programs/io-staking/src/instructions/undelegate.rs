use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::instructions::unstake::{open_ticket, CooldownArgs};
use crate::pool::ShareClass;
use crate::state::{Delegation, Node, StakingConfig, Ticket};

/// A delegator moves shares into a cooldown ticket; its rewards so far stay claimable.
/// Needs nobody else's signature, so delegators can always leave a dead node.
#[derive(Accounts)]
#[instruction(args: CooldownArgs)]
pub struct Undelegate<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(mut)]
    pub node: Account<'info, Node>,
    #[account(
        mut,
        seeds = [seeds::DELEGATION, node.key().as_ref(), owner.key().as_ref()],
        bump = delegation.bump,
        has_one = owner @ StakingError::NotPositionOwner,
        has_one = node @ StakingError::WrongNode,
    )]
    pub delegation: Account<'info, Delegation>,
    #[account(
        init,
        payer = owner,
        space = 8 + Ticket::INIT_SPACE,
        seeds = [seeds::TICKET, node.key().as_ref(), owner.key().as_ref(), &args.ticket_id.to_le_bytes()],
        bump,
    )]
    pub ticket: Account<'info, Ticket>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Undelegate>, args: CooldownArgs) -> Result<()> {
    let position = &mut ctx.accounts.delegation;
    require!(
        args.shares <= position.shares,
        StakingError::NotEnoughShares
    );
    position.settle(&ctx.accounts.node)?;
    position.shares -= args.shares;
    open_ticket(
        &mut ctx.accounts.node,
        &mut ctx.accounts.ticket,
        ShareClass::Delegated,
        ctx.accounts.owner.key(),
        &args,
        ctx.accounts.config.params.cooldown_seconds,
        ctx.bumps.ticket,
    )
}
