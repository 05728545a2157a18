//! PDA seeds published in the IDL, so that clients (the Go bindings) take them from the
//! program rather than repeating them. Values come from io-protocol.

use anchor_lang::prelude::*;
use io_protocol::seeds;

#[constant]
pub const CONFIG_SEED: &[u8] = seeds::CONFIG;
#[constant]
pub const TREASURY_SEED: &[u8] = seeds::TREASURY;
#[constant]
pub const TREASURY_VAULT_SEED: &[u8] = seeds::TREASURY_VAULT;
#[constant]
pub const ORDER_SEED: &[u8] = seeds::ORDER;
#[constant]
pub const ESCROW_SEED: &[u8] = seeds::ESCROW;
#[constant]
pub const ASSIGNMENT_SEED: &[u8] = seeds::ASSIGNMENT;
#[constant]
pub const ESCROW_AUTHORITY_SEED: &[u8] = seeds::ESCROW_AUTHORITY;
