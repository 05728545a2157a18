//! io-hire instructions with every account filled in, for the tests and the localnet:
//! one builder per instruction, the PDAs derived from io-protocol's seeds.

use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use io_hire::accounts as acc;
use io_hire::instruction as ix;
use io_hire::instructions::{AssignArgs, CreateOrderArgs};
use io_hire::state::OrderSpec;
use io_protocol::{ids, seeds};
use solana_instruction::{AccountMeta, Instruction};
use solana_pubkey::Pubkey;

use crate::deploy::Deployment;
use crate::staking;

fn hire(
    accounts: impl ToAccountMetas,
    data: impl InstructionData,
    rest: Vec<AccountMeta>,
) -> Instruction {
    let mut metas = accounts.to_account_metas(None);
    metas.extend(rest);
    Instruction {
        program_id: ids::IO_HIRE,
        accounts: metas,
        data: data.data(),
    }
}

fn pda(seeds: &[&[u8]]) -> Pubkey {
    Pubkey::find_program_address(seeds, &ids::IO_HIRE).0
}

/// An order: its address, renter and payment mint.
#[derive(Clone, Copy, Debug)]
pub struct OrderRef {
    pub order: Pubkey,
    pub renter: Pubkey,
    pub mint: Pubkey,
}

pub fn order(renter: &Pubkey, id: u64) -> Pubkey {
    pda(&[seeds::ORDER, renter.as_ref(), &id.to_le_bytes()])
}

pub fn escrow(order: &Pubkey) -> Pubkey {
    pda(&[seeds::ESCROW, order.as_ref()])
}

pub fn assignment(order: &Pubkey, node: &Pubkey) -> Pubkey {
    pda(&[seeds::ASSIGNMENT, order.as_ref(), node.as_ref()])
}

impl Deployment {
    pub fn assigner(&self) -> Pubkey {
        pda(&[seeds::ASSIGNER])
    }

    pub fn treasury_of(&self, mint: &Pubkey) -> Pubkey {
        if *mint == self.io_mint {
            self.treasury_io
        } else {
            self.treasury_iosd
        }
    }

    pub fn create_order(
        &self,
        renter: &Pubkey,
        id: u64,
        mint: &Pubkey,
        source: &Pubkey,
        spec: OrderSpec,
    ) -> (OrderRef, Instruction) {
        let order = order(renter, id);
        let ix = hire(
            acc::CreateOrder {
                renter: *renter,
                config: self.hire_config,
                rewards_config: self.rewards_config,
                order,
                mint: *mint,
                escrow_authority: self.escrow_authority,
                escrow: escrow(&order),
                source: *source,
                token_program: spl_token::ID,
                system_program: solana_sdk_ids::system_program::ID,
            },
            ix::CreateOrder {
                args: CreateOrderArgs { id, spec },
            },
            vec![],
        );
        (
            OrderRef {
                order,
                renter: *renter,
                mint: *mint,
            },
            ix,
        )
    }

    /// `assign` of `pairs` of (node, GPUs) by keeper `authority`.
    pub fn assign(
        &self,
        authority: &Pubkey,
        o: &OrderRef,
        renter_refund: &Pubkey,
        pairs: &[(Pubkey, u16)],
    ) -> Instruction {
        let rest = pairs
            .iter()
            .flat_map(|(node, _)| {
                [
                    AccountMeta::new(*node, false),
                    AccountMeta::new(assignment(&o.order, node), false),
                ]
            })
            .collect();
        hire(
            acc::Assign {
                authority: *authority,
                keeper: Deployment::keeper(authority),
                config: self.hire_config,
                rewards_config: self.rewards_config,
                staking_config: self.staking_config,
                order: o.order,
                escrow: escrow(&o.order),
                renter_refund: *renter_refund,
                escrow_authority: self.escrow_authority,
                assigner: self.assigner(),
                staking_program: ids::IO_STAKING,
                token_program: spl_token::ID,
                system_program: solana_sdk_ids::system_program::ID,
            },
            ix::Assign {
                args: AssignArgs {
                    gpus: pairs.iter().map(|p| p.1).collect(),
                },
            },
            rest,
        )
    }

    pub fn claim_earnings(
        &self,
        payer: &Pubkey,
        o: &OrderRef,
        node: &Pubkey,
        operator_account: &Pubkey,
        rent_payer: &Pubkey,
    ) -> Instruction {
        hire(
            acc::ClaimEarnings {
                payer: *payer,
                config: self.hire_config,
                staking_config: self.staking_config,
                order: o.order,
                assignment: assignment(&o.order, node),
                node: *node,
                escrow: escrow(&o.order),
                escrow_authority: self.escrow_authority,
                operator_account: *operator_account,
                treasury: self.treasury_of(&o.mint),
                mint: o.mint,
                delegator_rewards: self.delegator_rewards_vault(&o.mint),
                rent_payer: *rent_payer,
                assigner: self.assigner(),
                staking_program: ids::IO_STAKING,
                token_program: spl_token::ID,
            },
            ix::ClaimEarnings {},
            vec![],
        )
    }

