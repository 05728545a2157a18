//! The fixed $IO supply (docs/design.md §3): everything is minted at genesis, nothing after.

/// $IO has 8 decimals, as io.net's token on Solana.
pub const IO_DECIMALS: u8 = 8;
/// One $IO in base units.
pub const IO: u64 = 10u64.pow(IO_DECIMALS as u32);
/// Minted at genesis.
pub const IO_GENESIS_SUPPLY: u64 = 800_000_000 * IO;
/// Of which the io-rewards vault holds, to be emitted.
pub const IO_REWARDS_ALLOCATION: u64 = 300_000_000 * IO;

/// IOSD, the USD stablecoin renters may pay with: 6 decimals, one base unit is one
/// micro-USD, the unit every price in the protocol is quoted in.
pub const IOSD_DECIMALS: u8 = 6;
