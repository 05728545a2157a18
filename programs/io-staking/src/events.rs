//! Events for every state change an indexer or a keeper needs.

use anchor_lang::prelude::*;

use crate::params::StakingParams;
use crate::state::{AttestedCapacity, NodeSpec};

#[event]
pub struct StakingInitialized {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub iosd_mint: Pubkey,
    pub params: StakingParams,
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
    pub params: StakingParams,
}

#[event]
pub struct NodeRegistered {
    pub node: Pubkey,
    pub operator: Pubkey,
    pub worker: Pubkey,
    pub spec: NodeSpec,
    pub ask_micro_usd: u64,
    pub endpoint: String,
}

#[event]
pub struct NodeUpdated {
    pub node: Pubkey,
    pub worker: Pubkey,
    pub spec: NodeSpec,
    pub ask_micro_usd: u64,
    pub endpoint: String,
}

#[event]
pub struct NodeDeregistered {
    pub node: Pubkey,
    pub operator: Pubkey,
    /// Tokens found in the vault beyond the pool (sent unasked), returned to the operator.
    pub swept: u64,
}

/// Operator stake or a delegation entered the pool.
#[event]
pub struct StakeDeposited {
    pub node: Pubkey,
    pub owner: Pubkey,
    pub operator: bool,
    pub amount: u64,
    pub shares: u128,
    pub pool_tokens: u64,
}

/// Shares left the operator's or a delegator's holding for a cooldown ticket.
#[event]
pub struct CooldownStarted {
    pub node: Pubkey,
    pub owner: Pubkey,
    pub ticket: Pubkey,
    pub operator: bool,
    pub shares: u128,
    /// What the shares are worth now; a slash before withdrawal lowers it.
    pub value: u64,
    pub unlocks_at: i64,
}

#[event]
pub struct Withdrawn {
    pub node: Pubkey,
    pub owner: Pubkey,
    pub ticket: Pubkey,
    pub shares: u128,
    pub amount: u64,
}

#[event]
pub struct DelegatorRewardsDeposited {
    pub node: Pubkey,
    pub mint: Pubkey,
    pub amount: u64,
    pub per_share: u128,
}

#[event]
pub struct DelegatorRewardsClaimed {
    pub node: Pubkey,
    pub owner: Pubkey,
    pub mint: Pubkey,
    pub amount: u64,
}

#[event]
pub struct DelegationClosed {
    pub node: Pubkey,
    pub owner: Pubkey,
}

#[event]
pub struct NodeSlashed {
    pub node: Pubkey,
    /// Tokens taken from the pool and burned (the formula's amount, capped by the pool).
    pub amount: u64,
    /// What the formula asked for before the cap.
    pub requested: u64,
    /// Why: a failed hire (`SlashReason`), with the keepers' evidence hash.
    pub reason: u8,
    pub evidence: [u8; 32],
    /// Everything slashed from this node and burned so far.
    pub burned_total: u64,
}

#[event]
pub struct CapacityAttested {
    pub node: Pubkey,
    pub capacity: AttestedCapacity,
}

/// io-hire reserved (`reserved` true) or released GPUs of the node.
#[event]
pub struct GpusReserved {
    pub node: Pubkey,
    pub gpus: u16,
    pub reserved: bool,
    pub hired_gpus: u16,
}
