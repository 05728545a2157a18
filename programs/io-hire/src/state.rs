use anchor_lang::prelude::*;
use io_protocol::seeds;

use crate::params::HireParams;

/// The singleton configuration of io-hire.
#[account]
#[derive(InitSpace)]
pub struct HireConfig {
    pub admin: Pubkey,
    pub io_mint: Pubkey,
    pub iosd_mint: Pubkey,
    /// PDA token accounts collecting payment fees, one per payment mint.
    pub treasury_io: Pubkey,
    pub treasury_iosd: Pubkey,
    /// The other programs' configs, checked by address wherever they are passed.
    pub rewards_config: Pubkey,
    pub staking_config: Pubkey,
    pub params: HireParams,
    pub bump: u8,
    pub treasury_bump: u8,
    pub escrow_authority_bump: u8,
    pub assigner_bump: u8,
    pub slasher_bump: u8,
}

impl HireConfig {
    pub fn escrow_authority_seeds(&self) -> [&[u8]; 2] {
        [
            seeds::ESCROW_AUTHORITY,
            std::slice::from_ref(&self.escrow_authority_bump),
        ]
    }

    pub fn assigner_seeds(&self) -> [&[u8]; 2] {
        [seeds::ASSIGNER, std::slice::from_ref(&self.assigner_bump)]
    }

    pub fn slasher_seeds(&self) -> [&[u8]; 2] {
        [seeds::SLASHER, std::slice::from_ref(&self.slasher_bump)]
    }

    /// The fee treasury account of `mint`.
    pub fn treasury_of(&self, mint: &Pubkey) -> Option<Pubkey> {
        if *mint == self.io_mint {
            Some(self.treasury_io)
        } else if *mint == self.iosd_mint {
            Some(self.treasury_iosd)
        } else {
            None
        }
    }

    /// The renter's fee rate for a payment in `mint`: payment fee plus booking fee.
    pub fn renter_fee_bps(&self, mint: &Pubkey) -> u16 {
        let payment = if *mint == self.io_mint {
            self.params.io_fee_bps
        } else {
            self.params.iosd_fee_bps
        };
        payment + self.params.booking_fee_bps
    }
}

/// Seeds of the treasury authority PDA; it owns the fee accounts and reports burns.
pub fn treasury_signer_seeds(bump: &u8) -> [&[u8]; 2] {
    [seeds::TREASURY, std::slice::from_ref(bump)]
}

/// What the renter asks for; a node must fit all of it.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct OrderSpec {
    /// Proof-of-compute class id (`io_protocol::classes`); 0 takes any class.
    pub gpu_class: u8,
    pub gpus: u16,
    pub min_vram_mib: u32,
    /// Per node.
    pub min_vcpus: u16,
    pub min_ram_gib: u32,
    /// ISO 3166 codes a node may be in; empty takes any.
    #[max_len(8)]
    pub locations: Vec<[u8; 2]>,
    /// Compliance bits every node must have.
    pub compliance: u64,
    pub hours: u32,
    /// Cap in micro-USD per GPU-hour.
    pub max_price_micro_usd: u64,
}

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum OrderStatus {
    /// Escrowed, waiting for a keeper's assignment.
    Open,
    /// Assigned; nodes stream their earnings.
    Active,
    /// Over; `end_reason` says why.
    Ended,
}

/// Why an order ended, kept in state and in `OrderEnded`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum EndReason {
    Completed,
    ExtendedThenCompleted,
    Cancelled,
    ExpiredUnmatched,
    NodeFailed,
}

/// A renter's hire order and its escrow's books. Conservation:
/// `deposited = escrow + paid + fees + refunded` at all times. Fixed-size fields come
/// first, so keepers find open orders at a fixed offset (`STATUS_OFFSET`).
#[account]
#[derive(InitSpace)]
pub struct HireOrder {
    pub renter: Pubkey,
    pub id: u64,
    pub mint: Pubkey,
    pub status: OrderStatus,
    /// Renter fees (payment + booking) in bps, fixed at creation.
    pub renter_fee_bps: u16,
    /// Micro-USD per $IO fixed at creation ($IO orders), 0 for IOSD.
    pub io_usd_price: u64,
    pub created_at: i64,
    pub started_at: i64,
    pub ends_at: i64,
    pub extended: bool,
    pub failures: u16,
    /// Assignment accounts not yet closed.
    pub open_assignments: u16,
    pub deposited: u64,
    /// Gross to nodes (their operators, delegators and supplier fees).
    pub paid: u64,
    /// Renter fees to the treasury.
    pub fees: u64,
    pub refunded: u64,
    pub bump: u8,
    pub escrow_bump: u8,
    pub end_reason: Option<EndReason>,
    pub spec: OrderSpec,
}

