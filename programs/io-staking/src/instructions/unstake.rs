use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::CooldownStarted;
use crate::pool::ShareClass;
use crate::state::{Node, StakingConfig, Ticket};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CooldownArgs {
    /// Shares to take out (the pool's unit; `value_of` converts to $IO).
    pub shares: u128,
    /// The caller's choice; it names the ticket PDA, so one owner may hold many.
    pub ticket_id: u64,
}

/// The operator moves shares of its stake into a cooldown ticket. The node may fall
/// below its minimum stake: that is how an operator leaves, but not while its GPUs are
/// hired, so a failure during a hire always finds the operator's stake in the pool.
#[derive(Accounts)]
#[instruction(args: CooldownArgs)]
pub struct Unstake<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(
        mut,
        has_one = operator @ StakingError::NotOperator,
        constraint = node.hired_gpus == 0 @ StakingError::NodeHired,
    )]
    pub node: Account<'info, Node>,
    #[account(
        init,
        payer = operator,
        space = 8 + Ticket::INIT_SPACE,
        seeds = [seeds::TICKET, node.key().as_ref(), operator.key().as_ref(), &args.ticket_id.to_le_bytes()],
        bump,
    )]
    pub ticket: Account<'info, Ticket>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Unstake>, args: CooldownArgs) -> Result<()> {
    let owner = ctx.accounts.operator.key();
    open_ticket(
        &mut ctx.accounts.node,
        &mut ctx.accounts.ticket,
        ShareClass::Operator,
        owner,
        &args,
        ctx.accounts.config.params.cooldown_seconds,
        ctx.bumps.ticket,
    )
}

/// Moves `args.shares` of `from` into a new ticket that unlocks after the cooldown.
pub fn open_ticket(
    node: &mut Account<Node>,
    ticket: &mut Account<Ticket>,
    from: ShareClass,
    owner: Pubkey,
    args: &CooldownArgs,
    cooldown_seconds: i64,
    bump: u8,
) -> Result<()> {
    require!(args.shares > 0, StakingError::ZeroAmount);
    node.pool
        .start_cooldown(from, args.shares)
        .ok_or(StakingError::NotEnoughShares)?;
    let unlocks_at = Clock::get()?
        .unix_timestamp
        .checked_add(cooldown_seconds)
        .ok_or(StakingError::Overflow)?;
    ticket.set_inner(Ticket {
        node: node.key(),
        owner,
        id: args.ticket_id,
        shares: args.shares,
        unlocks_at,
        bump,
    });
    emit!(CooldownStarted {
        node: node.key(),
        owner,
        ticket: ticket.key(),
        operator: from == ShareClass::Operator,
        shares: args.shares,
        value: node
            .pool
            .value_of(args.shares)
            .ok_or(StakingError::Overflow)?,
        unlocks_at,
    });
    Ok(())
}
