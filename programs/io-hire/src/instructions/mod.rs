// Every instruction module exports a `handler`; the globs are how Anchor's `#[program]`
// finds the generated account structs, and lib.rs calls each handler by its path.
#![allow(ambiguous_glob_reexports)]

pub mod buyback_burn;
pub mod initialize;

pub use buyback_burn::*;
pub use initialize::*;
