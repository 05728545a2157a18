//! io-hire end to end in the SVM: orders escrowed in IOSD and $IO, keeper assignment
//! re-checked on chain, lazy streaming settlement with every fee, extension,
//! cancellation, expiry, failure slashing, and the escrow's books after every step.

use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::Space;
use io_hire::errors::HireError;
use io_hire::events::{EarningsClaimed, FailureReported, NodeFailed, OrderEnded};
use io_hire::state::{EndReason, HireOrder, OrderSpec, OrderStatus};
use io_protocol::leaf::EpochLeaf;
use io_protocol::merkle;
use io_rewards::instructions::ReportVote;
use io_staking::events::NodeSlashed;
use io_staking::state::{AttestedCapacity, Node};
use ionet_svm::deploy::{GenesisParams, IO};
use ionet_svm::hire::{assignment, escrow, OrderRef};
use ionet_svm::world::{assert_code, forwarded, TestNode, TxResult, World, ANCHOR_ERROR_OFFSET};
use ionet_svm::{events, ids, token};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

fn code(e: HireError) -> u32 {
    ANCHOR_ERROR_OFFSET + e as u32
}

const EPOCH: i64 = 3_600;
const HOUR: i64 = 3_600;
/// $2.00 per $IO, the keepers' price.
const PRICE: u64 = 2_000_000;

struct Market {
    w: World,
    keepers: Vec<Keypair>,
}

/// Hourly epochs; three keepers serving from epoch 1; epoch 1 final at $2/$IO; the
/// clock just into epoch 2.
fn market() -> Market {
    let mut p = GenesisParams::with_epoch_seconds(EPOCH);
    p.rewards.genesis_ts = 0;
    let mut w = World::with_params(p);
    w.set_time(10);
    let bond = w.params.rewards.keeper_bond;
    let keepers: Vec<Keypair> = (0..3)
        .map(|_| {
            let (k, source) = w.wallet(bond);
            let ix =
                w.d.register_keeper(&k.pubkey(), &source, "http://keeper:7070");
            w.send(&k, &[], &[ix]).unwrap();
            k
        })
        .collect();
    w.set_time(2 * EPOCH + 1);
    let leaf = EpochLeaf {
        node: Pubkey::new_unique(),
        epoch: 1,
        ..Default::default()
    };
    let root = merkle::root(&[leaf.encode(&ids::IO_REWARDS, &w.d.io_mint)]).unwrap();
    let vote = ReportVote {
        root,
        epoch_emission: 0,
        cumulative_emission: 0,
        io_usd_price: PRICE,
    };
    for k in &keepers[..2] {
        let ix = w.d.submit_report_vote(&k.pubkey(), 1, vote.clone());
        w.send(k, &[], &[ix]).unwrap();
    }
    Market { w, keepers }
}

impl Market {
    /// A node of `gpus` cards, staked and attested in the current epoch.
    fn node(&mut self, gpus: u16, ask: u64) -> TestNode {
        let w = &mut self.w;
        let n = w.register_node(gpus, 10_000 * IO);
        if ask != 2_000_000 {
            let mut args = ionet_svm::world::listing(gpus);
            args.ask_micro_usd = ask;
            let ix = w.d.update_node(
                &n.operator.pubkey(),
                &n.node,
                io_staking::instructions::UpdateNodeArgs {
                    spec: args.spec,
                    ask_micro_usd: ask,
                    endpoint: args.endpoint,
                },
            );
            w.send(&n.operator, &[], &[ix]).unwrap();
        }
        w.stake(&n, 1_000 * IO);
        self.attest(&n.node, 2);
        n
    }

    fn attest(&mut self, node: &Pubkey, epoch: u64) {
        let w = &mut self.w;
        let cap = AttestedCapacity {
            epoch,
            class: 1,
            tops_milli: 1_979_000,
            uptime_bps: 10_000,
            epoch_reward: 800 * IO,
        };
        let ix = forwarded(
            &ids::IO_REWARDS,
            io_protocol::seeds::ATTESTOR,
            w.d.set_attested_capacity(&w.d.attestor, node, cap),
        );
        let admin = w.admin.insecure_clone();
        w.send(&admin, &[], &[ix]).unwrap();
    }

    /// A renter holding `amount` of `mint` in a fresh account.
    fn renter(&mut self, mint: Pubkey, amount: u64) -> (Keypair, Pubkey) {
        let w = &mut self.w;
        let k = w.funded();
        let account = w.token_account(&mint, &k.pubkey());
        if mint == w.d.io_mint {
            w.give_io(&account, amount);
        } else {
            w.give_iosd(&account, amount);
        }
        (k, account)
    }

    fn order(
        &mut self,
        renter: &Keypair,
        source: &Pubkey,
        mint: Pubkey,
        id: u64,
        spec: OrderSpec,
    ) -> (OrderRef, TxResult) {
        let (o, ix) = self
            .w
            .d
            .create_order(&renter.pubkey(), id, &mint, source, spec);
        (o, self.w.send(renter, &[], &[ix]))
    }

    fn assign(
        &mut self,
        k: usize,
        o: &OrderRef,
        refund: &Pubkey,
        pairs: &[(Pubkey, u16)],
    ) -> TxResult {
        let k = self.keepers[k].insecure_clone();
        let ix = self.w.d.assign(&k.pubkey(), o, refund, pairs);
        self.w.send(&k, &[], &[ix])
    }

