use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_protocol::seeds;

use crate::errors::RewardsError;
use crate::events::RewardsInitialized;
use crate::state::RewardsConfig;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeArgs {
    pub genesis_ts: i64,
    pub epoch_seconds: i64,
    pub initial_epoch_emission: u64,
    pub halving_epochs: u64,
    pub halving_ratio_bps: u16,
    pub emission_cap: u64,
    pub keeper_bond: u64,
    pub quorum_num: u8,
    pub quorum_den: u8,
    pub uptime_threshold_bps: u16,
}

impl InitializeArgs {
    pub fn validate(&self) -> Result<()> {
        require!(self.epoch_seconds > 0, RewardsError::InvalidEpochLength);
        require!(self.emission_cap > 0, RewardsError::InvalidEmissionCap);
        require!(
            self.initial_epoch_emission > 0 && self.initial_epoch_emission <= self.emission_cap,
            RewardsError::InvalidEpochEmission
        );
        require!(self.halving_epochs > 0, RewardsError::InvalidHalvingPeriod);
        require!(
            self.halving_ratio_bps > 0 && self.halving_ratio_bps < 10_000,
            RewardsError::InvalidHalvingRatio
        );
        require!(self.keeper_bond > 0, RewardsError::InvalidKeeperBond);
        // More than half, so two different reports can never both reach quorum.
        require!(
            self.quorum_den > 0
                && self.quorum_num <= self.quorum_den
                && u16::from(self.quorum_num) * 2 > u16::from(self.quorum_den),
            RewardsError::InvalidQuorum
        );
        require!(
            self.uptime_threshold_bps <= 10_000,
            RewardsError::InvalidBasisPoints
        );
        Ok(())
    }
}

#[derive(Accounts)]
pub struct Initialize<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        init,
        payer = admin,
        space = 8 + RewardsConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Account<'info, RewardsConfig>,
    /// The $IO mint; an SPL Token mint (Token-2022 mints fail the owner check).
    pub io_mint: Account<'info, Mint>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::REWARDS_VAULT],
        bump,
        token::mint = io_mint,
        token::authority = config,
    )]
    pub vault: Account<'info, TokenAccount>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::KEEPER_BONDS],
        bump,
        token::mint = io_mint,
        token::authority = config,
    )]
    pub keeper_bonds: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    args.validate()?;
    let config = &mut ctx.accounts.config;
    config.set_inner(RewardsConfig {
        admin: ctx.accounts.admin.key(),
        io_mint: ctx.accounts.io_mint.key(),
        vault: ctx.accounts.vault.key(),
        keeper_bonds: ctx.accounts.keeper_bonds.key(),
        genesis_ts: args.genesis_ts,
        epoch_seconds: args.epoch_seconds,
        initial_epoch_emission: args.initial_epoch_emission,
        halving_epochs: args.halving_epochs,
        halving_ratio_bps: args.halving_ratio_bps,
        emission_cap: args.emission_cap,
        keeper_bond: args.keeper_bond,
        quorum_num: args.quorum_num,
        quorum_den: args.quorum_den,
        uptime_threshold_bps: args.uptime_threshold_bps,
        keeper_count: 0,
        emitted: 0,
        burned: 0,
        bump: ctx.bumps.config,
        vault_bump: ctx.bumps.vault,
        keeper_bonds_bump: ctx.bumps.keeper_bonds,
    });
    emit!(RewardsInitialized {
        admin: config.admin,
        io_mint: config.io_mint,
        vault: config.vault,
        epoch_seconds: config.epoch_seconds,
        initial_epoch_emission: config.initial_epoch_emission,
        emission_cap: config.emission_cap,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> InitializeArgs {
        InitializeArgs {
            genesis_ts: 0,
            epoch_seconds: 3600,
            initial_epoch_emission: 856_164_383_561,
            halving_epochs: 17_520,
            halving_ratio_bps: 5_000,
            emission_cap: 30_000_000_000_000_000,
            keeper_bond: 1_000_000_000_000,
            quorum_num: 2,
            quorum_den: 3,
            uptime_threshold_bps: 10_000,
        }
    }

    fn refused(change: impl FnOnce(&mut InitializeArgs), want: RewardsError) {
        let mut args = good();
        change(&mut args);
        assert_eq!(args.validate().unwrap_err(), want.into(), "{args:?}");
    }

    #[test]
    fn defaults_and_a_one_of_one_demo_quorum_are_accepted() {
        good().validate().unwrap();
        let mut demo = good();
        (demo.quorum_num, demo.quorum_den) = (1, 1);
        demo.validate().unwrap();
    }

    #[test]
    fn each_bad_parameter_is_refused_with_its_own_error() {
        refused(|a| a.epoch_seconds = 0, RewardsError::InvalidEpochLength);
        refused(|a| a.epoch_seconds = -5, RewardsError::InvalidEpochLength);
        refused(|a| a.emission_cap = 0, RewardsError::InvalidEmissionCap);
        refused(
            |a| a.initial_epoch_emission = 0,
            RewardsError::InvalidEpochEmission,
        );
        refused(
            |a| a.initial_epoch_emission = a.emission_cap + 1,
            RewardsError::InvalidEpochEmission,
        );
        refused(|a| a.halving_epochs = 0, RewardsError::InvalidHalvingPeriod);
        refused(
            |a| a.halving_ratio_bps = 0,
            RewardsError::InvalidHalvingRatio,
        );
        refused(
            |a| a.halving_ratio_bps = 10_000,
            RewardsError::InvalidHalvingRatio,
        );
        refused(|a| a.keeper_bond = 0, RewardsError::InvalidKeeperBond);
        refused(|a| a.quorum_den = 0, RewardsError::InvalidQuorum);
        refused(
            |a| (a.quorum_num, a.quorum_den) = (1, 2),
            RewardsError::InvalidQuorum,
        );
        refused(
            |a| (a.quorum_num, a.quorum_den) = (4, 3),
            RewardsError::InvalidQuorum,
        );
        refused(
            |a| a.uptime_threshold_bps = 10_001,
            RewardsError::InvalidBasisPoints,
        );
    }
}
