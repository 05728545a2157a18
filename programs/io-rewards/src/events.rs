use anchor_lang::prelude::*;

use crate::params::RewardsParams;

#[event]
pub struct RewardsInitialized {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub vault: Pubkey,
    pub params: RewardsParams,
}

#[event]
pub struct KeeperRegistered {
    pub keeper: Pubkey,
    pub authority: Pubkey,
    pub bond: u64,
    pub keeper_count: u32,
}

#[event]
pub struct KeeperDeregistered {
    pub keeper: Pubkey,
    pub authority: Pubkey,
    pub bond_returned: u64,
    pub keeper_count: u32,
}

#[event]
pub struct BurnRecorded {
    pub reporter: Pubkey,
    pub amount: u64,
    pub total_burned: u64,
}