    fn claim(
        &mut self,
        o: &OrderRef,
        n: &TestNode,
        operator_account: &Pubkey,
        k: usize,
    ) -> TxResult {
        let payer = self.w.admin.insecure_clone();
        let rent_payer = self.keepers[k].pubkey();
        let ix =
            self.w
                .d
                .claim_earnings(&payer.pubkey(), o, &n.node, operator_account, &rent_payer);
        self.w.send(&payer, &[], &[ix])
    }

    fn order_state(&self, o: &OrderRef) -> HireOrder {
        self.w.account(&o.order)
    }

    /// The escrow's books: deposited = escrow + paid + fees + refunded.
    fn books_balance(&self, o: &OrderRef) {
        let s = self.order_state(o);
        let held = self.w.balance(&escrow(&o.order));
        assert_eq!(
            s.deposited,
            held + s.paid + s.fees + s.refunded,
            "{:?}",
            s.status
        );
    }
}

/// 8 GPUs for 4 hours at most $2.50 per GPU-hour, in the US or DE.
fn spec(gpus: u16, hours: u32) -> OrderSpec {
    OrderSpec {
        gpu_class: 1,
        gpus,
        min_vram_mib: 80_000,
        min_vcpus: 16,
        min_ram_gib: 64,
        locations: vec![*b"US", *b"DE"],
        compliance: 0,
        hours,
        max_price_micro_usd: 2_500_000,
    }
}

#[test]
fn an_iosd_hire_escrows_matches_streams_and_completes_with_every_fee() {
    let mut m = market();
    let n = m.node(8, 2_000_000);
    let (d, _) = m.w.delegator(&n.node, 500 * IO);
    let _ = d;
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, r) = m.order(&renter, &usd, iosd, 1, spec(8, 4));
    r.unwrap();
    // $80 max + 2.5% (2% payment + 0.5% booking) = $82 escrowed.
    assert_eq!(m.order_state(&o).deposited, 82_000_000);
    assert_eq!(m.w.balance(&usd), 18_000_000);
    m.books_balance(&o);

    // Matched at the node's $2 ask: $64 + $1.60 fees stay, $16.40 comes back.
    m.assign(0, &o, &usd, &[(n.node, 8)]).unwrap();
    assert_eq!(m.w.balance(&usd), 34_400_000);
    let node: Node = m.w.account(&n.node);
    assert_eq!(node.hired_gpus, 8);
    m.books_balance(&o);
    // A second keeper's assignment fails harmlessly.
    assert_code(
        m.assign(1, &o, &usd, &[(n.node, 8)]),
        code(HireError::OrderNotOpen),
    );

    // One hour in: $16 gross to the node side.
    let op_usd = m.w.token_account(&iosd, &n.operator.pubkey());
    let t0 = m.w.now();
    m.w.set_time(t0 + HOUR);
    let treasury_before = m.w.balance(&m.w.d.treasury_iosd);
    let meta = m.claim(&o, &n, &op_usd, 0).unwrap();
    let ev = events::decode::<EarningsClaimed>(&meta.logs);
    let e = &ev[0];
    assert_eq!(e.gross, 16_000_000);
    assert_eq!(e.supplier_fees, 240_000); // 1% payment + 0.5% booking
    assert_eq!(e.delegator_amount, (16_000_000 - 240_000) / 100);
    assert_eq!(e.operator_amount, 16_000_000 - 240_000 - e.delegator_amount);
    assert_eq!(e.renter_fees, 400_000);
    assert_eq!(m.w.balance(&op_usd), e.operator_amount);
    assert_eq!(m.w.balance(&m.w.d.treasury_iosd) - treasury_before, 640_000);
    assert_eq!(
        m.w.balance(&m.w.d.delegator_rewards_iosd),
        e.delegator_amount
    );
    m.books_balance(&o);

    // Past the end: the rest, the GPUs released, the assignment closed, the order done.
    m.w.set_time(t0 + 5 * HOUR);
    let meta = m.claim(&o, &n, &op_usd, 0).unwrap();
    let ended = events::decode::<OrderEnded>(&meta.logs);
    assert_eq!(ended[0].reason, EndReason::Completed);
    let s = m.order_state(&o);
    assert_eq!(
        (s.status, s.end_reason, s.paid),
        (OrderStatus::Ended, Some(EndReason::Completed), 64_000_000)
    );
    assert_eq!(m.w.balance(&escrow(&o.order)), 0);
    assert_eq!(m.w.account::<Node>(&n.node).hired_gpus, 0);
    assert!(!m.w.exists(&assignment(&o.order, &n.node)));
    m.books_balance(&o);
    // Claiming again finds no assignment; closing returns the rent to the renter only.
    assert!(m.claim(&o, &n, &op_usd, 0).is_err());
    let (other, other_usd) = m.renter(iosd, 0);
    let mut ix = m.w.d.close_order(&o, &other_usd);
    ix.accounts[0].pubkey = other.pubkey();
    assert_code(m.w.send(&other, &[], &[ix]), code(HireError::NotRenter));
    let before = m.w.svm.get_balance(&renter.pubkey()).unwrap();
    m.w.send(&renter, &[], &[m.w.d.close_order(&o, &usd)])
        .unwrap();
    assert!(m.w.svm.get_balance(&renter.pubkey()).unwrap() > before);
    assert!(!m.w.exists(&o.order) && !m.w.exists(&escrow(&o.order)));
}

