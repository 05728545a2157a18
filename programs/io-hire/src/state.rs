use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::params::HireParams;

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
    pub params: HireParams,
    pub bump: u8,
    pub treasury_bump: u8,
}

/// Seeds of the treasury authority PDA; it owns the fee accounts and reports burns.
pub fn treasury_signer_seeds(bump: &u8) -> [&[u8]; 2] {
    [seeds::TREASURY, std::slice::from_ref(bump)]
}
