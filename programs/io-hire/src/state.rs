use anchor_lang::prelude::*;
use io_protocol::seeds;

/// The singleton configuration of io-hire.
#[account]
#[derive(InitSpace)]
pub struct HireConfig {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub iosd_mint: Pubkey,
    /// PDA token accounts collecting payment fees, one per payment mint.
    pub treasury_io: Pubkey,
    pub treasury_iosd: Pubkey,
    /// Payment fee on IOSD orders (bps).
    pub iosd_fee_bps: u16,
    /// Payment fee on $IO orders (bps).
    pub io_fee_bps: u16,
    /// $IO orders are refused when the latest final IO/USD price is older than this.
    pub max_price_age_epochs: u32,
    /// An order never matched may be refunded in full after this long.
    pub unmatched_timeout_seconds: i64,
    pub bump: u8,
    pub treasury_bump: u8,
}

impl HireConfig {
    pub const MAX_FEE_BPS: u16 = 1_000;
}

/// Seeds of the treasury authority PDA; it owns the fee accounts and reports burns.
pub fn treasury_signer_seeds(bump: &u8) -> [&[u8]; 2] {
    [seeds::TREASURY, std::slice::from_ref(bump)]
}
