// Every instruction module exports a `handler`; the globs are how Anchor's `#[program]`
// finds the generated account structs, and lib.rs calls each handler by its path.
#![allow(ambiguous_glob_reexports)]

pub mod admin;
pub mod claim_delegator_rewards;
pub mod close_delegation;
pub mod delegate;
pub mod deposit_delegator_rewards;
pub mod deregister_node;
pub mod initialize;
pub mod register_node;
pub mod reserve_gpus;
pub mod rotate_worker;
pub mod set_attested_capacity;
pub mod slash;
pub mod stake;
pub mod undelegate;
pub mod unstake;
pub mod update_node;
pub mod withdraw;

pub use admin::*;
pub use claim_delegator_rewards::*;
pub use close_delegation::*;
pub use delegate::*;
pub use deposit_delegator_rewards::*;
pub use deregister_node::*;
pub use initialize::*;
pub use register_node::*;
pub use reserve_gpus::*;
pub use rotate_worker::*;
pub use set_attested_capacity::*;
pub use slash::*;
pub use stake::*;
pub use undelegate::*;
pub use unstake::*;
pub use update_node::*;
pub use withdraw::*;
