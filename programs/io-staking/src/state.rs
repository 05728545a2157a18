use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::params::StakingParams;
use crate::pool::{required_operator_stake, Accumulator, DelegationCaps, Pool, RewardCursor};

/// The singleton configuration of io-staking.
#[account]
#[derive(InitSpace)]
pub struct StakingConfig {
    pub admin: Pubkey,
    /// Set by `propose_admin`; becomes admin only when it signs `accept_admin`.
    pub pending_admin: Option<Pubkey>,
    pub io_mint: Pubkey,
    pub iosd_mint: Pubkey,
    pub params: StakingParams,
    /// io-hire's PDA that may `slash` (seeds `SLASHER` under io-hire).
    pub slasher: Pubkey,
    /// io-rewards' PDA that may `set_attested_capacity` (seeds `ATTESTOR`).
    pub attestor: Pubkey,
    /// io-rewards' vault authority, which deposits the availability-reward cut.
    pub rewards_depositor: Pubkey,
    /// io-hire's escrow authority, which deposits the hire-fee cut.
    pub hire_depositor: Pubkey,
    /// io-hire's PDA that reserves and releases GPUs for hires (seeds `ASSIGNER`).
    pub assigner: Pubkey,
    pub bump: u8,
    pub slash_burner_bump: u8,
    pub rewards_authority_bump: u8,
}

impl StakingConfig {
    pub fn signer_seeds_slash_burner(&self) -> [&[u8]; 2] {
        [
            seeds::SLASH_BURNER,
            std::slice::from_ref(&self.slash_burner_bump),
        ]
    }

    pub fn signer_seeds_rewards_authority(&self) -> [&[u8]; 2] {
        [
            seeds::DELEGATOR_REWARDS_AUTHORITY,
            std::slice::from_ref(&self.rewards_authority_bump),
        ]
    }

    /// The delegator-reward accumulator slot of `mint`, if it is a reward mint.
    pub fn reward_index(&self, mint: &Pubkey) -> Option<usize> {
        if *mint == self.io_mint {
            Some(REWARD_IO)
        } else if *mint == self.iosd_mint {
            Some(REWARD_IOSD)
        } else {
            None
        }
    }
}

/// Index of the $IO accumulator in `Node::rewards` and `Delegation::rewards`.
pub const REWARD_IO: usize = 0;
/// Index of the IOSD accumulator.
pub const REWARD_IOSD: usize = 1;

/// A node's hardware as registered by its operator; what keepers attest is kept apart.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct NodeSpec {
    /// Proof-of-compute class id (`io_protocol::classes`).
    pub gpu_class: u8,
    /// Devices the node offers; a CPU node counts as one.
    pub gpu_count: u16,
    pub vram_mib_per_gpu: u32,
    pub vcpus: u16,
    pub ram_gib: u32,
    pub bandwidth_mbps: u32,
    /// ISO 3166-1 alpha-2 country code, ASCII.
    pub location: [u8; 2],
    /// Compliance tags, one bit each (`io_protocol` assigns the bits).
    pub compliance: u64,
    pub nvlink: bool,
}

/// What keepers last attested for a node, written from a finalized epoch-report leaf.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default, PartialEq, Eq, InitSpace)]
pub struct AttestedCapacity {
    pub epoch: u64,
    /// Class id (`io_protocol::classes`).
    pub class: u8,
    /// Measured throughput in milli-TOPS (1 TOPS = 1,000).
    pub tops_milli: u64,
    pub uptime_bps: u16,
    /// R: the node's availability reward in that epoch ($IO base units).
    pub epoch_reward: u64,
}

/// A GPU node: its operator, worker key, spec, ask, stake pool and reward accumulators.
/// Fixed-size fields come first, so keepers filter on them at fixed offsets (the
/// `*_OFFSET` constants); the optional freeze and the endpoint come last.
#[account]
#[derive(InitSpace)]
pub struct Node {
    /// The worker key the node registered with; its PDA seed, fixed for life.
    pub node_id: Pubkey,
    pub operator: Pubkey,
    /// The worker's current ed25519 identity key (signs proofs and probe answers).
    pub worker: Pubkey,
    pub spec: NodeSpec,
    /// Ask in micro-USD per GPU-hour.
    pub ask_micro_usd: u64,
    pub pool: Pool,
    /// Delegator reward accumulators, indexed by `REWARD_IO` and `REWARD_IOSD`.
    pub rewards: [Accumulator; 2],
    pub attested: AttestedCapacity,
    /// GPUs of this node in active hires (io-hire keeps it); nothing changes while > 0.
    pub hired_gpus: u16,
    /// Everything slashed from this node and burned.
    pub slashed_total: u64,
    /// Open `Delegation` accounts; the node cannot close while any remains, so a
    /// position can never outlive its node and act on a new node at the same address.
    pub delegations: u32,
    pub bump: u8,
    pub vault_bump: u8,
    /// Set by a slash to the node's attested epoch then: a slashed node is not matched
    /// again until keepers attest it in a later epoch.
    pub frozen_at_epoch: Option<u64>,
    #[max_len(128)]
    pub endpoint: String,
}

