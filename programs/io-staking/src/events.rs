use anchor_lang::prelude::*;

#[event]
pub struct StakingInitialized {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub min_operator_stake: u64,
    pub cooldown_seconds: i64,
}
