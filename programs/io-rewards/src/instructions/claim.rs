use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, Transfer};
use io_protocol::leaf::EpochLeaf;
use io_protocol::{ids, merkle, seeds};
use io_staking::cpi::accounts::{DepositDelegatorRewards, SetAttestedCapacity};
use io_staking::program::IoStaking;
use io_staking::state::{AttestedCapacity, Node, StakingConfig};

use crate::epochs::ClaimRefusal;
use crate::errors::RewardsError;
use crate::events::RewardClaimed;
use crate::state::{EpochReport, NodeClaims, RewardsConfig};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct ClaimArgs {
    pub epoch: u64,
    pub class: u8,
    pub tops_milli: u64,
    pub uptime_bps: u16,
    pub hired_bps: u16,
    pub epoch_reward: u64,
    pub cumulative_reward: u64,
    /// Sibling hashes, bottom-up (`io_protocol::merkle`).
    pub proof: Vec<[u8; 32]>,
}

/// Anyone may crank a node's claim against a final epoch's root: it pays the node's
/// `cumulative_reward − claimed` from the rewards vault, the delegators' cut into the
/// node's $IO accumulator and the rest to the operator, and refreshes the node's
/// attested capacity in io-staking.
#[derive(Accounts)]
#[instruction(args: ClaimArgs)]
pub struct Claim<'info> {
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::CONFIG],
        bump = config.bump,
        has_one = vault @ RewardsError::WrongVault,
        has_one = io_mint @ RewardsError::WrongMint,
    )]
    pub config: Account<'info, RewardsConfig>,
    #[account(
        seeds = [seeds::EPOCH, &args.epoch.to_le_bytes()],
        bump = report.bump,
        constraint = report.finalized @ RewardsError::EpochNotFinal,
    )]
    pub report: Account<'info, EpochReport>,
    #[account(
        init_if_needed,
        payer = payer,
        space = 8 + NodeClaims::INIT_SPACE,
        seeds = [seeds::NODE_CLAIMS, node.key().as_ref()],
        bump,
    )]
    pub claims: Account<'info, NodeClaims>,
    /// The io-staking node (its owner and discriminator are checked by the type).
    #[account(mut)]
    pub node: Account<'info, Node>,
    #[account(seeds = [seeds::CONFIG], bump = staking_config.bump, seeds::program = ids::IO_STAKING)]
    pub staking_config: Account<'info, StakingConfig>,
    #[account(mut)]
    pub vault: Account<'info, TokenAccount>,
    /// CHECK: the rewards vault's authority PDA; signs the payout.
    #[account(seeds = [seeds::REWARDS_VAULT_AUTHORITY], bump = config.vault_authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    #[account(
        mut,
        token::mint = io_mint,
        constraint = operator_io.owner == node.operator @ RewardsError::NotOperatorsAccount,
    )]
    pub operator_io: Account<'info, TokenAccount>,
    /// CHECK: io-staking's $IO delegator-reward pot, by its seeds.
    #[account(
        mut,
        seeds = [seeds::DELEGATOR_REWARDS_VAULT, io_mint.key().as_ref()],
        bump,
        seeds::program = ids::IO_STAKING,
    )]
    pub delegator_rewards: UncheckedAccount<'info>,
    pub io_mint: Account<'info, Mint>,
    /// CHECK: io-rewards' attestor PDA; signs the capacity update.
    #[account(seeds = [seeds::ATTESTOR], bump = config.attestor_bump)]
    pub attestor: UncheckedAccount<'info>,
    pub staking_program: Program<'info, IoStaking>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Claim>, args: ClaimArgs) -> Result<()> {
    let leaf = EpochLeaf {
        node: ctx.accounts.node.key(),
        epoch: args.epoch,
        class: args.class,
        tops_milli: args.tops_milli,
        uptime_bps: args.uptime_bps,
        hired_bps: args.hired_bps,
        epoch_reward: args.epoch_reward,
        cumulative_reward: args.cumulative_reward,
    };
    let bytes = leaf.encode(&crate::ID, &ctx.accounts.config.io_mint);
    require!(
        merkle::verify(&ctx.accounts.report.root, &bytes, &args.proof),
        RewardsError::InvalidProof
    );
    ctx.accounts.claims.bump = ctx.bumps.claims;
    let pay = settle(ctx.accounts, &leaf)?;
    let delegator_amount = delegator_cut(ctx.accounts, pay)?;
    let operator_amount = pay - delegator_amount;
    let a = &ctx.accounts;
    let signer: &[&[&[u8]]] = &[&a.config.vault_authority_seeds()];
    if operator_amount > 0 {
        let accounts = Transfer {
            from: a.vault.to_account_info(),
            to: a.operator_io.to_account_info(),
            authority: a.vault_authority.to_account_info(),
        };
        token::transfer(
            CpiContext::new_with_signer(a.token_program.to_account_info(), accounts, signer),
            operator_amount,
        )?;
    }
    if delegator_amount > 0 {
        let accounts = DepositDelegatorRewards {
            depositor: a.vault_authority.to_account_info(),
            config: a.staking_config.to_account_info(),
            node: a.node.to_account_info(),
            mint: a.io_mint.to_account_info(),
            source: a.vault.to_account_info(),
            rewards_vault: a.delegator_rewards.to_account_info(),
            token_program: a.token_program.to_account_info(),
        };
        io_staking::cpi::deposit_delegator_rewards(
            CpiContext::new_with_signer(a.staking_program.to_account_info(), accounts, signer),
            delegator_amount,
        )?;
    }
    let accounts = SetAttestedCapacity {
        attestor: a.attestor.to_account_info(),
        config: a.staking_config.to_account_info(),
        node: a.node.to_account_info(),
    };
    io_staking::cpi::set_attested_capacity(
        CpiContext::new_with_signer(
            a.staking_program.to_account_info(),
            accounts,
            &[&a.config.attestor_seeds()],
        ),
        AttestedCapacity {
            epoch: leaf.epoch,
            class: leaf.class,
            tops_milli: leaf.tops_milli,
            uptime_bps: leaf.uptime_bps,
            epoch_reward: leaf.epoch_reward,
        },
    )?;
    emit!(RewardClaimed {
        node: leaf.node,
        epoch: leaf.epoch,
        cumulative_reward: leaf.cumulative_reward,
        operator_amount,
        delegator_amount,
        emitted_total: a.config.emitted,
    });
    Ok(())
}

