//! Program ids. Each program's `declare_id!` must agree with these; a test in each
//! program checks it, and `Anchor.toml` is checked against the generated IDL.

use solana_pubkey::{pubkey, Pubkey};

pub const IO_STAKING: Pubkey = pubkey!("HCHAgpZZn2dpct6grSXdQp1uhEgzBbj2WjY5KA2druUM");
pub const IO_HIRE: Pubkey = pubkey!("6MYzwrsCkVcPYgDsgDAqTxUHzjECNVsMPxGyY8LQ9oZ6");
pub const IO_REWARDS: Pubkey = pubkey!("9aAKPA5yEFNLHQAV3NpaRuxzsjQDS57VPhK88LgYqVM6");

/// The upgradeable BPF loader. A program's ProgramData account is the PDA
/// `[program id]` under it, and its upgrade authority is the deployer: the only key
/// allowed to initialize the program's config.
pub const BPF_LOADER_UPGRADEABLE: Pubkey = pubkey!("BPFLoaderUpgradeab1e11111111111111111111111");

/// The ProgramData address of `program` (see [`BPF_LOADER_UPGRADEABLE`]).
pub fn program_data(program: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[program.as_ref()], &BPF_LOADER_UPGRADEABLE).0
}
