use anchor_lang::prelude::*;

use crate::params::StakingParams;

#[event]
pub struct StakingInitialized {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub params: StakingParams,
}