#[test]
fn an_io_order_converts_at_the_final_price_and_a_stale_price_refuses_it() {
    let mut m = market();
    let n = m.node(8, 2_000_000);
    let iom = m.w.d.io_mint;
    let (renter, io) = m.renter(iom, 100 * IO);
    let (o, r) = m.order(&renter, &io, iom, 7, spec(8, 4));
    r.unwrap();
    // $80 at $2 per $IO = 40 $IO, plus the 0.5% booking fee (no payment fee in $IO).
    let s = m.order_state(&o);
    assert_eq!((s.deposited, s.io_usd_price), (40 * IO + 20_000_000, PRICE));
    m.assign(0, &o, &io, &[(n.node, 8)]).unwrap();
    // $64 = 32 $IO (+ 0.16 fee) stays.
    assert_eq!(m.w.balance(&io), 100 * IO - 32 * IO - 16_000_000);
    m.books_balance(&o);

    // Five epochs later without a new final report, the price is stale.
    m.w.set_time(7 * EPOCH + 1);
    let (_, r) = m.order(&renter, &io, iom, 8, spec(8, 4));
    assert_code(r, code(HireError::StalePrice));
}

#[test]
fn one_order_spans_several_nodes_each_at_its_own_ask() {
    let mut m = market();
    let a = m.node(8, 2_000_000);
    let b = m.node(4, 1_500_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 200_000_000);
    let (o, r) = m.order(&renter, &usd, iosd, 1, spec(12, 2));
    r.unwrap();
    // Duplicate accounts: the same node twice.
    assert!(m.assign(0, &o, &usd, &[(a.node, 6), (a.node, 6)]).is_err());
    assert_code(
        m.assign(0, &o, &usd, &[(a.node, 8), (b.node, 3)]),
        code(HireError::GpuCountMismatch),
    );
    m.assign(0, &o, &usd, &[(a.node, 8), (b.node, 4)]).unwrap();
    // 8 × 2 × $2 + 4 × 2 × $1.50 = $44 plus 2.5%.
    let deposited = m.order_state(&o).deposited;
    assert_eq!(
        deposited - m.order_state(&o).refunded,
        44_000_000 + 1_100_000
    );
    let t0 = m.w.now();
    m.w.set_time(t0 + 3 * HOUR);
    for n in [&a, &b] {
        let acct = m.w.token_account(&iosd, &n.operator.pubkey());
        m.claim(&o, n, &acct, 0).unwrap();
    }
    let s = m.order_state(&o);
    assert_eq!((s.paid, s.status), (44_000_000, OrderStatus::Ended));
    m.books_balance(&o);
}

#[test]
fn assignment_re_checks_every_constraint_with_its_own_error() {
    let mut m = market();
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 1_000_000_000);
    let n = m.node(8, 2_000_000);
    let mut id = 0;
    let mut refused = |m: &mut Market,
                       change: &dyn Fn(&mut OrderSpec),
                       node: &Pubkey,
                       gpus: u16,
                       err: HireError| {
        id += 1;
        let mut s = spec(gpus, 1);
        change(&mut s);
        let (o, r) = m.order(&renter, &usd, iosd, id, s);
        r.unwrap();
        assert_code(m.assign(0, &o, &usd, &[(*node, gpus)]), code(err));
    };
    refused(&mut m, &|_| {}, &n.node, 9, HireError::NotEnoughFreeGpus);
    refused(
        &mut m,
        &|s| s.gpu_class = 2,
        &n.node,
        8,
        HireError::ClassMismatch,
    );
    refused(
        &mut m,
        &|s| s.min_vram_mib = 90_000,
        &n.node,
        8,
        HireError::VramTooLow,
    );
    refused(
        &mut m,
        &|s| s.min_vcpus = 128,
        &n.node,
        8,
        HireError::VcpusTooLow,
    );
    refused(
        &mut m,
        &|s| s.min_ram_gib = 2_048,
        &n.node,
        8,
        HireError::RamTooLow,
    );
    refused(
        &mut m,
        &|s| s.locations = vec![*b"FR"],
        &n.node,
        8,
        HireError::LocationNotAllowed,
    );
    refused(
        &mut m,
        &|s| s.compliance = 0b1,
        &n.node,
        8,
        HireError::ComplianceMissing,
    );
    refused(
        &mut m,
        &|s| s.max_price_micro_usd = 1_999_999,
        &n.node,
        8,
        HireError::AskAboveMax,
    );
    // A node below its minimum stake, and one attested too long ago.
    let poor = m.w.register_node(8, 0);
    m.attest(&poor.node, 2);
    refused(&mut m, &|_| {}, &poor.node, 8, HireError::NodeNotStaked);
    let old = m.node(8, 2_000_000);
    m.w.set_time(7 * EPOCH);
    refused(&mut m, &|_| {}, &old.node, 8, HireError::AttestationStale);
    // Pairs that do not come as (node, assignment).
    id += 1;
    let (o, r) = m.order(&renter, &usd, iosd, id, spec(8, 1));
    r.unwrap();
    let mut ix =
        m.w.d
            .assign(&m.keepers[0].pubkey(), &o, &usd, &[(n.node, 8)]);
    ix.accounts.pop();
    let k = m.keepers[0].insecure_clone();
    assert_code(
        m.w.send(&k, &[], &[ix]),
        code(HireError::BadAssignmentAccounts),
    );
    // A wallet that is no keeper; a keeper that does not serve yet.
    let (stranger, _) = m.w.wallet(0);
    let ix = m.w.d.assign(&stranger.pubkey(), &o, &usd, &[(n.node, 8)]);
    assert_code(
        m.w.send(&stranger, &[], &[ix]),
        AnchorError::AccountNotInitialized as u32,
    );
    let bond = m.w.params.rewards.keeper_bond;
    let (late, source) = m.w.wallet(bond);
    m.w.send(
        &late,
        &[],
        &[m.w.d.register_keeper(&late.pubkey(), &source, "http://k")],
    )
    .unwrap();
    let ix = m.w.d.assign(&late.pubkey(), &o, &usd, &[(n.node, 8)]);
    assert_code(m.w.send(&late, &[], &[ix]), code(HireError::NotKeeper));
    // The refund must go to the renter.
    let (_, thief_usd) = m.renter(iosd, 0);
    assert_code(
        m.assign(0, &o, &thief_usd, &[(n.node, 8)]),
        code(HireError::NotRentersAccount),
    );
}

