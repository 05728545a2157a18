use anchor_lang::prelude::*;

#[event]
pub struct RewardsInitialized {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub vault: Pubkey,
    pub epoch_seconds: i64,
    pub initial_epoch_emission: u64,
    pub emission_cap: u64,
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
