use anchor_lang::prelude::*;

#[event]
pub struct HireInitialized {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub iosd_mint: Pubkey,
    pub iosd_fee_bps: u16,
    pub io_fee_bps: u16,
}

#[event]
pub struct TreasuryBurned {
    pub amount: u64,
    pub treasury_io: Pubkey,
}