impl HireOrder {
    /// Byte offsets (discriminator included) keepers filter on with `memcmp`.
    pub const RENTER_OFFSET: usize = 8;
    pub const MINT_OFFSET: usize = 48;
    pub const STATUS_OFFSET: usize = 80;

    pub fn payment(&self, io_mint: &Pubkey) -> crate::pricing::Payment {
        if self.mint == *io_mint {
            crate::pricing::Payment::Io {
                micro_usd_per_io: self.io_usd_price,
            }
        } else {
            crate::pricing::Payment::Iosd
        }
    }

    pub fn signer_seeds<'a>(&'a self, id: &'a [u8; 8]) -> [&'a [u8]; 4] {
        [
            seeds::ORDER,
            self.renter.as_ref(),
            id,
            std::slice::from_ref(&self.bump),
        ]
    }
}

/// One node's part of an order: its GPUs, its stream and what it has claimed.
#[account]
#[derive(InitSpace)]
pub struct Assignment {
    pub order: Pubkey,
    pub node: Pubkey,
    pub gpus: u16,
    /// The node's ask, the matched price (micro-USD per GPU-hour).
    pub price_micro_usd: u64,
    /// Payment units the node earns over the stream, and when.
    pub value: u64,
    pub start: i64,
    pub duration: i64,
    /// The renter's fees reserved for `value`.
    pub renter_fee: u64,
    pub claimed: u64,
    pub fee_paid: u64,
    pub failed: bool,
    /// GPUs released in io-staking (at the end, or at a failure).
    pub released: bool,
    /// Keepers that reported the node failed in `failure_epoch`, and the first
    /// evidence hash. Votes count toward one epoch's quorum only: the keeper set and
    /// the quorum change at epoch boundaries, so votes carried over would let one
    /// operator rotating keeper keys reach a quorum alone.
    #[max_len(16)]
    pub failure_votes: Vec<Pubkey>,
    pub evidence: [u8; 32],
    pub failure_epoch: u64,
    /// Who paid this account's rent (the assigning keeper); it goes back there.
    pub rent_payer: Pubkey,
    pub bump: u8,
}

impl Assignment {
    pub fn stream(&self) -> crate::pricing::Stream {
        crate::pricing::Stream {
            value: self.value,
            start: self.start,
            duration: self.duration,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::AccountSerialize;

    #[test]
    fn order_filter_offsets_match_the_layout() {
        let order = HireOrder {
            renter: Pubkey::new_from_array([1; 32]),
            id: 0,
            mint: Pubkey::new_from_array([2; 32]),
            status: OrderStatus::Ended,
            renter_fee_bps: 0,
            io_usd_price: 0,
            created_at: 0,
            started_at: 0,
            ends_at: 0,
            extended: false,
            failures: 0,
            open_assignments: 0,
            deposited: 0,
            paid: 0,
            fees: 0,
            refunded: 0,
            bump: 0,
            escrow_bump: 0,
            end_reason: Some(EndReason::Cancelled),
            spec: OrderSpec {
                gpu_class: 0,
                gpus: 1,
                min_vram_mib: 0,
                min_vcpus: 0,
                min_ram_gib: 0,
                locations: vec![*b"US"],
                compliance: 0,
                hours: 1,
                max_price_micro_usd: 1,
            },
        };
        let mut b = vec![];
        order.try_serialize(&mut b).unwrap();
        assert_eq!(&b[HireOrder::RENTER_OFFSET..][..32], &[1; 32]);
        assert_eq!(&b[HireOrder::MINT_OFFSET..][..32], &[2; 32]);
        assert_eq!(b[HireOrder::STATUS_OFFSET], OrderStatus::Ended as u8);
    }
}
