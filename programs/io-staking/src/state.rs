use anchor_lang::prelude::*;

/// The singleton configuration of io-staking.
#[account]
#[derive(InitSpace)]
pub struct StakingConfig {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    /// Operator stake a node needs before it may be matched or earn (base units).
    pub min_operator_stake: u64,
    /// Additional operator stake required per GPU (base units).
    pub min_stake_per_gpu: u64,
    /// Delegation cap per node: this many base units per attested TOPS.
    pub io_per_tops: u64,
    /// Delegation cap per node: this ratio of the operator's own stake (bps; 10000 = 1×).
    pub max_delegation_ratio_bps: u32,
    pub cooldown_seconds: i64,
    /// Delegators' cut of a node's availability rewards (bps).
    pub delegator_availability_cut_bps: u16,
    /// Delegators' cut of a node's hire fees (bps).
    pub delegator_hire_cut_bps: u16,
    pub bump: u8,
}
