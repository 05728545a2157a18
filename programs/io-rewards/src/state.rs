use anchor_lang::prelude::*;

use crate::epochs::{ClaimState, KeeperSetChange};
use crate::params::RewardsParams;

/// Most keepers the registry holds; each epoch account has room for all of their
/// commits and votes.
pub const MAX_KEEPERS: usize = 16;

/// The singleton configuration and supply ledger of io-rewards.
#[account]
#[derive(InitSpace)]
pub struct RewardsConfig {
    pub admin: Pubkey,
    /// Set by `propose_admin`; becomes admin only when it signs `accept_admin`.
    pub pending_admin: Option<Pubkey>,
    pub io_mint: Pubkey,
    /// PDA token account holding the $IO not yet emitted.
    pub vault: Pubkey,
    /// PDA token account holding keeper bonds.
    pub keeper_bonds: Pubkey,
    pub params: RewardsParams,
    /// Registered keepers, including those that announced their exit.
    pub keeper_count: u32,
    /// How many keepers serve in each recent epoch.
    pub keeper_history: [KeeperSetChange; 4],
    /// The latest final epoch, its cumulative emission and IO/USD price.
    pub final_epoch: Option<u64>,
    pub reported_cumulative: u64,
    /// Micro-USD per $IO (6 decimals), the median of the final votes' prices.
    pub io_usd_price: u64,
    /// Supply ledger: $IO moved out of the vault so far.
    pub emitted: u64,
    /// Supply ledger: $IO burned so far (slashes and treasury buybacks).
    pub burned: u64,
    pub bump: u8,
    pub vault_bump: u8,
    pub keeper_bonds_bump: u8,
    pub vault_authority_bump: u8,
    pub keeper_bonds_authority_bump: u8,
    pub attestor_bump: u8,
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
    /// The first epoch it serves in (the one after it registered).
    pub active_from: u64,
    /// The first epoch it no longer serves in, once it announced its exit.
    pub exit_from: Option<u64>,
    pub exit_announced_at: i64,
    /// The latest epoch it voted in: its bond waits until that epoch's vote closes.
    pub last_vote_epoch: Option<u64>,
    pub bump: u8,
}

impl Keeper {
    pub fn serves_in(&self, epoch: u64) -> bool {
        self.active_from <= epoch && self.exit_from.is_none_or(|x| epoch < x)
    }
}

/// One keeper's committed observation log.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct Commit {
    pub keeper: Pubkey,
    pub log_hash: [u8; 32],
}

/// A report some keepers voted for, with their prices.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct Candidate {
    pub root: [u8; 32],
    pub epoch_emission: u64,
    pub cumulative_emission: u64,
    #[max_len(16)]
    pub prices: Vec<u64>,
}

/// One epoch's commits, votes and, once a quorum agrees, its final report. Work per
/// epoch is O(keepers), whatever the number of nodes.
#[account]
#[derive(InitSpace)]
pub struct EpochReport {
    pub epoch: u64,
    /// Keepers serving in this epoch and the votes that make a quorum, fixed when the
    /// account is created.
    pub keeper_count: u32,
    pub quorum: u32,
    #[max_len(16)]
    pub commits: Vec<Commit>,
    #[max_len(16)]
    pub voters: Vec<Pubkey>,
    #[max_len(16)]
    pub candidates: Vec<Candidate>,
    pub finalized: bool,
    pub root: [u8; 32],
    pub epoch_emission: u64,
    pub cumulative_emission: u64,
    /// Micro-USD per $IO.
    pub io_usd_price: u64,
    pub bump: u8,
}

/// What a node's claims have paid so far.
#[account]
#[derive(InitSpace)]
pub struct NodeClaims {
    pub node: Pubkey,
    pub state: ClaimState,
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

    /// The attestor signs `set_attested_capacity` into io-staking, and nothing else.
    pub fn attestor_seeds(&self) -> [&[u8]; 2] {
        [
            io_protocol::seeds::ATTESTOR,
            std::slice::from_ref(&self.attestor_bump),
        ]
    }

    pub fn current_epoch(&self, now: i64) -> Option<u64> {
        crate::epochs::epoch_at(self.params.genesis_ts, self.params.epoch_seconds, now)
    }

    pub fn epoch_end(&self, epoch: u64) -> Option<i64> {
        crate::epochs::epoch_end(self.params.genesis_ts, self.params.epoch_seconds, epoch)
    }

    /// The keeper bonds authority signs bond returns, and nothing else.
    pub fn keeper_bonds_authority_seeds(&self) -> [&[u8]; 2] {
        [
            io_protocol::seeds::KEEPER_BONDS_AUTHORITY,
            std::slice::from_ref(&self.keeper_bonds_authority_bump),
        ]
    }
}
