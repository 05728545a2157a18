use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use io_protocol::seeds;

use crate::errors::HireError;
use crate::events::HireInitialized;
use crate::state::HireConfig;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeArgs {
    pub iosd_fee_bps: u16,
    pub io_fee_bps: u16,
    pub max_price_age_epochs: u32,
    pub unmatched_timeout_seconds: i64,
}

impl InitializeArgs {
    pub fn validate(&self) -> Result<()> {
        require!(
            self.iosd_fee_bps <= HireConfig::MAX_FEE_BPS
                && self.io_fee_bps <= HireConfig::MAX_FEE_BPS,
            HireError::FeeTooHigh
        );
        require!(self.max_price_age_epochs > 0, HireError::InvalidPriceAge);
        require!(
            self.unmatched_timeout_seconds > 0,
            HireError::InvalidUnmatchedTimeout
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
        space = 8 + HireConfig::INIT_SPACE,
        seeds = [seeds::CONFIG],
        bump,
    )]
    pub config: Account<'info, HireConfig>,
    pub io_mint: Account<'info, Mint>,
    #[account(
        constraint = iosd_mint.key() != io_mint.key() @ HireError::SameMints,
        constraint = iosd_mint.decimals == 6 @ HireError::IosdDecimals,
    )]
    pub iosd_mint: Account<'info, Mint>,
    /// CHECK: the treasury authority PDA; it holds no data, only signs.
    #[account(seeds = [seeds::TREASURY], bump)]
    pub treasury: UncheckedAccount<'info>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::TREASURY_VAULT, io_mint.key().as_ref()],
        bump,
        token::mint = io_mint,
        token::authority = treasury,
    )]
    pub treasury_io: Account<'info, TokenAccount>,
    #[account(
        init,
        payer = admin,
        seeds = [seeds::TREASURY_VAULT, iosd_mint.key().as_ref()],
        bump,
        token::mint = iosd_mint,
        token::authority = treasury,
    )]
    pub treasury_iosd: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<Initialize>, args: InitializeArgs) -> Result<()> {
    args.validate()?;
    let config = &mut ctx.accounts.config;
    config.set_inner(HireConfig {
        admin: ctx.accounts.admin.key(),
        io_mint: ctx.accounts.io_mint.key(),
        iosd_mint: ctx.accounts.iosd_mint.key(),
        treasury_io: ctx.accounts.treasury_io.key(),
        treasury_iosd: ctx.accounts.treasury_iosd.key(),
        iosd_fee_bps: args.iosd_fee_bps,
        io_fee_bps: args.io_fee_bps,
        max_price_age_epochs: args.max_price_age_epochs,
        unmatched_timeout_seconds: args.unmatched_timeout_seconds,
        bump: ctx.bumps.config,
        treasury_bump: ctx.bumps.treasury,
    });
    emit!(HireInitialized {
        admin: config.admin,
        io_mint: config.io_mint,
        iosd_mint: config.iosd_mint,
        iosd_fee_bps: config.iosd_fee_bps,
        io_fee_bps: config.io_fee_bps,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> InitializeArgs {
        InitializeArgs {
            iosd_fee_bps: 200,
            io_fee_bps: 0,
            max_price_age_epochs: 3,
            unmatched_timeout_seconds: 21_600,
        }
    }

    fn refused(change: impl FnOnce(&mut InitializeArgs), want: HireError) {
        let mut args = good();
        change(&mut args);
        assert_eq!(args.validate().unwrap_err(), want.into(), "{args:?}");
    }

    #[test]
    fn defaults_and_the_fee_limit_are_accepted() {
        good().validate().unwrap();
        let mut max = good();
        (max.iosd_fee_bps, max.io_fee_bps) = (HireConfig::MAX_FEE_BPS, HireConfig::MAX_FEE_BPS);
        max.validate().unwrap();
    }

    #[test]
    fn each_bad_parameter_is_refused_with_its_own_error() {
        refused(
            |a| a.iosd_fee_bps = HireConfig::MAX_FEE_BPS + 1,
            HireError::FeeTooHigh,
        );
        refused(
            |a| a.io_fee_bps = HireConfig::MAX_FEE_BPS + 1,
            HireError::FeeTooHigh,
        );
        refused(|a| a.max_price_age_epochs = 0, HireError::InvalidPriceAge);
        refused(
            |a| a.unmatched_timeout_seconds = 0,
            HireError::InvalidUnmatchedTimeout,
        );
    }
}
