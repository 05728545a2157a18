// Every instruction module exports a `handler`; the globs are how Anchor's `#[program]`
// finds the generated account structs, and lib.rs calls each handler by its path.
#![allow(ambiguous_glob_reexports)]

pub mod admin;
pub mod announce_exit;
pub mod claim;
pub mod commit_observations;
pub mod deregister_keeper;
pub mod initialize;
pub mod record_burn;
pub mod register_keeper;
pub mod submit_report_vote;

pub use admin::*;
pub use announce_exit::*;
pub use claim::*;
pub use commit_observations::*;
pub use deregister_keeper::*;
pub use initialize::*;
pub use record_burn::*;
pub use register_keeper::*;
pub use submit_report_vote::*;
