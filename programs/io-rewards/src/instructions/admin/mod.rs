//! Governance: the two-step admin handover and parameter updates, sharing one
//! accounts struct for the instructions only the admin may call.

use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::errors::RewardsError;
use crate::state::RewardsConfig;

pub mod accept_admin;
pub mod propose_admin;
pub mod update_params;

pub use accept_admin::*;

/// The admin acting on the config.
#[derive(Accounts)]
pub struct AdminOnly<'info> {
    pub admin: Signer<'info>,
    #[account(mut, seeds = [seeds::CONFIG], bump = config.bump, has_one = admin @ RewardsError::NotAdmin)]
    pub config: Account<'info, RewardsConfig>,
}
