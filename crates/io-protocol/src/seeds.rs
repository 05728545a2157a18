//! PDA seed prefixes, declared once for every program and for the clients.

/// Each program's singleton configuration account.
pub const CONFIG: &[u8] = b"config";
/// io-rewards: the token account holding the unemitted $IO.
pub const REWARDS_VAULT: &[u8] = b"vault";
/// io-rewards: the token account holding keeper bonds.
pub const KEEPER_BONDS: &[u8] = b"keeper-bonds";
/// io-rewards: one registered keeper, followed by its authority key.
pub const KEEPER: &[u8] = b"keeper";
/// io-hire: the authority over the fee treasury token accounts; also the signer that
/// reports treasury burns to io-rewards.
pub const TREASURY: &[u8] = b"treasury";
/// io-hire: a fee treasury token account, followed by its mint.
pub const TREASURY_VAULT: &[u8] = b"treasury-vault";
/// io-staking: the signer that reports slash burns to io-rewards.
pub const SLASH_BURNER: &[u8] = b"slash-burner";