#[test]
fn bad_orders_are_refused() {
    let mut m = market();
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (_, r) = m.order(
        &renter,
        &usd,
        iosd,
        1,
        OrderSpec {
            gpus: 0,
            ..spec(8, 4)
        },
    );
    assert_code(r, code(HireError::InvalidOrder));
    let (_, r) = m.order(
        &renter,
        &usd,
        iosd,
        2,
        OrderSpec {
            max_price_micro_usd: u64::MAX,
            ..spec(1_024, 8_760)
        },
    );
    assert_code(r, code(HireError::OrderTooLarge));
    // A mint that is neither $IO nor IOSD.
    let fake = Keypair::new();
    token::create_mint(&mut m.w.svm, &renter, &fake, &renter.pubkey(), 6).unwrap();
    let fake_acct = m.w.token_account(&fake.pubkey(), &renter.pubkey());
    let (_, r) = m.order(&renter, &fake_acct, fake.pubkey(), 3, spec(8, 4));
    assert_code(r, code(HireError::NotPaymentMint));
    // Paying from someone else's account, and without the renter's signature.
    let (other, other_usd) = m.renter(iosd, 100_000_000);
    let (_, r) = m.order(&renter, &other_usd, iosd, 4, spec(8, 4));
    assert!(r.is_err());
    let (_, mut ix) =
        m.w.d
            .create_order(&renter.pubkey(), 5, &iosd, &usd, spec(8, 4));
    ix.accounts[0].is_signer = false;
    assert_code(
        m.w.send(&other, &[], &[ix]),
        AnchorError::AccountNotSigner as u32,
    );
    assert_eq!(
        (m.w.balance(&usd), m.w.balance(&other_usd)),
        (100_000_000, 100_000_000)
    );
}

#[test]
fn cancel_refunds_the_unused_part_and_settlement_after_it_pays_no_more() {
    let mut m = market();
    let n = m.node(8, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(8, 4));
    m.assign(0, &o, &usd, &[(n.node, 8)]).unwrap();
    let after_assign = m.w.balance(&usd);
    let t0 = m.w.now();
    m.w.set_time(t0 + HOUR);
    // Someone else cannot cancel it, nor without all its assignments.
    let (thief, thief_usd) = m.renter(iosd, 0);
    let mut ix = m.w.d.cancel(&o, &thief_usd, &[n.node]);
    ix.accounts[0].pubkey = thief.pubkey();
    assert_code(m.w.send(&thief, &[], &[ix]), code(HireError::NotRenter));
    assert_code(
        m.w.send(&renter, &[], &[m.w.d.cancel(&o, &usd, &[])]),
        code(HireError::AssignmentsMissing),
    );
    let meta =
        m.w.send(&renter, &[], &[m.w.d.cancel(&o, &usd, &[n.node])])
            .unwrap();
    assert_eq!(
        events::decode::<OrderEnded>(&meta.logs)[0].reason,
        EndReason::Cancelled
    );
    // 3 of 4 hours back: $48 and its $1.20 of fees.
    assert_eq!(m.w.balance(&usd) - after_assign, 49_200_000);
    assert_eq!(m.w.account::<Node>(&n.node).hired_gpus, 0);
    m.books_balance(&o);
    // The node still gets its first hour, and nothing more however late it claims.
    m.w.set_time(t0 + 10 * HOUR);
    let op = m.w.token_account(&iosd, &n.operator.pubkey());
    let meta = m.claim(&o, &n, &op, 0).unwrap();
    assert_eq!(
        events::decode::<EarningsClaimed>(&meta.logs)[0].gross,
        16_000_000
    );
    let s = m.order_state(&o);
    assert_eq!(
        (s.paid, s.end_reason),
        (16_000_000, Some(EndReason::Cancelled))
    );
    assert_eq!(m.w.balance(&escrow(&o.order)), 0);
    m.books_balance(&o);
    assert_code(
        m.w.send(&renter, &[], &[m.w.d.cancel(&o, &usd, &[])]),
        code(HireError::OrderNotActive),
    );
}

#[test]
fn an_extended_order_tops_up_and_completes_as_extended() {
    let mut m = market();
    let n = m.node(8, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 200_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(8, 4));
    m.assign(0, &o, &usd, &[(n.node, 8)]).unwrap();
    assert_code(
        m.w.send(&renter, &[], &[m.w.d.extend(&o, &usd, &[], 2)]),
        code(HireError::AssignmentsMissing),
    );
    let before = m.w.balance(&usd);
    m.w.send(&renter, &[], &[m.w.d.extend(&o, &usd, &[n.node], 2)])
        .unwrap();
    assert_eq!(before - m.w.balance(&usd), 32_000_000 + 800_000);
    m.books_balance(&o);
    let t0 = m.order_state(&o).started_at;
    let op = m.w.token_account(&iosd, &n.operator.pubkey());
    m.w.set_time(t0 + 5 * HOUR);
    m.claim(&o, &n, &op, 0).unwrap();
    assert_eq!(m.order_state(&o).status, OrderStatus::Active);
    m.w.set_time(t0 + 6 * HOUR);
    let meta = m.claim(&o, &n, &op, 0).unwrap();
    assert_eq!(
        events::decode::<OrderEnded>(&meta.logs)[0].reason,
        EndReason::ExtendedThenCompleted
    );
    assert_eq!(m.order_state(&o).paid, 96_000_000);
    m.books_balance(&o);
    assert_code(
        m.w.send(&renter, &[], &[m.w.d.extend(&o, &usd, &[], 1)]),
        code(HireError::OrderNotActive),
    );
}

