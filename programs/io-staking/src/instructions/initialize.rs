use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_protocol::supply::IOSD_DECIMALS;
use io_protocol::{ids, seeds};

use crate::errors::StakingError;
use crate::events::StakingInitialized;
use crate::params::StakingParams;
use crate::state::StakingConfig;

/// Creates the config and the two delegator-reward pots. Only the program's upgrade
/// authority may call it, and only after io-rewards, whose vault proves which $IO mint
/// this deployment uses.
#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        seeds = [crate::ID.as_ref()],
        bump,
        seeds::program = ids::BPF_LOADER_UPGRADEABLE,
        constraint = program_data.upgrade_authority_address == Some(admin.key()) @ StakingError::NotDeployer,
    )]
    pub program_data: Account<'info, ProgramData>,
    #[account(
        init,
        payer = admin,
        space = 8 + StakingConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Account<'info, StakingConfig>,
    /// The $IO mint; an SPL Token mint (Token-2022 mints fail the owner check).
    pub io_mint: Account<'info, Mint>,
    /// IOSD. It cannot be the $IO mint: both reward pots are PDAs seeded by their mint,
    /// so the second one's creation fails.
    #[account(constraint = iosd_mint.decimals == IOSD_DECIMALS @ StakingError::IosdDecimals)]
    pub iosd_mint: Account<'info, Mint>,
    /// io-rewards' vault: only io-rewards can have created this PDA, with its $IO mint.
    #[account(
        seeds = [seeds::REWARDS_VAULT],
        bump,
        seeds::program = ids::IO_REWARDS,
        constraint = rewards_vault.mint == io_mint.key() @ StakingError::MintMismatch,
    )]
    pub rewards_vault: Account<'info, TokenAccount>,
    /// CHECK: the authority PDA of the delegator reward pots; holds no data.
    #[account(seeds = [seeds::DELEGATOR_REWARDS_AUTHORITY], bump)]
    pub rewards_authority: UncheckedAccount<'info>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::DELEGATOR_REWARDS_VAULT, io_mint.key().as_ref()],
        bump,
        token::mint = io_mint,
        token::authority = rewards_authority,
    )]
    pub rewards_io: Account<'info, TokenAccount>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::DELEGATOR_REWARDS_VAULT, iosd_mint.key().as_ref()],
        bump,
        token::mint = iosd_mint,
        token::authority = rewards_authority,
    )]
    pub rewards_iosd: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, params: StakingParams) -> Result<()> {
    params.validate()?;
    let pda = |seed: &[u8], program: &Pubkey| Pubkey::find_program_address(&[seed], program).0;
    let config = &mut ctx.accounts.config;
    config.set_inner(StakingConfig {
        admin: ctx.accounts.admin.key(),
        pending_admin: None,
        io_mint: ctx.accounts.io_mint.key(),
        iosd_mint: ctx.accounts.iosd_mint.key(),
        params,
        slasher: pda(seeds::SLASHER, &ids::IO_HIRE),
        attestor: pda(seeds::ATTESTOR, &ids::IO_REWARDS),
        rewards_depositor: pda(seeds::REWARDS_VAULT_AUTHORITY, &ids::IO_REWARDS),
        hire_depositor: pda(seeds::ESCROW_AUTHORITY, &ids::IO_HIRE),
        assigner: pda(seeds::ASSIGNER, &ids::IO_HIRE),
        bump: ctx.bumps.config,
        slash_burner_bump: Pubkey::find_program_address(&[seeds::SLASH_BURNER], &crate::ID).1,
        rewards_authority_bump: ctx.bumps.rewards_authority,
    });
    emit!(StakingInitialized {
        admin: config.admin,
        io_mint: config.io_mint,
        iosd_mint: config.iosd_mint,
        params: config.params.clone(),
    });
    Ok(())
}