impl Node {
    pub const MAX_ENDPOINT_LEN: usize = 128;
    /// Byte offsets (discriminator included) keepers filter on with `memcmp`.
    pub const OPERATOR_OFFSET: usize = 40;
    pub const WORKER_OFFSET: usize = 72;
    pub const CLASS_OFFSET: usize = 104;
    pub const LOCATION_OFFSET: usize = 121;
    pub const ASK_OFFSET: usize = 132;
    pub const ATTESTED_EPOCH_OFFSET: usize = 268;
    pub const HIRED_GPUS_OFFSET: usize = 295;

    /// The node PDA signs for its own stake vault, and only that.
    pub fn signer_seeds(&self) -> [&[u8]; 3] {
        [
            seeds::NODE,
            self.node_id.as_ref(),
            std::slice::from_ref(&self.bump),
        ]
    }

    /// Whether the operator's stake meets the minimum for this node's size: a node
    /// below it may not be matched or earn availability rewards. Other programs read
    /// this with the staking config.
    pub fn is_staked(&self, params: &StakingParams) -> bool {
        let required = required_operator_stake(
            params.min_operator_stake,
            params.min_stake_per_gpu,
            self.spec.gpu_count,
        );
        matches!((self.pool.operator_stake(), required), (Some(have), Some(need)) if have >= need)
    }

    /// GPUs not in active hires.
    pub fn free_gpus(&self) -> u16 {
        self.spec.gpu_count.saturating_sub(self.hired_gpus)
    }

    pub fn delegation_caps(&self, params: &StakingParams) -> Option<DelegationCaps> {
        DelegationCaps::new(
            self.attested.tops_milli,
            params.io_per_tops,
            self.pool.operator_stake()?,
            params.max_delegation_ratio_bps,
        )
    }
}

/// Which node a worker key currently serves; one per key, so a key serves one node.
#[account]
#[derive(InitSpace)]
pub struct WorkerBinding {
    pub node: Pubkey,
    pub bump: u8,
}

/// A delegator's position in a node's pool.
#[account]
#[derive(InitSpace)]
pub struct Delegation {
    pub node: Pubkey,
    pub owner: Pubkey,
    /// Delegated shares (not counting shares in cooldown tickets).
    pub shares: u128,
    pub rewards: [RewardCursor; 2],
    pub bump: u8,
}

/// Shares leaving a pool: slashable until withdrawn after `unlocks_at`.
#[account]
#[derive(InitSpace)]
pub struct Ticket {
    pub node: Pubkey,
    pub owner: Pubkey,
    pub id: u64,
    pub shares: u128,
    pub unlocks_at: i64,
    pub bump: u8,
}

impl Delegation {
    /// Brings both reward cursors up to date; call before the shares change.
    pub fn settle(&mut self, node: &Node) -> Result<()> {
        for (cursor, acc) in self.rewards.iter_mut().zip(node.rewards.iter()) {
            cursor
                .settle(acc, self.shares)
                .ok_or(crate::errors::StakingError::Overflow)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AccountSerialize;

    /// The offsets keepers filter on hold for the serialized account.
    #[test]
    fn node_filter_offsets_match_the_layout() {
        let node = Node {
            node_id: Pubkey::new_from_array([1; 32]),
            operator: Pubkey::new_from_array([2; 32]),
            worker: Pubkey::new_from_array([3; 32]),
            spec: NodeSpec {
                gpu_class: 7,
                gpu_count: 8,
                vram_mib_per_gpu: 1,
                vcpus: 2,
                ram_gib: 3,
                bandwidth_mbps: 4,
                location: *b"DE",
                compliance: 5,
                nvlink: true,
            },
            ask_micro_usd: 0xA5A5_A5A5,
            pool: Pool::default(),
            rewards: Default::default(),
            attested: AttestedCapacity {
                epoch: 0xBEEF,
                ..Default::default()
            },
            hired_gpus: 0x1234,
            slashed_total: 0,
            delegations: 0,
            bump: 0,
            vault_bump: 0,
            frozen_at_epoch: Some(9),
            endpoint: "http://x".into(),
        };
        let mut b = vec![];
        node.try_serialize(&mut b).unwrap();
        let at = |o: usize, n: usize| &b[o..o + n];
        assert_eq!(at(Node::OPERATOR_OFFSET, 32), &[2; 32]);
        assert_eq!(at(Node::WORKER_OFFSET, 32), &[3; 32]);
        assert_eq!(at(Node::CLASS_OFFSET, 1), &[7]);
        assert_eq!(at(Node::LOCATION_OFFSET, 2), b"DE");
        assert_eq!(at(Node::ASK_OFFSET, 8), &0xA5A5_A5A5u64.to_le_bytes());
        assert_eq!(at(Node::ATTESTED_EPOCH_OFFSET, 8), &0xBEEFu64.to_le_bytes());
        assert_eq!(at(Node::HIRED_GPUS_OFFSET, 2), &0x1234u16.to_le_bytes());
    }
}