#[test]
fn an_unmatched_order_expires_with_a_full_refund() {
    let mut m = market();
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(8, 4));
    let admin = m.w.admin.insecure_clone();
    assert_code(
        m.w.send(&admin, &[], &[m.w.d.expire_unmatched(&o, &usd)]),
        code(HireError::TimeoutNotReached),
    );
    assert_code(
        m.w.send(&renter, &[], &[m.w.d.close_order(&o, &usd)]),
        code(HireError::OrderNotFinished),
    );
    let t = m.order_state(&o).created_at + m.w.params.hire.unmatched_timeout_seconds;
    m.w.set_time(t);
    let meta =
        m.w.send(&admin, &[], &[m.w.d.expire_unmatched(&o, &usd)])
            .unwrap();
    assert_eq!(
        events::decode::<OrderEnded>(&meta.logs)[0].reason,
        EndReason::ExpiredUnmatched
    );
    assert_eq!(m.w.balance(&usd), 100_000_000);
    m.books_balance(&o);
    assert_code(
        m.w.send(&admin, &[], &[m.w.d.expire_unmatched(&o, &usd)]),
        code(HireError::OrderNotOpen),
    );
    m.w.send(&renter, &[], &[m.w.d.close_order(&o, &usd)])
        .unwrap();
}

#[test]
fn a_quorum_of_failure_reports_slashes_the_node_once_and_refunds_the_renter() {
    let mut m = market();
    let n = m.node(8, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(8, 4));
    m.assign(0, &o, &usd, &[(n.node, 8)]).unwrap();
    let after_assign = m.w.balance(&usd);
    let t0 = m.w.now();
    m.w.set_time(t0 + HOUR);
    let report = |m: &mut Market, k: usize| {
        let key = m.keepers[k].insecure_clone();
        let ix =
            m.w.d
                .report_failure(&key.pubkey(), &o, &n.node, &usd, [9; 32]);
        m.w.send(&key, &[], &[ix])
    };
    report(&mut m, 0).unwrap();
    assert_code(report(&mut m, 0), code(HireError::AlreadyReported));
    let supply = token::supply(&m.w.svm, &m.w.d.io_mint).unwrap();
    let meta = report(&mut m, 1).unwrap();
    // 8 cards × (R / G + F) = 8 × (800/8 + 1 $IO at $2/$IO for a $2 hour) = 808 $IO.
    let slashed = events::decode::<NodeSlashed>(&meta.logs);
    assert_eq!(slashed[0].requested, 808 * IO);
    assert_eq!(slashed[0].amount, 808 * IO);
    assert_eq!(
        token::supply(&m.w.svm, &m.w.d.io_mint),
        Some(supply - 808 * IO)
    );
    let failed = events::decode::<NodeFailed>(&meta.logs);
    assert_eq!(failed[0].refunded, 49_200_000);
    assert_eq!(m.w.balance(&usd) - after_assign, 49_200_000);
    let node: Node = m.w.account(&n.node);
    assert_eq!(node.hired_gpus, 0);
    assert!(node.frozen_at_epoch.is_some());
    assert_code(report(&mut m, 2), code(HireError::AlreadyFailed));
    m.books_balance(&o);

    // The frozen node is not matched until keepers attest it again.
    let (r2, usd2) = m.renter(iosd, 100_000_000);
    let (o2, _) = m.order(&r2, &usd2, iosd, 1, spec(8, 1));
    assert_code(
        m.assign(0, &o2, &usd2, &[(n.node, 8)]),
        code(HireError::NodeFrozen),
    );
    // An attestation from the failure's own epoch (3) does not thaw it; a later one does.
    m.attest(&n.node, 3);
    assert_code(
        m.assign(0, &o2, &usd2, &[(n.node, 8)]),
        code(HireError::NodeFrozen),
    );
    m.attest(&n.node, 4);
    m.assign(0, &o2, &usd2, &[(n.node, 8)]).unwrap();

    // The node keeps what it earned before failing; the order ends as NodeFailed.
    let op = m.w.token_account(&iosd, &n.operator.pubkey());
    let meta = m.claim(&o, &n, &op, 0).unwrap();
    assert_eq!(
        events::decode::<EarningsClaimed>(&meta.logs)[0].gross,
        16_000_000
    );
    assert_eq!(m.order_state(&o).end_reason, Some(EndReason::NodeFailed));
    m.books_balance(&o);
}

