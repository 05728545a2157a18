use anchor_lang::prelude::*;
use anchor_spl::token::Mint;
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::StakingInitialized;
use crate::state::StakingConfig;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeArgs {
    pub min_operator_stake: u64,
    pub min_stake_per_gpu: u64,
    pub io_per_tops: u64,
    pub max_delegation_ratio_bps: u32,
    pub cooldown_seconds: i64,
    pub delegator_availability_cut_bps: u16,
    pub delegator_hire_cut_bps: u16,
}

impl InitializeArgs {
    pub fn validate(&self) -> Result<()> {
        require!(
            self.min_operator_stake > 0,
            StakingError::InvalidMinOperatorStake
        );
        require!(self.cooldown_seconds > 0, StakingError::InvalidCooldown);
        require!(self.io_per_tops > 0, StakingError::InvalidIoPerTops);
        require!(
            self.delegator_availability_cut_bps <= 10_000 && self.delegator_hire_cut_bps <= 10_000,
            StakingError::InvalidBasisPoints
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
        space = 8 + StakingConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Account<'info, StakingConfig>,
    /// The $IO mint; an SPL Token mint (Token-2022 mints fail the owner check).
    pub io_mint: Account<'info, Mint>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    args.validate()?;
    let config = &mut ctx.accounts.config;
    config.set_inner(StakingConfig {
        admin: ctx.accounts.admin.key(),
        io_mint: ctx.accounts.io_mint.key(),
        min_operator_stake: args.min_operator_stake,
        min_stake_per_gpu: args.min_stake_per_gpu,
        io_per_tops: args.io_per_tops,
        max_delegation_ratio_bps: args.max_delegation_ratio_bps,
        cooldown_seconds: args.cooldown_seconds,
        delegator_availability_cut_bps: args.delegator_availability_cut_bps,
        delegator_hire_cut_bps: args.delegator_hire_cut_bps,
        bump: ctx.bumps.config,
    });
    emit!(StakingInitialized {
        admin: config.admin,
        io_mint: config.io_mint,
        min_operator_stake: config.min_operator_stake,
        cooldown_seconds: config.cooldown_seconds,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> InitializeArgs {
        InitializeArgs {
            min_operator_stake: 10_000_000_000,
            min_stake_per_gpu: 0,
            io_per_tops: 1_000_000_000,
            max_delegation_ratio_bps: 100_000,
            cooldown_seconds: 604_800,
            delegator_availability_cut_bps: 500,
            delegator_hire_cut_bps: 100,
        }
    }

    fn refused(change: impl FnOnce(&mut InitializeArgs), want: StakingError) {
        let mut args = good();
        change(&mut args);
        assert_eq!(args.validate().unwrap_err(), want.into(), "{args:?}");
    }

    #[test]
    fn defaults_are_accepted() {
        good().validate().unwrap();
    }

    #[test]
    fn each_bad_parameter_is_refused_with_its_own_error() {
        refused(
            |a| a.min_operator_stake = 0,
            StakingError::InvalidMinOperatorStake,
        );
        refused(|a| a.cooldown_seconds = 0, StakingError::InvalidCooldown);
        refused(|a| a.cooldown_seconds = -1, StakingError::InvalidCooldown);
        refused(|a| a.io_per_tops = 0, StakingError::InvalidIoPerTops);
        refused(
            |a| a.delegator_availability_cut_bps = 10_001,
            StakingError::InvalidBasisPoints,
        );
        refused(
            |a| a.delegator_hire_cut_bps = 10_001,
            StakingError::InvalidBasisPoints,
        );
    }
}
