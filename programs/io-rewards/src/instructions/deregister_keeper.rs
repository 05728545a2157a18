use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_protocol::seeds;

use crate::errors::RewardsError;
use crate::events::KeeperDeregistered;
use crate::state::{Keeper, RewardsConfig};

#[derive(Accounts)]
pub struct DeregisterKeeper<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = keeper_bonds @ RewardsError::WrongKeeperBonds,
    )]
    pub config: Account<'info, RewardsConfig>,
    /// The PDA is seeded by the signer, so only a keeper's own authority reaches it.
    /// Its exit must be announced, its bond unbonded, and the vote window of the latest
    /// epoch it voted in closed, so it cannot vote and leave before that epoch is final.
    #[account(
        mut,
        close = authority,
        seeds = [seeds::KEEPER, authority.key().as_ref()],
        bump = keeper.bump,
        constraint = keeper.exit_from.is_some() @ RewardsError::ExitNotAnnounced,
        constraint = unbonded(&config, &keeper)? @ RewardsError::UnbondingNotOver,
        constraint = votes_closed(&config, &keeper)? @ RewardsError::VotedEpochOpen,
    )]
    pub keeper: Account<'info, Keeper>,
    /// Where the bond goes back to: any $IO account but the protocol's own.
    #[account(
        mut,
        token::mint = config.io_mint,
        constraint = bond_destination.key() != config.keeper_bonds
            && bond_destination.key() != config.vault @ RewardsError::BondToProtocolAccount,
    )]
    pub bond_destination: Account<'info, TokenAccount>,
    #[account(mut)]
    pub keeper_bonds: Account<'info, TokenAccount>,
    /// CHECK: the keeper bonds' authority PDA; signs the bond's return.
    #[account(seeds = [seeds::KEEPER_BONDS_AUTHORITY], bump = config.keeper_bonds_authority_bump)]
    pub keeper_bonds_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

fn unbonded(config: &RewardsConfig, keeper: &Keeper) -> Result<bool> {
    let now = Clock::get()?.unix_timestamp;
    let until = keeper
        .exit_announced_at
        .checked_add(config.params.keeper_unbonding_seconds)
        .ok_or(RewardsError::Overflow)?;
    Ok(now >= until)
}

fn votes_closed(config: &RewardsConfig, keeper: &Keeper) -> Result<bool> {
    let Some(epoch) = keeper.last_vote_epoch else {
        return Ok(true);
    };
    let now = Clock::get()?.unix_timestamp;
    let closes = config
        .epoch_end(epoch)
        .and_then(|end| end.checked_add(config.params.vote_window_seconds))
        .ok_or(RewardsError::Overflow)?;
    Ok(now > closes)
}

/// Second step of a keeper's exit: the bond comes back and the keeper account closes.
pub fn handler(ctx: Context<DeregisterKeeper>) -> Result<()> {
    let bond = ctx.accounts.keeper.bond;
    let config = &ctx.accounts.config;
    token::transfer(
        CpiContext::new_with_signer(
            ctx.accounts.token_program.to_account_info(),
            Transfer {
                from: ctx.accounts.keeper_bonds.to_account_info(),
                to: ctx.accounts.bond_destination.to_account_info(),
                authority: ctx.accounts.keeper_bonds_authority.to_account_info(),
            },
            &[&config.keeper_bonds_authority_seeds()],
        ),
        bond,
    )?;

    let config = &mut ctx.accounts.config;
    config.keeper_count = config
        .keeper_count
        .checked_sub(1)
        .ok_or(RewardsError::Overflow)?;
    emit!(KeeperDeregistered {
        keeper: ctx.accounts.keeper.key(),
        authority: ctx.accounts.authority.key(),
        bond_returned: bond,
        keeper_count: config.keeper_count,
    });
    Ok(())
}
