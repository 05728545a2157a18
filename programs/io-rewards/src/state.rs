use anchor_lang::prelude::*;

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
    /// Unix time at which epoch 0 starts.
    pub genesis_ts: i64,
    pub epoch_seconds: i64,
    /// E0: $IO base units emitted per epoch in the first halving period.
    pub initial_epoch_emission: u64,
    /// P: epochs per halving period.
    pub halving_epochs: u64,
    /// r: emission ratio between consecutive periods, in basis points (5000 = halving).
    pub halving_ratio_bps: u16,
    /// Hard cap on everything the vault will ever emit.
    pub emission_cap: u64,
    pub keeper_bond: u64,
    /// Quorum is ⌈keeper_count × num / den⌉ votes.
    pub quorum_num: u8,
    pub quorum_den: u8,
    /// A node whose uptime is below this forfeits its epoch share.
    pub uptime_threshold_bps: u16,
    pub keeper_count: u32,
    /// Supply ledger: $IO moved out of the vault so far.
    pub emitted: u64,
    /// Supply ledger: $IO burned so far (slashes and treasury buybacks).
    pub burned: u64,
    pub bump: u8,
    pub vault_bump: u8,
    pub keeper_bonds_bump: u8,
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

    /// The config PDA signs for the vault and the keeper bonds.
    pub fn signer_seeds(&self) -> [&[u8]; 2] {
        [io_protocol::seeds::CONFIG, std::slice::from_ref(&self.bump)]
    }
}
