//! PDA seeds published in the IDL, so that clients (the Go bindings) take them from the
//! program rather than repeating them. Values come from io-protocol.

use anchor_lang::prelude::*;
use io_protocol::seeds;

#[constant]
pub const CONFIG_SEED: &[u8] = seeds::CONFIG;
#[constant]
pub const REWARDS_VAULT_SEED: &[u8] = seeds::REWARDS_VAULT;
#[constant]
pub const KEEPER_BONDS_SEED: &[u8] = seeds::KEEPER_BONDS;
#[constant]
pub const KEEPER_SEED: &[u8] = seeds::KEEPER;
#[constant]
pub const REWARDS_VAULT_AUTHORITY_SEED: &[u8] = seeds::REWARDS_VAULT_AUTHORITY;
#[constant]
pub const KEEPER_BONDS_AUTHORITY_SEED: &[u8] = seeds::KEEPER_BONDS_AUTHORITY;
#[constant]
pub const ATTESTOR_SEED: &[u8] = seeds::ATTESTOR;
#[constant]
pub const EPOCH_SEED: &[u8] = seeds::EPOCH;
#[constant]
pub const NODE_CLAIMS_SEED: &[u8] = seeds::NODE_CLAIMS;