#[test]
fn claims_pay_only_the_operator_and_return_rent_to_its_payer() {
    let mut m = market();
    let n = m.node(8, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(8, 4));
    m.assign(0, &o, &usd, &[(n.node, 8)]).unwrap();
    m.w.set_time(m.w.now() + HOUR);
    let admin = m.w.admin.insecure_clone();
    let (_, thief_usd) = m.renter(iosd, 0);
    let ix = m.w.d.claim_earnings(
        &admin.pubkey(),
        &o,
        &n.node,
        &thief_usd,
        &m.keepers[0].pubkey(),
    );
    assert_code(
        m.w.send(&admin, &[], &[ix]),
        code(HireError::NotOperatorsAccount),
    );
    let op = m.w.token_account(&iosd, &n.operator.pubkey());
    let ix =
        m.w.d
            .claim_earnings(&admin.pubkey(), &o, &n.node, &op, &admin.pubkey());
    assert_code(
        m.w.send(&admin, &[], &[ix]),
        code(HireError::WrongRentDestination),
    );
    let mut ix =
        m.w.d
            .claim_earnings(&admin.pubkey(), &o, &n.node, &op, &m.keepers[0].pubkey());
    ix.accounts[9].pubkey = m.w.d.treasury_io;
    assert_code(
        m.w.send(&admin, &[], &[ix]),
        code(HireError::WrongTreasuryAccount),
    );
    let mut ix =
        m.w.d
            .claim_earnings(&admin.pubkey(), &o, &n.node, &op, &m.keepers[0].pubkey());
    ix.accounts[10].pubkey = m.w.d.io_mint;
    assert_code(m.w.send(&admin, &[], &[ix]), code(HireError::WrongMint));
    // A copy of io-staking's config elsewhere (say, with a 100% delegator cut).
    let copy = Pubkey::new_unique();
    let config = m.w.svm.get_account(&m.w.d.staking_config).unwrap();
    m.w.svm.set_account(copy, config).unwrap();
    let mut ix =
        m.w.d
            .claim_earnings(&admin.pubkey(), &o, &n.node, &op, &m.keepers[0].pubkey());
    ix.accounts[2].pubkey = copy;
    assert_code(
        m.w.send(&admin, &[], &[ix]),
        code(HireError::WrongStakingConfig),
    );
    // Another order's assignment.
    let (r2, usd2) = m.renter(iosd, 100_000_000);
    let other = m.node(8, 2_000_000);
    let (o2, _) = m.order(&r2, &usd2, iosd, 1, spec(8, 4));
    m.assign(0, &o2, &usd2, &[(other.node, 8)]).unwrap();
    let mut ix =
        m.w.d
            .claim_earnings(&admin.pubkey(), &o, &n.node, &op, &m.keepers[0].pubkey());
    ix.accounts[4].pubkey = assignment(&o2.order, &other.node);
    assert_code(
        m.w.send(&admin, &[], &[ix]),
        AnchorError::ConstraintSeeds as u32,
    );
    assert_eq!(m.order_state(&o).paid, 0);
}

#[test]
fn the_treasury_pays_out_to_its_admin_only_and_buyback_checks_io_rewards() {
    let mut m = market();
    let iosd = m.w.d.iosd_mint;
    let treasury = m.w.d.treasury_iosd;
    m.w.give_iosd(&treasury, 5_000_000);
    let admin = m.w.admin.insecure_clone();
    let (stranger, dest) = m.renter(iosd, 0);
    let ix = m.w.d.withdraw_fees(&stranger.pubkey(), &dest, 1);
    assert_code(m.w.send(&stranger, &[], &[ix]), code(HireError::NotAdmin));
    let mut ix = m.w.d.withdraw_fees(&admin.pubkey(), &dest, 1);
    ix.accounts[3].pubkey = m.w.d.treasury_io;
    assert_code(m.w.send(&admin, &[], &[ix]), code(HireError::WrongTreasury));
    let ix = m.w.d.withdraw_fees(&admin.pubkey(), &dest, 0);
    assert_code(m.w.send(&admin, &[], &[ix]), code(HireError::ZeroBurn));
    m.w.send(
        &admin,
        &[],
        &[m.w.d.withdraw_fees(&admin.pubkey(), &dest, 5_000_000)],
    )
    .unwrap();
    assert_eq!(m.w.balance(&dest), 5_000_000);
    // buyback_burn names io-rewards' config itself now.
    let mut ix = ionet_svm::hire::buyback(&m.w.d, &admin.pubkey(), IO);
    ix.accounts[5].pubkey = m.w.d.staking_config;
    assert_code(
        m.w.send(&admin, &[], &[ix]),
        code(HireError::WrongRewardsConfig),
    );
}

