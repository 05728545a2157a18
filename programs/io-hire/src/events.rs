use anchor_lang::prelude::*;

use crate::params::HireParams;

#[event]
pub struct HireInitialized {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub iosd_mint: Pubkey,
    pub params: HireParams,
}

#[event]
pub struct TreasuryBurned {
    pub amount: u64,
    pub treasury_io: Pubkey,
}
