use anchor_lang::prelude::*;

use crate::params::StakingParams;

/// The singleton configuration of io-staking.
#[account]
#[derive(InitSpace)]
pub struct StakingConfig {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub params: StakingParams,
    pub bump: u8,
}
