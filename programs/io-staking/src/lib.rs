//! io-staking: nodes, operator stake, delegation pools, cooldown, slashing and
//! delegator reward accumulators (DESIGN.md §4).

// Anchor 0.31.1's generated IDL-account instructions call `AccountInfo::realloc`,
// which solana-program 2.2 deprecated.
#![allow(deprecated)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod params;
pub mod state;

use instructions::*;
use params::*;

declare_id!("HCHAgpZZn2dpct6grSXdQp1uhEgzBbj2WjY5KA2druUM");

#[program]
pub mod io_staking {
    use super::*;

    pub fn initialize(ctx: Context<Initialize>, params: StakingParams) -> Result<()> {
        instructions::initialize::handler(ctx, params)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_protocol() {
        assert_eq!(super::ID, io_protocol::ids::IO_STAKING);
    }
}
