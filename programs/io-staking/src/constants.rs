//! PDA seeds published in the IDL, so that clients (the Go bindings) take them from the
//! program rather than repeating them. Values come from io-protocol.

use anchor_lang::prelude::*;
use io_protocol::seeds;

#[constant]
pub const CONFIG_SEED: &[u8] = seeds::CONFIG;
#[constant]
pub const SLASH_BURNER_SEED: &[u8] = seeds::SLASH_BURNER;
#[constant]
pub const NODE_SEED: &[u8] = seeds::NODE;
#[constant]
pub const WORKER_SEED: &[u8] = seeds::WORKER;
#[constant]
pub const STAKE_VAULT_SEED: &[u8] = seeds::STAKE_VAULT;
#[constant]
pub const DELEGATION_SEED: &[u8] = seeds::DELEGATION;
#[constant]
pub const TICKET_SEED: &[u8] = seeds::TICKET;
#[constant]
pub const DELEGATOR_REWARDS_VAULT_SEED: &[u8] = seeds::DELEGATOR_REWARDS_VAULT;
#[constant]
pub const DELEGATOR_REWARDS_AUTHORITY_SEED: &[u8] = seeds::DELEGATOR_REWARDS_AUTHORITY;