/// One step of a random market history.
#[derive(Clone, Debug)]
enum Step {
    Create(bool, u16, u32),
    Assign,
    Wait(u8),
    Claim,
    Extend(u8),
    Cancel,
    Fail,
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        (any::<bool>(), 1..=8u16, 1..=6u32).prop_map(|(io, g, h)| Step::Create(io, g, h)),
        Just(Step::Assign),
        (1..=180u8).prop_map(Step::Wait),
        Just(Step::Claim),
        (1..=3u8).prop_map(Step::Extend),
        Just(Step::Cancel),
        Just(Step::Fail),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, ..Default::default() })]

    /// Random histories keep every order's books: escrow + paid + fees + refunded =
    /// deposited, with the escrow's real balance, after every step.
    #[test]
    fn random_histories_keep_every_escrow_balanced(steps in proptest::collection::vec(step(), 1..16)) {
        let mut m = market();
        let n = m.node(8, 2_000_000);
        let (iom, iosd) = (m.w.d.io_mint, m.w.d.iosd_mint);
        let (renter, usd) = m.renter(iosd, 1_000_000_000);
        let io = m.w.token_account(&iom, &renter.pubkey());
        m.w.give_io(&io, 10_000 * IO);
        let op_usd = m.w.token_account(&iosd, &n.operator.pubkey());
        let op_io = m.w.token_account(&iom, &n.operator.pubkey());
        let mut orders: Vec<(OrderRef, Pubkey, Pubkey)> = vec![];
        for (i, s) in steps.into_iter().enumerate() {
            let current = orders.last().copied();
            let _ = match (s, current) {
                (Step::Create(pay_io, g, h), _) => {
                    let (mint, src) = if pay_io { (iom, io) } else { (iosd, usd) };
                    let (o, r) = m.order(&renter, &src, mint, i as u64, spec(g, h));
                    if r.is_ok() { orders.push((o, src, if pay_io { op_io } else { op_usd })); }
                    r.map(|_| ())
                }
                (Step::Assign, Some((o, src, _))) => {
                    let g = m.order_state(&o).spec.gpus;
                    m.assign(0, &o, &src, &[(n.node, g)]).map(|_| ())
                }
                (Step::Wait(minutes), _) => { let t = m.w.now(); m.w.set_time(t + i64::from(minutes) * 60); Ok(()) }
                (Step::Claim, Some((o, _, op))) => {
                    if m.w.exists(&assignment(&o.order, &n.node)) { m.claim(&o, &n, &op, 0).map(|_| ()) } else { Ok(()) }
                }
                (Step::Extend(h), Some((o, src, _))) => {
                    let nodes = if m.w.exists(&assignment(&o.order, &n.node)) { vec![n.node] } else { vec![] };
                    m.w.send(&renter, &[], &[m.w.d.extend(&o, &src, &nodes, u32::from(h))]).map(|_| ())
                }
                (Step::Cancel, Some((o, src, _))) => {
                    let nodes = if m.order_state(&o).open_assignments > 0 { vec![n.node] } else { vec![] };
                    m.w.send(&renter, &[], &[m.w.d.cancel(&o, &src, &nodes)]).map(|_| ())
                }
                (Step::Fail, Some((o, src, _))) => {
                    let mut r = Ok(());
                    for k in 0..2 {
                        let key = m.keepers[k].insecure_clone();
                        let ix = m.w.d.report_failure(&key.pubkey(), &o, &n.node, &src, [1; 32]);
                        r = m.w.send(&key, &[], &[ix]).map(|_| ());
                        if r.is_err() { break; }
                    }
                    if r.is_ok() { m.attest(&n.node, 2 + i as u64); }
                    r
                }
                _ => Ok(()),
            };
            for (o, _, _) in &orders {
                m.books_balance(o);
            }
        }
    }
}

#[test]
fn forged_books_and_foreign_assignments_are_refused() {
    use anchor_lang::AccountSerialize;
    let mut m = market();
    let a = m.node(8, 2_000_000);
    let b = m.node(8, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 400_000_000);
    let (o1, _) = m.order(&renter, &usd, iosd, 1, spec(8, 4));
    let (o2, _) = m.order(&renter, &usd, iosd, 2, spec(8, 4));
    m.assign(0, &o2, &usd, &[(b.node, 8)]).unwrap();
    // Books that could not hold the matched asks: the subtraction is an error.
    let mut order = m.order_state(&o1);
    order.deposited = 0;
    let mut account = m.w.svm.get_account(&o1.order).unwrap();
    let mut data = vec![];
    order.try_serialize(&mut data).unwrap();
    account.data[..data.len()].copy_from_slice(&data);
    m.w.svm.set_account(o1.order, account).unwrap();
    assert_code(
        m.assign(0, &o1, &usd, &[(a.node, 8)]),
        code(HireError::Overflow),
    );
    // Cancelling one order with another order's assignment.
    let mut ix = m.w.d.cancel(&o2, &usd, &[b.node]);
    let (o3, _) = m.order(&renter, &usd, iosd, 3, spec(8, 4));
    m.assign(0, &o3, &usd, &[(a.node, 8)]).unwrap();
    let n = ix.accounts.len();
    ix.accounts[n - 2].pubkey = assignment(&o3.order, &a.node);
    ix.accounts[n - 1].pubkey = a.node;
    assert_code(
        m.w.send(&renter, &[], &[ix]),
        code(HireError::WrongAssignment),
    );
    m.books_balance(&o2);
    m.books_balance(&o3);
}

#[test]
fn io_hire_checks_the_other_programs_accounts_itself() {
    let mut m = market();
    let n = m.node(8, 2_000_000);
    let victim = m.node(8, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(8, 4));
    m.assign(0, &o, &usd, &[(n.node, 8)]).unwrap();
    m.w.set_time(m.w.now() + HOUR);
    let admin = m.w.admin.insecure_clone();
    let op = m.w.token_account(&iosd, &n.operator.pubkey());
    // The $IO pot where the IOSD one belongs.
    let mut ix =
        m.w.d
            .claim_earnings(&admin.pubkey(), &o, &n.node, &op, &m.keepers[0].pubkey());
    ix.accounts[11].pubkey = m.w.d.delegator_rewards_io;
    assert_code(
        m.w.send(&admin, &[], &[ix]),
        AnchorError::ConstraintSeeds as u32,
    );
    // Another node's stake vault in a failure report.
    let k = m.keepers[0].insecure_clone();
    let mut ix =
        m.w.d
            .report_failure(&k.pubkey(), &o, &n.node, &usd, [1; 32]);
    let vault = ix
        .accounts
        .iter()
        .position(|a| a.pubkey == ionet_svm::staking::stake_vault(&n.node))
        .unwrap();
    ix.accounts[vault].pubkey = ionet_svm::staking::stake_vault(&victim.node);
    assert_code(
        m.w.send(&k, &[], &[ix]),
        AnchorError::ConstraintSeeds as u32,
    );
}

