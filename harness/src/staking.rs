//! io-staking instructions with every account filled in, for the tests and the
//! localnet: one builder per instruction, the PDAs derived from io-protocol's seeds.

use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use io_protocol::{ids, seeds};
use io_staking::accounts as acc;
use io_staking::instruction as ix;
use io_staking::instructions::{CooldownArgs, RegisterNodeArgs, SlashArgs, UpdateNodeArgs};
use io_staking::state::AttestedCapacity;
use solana_instruction::Instruction;
use solana_pubkey::Pubkey;

use crate::deploy::Deployment;

fn pda(seeds: &[&[u8]]) -> Pubkey {
    Pubkey::find_program_address(seeds, &ids::IO_STAKING).0
}

fn staking(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: ids::IO_STAKING,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

const SYSTEM: Pubkey = solana_sdk_ids::system_program::ID;

/// The node PDA of the worker key a node registered with.
pub fn node(node_id: &Pubkey) -> Pubkey {
    pda(&[seeds::NODE, node_id.as_ref()])
}

pub fn worker_binding(worker: &Pubkey) -> Pubkey {
    pda(&[seeds::WORKER, worker.as_ref()])
}

pub fn stake_vault(node: &Pubkey) -> Pubkey {
    pda(&[seeds::STAKE_VAULT, node.as_ref()])
}

pub fn delegation(node: &Pubkey, owner: &Pubkey) -> Pubkey {
    pda(&[seeds::DELEGATION, node.as_ref(), owner.as_ref()])
}

pub fn ticket(node: &Pubkey, owner: &Pubkey, id: u64) -> Pubkey {
    pda(&[
        seeds::TICKET,
        node.as_ref(),
        owner.as_ref(),
        &id.to_le_bytes(),
    ])
}

impl Deployment {
    pub fn register_node(
        &self,
        operator: &Pubkey,
        worker: &Pubkey,
        args: RegisterNodeArgs,
    ) -> Instruction {
        let node = node(worker);
        staking(
            acc::RegisterNode {
                operator: *operator,
                worker: *worker,
                config: self.staking_config,
                node,
                worker_binding: worker_binding(worker),
                stake_vault: stake_vault(&node),
                io_mint: self.io_mint,
                token_program: spl_token::ID,
                system_program: SYSTEM,
            },
            ix::RegisterNode { args },
        )
    }

    pub fn update_node(
        &self,
        operator: &Pubkey,
        node: &Pubkey,
        args: UpdateNodeArgs,
    ) -> Instruction {
        staking(
            acc::OperatorNode {
                operator: *operator,
                node: *node,
            },
            ix::UpdateNode { args },
        )
    }

    pub fn rotate_worker(
        &self,
        operator: &Pubkey,
        node: &Pubkey,
        old_worker: &Pubkey,
        new_worker: &Pubkey,
    ) -> Instruction {
        staking(
            acc::RotateWorker {
                operator: *operator,
                new_worker: *new_worker,
                node: *node,
                old_binding: worker_binding(old_worker),
                new_binding: worker_binding(new_worker),
                system_program: SYSTEM,
            },
            ix::RotateWorker {},
        )
    }

    pub fn deregister_node(
        &self,
        operator: &Pubkey,
        node: &Pubkey,
        worker: &Pubkey,
        sweep_destination: &Pubkey,
    ) -> Instruction {
        staking(
            acc::DeregisterNode {
                operator: *operator,
                config: self.staking_config,
                node: *node,
                worker_binding: worker_binding(worker),
                stake_vault: stake_vault(node),
                sweep_destination: *sweep_destination,
                token_program: spl_token::ID,
            },
            ix::DeregisterNode {},
        )
    }

    pub fn stake(
        &self,
        operator: &Pubkey,
        node: &Pubkey,
        source: &Pubkey,
        amount: u64,
    ) -> Instruction {
        staking(
            acc::Stake {
                operator: *operator,
                config: self.staking_config,
                node: *node,
                stake_vault: stake_vault(node),
                source: *source,
                token_program: spl_token::ID,
            },
            ix::Stake { amount },
        )
    }

    pub fn unstake(
        &self,
        operator: &Pubkey,
        node: &Pubkey,
        shares: u128,
        ticket_id: u64,
    ) -> Instruction {
        staking(
            acc::Unstake {
                operator: *operator,
                config: self.staking_config,
                node: *node,
                ticket: ticket(node, operator, ticket_id),
                system_program: SYSTEM,
            },
            ix::Unstake {
                args: CooldownArgs { shares, ticket_id },
            },
        )
    }

    pub fn delegate(
        &self,
        owner: &Pubkey,
        node: &Pubkey,
        source: &Pubkey,
        amount: u64,
    ) -> Instruction {
        staking(
            acc::Delegate {
                owner: *owner,
                config: self.staking_config,
                node: *node,
                delegation: delegation(node, owner),
                stake_vault: stake_vault(node),
                source: *source,
                token_program: spl_token::ID,
                system_program: SYSTEM,
            },
            ix::Delegate { amount },
        )
    }

    pub fn undelegate(
        &self,
        owner: &Pubkey,
        node: &Pubkey,
        shares: u128,
        ticket_id: u64,
    ) -> Instruction {
        staking(
            acc::Undelegate {
                owner: *owner,
                config: self.staking_config,
                node: *node,
                delegation: delegation(node, owner),
                ticket: ticket(node, owner, ticket_id),
                system_program: SYSTEM,
            },
            ix::Undelegate {
                args: CooldownArgs { shares, ticket_id },
            },
        )
    }

    pub fn withdraw(
        &self,
        owner: &Pubkey,
        node: &Pubkey,
        ticket_id: u64,
        destination: &Pubkey,
    ) -> Instruction {
        staking(
            acc::Withdraw {
                owner: *owner,
                config: self.staking_config,
                node: *node,
                ticket: ticket(node, owner, ticket_id),
                stake_vault: stake_vault(node),
                destination: *destination,
                token_program: spl_token::ID,
            },
            ix::Withdraw {},
        )
    }

    /// The reward pot of `mint` (its $IO or IOSD delegator rewards).
    pub fn delegator_rewards_vault(&self, mint: &Pubkey) -> Pubkey {
        pda(&[seeds::DELEGATOR_REWARDS_VAULT, mint.as_ref()])
    }

    pub fn claim_delegator_rewards(
        &self,
        node: &Pubkey,
        owner: &Pubkey,
        mint: &Pubkey,
        destination: &Pubkey,
    ) -> Instruction {
        staking(
            acc::ClaimDelegatorRewards {
                config: self.staking_config,
                node: *node,
                delegation: delegation(node, owner),
                mint: *mint,
                rewards_vault: self.delegator_rewards_vault(mint),
                rewards_authority: self.delegator_rewards_authority,
                destination: *destination,
                token_program: spl_token::ID,
            },
            ix::ClaimDelegatorRewards {},
        )
    }

    pub fn close_delegation(&self, node: &Pubkey, owner: &Pubkey) -> Instruction {
        staking(
            acc::CloseDelegation {
                owner: *owner,
                node: *node,
                delegation: delegation(node, owner),
            },
            ix::CloseDelegation {},
        )
    }

    /// `deposit_delegator_rewards` as io-rewards or io-hire sends it by CPI.
    pub fn deposit_delegator_rewards(
        &self,
        depositor: &Pubkey,
        node: &Pubkey,
        mint: &Pubkey,
        source: &Pubkey,
        amount: u64,
    ) -> Instruction {
        staking(
            acc::DepositDelegatorRewards {
                depositor: *depositor,
                config: self.staking_config,
                node: *node,
                mint: *mint,
                source: *source,
                rewards_vault: self.delegator_rewards_vault(mint),
                token_program: spl_token::ID,
            },
            ix::DepositDelegatorRewards { amount },
        )
    }

    /// `slash` as io-hire sends it by CPI.
    pub fn slash(&self, slasher: &Pubkey, node: &Pubkey, args: SlashArgs) -> Instruction {
        staking(
            acc::Slash {
                slasher: *slasher,
                config: self.staking_config,
                node: *node,
                stake_vault: stake_vault(node),
                io_mint: self.io_mint,
                slash_burner: self.slash_burner,
                rewards_config: self.rewards_config,
                rewards_program: ids::IO_REWARDS,
                token_program: spl_token::ID,
            },
            ix::Slash { args },
        )
    }

    /// `set_attested_capacity` as io-rewards sends it by CPI.
    pub fn set_attested_capacity(
        &self,
        attestor: &Pubkey,
        node: &Pubkey,
        capacity: AttestedCapacity,
    ) -> Instruction {
        staking(
            acc::SetAttestedCapacity {
                attestor: *attestor,
                config: self.staking_config,
                node: *node,
            },
            ix::SetAttestedCapacity { capacity },
        )
    }

    pub fn propose_staking_admin(&self, admin: &Pubkey, proposed: Pubkey) -> Instruction {
        staking(
            acc::AdminOnly {
                admin: *admin,
                config: self.staking_config,
            },
            ix::ProposeAdmin { proposed },
        )
    }

    pub fn accept_staking_admin(&self, proposed: &Pubkey) -> Instruction {
        staking(
            acc::AcceptAdmin {
                proposed: *proposed,
                config: self.staking_config,
            },
            ix::AcceptAdmin {},
        )
    }

    pub fn update_staking_params(
        &self,
        admin: &Pubkey,
        params: io_staking::params::StakingParams,
    ) -> Instruction {
        staking(
            acc::AdminOnly {
                admin: *admin,
                config: self.staking_config,
            },
            ix::UpdateParams { params },
        )
    }

    /// `reserve_gpus` (or `release_gpus`) as io-hire's assigner sends it by CPI.
    pub fn hire_gpus(
        &self,
        assigner: &Pubkey,
        node: &Pubkey,
        gpus: u16,
        reserve: bool,
    ) -> Instruction {
        let accounts = acc::HireGpus {
            assigner: *assigner,
            config: self.staking_config,
            node: *node,
        };
        if reserve {
            staking(accounts, ix::ReserveGpus { gpus })
        } else {
            staking(accounts, ix::ReleaseGpus { gpus })
        }
    }
}
