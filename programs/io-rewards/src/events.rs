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

#[event]
pub struct KeeperExitAnnounced {
    pub keeper: Pubkey,
    pub authority: Pubkey,
    /// The first epoch it no longer serves in.
    pub exit_from: u64,
}

#[event]
pub struct ObservationsCommitted {
    pub epoch: u64,
    pub keeper: Pubkey,
    pub log_hash: [u8; 32],
}

#[event]
pub struct ReportVoted {
    pub epoch: u64,
    pub keeper: Pubkey,
    pub root: [u8; 32],
    pub epoch_emission: u64,
    pub cumulative_emission: u64,
    pub io_usd_price: u64,
    /// Votes for this same report so far, and the quorum.
    pub votes: u32,
    pub quorum: u32,
}

#[event]
pub struct EpochFinalized {
    pub epoch: u64,
    pub root: [u8; 32],
    pub epoch_emission: u64,
    pub cumulative_emission: u64,
    /// Micro-USD per $IO: the median of the prices in the votes that made the quorum.
    pub io_usd_price: u64,
}

#[event]
pub struct RewardClaimed {
    pub node: Pubkey,
    pub epoch: u64,
    pub cumulative_reward: u64,
    /// Paid now: to the operator and into the node's delegator accumulator.
    pub operator_amount: u64,
    pub delegator_amount: u64,
    /// The supply ledger after the claim.
    pub emitted_total: u64,
}

#[event]
pub struct AdminProposed {
    pub admin: Pubkey,
    pub proposed: Pubkey,
}

#[event]
pub struct AdminChanged {
    pub old_admin: Pubkey,
    pub new_admin: Pubkey,
}

#[event]
pub struct ParamsUpdated {
    pub params: RewardsParams,
}