/// Records the claim and the emission; returns what to pay now.
fn settle(a: &mut Claim, leaf: &EpochLeaf) -> Result<u64> {
    if a.claims.node == Pubkey::default() {
        a.claims.node = leaf.node;
    }
    let pay = a
        .claims
        .state
        .settle(leaf.epoch, leaf.cumulative_reward)
        .map_err(|ClaimRefusal::CumulativeWentDown| RewardsError::CumulativeWentDown)?;
    let config = &mut a.config;
    config.emitted = config
        .emitted
        .checked_add(pay)
        .ok_or(RewardsError::Overflow)?;
    // The independent bound: never more out of the vault than final reports allow.
    require!(
        config.emitted <= config.reported_cumulative,
        RewardsError::ClaimOverEmission
    );
    Ok(pay)
}

/// The delegators' cut (`delegator_availability_cut_bps`, rounded down), or nothing
/// when the node has no delegators.
fn delegator_cut(a: &Claim, pay: u64) -> Result<u64> {
    if a.node.pool.delegated_shares == 0 {
        return Ok(0);
    }
    let bps = u128::from(a.staking_config.params.delegator_availability_cut_bps);
    Ok(u64::try_from(u128::from(pay) * bps / 10_000).map_err(|_| RewardsError::Overflow)?)
}
