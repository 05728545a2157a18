use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::errors::StakingError;
use crate::events::CapacityAttested;
use crate::state::{AttestedCapacity, Node, StakingConfig};

/// CPI only, from io-rewards' attestor PDA when a claim proves a finalized epoch-report
/// leaf. Claims may arrive in any order; only a newer epoch replaces what is stored,
/// and an older one is a no-op.
#[derive(Accounts)]
pub struct SetAttestedCapacity<'info> {
    #[account(address = config.attestor @ StakingError::NotAttestor)]
    pub attestor: Signer<'info>,
    #[account(seeds = [seeds::CONFIG], bump = config.bump)]
    pub config: Account<'info, StakingConfig>,
    #[account(mut)]
    pub node: Account<'info, Node>,
}

pub fn handler(ctx: Context<SetAttestedCapacity>, capacity: AttestedCapacity) -> Result<()> {
    let node = &mut ctx.accounts.node;
    let never_attested = node.attested == AttestedCapacity::default();
    if never_attested || capacity.epoch > node.attested.epoch {
        // A fresh attestation after a slash thaws the node.
        if node.frozen_at_epoch.is_some_and(|f| capacity.epoch > f) {
            node.frozen_at_epoch = None;
        }
        node.attested = capacity;
        emit!(CapacityAttested {
            node: node.key(),
            capacity: node.attested.clone(),
        });
    }
    Ok(())
}
