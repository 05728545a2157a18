use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use anchor_spl::token::{self, Burn, Mint, Token, TokenAccount};
use io_protocol::{ids, seeds};

use crate::errors::StakingError;
use crate::events::NodeSlashed;
use crate::pool::slash_amount;
use crate::state::{Node, StakingConfig};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct SlashArgs {
    /// g: cards of the failed hire on this node.
    pub gpus: u16,
    /// F: one hour of the hire's fee per GPU, in $IO base units.
    pub fee_per_gpu_hour: u64,
    /// Why (`SlashReason`), and the keepers' evidence hash.
    pub reason: u8,
    pub evidence: [u8; 32],
    /// The epoch the failure happened in: the node stays frozen until keepers attest
    /// it for a later epoch, so a leaf from before the failure cannot thaw it.
    pub epoch: u64,
}

/// Why a node was slashed.
#[repr(u8)]
pub enum SlashReason {
    FailedHire = 0,
}

/// CPI only, from io-hire's slasher PDA after a keeper-quorum failure verdict. The
/// amount follows `pool::slash_amount` with this node's own R and G, is taken from the
/// whole pool (operator, delegators and tickets in cooldown alike), capped by what it
/// holds, burned, and recorded in io-rewards' supply ledger.
#[derive(Accounts)]
pub struct Slash<'info> {
    #[account(address = config.slasher @ StakingError::NotSlasher)]
    pub slasher: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump, has_one = io_mint @ StakingError::WrongMint)]
    pub config: Account<'info, StakingConfig>,
    #[account(mut)]
    pub node: Account<'info, Node>,
    #[account(mut, seeds = [seeds::STAKE_VAULT, node.key().as_ref()], bump = node.vault_bump)]
    pub stake_vault: Account<'info, TokenAccount>,
    #[account(mut)]
    pub io_mint: Account<'info, Mint>,
    /// CHECK: io-staking's burn reporter PDA; signs the ledger entry.
    #[account(seeds = [seeds::SLASH_BURNER], bump = config.slash_burner_bump)]
    pub slash_burner: UncheckedAccount<'info>,
    /// CHECK: io-rewards' config, by its seeds (io-rewards checks it again).
    #[account(mut, seeds = [seeds::CONFIG], bump, seeds::program = ids::IO_REWARDS)]
    pub rewards_config: UncheckedAccount<'info>,
    /// CHECK: io-rewards itself, by address.
    #[account(address = ids::IO_REWARDS)]
    pub rewards_program: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
}

pub fn handler(ctx: Context<Slash>, args: SlashArgs) -> Result<()> {
    let (requested, amount) = take_from_pool(&mut ctx.accounts.node, &args)?;
    let accounts = &ctx.accounts;
    let node = &accounts.node;
    if amount > 0 {
        let burn = Burn {
            mint: accounts.io_mint.to_account_info(),
            from: accounts.stake_vault.to_account_info(),
            authority: node.to_account_info(),
        };
        token::burn(
            CpiContext::new_with_signer(
                accounts.token_program.to_account_info(),
                burn,
                &[&node.signer_seeds()],
            ),
            amount,
        )?;
        record_burn(accounts, amount)?;
    }
    emit!(NodeSlashed {
        node: node.key(),
        amount,
        requested,
        reason: args.reason,
        evidence: args.evidence,
        burned_total: node.slashed_total,
    });
    Ok(())
}

/// Applies the formula to the pool; returns (requested, taken).
fn take_from_pool(node: &mut Node, args: &SlashArgs) -> Result<(u64, u64)> {
    require!(
        args.gpus > 0 && args.gpus <= node.spec.gpu_count,
        StakingError::InvalidSlashGpus
    );
    let requested = slash_amount(
        args.gpus,
        node.attested.epoch_reward,
        node.spec.gpu_count,
        args.fee_per_gpu_hour,
    )
    .ok_or(StakingError::Overflow)?;
    let amount = node.pool.slash(requested);
    node.frozen_at_epoch = Some(node.attested.epoch.max(args.epoch));
    node.slashed_total = node
        .slashed_total
        .checked_add(amount)
        .ok_or(StakingError::Overflow)?;
    Ok((requested, amount))
}

/// Anchor's discriminator of io-rewards' `record_burn` (sha256("global:record_burn")
/// [..8]). io-rewards calls into io-staking, so io-staking cannot depend on its crate;
/// the harness checks this against io-rewards' own constant.
pub const RECORD_BURN_DISCRIMINATOR: [u8; 8] = [0xfe, 0x80, 0x62, 0x21, 0x00, 0x4a, 0xa5, 0xfc];

/// io-rewards `record_burn(amount)`, signed by the slash burner.
fn record_burn(accounts: &Slash, amount: u64) -> Result<()> {
    let mut data = RECORD_BURN_DISCRIMINATOR.to_vec();
    data.extend_from_slice(&amount.to_le_bytes());
    let ix = Instruction {
        program_id: ids::IO_REWARDS,
        accounts: vec![
            AccountMeta::new_readonly(accounts.slash_burner.key(), true),
            AccountMeta::new(accounts.rewards_config.key(), false),
            AccountMeta::new_readonly(accounts.io_mint.key(), false),
        ],
        data,
    };
    invoke_signed(
        &ix,
        &[
            accounts.slash_burner.to_account_info(),
            accounts.rewards_config.to_account_info(),
            accounts.io_mint.to_account_info(),
            accounts.rewards_program.to_account_info(),
        ],
        &[&accounts.config.signer_seeds_slash_burner()],
    )?;
    Ok(())
}