    pub fn extend(
        &self,
        o: &OrderRef,
        source: &Pubkey,
        nodes: &[Pubkey],
        hours: u32,
    ) -> Instruction {
        let rest = nodes
            .iter()
            .map(|n| AccountMeta::new(assignment(&o.order, n), false))
            .collect();
        hire(
            acc::Extend {
                renter: o.renter,
                config: self.hire_config,
                order: o.order,
                escrow: escrow(&o.order),
                source: *source,
                token_program: spl_token::ID,
            },
            ix::Extend { hours },
            rest,
        )
    }

    pub fn cancel(&self, o: &OrderRef, renter_refund: &Pubkey, nodes: &[Pubkey]) -> Instruction {
        let rest = nodes
            .iter()
            .flat_map(|n| {
                [
                    AccountMeta::new(assignment(&o.order, n), false),
                    AccountMeta::new(*n, false),
                ]
            })
            .collect();
        hire(
            acc::Cancel {
                renter: o.renter,
                config: self.hire_config,
                staking_config: self.staking_config,
                order: o.order,
                escrow: escrow(&o.order),
                renter_refund: *renter_refund,
                escrow_authority: self.escrow_authority,
                assigner: self.assigner(),
                staking_program: ids::IO_STAKING,
                token_program: spl_token::ID,
            },
            ix::Cancel {},
            rest,
        )
    }

    pub fn expire_unmatched(&self, o: &OrderRef, renter_refund: &Pubkey) -> Instruction {
        hire(
            acc::ExpireUnmatched {
                config: self.hire_config,
                order: o.order,
                escrow: escrow(&o.order),
                renter_refund: *renter_refund,
                escrow_authority: self.escrow_authority,
                token_program: spl_token::ID,
            },
            ix::ExpireUnmatched {},
            vec![],
        )
    }

    pub fn report_failure(
        &self,
        authority: &Pubkey,
        o: &OrderRef,
        node: &Pubkey,
        renter_refund: &Pubkey,
        evidence: [u8; 32],
    ) -> Instruction {
        hire(
            acc::ReportFailure {
                authority: *authority,
                keeper: Deployment::keeper(authority),
                config: self.hire_config,
                rewards_config: self.rewards_config,
                staking_config: self.staking_config,
                order: o.order,
                assignment: assignment(&o.order, node),
                node: *node,
                escrow: escrow(&o.order),
                renter_refund: *renter_refund,
                escrow_authority: self.escrow_authority,
                assigner: self.assigner(),
                slasher: self.slasher,
                stake_vault: staking::stake_vault(node),
                io_mint: self.io_mint,
                slash_burner: self.slash_burner,
                rewards_program: ids::IO_REWARDS,
                staking_program: ids::IO_STAKING,
                token_program: spl_token::ID,
            },
            ix::ReportFailure { evidence },
            vec![],
        )
    }

    pub fn close_order(&self, o: &OrderRef, renter_refund: &Pubkey) -> Instruction {
        hire(
            acc::CloseOrder {
                renter: o.renter,
                config: self.hire_config,
                order: o.order,
                escrow: escrow(&o.order),
                renter_refund: *renter_refund,
                escrow_authority: self.escrow_authority,
                token_program: spl_token::ID,
            },
            ix::CloseOrder {},
            vec![],
        )
    }

    pub fn withdraw_fees(&self, admin: &Pubkey, destination: &Pubkey, amount: u64) -> Instruction {
        hire(
            acc::WithdrawFees {
                admin: *admin,
                config: self.hire_config,
                treasury: self.treasury,
                treasury_iosd: self.treasury_iosd,
                destination: *destination,
                token_program: spl_token::ID,
            },
            ix::WithdrawFees { amount },
            vec![],
        )
    }
}

/// io-hire `buyback_burn` of `amount` from the $IO treasury, signed by `admin`.
pub fn buyback(d: &Deployment, admin: &Pubkey, amount: u64) -> Instruction {
    hire(
        acc::BuybackBurn {
            admin: *admin,
            config: d.hire_config,
            treasury: d.treasury,
            treasury_io: d.treasury_io,
            io_mint: d.io_mint,
            rewards_config: d.rewards_config,
            rewards_program: ids::IO_REWARDS,
            token_program: spl_token::ID,
        },
        ix::BuybackBurn { amount },
        vec![],
    )
}
