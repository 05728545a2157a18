use anchor_lang::prelude::*;

use crate::params::RewardsParams;

/// The singleton configuration and supply ledger of io-rewards.
#[account]
#[derive(InitSpace)]
pub struct RewardsConfig {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    /// PDA token account holding the $IO not yet emitted.
    pub vault: Pubkey,
    /// PDA token account holding keeper bonds.
    pub keeper_bonds: Pubkey,
    pub params: RewardsParams,
    pub keeper_count: u32,
    /// Supply ledger: $IO moved out of the vault so far.
    pub emitted: u64,
    /// Supply ledger: $IO burned so far (slashes and treasury buybacks).
    pub burned: u64,
    pub bump: u8,
    pub vault_bump: u8,
    pub keeper_bonds_bump: u8,
    pub vault_authority_bump: u8,
    pub keeper_bonds_authority_bump: u8,
}

/// A registered keeper and the bond it posted.
#[account]
#[derive(InitSpace)]
pub struct Keeper {
    pub authority: Pubkey,
    pub bond: u64,
    /// Where the keeper serves its observation logs (URL).
    #[max_len(128)]
    pub endpoint: String,
    pub registered_at: i64,
    pub bump: u8,
}

impl RewardsConfig {
    pub const MAX_ENDPOINT_LEN: usize = 128;

    /// The vault authority signs emissions out of the rewards vault, and nothing else.
    pub fn vault_authority_seeds(&self) -> [&[u8]; 2] {
        [
            io_protocol::seeds::REWARDS_VAULT_AUTHORITY,
            std::slice::from_ref(&self.vault_authority_bump),
        ]
    }

    /// The keeper bonds authority signs bond returns, and nothing else.
    pub fn keeper_bonds_authority_seeds(&self) -> [&[u8]; 2] {
        [
            io_protocol::seeds::KEEPER_BONDS_AUTHORITY,
            std::slice::from_ref(&self.keeper_bonds_authority_bump),
        ]
    }
}