#[test]
fn an_operator_cannot_unstake_while_hired_and_orders_need_each_assignment_once() {
    let mut m = market();
    let a = m.node(8, 2_000_000);
    let b = m.node(8, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(16, 2));
    m.assign(0, &o, &usd, &[(a.node, 8), (b.node, 8)]).unwrap();
    let shares = m.w.account::<Node>(&a.node).pool.operator_shares;
    let ix = m.w.d.unstake(&a.operator.pubkey(), &a.node, shares, 1);
    assert_code(
        m.w.send(&a.operator, &[], &[ix]),
        ANCHOR_ERROR_OFFSET + io_staking::errors::StakingError::NodeHired as u32,
    );
    // The same assignment twice in place of both.
    let ix = m.w.d.extend(&o, &usd, &[a.node, a.node], 1);
    assert_code(
        m.w.send(&renter, &[], &[ix]),
        code(HireError::AssignmentsMissing),
    );
    let ix = m.w.d.cancel(&o, &usd, &[a.node, a.node]);
    assert_code(
        m.w.send(&renter, &[], &[ix]),
        code(HireError::AssignmentsMissing),
    );
    m.w.send(&renter, &[], &[m.w.d.cancel(&o, &usd, &[a.node, b.node])])
        .unwrap();
    m.books_balance(&o);
}

#[test]
fn a_node_is_not_reported_failed_once_its_part_is_over() {
    let mut m = market();
    let n = m.node(8, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(8, 1));
    m.assign(0, &o, &usd, &[(n.node, 8)]).unwrap();
    m.w.set_time(m.w.now() + HOUR);
    let k = m.keepers[0].insecure_clone();
    let ix =
        m.w.d
            .report_failure(&k.pubkey(), &o, &n.node, &usd, [1; 32]);
    assert_code(m.w.send(&k, &[], &[ix]), code(HireError::StreamOver));
    assert_eq!(m.w.account::<Node>(&n.node).pool.tokens, 1_000 * IO);
}

#[test]
fn failure_votes_count_toward_one_epochs_quorum_only() {
    let mut m = market();
    let n = m.node(8, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(8, 4));
    m.assign(0, &o, &usd, &[(n.node, 8)]).unwrap();
    let report = |m: &mut Market, k: usize| {
        let key = m.keepers[k].insecure_clone();
        let ix =
            m.w.d
                .report_failure(&key.pubkey(), &o, &n.node, &usd, [7; 32]);
        let meta = m.w.send(&key, &[], &[ix]).unwrap();
        events::decode::<FailureReported>(&meta.logs).remove(0)
    };
    let t0 = m.w.now();
    assert_eq!(report(&mut m, 0).votes, 1);
    // Next epoch: the keeper set may have changed (one operator rotating keys could
    // otherwise collect a quorum alone), so the earlier vote no longer counts.
    m.w.set_time(t0 + EPOCH);
    let second = report(&mut m, 1);
    assert_eq!((second.votes, second.quorum), (1, 2));
    assert!(
        !m.w.account::<io_hire::state::Assignment>(&assignment(&o.order, &n.node))
            .failed
    );
    assert_eq!(m.w.account::<Node>(&n.node).pool.tokens, 1_000 * IO);
    // The first keeper may vote again in the new epoch; with it the quorum executes.
    assert_eq!(report(&mut m, 0).votes, 2);
    assert!(
        m.w.account::<io_hire::state::Assignment>(&assignment(&o.order, &n.node))
            .failed
    );
    assert!(m.w.account::<Node>(&n.node).pool.tokens < 1_000 * IO);
    m.books_balance(&o);
}

#[test]
fn lamports_sent_to_an_assignment_address_do_not_block_the_match() {
    let mut m = market();
    let a = m.node(4, 2_000_000);
    let b = m.node(4, 2_000_000);
    let iosd = m.w.d.iosd_mint;
    let (renter, usd) = m.renter(iosd, 100_000_000);
    let (o, _) = m.order(&renter, &usd, iosd, 1, spec(8, 2));
    // Somebody funds both predictable addresses first: one below rent, one above.
    let (under, over) = (assignment(&o.order, &a.node), assignment(&o.order, &b.node));
    m.w.svm.airdrop(&under, 1_000).unwrap();
    m.w.svm.airdrop(&over, 5_000_000_000).unwrap();
    let keeper = m.keepers[0].pubkey();
    let before = m.w.svm.get_balance(&keeper).unwrap();
    m.assign(0, &o, &usd, &[(a.node, 4), (b.node, 4)]).unwrap();
    let rent =
        m.w.svm
            .minimum_balance_for_rent_exemption(8 + io_hire::state::Assignment::INIT_SPACE);
    for (address, held) in [(under, rent), (over, 5_000_000_000)] {
        let account = m.w.svm.get_account(&address).unwrap();
        assert_eq!((account.owner, account.lamports), (ids::IO_HIRE, held));
        let s: io_hire::state::Assignment = m.w.account(&address);
        assert_eq!(s.order, o.order);
    }
    // The keeper paid only the shortfall (and the fee).
    let paid = before - m.w.svm.get_balance(&keeper).unwrap();
    assert!(
        paid >= rent - 1_000 && paid < rent - 1_000 + 20_000,
        "{paid}"
    );
    assert_eq!(m.order_state(&o).status, OrderStatus::Active);
}
