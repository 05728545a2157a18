use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, Transfer};
use io_protocol::supply::{IO_DECIMALS, IO_REWARDS_ALLOCATION};
use io_protocol::{ids, seeds};

use crate::errors::RewardsError;

use crate::events::RewardsInitialized;
use crate::params::RewardsParams;
use crate::state::RewardsConfig;

/// Creates the config, the rewards vault holding the 300M $IO allocation and the keeper
/// bonds account, each pot under its own authority PDA. Only the program's upgrade
/// authority may call it, and the $IO mint must be fixed: 8 decimals, no mint
/// authority (nothing can ever be minted again) and no freeze authority.
#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = ids::BPF_LOADER_UPGRADEABLE,
        constraint = program_data.upgrade_authority_address == Some(admin.key()) @ RewardsError::NotDeployer,
    )]
    pub program_data: Account<'info, ProgramData>,
    #[account(
        init,
        payer = admin,
        space = 8 + RewardsConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Account<'info, RewardsConfig>,
    /// The $IO mint; an SPL Token mint (Token-2022 mints fail the owner check).
    #[account(
        constraint = io_mint.decimals == IO_DECIMALS @ RewardsError::IoDecimals,
        constraint = io_mint.mint_authority.is_none() @ RewardsError::IoMintAuthority,
        constraint = io_mint.freeze_authority.is_none() @ RewardsError::IoFreezeAuthority,
    )]
    pub io_mint: Account<'info, Mint>,
    /// CHECK: the rewards vault's authority PDA; signs emissions and nothing else.
    #[account(seeds = [seeds::REWARDS_VAULT_AUTHORITY], bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// CHECK: the keeper bonds' authority PDA; signs bond returns and nothing else.
    #[account(seeds = [seeds::KEEPER_BONDS_AUTHORITY], bump)]
    pub keeper_bonds_authority: UncheckedAccount<'info>,
    /// The deployer's $IO account the 300M allocation comes from.
    #[account(mut, token::mint = io_mint, token::authority = admin)]
    pub allocation_source: Account<'info, TokenAccount>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::REWARDS_VAULT],
        bump,
        token::mint = io_mint,
        token::authority = vault_authority,
    )]
    pub vault: Account<'info, TokenAccount>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::KEEPER_BONDS],
        bump,
        token::mint = io_mint,
        token::authority = keeper_bonds_authority,
    )]
    pub keeper_bonds: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, params: RewardsParams) -> Result<()> {
    params.validate()?;
    let accounts = Transfer {
        from: ctx.accounts.allocation_source.to_account_info(),
        to: ctx.accounts.vault.to_account_info(),
        authority: ctx.accounts.admin.to_account_info(),
    };
    token::transfer(
        CpiContext::new(ctx.accounts.token_program.to_account_info(), accounts),
        IO_REWARDS_ALLOCATION,
    )?;
    let config = &mut ctx.accounts.config;
    config.set_inner(RewardsConfig {
        admin: ctx.accounts.admin.key(),
        io_mint: ctx.accounts.io_mint.key(),
        vault: ctx.accounts.vault.key(),
        keeper_bonds: ctx.accounts.keeper_bonds.key(),
        params,
        pending_admin: None,
        keeper_count: 0,
        keeper_history: Default::default(),
        final_epoch: None,
        reported_cumulative: 0,
        io_usd_price: 0,
        emitted: 0,
        burned: 0,
        bump: ctx.bumps.config,
        vault_bump: ctx.bumps.vault,
        keeper_bonds_bump: ctx.bumps.keeper_bonds,
        vault_authority_bump: ctx.bumps.vault_authority,
        keeper_bonds_authority_bump: ctx.bumps.keeper_bonds_authority,
        attestor_bump: Pubkey::find_program_address(&[seeds::ATTESTOR], &crate::ID).1,
    });
    emit!(RewardsInitialized {
        admin: config.admin,
        io_mint: config.io_mint,
        vault: config.vault,
        params: config.params.clone(),
    });
    Ok(())
}
