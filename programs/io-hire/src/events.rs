use anchor_lang::prelude::*;

use crate::params::HireParams;
use crate::state::EndReason;

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

#[event]
pub struct OrderCreated {
    pub order: Pubkey,
    pub renter: Pubkey,
    pub mint: Pubkey,
    pub gpus: u16,
    pub hours: u32,
    pub max_price_micro_usd: u64,
    /// Micro-USD per $IO for a $IO order, 0 for IOSD.
    pub io_usd_price: u64,
    /// Escrowed: the most the order can cost plus the renter's fees on it.
    pub deposited: u64,
}

/// A node took part of an order at its ask.
#[event]
pub struct NodeAssigned {
    pub order: Pubkey,
    pub node: Pubkey,
    pub keeper: Pubkey,
    pub gpus: u16,
    pub price_micro_usd: u64,
    /// What the node earns over the order, in the payment mint.
    pub value: u64,
}

#[event]
pub struct OrderActivated {
    pub order: Pubkey,
    pub started_at: i64,
    pub ends_at: i64,
    /// The escrow beyond what the matched asks and fees need, back to the renter.
    pub refunded: u64,
}

/// A node's claim, with every fee.
#[event]
pub struct EarningsClaimed {
    pub order: Pubkey,
    pub node: Pubkey,
    pub gross: u64,
    pub operator_amount: u64,
    pub delegator_amount: u64,
    /// Booking and payment fees the supplier paid.
    pub supplier_fees: u64,
    /// Payment and booking fees the renter paid on this part.
    pub renter_fees: u64,
}

#[event]
pub struct OrderExtended {
    pub order: Pubkey,
    pub hours: u32,
    pub deposited: u64,
    pub ends_at: i64,
}

#[event]
pub struct FailureReported {
    pub order: Pubkey,
    pub node: Pubkey,
    pub keeper: Pubkey,
    pub evidence: [u8; 32],
    pub votes: u32,
    pub quorum: u32,
}

#[event]
pub struct NodeFailed {
    pub order: Pubkey,
    pub node: Pubkey,
    /// The renter's unused escrow for this node, refunded.
    pub refunded: u64,
    /// $IO slashed per the formula (io-staking caps and burns it).
    pub slash_requested: u64,
}

#[event]
pub struct OrderEnded {
    pub order: Pubkey,
    pub reason: EndReason,
    pub refunded: u64,
    pub paid: u64,
    pub fees: u64,
}

#[event]
pub struct FeesWithdrawn {
    pub mint: Pubkey,
    pub amount: u64,
    pub destination: Pubkey,
}
