//! io-rewards instructions with every account filled in, for the tests and the
//! localnet: one builder per instruction, the PDAs derived from io-protocol's seeds.

use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use io_protocol::leaf::EpochLeaf;
use io_protocol::merkle::Hash;
use io_protocol::{ids, seeds};
use io_rewards::accounts as acc;
use io_rewards::instruction as ix;
use io_rewards::instructions::{ClaimArgs, ReportVote};
use solana_instruction::Instruction;
use solana_pubkey::Pubkey;

use crate::deploy::Deployment;

fn rewards(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: ids::IO_REWARDS,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// The report account of `epoch`.
pub fn epoch_report(epoch: u64) -> Pubkey {
    Pubkey::find_program_address(&[seeds::EPOCH, &epoch.to_le_bytes()], &ids::IO_REWARDS).0
}

/// What io-rewards has paid `node` so far.
pub fn node_claims(node: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[seeds::NODE_CLAIMS, node.as_ref()], &ids::IO_REWARDS).0
}

impl Deployment {
    fn keeper_on_epoch(&self, authority: &Pubkey, epoch: u64) -> acc::KeeperOnEpoch {
        acc::KeeperOnEpoch {
            authority: *authority,
            config: self.rewards_config,
            keeper: Self::keeper(authority),
            report: epoch_report(epoch),
            system_program: solana_sdk_ids::system_program::ID,
        }
    }

    pub fn commit_observations(
        &self,
        authority: &Pubkey,
        epoch: u64,
        log_hash: Hash,
    ) -> Instruction {
        rewards(
            self.keeper_on_epoch(authority, epoch),
            ix::CommitObservations { epoch, log_hash },
        )
    }

    pub fn submit_report_vote(
        &self,
        authority: &Pubkey,
        epoch: u64,
        vote: ReportVote,
    ) -> Instruction {
        rewards(
            self.keeper_on_epoch(authority, epoch),
            ix::SubmitReportVote { epoch, vote },
        )
    }

    pub fn announce_exit(&self, authority: &Pubkey) -> Instruction {
        rewards(
            acc::AnnounceExit {
                authority: *authority,
                config: self.rewards_config,
                keeper: Self::keeper(authority),
            },
            ix::AnnounceExit {},
        )
    }

    /// `claim` of `leaf` (its node's operator receives on `operator_io`).
    pub fn claim(
        &self,
        payer: &Pubkey,
        leaf: &EpochLeaf,
        proof: Vec<Hash>,
        operator_io: &Pubkey,
    ) -> Instruction {
        rewards(
            acc::Claim {
                payer: *payer,
                config: self.rewards_config,
                report: epoch_report(leaf.epoch),
                claims: node_claims(&leaf.node),
                node: leaf.node,
                staking_config: self.staking_config,
                vault: self.rewards_vault,
                vault_authority: self.rewards_vault_authority,
                operator_io: *operator_io,
                delegator_rewards: self.delegator_rewards_io,
                io_mint: self.io_mint,
                attestor: self.attestor,
                staking_program: ids::IO_STAKING,
                token_program: spl_token::ID,
                system_program: solana_sdk_ids::system_program::ID,
            },
            ix::Claim {
                args: ClaimArgs {
                    epoch: leaf.epoch,
                    class: leaf.class,
                    tops_milli: leaf.tops_milli,
                    uptime_bps: leaf.uptime_bps,
                    hired_bps: leaf.hired_bps,
                    epoch_reward: leaf.epoch_reward,
                    cumulative_reward: leaf.cumulative_reward,
                    proof,
                },
            },
        )
    }

    pub fn propose_rewards_admin(&self, admin: &Pubkey, proposed: Pubkey) -> Instruction {
        rewards(
            acc::AdminOnly {
                admin: *admin,
                config: self.rewards_config,
            },
            ix::ProposeAdmin { proposed },
        )
    }

    pub fn accept_rewards_admin(&self, proposed: &Pubkey) -> Instruction {
        rewards(
            acc::AcceptAdmin {
                proposed: *proposed,
                config: self.rewards_config,
            },
            ix::AcceptAdmin {},
        )
    }

    pub fn update_rewards_params(
        &self,
        admin: &Pubkey,
        params: io_rewards::params::RewardsParams,
    ) -> Instruction {
        rewards(
            acc::AdminOnly {
                admin: *admin,
                config: self.rewards_config,
            },
            ix::UpdateParams { params },
        )
    }
}
