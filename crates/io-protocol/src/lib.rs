//! Protocol constants and pure functions shared by the three ionet programs and the
//! off-chain side. Nothing here touches accounts: program ids, PDA seed prefixes and
//! the Merkle tree that epoch reports and proof-of-compute row commitments both use.

pub mod classes;
pub mod emission;
pub mod ids;
pub mod leaf;
pub mod merkle;
pub mod seeds;
pub mod supply;
