//! io-staking: nodes, operator stake, delegation pools, cooldown, slashing and
//! delegator reward accumulators (docs/design.md §4).

// Anchor 0.31.1's generated IDL-account instructions call `AccountInfo::realloc`,
// which solana-program 2.2 deprecated.
#![allow(deprecated)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod params;
pub mod pool;
pub mod state;

use instructions::*;
use params::*;
use state::AttestedCapacity;

declare_id!("HCHAgpZZn2dpct6grSXdQp1uhEgzBbj2WjY5KA2druUM");

#[program]
pub mod io_staking {
    use super::*;

    pub fn initialize(ctx: Context<Initialize>, params: StakingParams) -> Result<()> {
        instructions::initialize::handler(ctx, params)
    }

    pub fn propose_admin(ctx: Context<AdminOnly>, proposed: Pubkey) -> Result<()> {
        instructions::admin::propose_admin::handler(ctx, proposed)
    }

    pub fn accept_admin(ctx: Context<AcceptAdmin>) -> Result<()> {
        instructions::admin::accept_admin::handler(ctx)
    }

    pub fn update_params(ctx: Context<AdminOnly>, params: StakingParams) -> Result<()> {
        instructions::admin::update_params::handler(ctx, params)
    }

    pub fn register_node(ctx: Context<RegisterNode>, args: RegisterNodeArgs) -> Result<()> {
        instructions::register_node::handler(ctx, args)
    }

    pub fn update_node(ctx: Context<OperatorNode>, args: UpdateNodeArgs) -> Result<()> {
        instructions::update_node::handler(ctx, args)
    }

    pub fn rotate_worker(ctx: Context<RotateWorker>) -> Result<()> {
        instructions::rotate_worker::handler(ctx)
    }

    pub fn deregister_node(ctx: Context<DeregisterNode>) -> Result<()> {
        instructions::deregister_node::handler(ctx)
    }

    pub fn stake(ctx: Context<Stake>, amount: u64) -> Result<()> {
        instructions::stake::handler(ctx, amount)
    }

    pub fn unstake(ctx: Context<Unstake>, args: CooldownArgs) -> Result<()> {
        instructions::unstake::handler(ctx, args)
    }

    pub fn delegate(ctx: Context<Delegate>, amount: u64) -> Result<()> {
        instructions::delegate::handler(ctx, amount)
    }

    pub fn undelegate(ctx: Context<Undelegate>, args: CooldownArgs) -> Result<()> {
        instructions::undelegate::handler(ctx, args)
    }

    pub fn withdraw(ctx: Context<Withdraw>) -> Result<()> {
        instructions::withdraw::handler(ctx)
    }

    pub fn claim_delegator_rewards(ctx: Context<ClaimDelegatorRewards>) -> Result<()> {
        instructions::claim_delegator_rewards::handler(ctx)
    }

    pub fn close_delegation(ctx: Context<CloseDelegation>) -> Result<()> {
        instructions::close_delegation::handler(ctx)
    }

    pub fn deposit_delegator_rewards(
        ctx: Context<DepositDelegatorRewards>,
        amount: u64,
    ) -> Result<()> {
        instructions::deposit_delegator_rewards::handler(ctx, amount)
    }

    pub fn slash(ctx: Context<Slash>, args: SlashArgs) -> Result<()> {
        instructions::slash::handler(ctx, args)
    }

    pub fn reserve_gpus(ctx: Context<HireGpus>, gpus: u16) -> Result<()> {
        instructions::reserve_gpus::reserve(ctx, gpus)
    }

    pub fn release_gpus(ctx: Context<HireGpus>, gpus: u16) -> Result<()> {
        instructions::reserve_gpus::release(ctx, gpus)
    }

    pub fn set_attested_capacity(
        ctx: Context<SetAttestedCapacity>,
        capacity: AttestedCapacity,
    ) -> Result<()> {
        instructions::set_attested_capacity::handler(ctx, capacity)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn program_id_matches_protocol() {
        assert_eq!(super::ID, io_protocol::ids::IO_STAKING);
    }
}
