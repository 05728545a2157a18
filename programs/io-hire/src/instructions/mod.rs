// Every instruction module exports a `handler`; the globs are how Anchor's `#[program]`
// finds the generated account structs, and lib.rs calls each handler by its path.
#![allow(ambiguous_glob_reexports)]

pub mod assign;
pub mod buyback_burn;
pub mod cancel;
pub mod claim_earnings;
pub mod close_order;
pub mod create_order;
pub mod expire_unmatched;
pub mod extend;
pub mod initialize;
pub mod report_failure;
pub mod withdraw_fees;

pub use assign::*;
pub use buyback_burn::*;
pub use cancel::*;
pub use claim_earnings::*;
pub use close_order::*;
pub use create_order::*;
pub use expire_unmatched::*;
pub use extend::*;
pub use initialize::*;
pub use report_failure::*;
pub use withdraw_fees::*;
