use anchor_lang::prelude::*;
use anchor_spl::token::{self, Token, TokenAccount, Transfer};
use io_protocol::seeds;

use crate::epochs::{change_keepers, next_epoch};
use crate::errors::RewardsError;
use crate::events::KeeperRegistered;
use crate::state::{Keeper, RewardsConfig, MAX_KEEPERS};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct RegisterKeeperArgs {
    /// URL where this keeper serves its observation logs.
    pub endpoint: String,
}

#[derive(Accounts)]
#[instruction(args: RegisterKeeperArgs)]
pub struct RegisterKeeper<'info> {
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = keeper_bonds @ RewardsError::WrongKeeperBonds,
    )]
    pub config: Account<'info, RewardsConfig>,
    #[account(
        init,
        payer = authority,
        space = 8 + Keeper::INIT_SPACE,
        seeds = [seeds::KEEPER, authority.key().as_ref()],
        bump,
        constraint = !args.endpoint.is_empty()
            && args.endpoint.len() <= RewardsConfig::MAX_ENDPOINT_LEN @ RewardsError::InvalidEndpoint,
    )]
    pub keeper: Account<'info, Keeper>,
    /// The keeper's $IO account the bond is paid from.
    #[account(mut, token::mint = config.io_mint, token::authority = authority)]
    pub bond_source: Account<'info, TokenAccount>,
    #[account(mut)]
    pub keeper_bonds: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<RegisterKeeper>, args: RegisterKeeperArgs) -> Result<()> {
    let bond = ctx.accounts.config.params.keeper_bond;
    token::transfer(
        CpiContext::new(
            ctx.accounts.token_program.to_account_info(),
            Transfer {
                from: ctx.accounts.bond_source.to_account_info(),
                to: ctx.accounts.keeper_bonds.to_account_info(),
                authority: ctx.accounts.authority.to_account_info(),
            },
        ),
        bond,
    )?;

    let config = &mut ctx.accounts.config;
    let now = Clock::get()?.unix_timestamp;
    let p = &config.params;
    let active_from = next_epoch(p.genesis_ts, p.epoch_seconds, now);
    change_keepers(
        &mut config.keeper_history,
        active_from,
        1,
        MAX_KEEPERS as u32,
    )
    .ok_or(RewardsError::KeeperSetFull)?;
    config.keeper_count = config
        .keeper_count
        .checked_add(1)
        .ok_or(RewardsError::Overflow)?;
    ctx.accounts.keeper.set_inner(Keeper {
        authority: ctx.accounts.authority.key(),
        bond,
        endpoint: args.endpoint,
        registered_at: now,
        active_from,
        exit_from: None,
        exit_announced_at: 0,
        last_vote_epoch: None,
        bump: ctx.bumps.keeper,
    });
    emit!(KeeperRegistered {
        keeper: ctx.accounts.keeper.key(),
        authority: ctx.accounts.authority.key(),
        bond,
        keeper_count: config.keeper_count,
    });
    Ok(())
}
