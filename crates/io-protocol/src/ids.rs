//! Program ids. Each program's `declare_id!` must agree with these; a test in each
//! program checks it, and `Anchor.toml` is checked against the generated IDL.

use solana_pubkey::{pubkey, Pubkey};

pub const IO_STAKING: Pubkey = pubkey!("HCHAgpZZn2dpct6grSXdQp1uhEgzBbj2WjY5KA2druUM");
pub const IO_HIRE: Pubkey = pubkey!("6MYzwrsCkVcPYgDsgDAqTxUHzjECNVsMPxGyY8LQ9oZ6");
pub const IO_REWARDS: Pubkey = pubkey!("9aAKPA5yEFNLHQAV3NpaRuxzsjQDS57VPhK88LgYqVM6");
