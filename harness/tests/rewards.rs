//! io-rewards end to end in the SVM: keepers commit and vote epoch reports, a quorum
//! finalizes them, claims pay from the vault against the Merkle root, the delegators'
//! cut reaches io-staking, and the supply ledger balances throughout.

use anchor_lang::error::ErrorCode as AnchorError;
use io_protocol::leaf::EpochLeaf;
use io_protocol::merkle;
use io_rewards::errors::RewardsError;
use io_rewards::events::{EpochFinalized, RewardClaimed};
use io_rewards::instructions::ReportVote;
use io_rewards::state::{EpochReport, Keeper, RewardsConfig};
use ionet_svm::deploy::{GenesisParams, IO, IO_GENESIS_SUPPLY, IO_REWARDS_ALLOCATION};
use ionet_svm::rewards::{epoch_report, node_claims};
use ionet_svm::world::{assert_code, forwarded, TestNode, World, ANCHOR_ERROR_OFFSET};
use ionet_svm::{events, ids, token};
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

fn code(e: RewardsError) -> u32 {
    ANCHOR_ERROR_OFFSET + e as u32
}

const EPOCH: i64 = 3_600;

/// Hourly epochs from t = 0, halving every `halving` epochs with E0 = 1,000 $IO.
fn params(halving: u64) -> GenesisParams {
    let mut p = GenesisParams::with_epoch_seconds(EPOCH);
    p.rewards.genesis_ts = 0;
    p.rewards.initial_epoch_emission = 1_000 * IO;
    p.rewards.halving_epochs = halving;
    p
}

fn world(halving: u64) -> World {
    let mut w = World::with_params(params(halving));
    w.set_time(10);
    w
}

/// `n` keepers registered in epoch 0: they serve from epoch 1.
fn keepers(w: &mut World, n: usize) -> Vec<Keypair> {
    let bond = w.params.rewards.keeper_bond;
    (0..n)
        .map(|_| {
            let (k, source) = w.wallet(bond);
            let ix =
                w.d.register_keeper(&k.pubkey(), &source, "http://keeper:7070");
            w.send(&k, &[], &[ix]).unwrap();
            k
        })
        .collect()
}

fn end_of(epoch: u64) -> i64 {
    (epoch as i64 + 1) * EPOCH
}

fn vote(w: &mut World, k: &Keypair, epoch: u64, v: &ReportVote) -> ionet_svm::world::TxResult {
    let ix = w.d.submit_report_vote(&k.pubkey(), epoch, v.clone());
    w.send(k, &[], &[ix])
}

fn config(w: &World) -> RewardsConfig {
    w.account(&w.d.rewards_config)
}

/// A report over `leaves`: the root and its totals given the last final cumulative.
fn report(w: &World, leaves: &[EpochLeaf], price: u64) -> ReportVote {
    let awarded: u64 = leaves.iter().map(|l| l.epoch_reward).sum();
    let bytes: Vec<_> = leaves.iter().map(|l| encode(w, l)).collect();
    ReportVote {
        root: merkle::root(&bytes).unwrap(),
        epoch_emission: awarded,
        cumulative_emission: config(w).reported_cumulative + awarded,
        io_usd_price: price,
    }
}

fn encode(w: &World, l: &EpochLeaf) -> Vec<u8> {
    l.encode(&ids::IO_REWARDS, &w.d.io_mint).to_vec()
}

fn proof(w: &World, leaves: &[EpochLeaf], i: usize) -> Vec<merkle::Hash> {
    let bytes: Vec<_> = leaves.iter().map(|l| encode(w, l)).collect();
    merkle::proof(&bytes, i).unwrap()
}

/// Keepers `0..votes` vote `v` for `epoch` just after it ends.
fn finalize(w: &mut World, ks: &[Keypair], epoch: u64, v: &ReportVote) {
    if w.now() < end_of(epoch) {
        w.set_time(end_of(epoch) + 1);
    }
    for k in ks {
        vote(w, k, epoch, v).unwrap();
        if w.account::<EpochReport>(&epoch_report(epoch)).finalized {
            return;
        }
    }
    panic!("epoch {epoch} did not finalize");
}

fn leaf(node: &Pubkey, epoch: u64, reward: u64, cumulative: u64) -> EpochLeaf {
    EpochLeaf {
        node: *node,
        epoch,
        class: 1,
        tops_milli: 1_979_000,
        uptime_bps: 10_000,
        hired_bps: 0,
        epoch_reward: reward,
        cumulative_reward: cumulative,
    }
}

/// Supply ledger invariants (docs/design.md §3).
fn ledger_balances(w: &World) {
    let c = config(w);
    assert_eq!(
        token::supply(&w.svm, &w.d.io_mint).unwrap(),
        IO_GENESIS_SUPPLY - c.burned
    );
    assert_eq!(
        w.balance(&w.d.rewards_vault),
        IO_REWARDS_ALLOCATION - c.emitted
    );
    assert!(c.emitted <= c.reported_cumulative);
}

#[test]
fn the_first_report_to_reach_quorum_is_final_and_its_price_the_median_of_its_votes() {
    let mut w = world(17_520);
    let ks = keepers(&mut w, 3);
    let node = Pubkey::new_unique();
    let good = report(&w, &[leaf(&node, 1, 500 * IO, 500 * IO)], 0);
    let bad = report(&w, &[leaf(&node, 1, 600 * IO, 600 * IO)], 0);
    w.set_time(end_of(1) + 1);
    for (i, k) in ks.iter().enumerate() {
        let ix = w.d.commit_observations(&k.pubkey(), 1, [i as u8; 32]);
        w.send(k, &[], &[ix]).unwrap();
    }
    // One keeper with another root cannot finalize it.
    let with = |v: &ReportVote, price| ReportVote {
        io_usd_price: price,
        ..v.clone()
    };
    vote(&mut w, &ks[0], 1, &with(&good, 1_900_000)).unwrap();
    vote(&mut w, &ks[1], 1, &with(&bad, 9_999_999)).unwrap();
    let r: EpochReport = w.account(&epoch_report(1));
    assert!(!r.finalized);
    assert_eq!((r.keeper_count, r.quorum, r.commits.len()), (3, 2, 3));
    let meta = vote(&mut w, &ks[2], 1, &with(&good, 2_100_000)).unwrap();
    let ev = events::decode::<EpochFinalized>(&meta.logs);
    assert_eq!(ev.len(), 1);
    assert_eq!((ev[0].root, ev[0].io_usd_price), (good.root, 1_900_000));
    let c = config(&w);
    assert_eq!(
        (c.final_epoch, c.reported_cumulative, c.io_usd_price),
        (Some(1), 500 * IO, 1_900_000)
    );
    // A late vote is refused; the same vote replayed in a later epoch finds the
    // epoch's vote window closed.
    assert_code(
        vote(&mut w, &ks[1], 1, &with(&good, 1)),
        code(RewardsError::EpochAlreadyFinal),
    );
    w.set_time(end_of(2) + 1);
    assert_code(
        vote(&mut w, &ks[0], 1, &with(&good, 1_900_000)),
        code(RewardsError::VoteWindowClosed),
    );
    ledger_balances(&w);
}

#[test]
fn votes_and_commits_are_checked() {
    let mut w = world(17_520);
    let ks = keepers(&mut w, 3);
    let node = Pubkey::new_unique();
    let v = report(&w, &[leaf(&node, 1, 500 * IO, 500 * IO)], 2_000_000);

    // Epoch 1 has not ended.
    w.set_time(end_of(1) - 1);
    assert_code(
        vote(&mut w, &ks[0], 1, &v),
        code(RewardsError::EpochNotEnded),
    );
    let ix = w.d.commit_observations(&ks[0].pubkey(), 1, [1; 32]);
    assert_code(
        w.send(&ks[0], &[], &[ix]),
        code(RewardsError::EpochNotEnded),
    );
    w.set_time(end_of(1) + 1);

    // Totals over the schedule, inconsistent with the last final cumulative, no price.
    let e1 = w.params.rewards.initial_epoch_emission;
    let over = ReportVote {
        epoch_emission: e1 + 1,
        cumulative_emission: e1 + 1,
        ..v.clone()
    };
    assert_code(
        vote(&mut w, &ks[0], 1, &over),
        code(RewardsError::EmissionOverSchedule),
    );
    let inconsistent = ReportVote {
        cumulative_emission: v.cumulative_emission + 1,
        ..v.clone()
    };
    assert_code(
        vote(&mut w, &ks[0], 1, &inconsistent),
        code(RewardsError::CumulativeMismatch),
    );
    let free = ReportVote {
        io_usd_price: 0,
        ..v.clone()
    };
    assert_code(
        vote(&mut w, &ks[0], 1, &free),
        code(RewardsError::InvalidPrice),
    );

    // A second vote, a second commit.
    vote(&mut w, &ks[0], 1, &v).unwrap();
    assert_code(
        vote(&mut w, &ks[0], 1, &v),
        code(RewardsError::AlreadyVoted),
    );
    let ix = w.d.commit_observations(&ks[0].pubkey(), 1, [1; 32]);
    w.send(&ks[0], &[], &[ix]).unwrap();
    let ix = w.d.commit_observations(&ks[0].pubkey(), 1, [2; 32]);
    assert_code(
        w.send(&ks[0], &[], &[ix]),
        code(RewardsError::AlreadyCommitted),
    );

    // A wallet that is no keeper; a keeper that joined in epoch 1 does not serve in it.
    let (stranger, _) = w.wallet(0);
    assert_code(
        vote(&mut w, &stranger, 1, &v),
        AnchorError::AccountNotInitialized as u32,
    );
    let late = keepers(&mut w, 1).pop().unwrap();
    assert_code(
        vote(&mut w, &late, 1, &v),
        code(RewardsError::NotKeeperForEpoch),
    );
    // A missing signer.
    let mut ix = w.d.submit_report_vote(&ks[1].pubkey(), 1, v.clone());
    ix.accounts[0].is_signer = false;
    assert_code(
        w.send(&stranger, &[], &[ix]),
        AnchorError::AccountNotSigner as u32,
    );

    // The windows close.
    w.set_time(end_of(1) + w.params.rewards.commit_window_seconds + 1);
    let ix = w.d.commit_observations(&ks[1].pubkey(), 1, [1; 32]);
    assert_code(
        w.send(&ks[1], &[], &[ix]),
        code(RewardsError::CommitWindowClosed),
    );
    w.set_time(end_of(1) + w.params.rewards.vote_window_seconds + 1);
    assert_code(
        vote(&mut w, &ks[1], 1, &v),
        code(RewardsError::VoteWindowClosed),
    );
    assert!(!w.account::<EpochReport>(&epoch_report(1)).finalized);
}

/// A staked node with 1,000 $IO of operator stake and one 1,000 $IO delegator.
fn earning_node(w: &mut World) -> (TestNode, Keypair, Pubkey) {
    let n = w.register_node(8, 10_000 * IO);
    w.stake(&n, 1_000 * IO);
    let ix = w.d.set_attested_capacity(
        &w.d.attestor,
        &n.node,
        io_staking::state::AttestedCapacity {
            epoch: 0,
            class: 1,
            tops_milli: 1_979_000,
            uptime_bps: 10_000,
            epoch_reward: 0,
        },
    );
    let ix = forwarded(&ids::IO_REWARDS, io_protocol::seeds::ATTESTOR, ix);
    let admin = w.admin.insecure_clone();
    w.send(&admin, &[], &[ix]).unwrap();
    let (d, d_io) = w.delegator(&n.node, 1_000 * IO);
    (n, d, d_io)
}

#[test]
fn claims_pay_the_cumulative_once_split_with_delegators_and_refresh_capacity() {
    // Halving every 2 epochs: epochs 1..=6 span two halvings.
    let mut w = world(2);
    let ks = keepers(&mut w, 3);
    let (n, d, d_io) = earning_node(&mut w);
    let other = w.register_node(1, 0);
    let schedule = w.params.rewards.clone();
    let e = |epoch: u64| {
        let s = io_protocol::emission::Schedule {
            initial_epoch_emission: schedule.initial_epoch_emission,
            period_epochs: schedule.halving_epochs,
            ratio_bps: schedule.halving_ratio_bps,
            cap: schedule.emission_cap,
        };
        s.epoch_emission(epoch)
    };
    // Each epoch the node gets 3/4 of E(e) and the other node 1/4.
    let mut history = vec![];
    let (mut cum_n, mut cum_o) = (0, 0);
    for epoch in 1..=6u64 {
        let (rn, ro) = (e(epoch) / 4 * 3, e(epoch) / 4);
        cum_n += rn;
        cum_o += ro;
        let leaves = vec![
            leaf(&n.node, epoch, rn, cum_n),
            leaf(&other.node, epoch, ro, cum_o),
        ];
        let v = report(&w, &leaves, 2_000_000);
        finalize(&mut w, &ks, epoch, &v);
        history.push(leaves);
        ledger_balances(&w);
    }
    // Keepers' claims were down for all six epochs: one claim of the last leaf pays all,
    // each epoch at its own rate.
    let last = &history[5];
    let admin = w.admin.insecure_clone();
    let ix = w.d.claim(
        &admin.pubkey(),
        &last[0],
        proof(&w, last, 0),
        &n.operator_io,
    );
    let meta = w.send(&admin, &[], &[ix]).unwrap();
    let ev = events::decode::<RewardClaimed>(&meta.logs);
    assert_eq!(ev[0].operator_amount + ev[0].delegator_amount, cum_n);
    assert_eq!(ev[0].delegator_amount, cum_n * 500 / 10_000);
    assert_eq!(
        w.balance(&n.operator_io),
        9_000 * IO + cum_n - cum_n * 500 / 10_000
    );
    ledger_balances(&w);
    // The node's capacity and R now come from epoch 6; the delegator can claim its cut.
    let node: io_staking::state::Node = w.account(&n.node);
    assert_eq!(
        (node.attested.epoch, node.attested.epoch_reward),
        (6, last[0].epoch_reward)
    );
    let ix =
        w.d.claim_delegator_rewards(&n.node, &d.pubkey(), &w.d.io_mint, &d_io);
    w.send(&admin, &[], &[ix]).unwrap();
    assert_eq!(w.balance(&d_io), cum_n * 500 / 10_000);

    // Earlier leaves, and the same leaf again, pay nothing and succeed.
    for epoch in [2usize, 0, 5, 3] {
        let leaves = &history[epoch];
        let ix = w.d.claim(
            &admin.pubkey(),
            &leaves[0],
            proof(&w, leaves, 0),
            &n.operator_io,
        );
        w.send(&admin, &[], &[ix]).unwrap();
    }
    assert_eq!(
        w.account::<io_rewards::state::NodeClaims>(&node_claims(&n.node))
            .state
            .claimed,
        cum_n
    );
    // The other node claims in order, epoch by epoch: the same total.
    let other_io = w.token_account(&w.d.io_mint.clone(), &other.operator.pubkey());
    for leaves in &history {
        let ix =
            w.d.claim(&admin.pubkey(), &leaves[1], proof(&w, leaves, 1), &other_io);
        w.send(&admin, &[], &[ix]).unwrap();
    }
    assert_eq!(w.balance(&other_io), cum_o); // no delegators: the operator gets it all
    assert_eq!(config(&w).emitted, cum_n + cum_o);
    ledger_balances(&w);
}

#[test]
fn forged_foreign_and_unfinished_leaves_are_refused() {
    let mut w = world(17_520);
    let ks = keepers(&mut w, 3);
    let (n, _, _) = earning_node(&mut w);
    let m = w.register_node(1, 0);
    let leaves = vec![
        leaf(&n.node, 1, 300 * IO, 300 * IO),
        leaf(&m.node, 1, 100 * IO, 100 * IO),
    ];
    let v = report(&w, &leaves, 2_000_000);
    finalize(&mut w, &ks, 1, &v);
    let admin = w.admin.insecure_clone();
    let vault_before = w.balance(&w.d.rewards_vault);
    let (p0, p1) = (proof(&w, &leaves, 0), proof(&w, &leaves, 1));
    let try_claim = |w: &mut World, l: &EpochLeaf, p: Vec<merkle::Hash>, io: &Pubkey| {
        let ix = w.d.claim(&admin.pubkey(), l, p, io);
        w.send(&admin, &[], &[ix])
    };
    // A proof for another node.
    let mut stolen = leaves[1];
    stolen.node = n.node;
    assert_code(
        try_claim(&mut w, &stolen, p1.clone(), &n.operator_io),
        code(RewardsError::InvalidProof),
    );
    // A forged amount.
    let mut forged = leaves[0];
    forged.cumulative_reward += 1;
    assert_code(
        try_claim(&mut w, &forged, p0.clone(), &n.operator_io),
        code(RewardsError::InvalidProof),
    );
    // A leaf built for another program or cluster (another $IO mint) under this root.
    let foreign_mint = Pubkey::new_unique();
    let foreign: Vec<_> = leaves
        .iter()
        .map(|l| l.encode(&ids::IO_REWARDS, &foreign_mint).to_vec())
        .collect();
    let v2 = ReportVote {
        root: merkle::root(&foreign).unwrap(),
        ..report(&w, &[leaf(&n.node, 2, 0, 300 * IO)], 2_000_000)
    };
    finalize(&mut w, &ks, 2, &v2);
    let mut l2 = leaves[0];
    l2.epoch = 2;
    assert_code(
        try_claim(
            &mut w,
            &l2,
            merkle::proof(&foreign, 0).unwrap(),
            &n.operator_io,
        ),
        code(RewardsError::InvalidProof),
    );
    // An epoch that is not final: votes without a quorum.
    let l3 = leaf(&n.node, 3, 100 * IO, 400 * IO);
    let v3 = report(&w, &[l3], 2_000_000);
    w.set_time(end_of(3) + 1);
    vote(&mut w, &ks[0], 3, &v3).unwrap();
    assert_code(
        try_claim(&mut w, &l3, vec![], &n.operator_io),
        code(RewardsError::EpochNotFinal),
    );
    // To someone else's account; from another account than the vault.
    let (thief, thief_io) = w.wallet(0);
    assert_code(
        try_claim(&mut w, &leaves[0], p0.clone(), &thief_io),
        code(RewardsError::NotOperatorsAccount),
    );
    let mut ix = w.d.claim(
        &admin.pubkey(),
        &leaves[0],
        proof(&w, &leaves, 0),
        &n.operator_io,
    );
    ix.accounts[6].pubkey = w.d.keeper_bonds;
    assert_code(w.send(&admin, &[], &[ix]), code(RewardsError::WrongVault));
    let _ = thief;
    assert_eq!(w.balance(&w.d.rewards_vault), vault_before);

    // A report whose leaf went down from the node's previous one.
    vote(&mut w, &ks[1], 3, &v3).unwrap();
    try_claim(&mut w, &leaves[0], p0.clone(), &n.operator_io).unwrap();
    let down = leaf(&n.node, 4, 0, 200 * IO);
    let v4 = report(&w, &[down], 2_000_000);
    finalize(&mut w, &ks, 4, &v4);
    assert_code(
        try_claim(&mut w, &down, vec![], &n.operator_io),
        code(RewardsError::CumulativeWentDown),
    );
    ledger_balances(&w);
}

#[test]
fn claims_never_exceed_what_final_reports_allow() {
    let mut w = world(17_520);
    let ks = keepers(&mut w, 3);
    let (n, _, _) = earning_node(&mut w);
    // A quorum finalizes a root whose leaf pays more than the reported emission.
    let greedy = leaf(&n.node, 1, 100 * IO, 900 * IO);
    let v = ReportVote {
        epoch_emission: 100 * IO,
        cumulative_emission: 100 * IO,
        ..report(&w, &[greedy], 2_000_000)
    };
    finalize(&mut w, &ks, 1, &v);
    let admin = w.admin.insecure_clone();
    let ix = w.d.claim(&admin.pubkey(), &greedy, vec![], &n.operator_io);
    assert_code(
        w.send(&admin, &[], &[ix]),
        code(RewardsError::ClaimOverEmission),
    );
    ledger_balances(&w);
}

#[test]
fn a_forfeited_share_stays_in_the_vault() {
    let mut w = world(17_520);
    let ks = keepers(&mut w, 1);
    let (n, _, _) = earning_node(&mut w);
    let m = w.register_node(1, 0);
    // m's uptime missed the threshold: it gets nothing, and only n's share is emitted.
    let e1 = w.params.rewards.initial_epoch_emission;
    let mut missed = leaf(&m.node, 1, 0, 0);
    missed.uptime_bps = 9_000;
    let leaves = vec![leaf(&n.node, 1, e1 / 2, e1 / 2), missed];
    let v = report(&w, &leaves, 2_000_000);
    finalize(&mut w, &ks, 1, &v);
    let admin = w.admin.insecure_clone();
    for (i, io) in [
        (0, n.operator_io),
        (
            1,
            w.token_account(&w.d.io_mint.clone(), &m.operator.pubkey()),
        ),
    ] {
        let ix =
            w.d.claim(&admin.pubkey(), &leaves[i], proof(&w, &leaves, i), &io);
        w.send(&admin, &[], &[ix]).unwrap();
    }
    assert_eq!(config(&w).emitted, e1 / 2);
    assert_eq!(
        w.balance(&w.d.rewards_vault),
        IO_REWARDS_ALLOCATION - e1 / 2
    );
    ledger_balances(&w);
}

#[test]
fn keepers_leave_in_two_steps_and_never_before_their_votes_close() {
    let mut p = params(17_520);
    p.rewards.keeper_unbonding_seconds = 60;
    let mut w = World::with_params(p);
    w.set_time(10);
    let ks = keepers(&mut w, 3);
    let bond = w.params.rewards.keeper_bond;
    let k = &ks[0];
    let dest = w.token_account(&w.d.io_mint.clone(), &k.pubkey());
    let ix = w.d.deregister_keeper(&k.pubkey(), &dest);
    assert_code(w.send(k, &[], &[ix]), code(RewardsError::ExitNotAnnounced));

    // It votes for epoch 1, then announces its exit during epoch 2.
    let v = report(&w, &[leaf(&Pubkey::new_unique(), 1, IO, IO)], 2_000_000);
    w.set_time(end_of(1) + 1);
    vote(&mut w, k, 1, &v).unwrap();
    w.send(k, &[], &[w.d.announce_exit(&k.pubkey())]).unwrap();
    assert_code(
        w.send(k, &[], &[w.d.announce_exit(&k.pubkey())]),
        code(RewardsError::ExitAlreadyAnnounced),
    );
    let keeper: Keeper = w.account(&ionet_svm::deploy::Deployment::keeper(&k.pubkey()));
    assert_eq!(keeper.exit_from, Some(3));
    let ix = w.d.deregister_keeper(&k.pubkey(), &dest);
    assert_code(
        w.send(k, &[], std::slice::from_ref(&ix)),
        code(RewardsError::UnbondingNotOver),
    );
    // Unbonded, but epoch 1's vote is still open: it may not leave yet.
    w.set_time(end_of(1) + 120);
    assert_code(
        w.send(k, &[], std::slice::from_ref(&ix)),
        code(RewardsError::VotedEpochOpen),
    );
    // It still serves in epoch 2; epoch 3's report counts two keepers.
    w.set_time(end_of(1) + w.params.rewards.vote_window_seconds + 1);
    w.send(k, &[], &[ix]).unwrap();
    assert_eq!(w.balance(&dest), bond);
    w.set_time(end_of(3) + 1);
    let ix = w.d.commit_observations(&ks[1].pubkey(), 3, [3; 32]);
    w.send(&ks[1], &[], &[ix]).unwrap();
    let r: EpochReport = w.account(&epoch_report(3));
    assert_eq!((r.keeper_count, r.quorum), (2, 2));
}

#[test]
fn the_keeper_set_is_bounded_and_takes_changes_from_the_next_epoch() {
    let mut w = world(17_520);
    let ks = keepers(&mut w, 16);
    let bond = w.params.rewards.keeper_bond;
    let (k, source) = w.wallet(bond);
    let ix = w.d.register_keeper(&k.pubkey(), &source, "http://k");
    assert_code(w.send(&k, &[], &[ix]), code(RewardsError::KeeperSetFull));
    w.set_time(end_of(1) + 1);
    let ix = w.d.commit_observations(&ks[0].pubkey(), 1, [0; 32]);
    w.send(&ks[0], &[], &[ix]).unwrap();
    let r: EpochReport = w.account(&epoch_report(1));
    assert_eq!((r.keeper_count, r.quorum), (16, 11));
}

#[test]
fn governance_needs_the_admin_and_a_two_step_handover() {
    let mut w = world(17_520);
    let (attacker, _) = w.wallet(0);
    let mut p = w.params.rewards.clone();
    p.keeper_bond = 1;
    let ix = w.d.update_rewards_params(&attacker.pubkey(), p.clone());
    assert_code(w.send(&attacker, &[], &[ix]), code(RewardsError::NotAdmin));
    let ix = w.d.accept_rewards_admin(&attacker.pubkey());
    assert_code(
        w.send(&attacker, &[], &[ix]),
        code(RewardsError::NotPendingAdmin),
    );
    let admin = w.admin.insecure_clone();
    let (next, _) = w.wallet(0);
    w.send(
        &admin,
        &[],
        &[w.d.propose_rewards_admin(&admin.pubkey(), next.pubkey())],
    )
    .unwrap();
    w.send(&next, &[], &[w.d.accept_rewards_admin(&next.pubkey())])
        .unwrap();
    let ix = w.d.update_rewards_params(&admin.pubkey(), p.clone());
    assert_code(w.send(&admin, &[], &[ix]), code(RewardsError::NotAdmin));
    let mut bad = p.clone();
    bad.vote_window_seconds = EPOCH + 1;
    let ix = w.d.update_rewards_params(&next.pubkey(), bad);
    assert_code(
        w.send(&next, &[], &[ix]),
        code(RewardsError::InvalidWindows),
    );
    for clock in [
        |q: &mut io_rewards::params::RewardsParams| q.epoch_seconds *= 2,
        |q: &mut io_rewards::params::RewardsParams| q.genesis_ts -= 1,
    ] {
        let mut moved = p.clone();
        clock(&mut moved);
        let ix = w.d.update_rewards_params(&next.pubkey(), moved);
        assert_code(
            w.send(&next, &[], &[ix]),
            code(RewardsError::EpochClockFixed),
        );
    }
    w.send(&next, &[], &[w.d.update_rewards_params(&next.pubkey(), p)])
        .unwrap();
    assert_eq!(config(&w).params.keeper_bond, 1);
    assert_eq!(config(&w).admin, next.pubkey());
}

#[test]
fn the_work_per_epoch_does_not_grow_with_the_number_of_nodes() {
    let mut w = world(17_520);
    let ks = keepers(&mut w, 3);
    let (n, _, _) = earning_node(&mut w);
    let mut transactions = vec![];
    for (epoch, count) in [(1u64, 10usize), (2, 100_000)] {
        let e = w.params.rewards.initial_epoch_emission;
        let cum = config(&w).reported_cumulative;
        let mut leaves: Vec<EpochLeaf> = (0..count)
            .map(|i| {
                leaf(
                    &Pubkey::new_from_array([(i % 251) as u8; 32]),
                    epoch,
                    0,
                    i as u64,
                )
            })
            .collect();
        leaves[count / 2] = leaf(&n.node, epoch, e / 2, cum + e / 2);
        let bytes: Vec<_> = leaves.iter().map(|l| encode(&w, l)).collect();
        let root = merkle::root(&bytes).unwrap();
        let v = ReportVote {
            root,
            epoch_emission: e / 2,
            cumulative_emission: cum + e / 2,
            io_usd_price: 2_000_000,
        };
        w.set_time(end_of(epoch) + 1);
        let mut sent = 0;
        for k in &ks {
            let ix =
                w.d.commit_observations(&k.pubkey(), epoch, [epoch as u8; 32]);
            w.send(k, &[], &[ix]).unwrap();
            sent += 1;
        }
        for k in &ks[..2] {
            vote(&mut w, k, epoch, &v).unwrap();
            sent += 1;
        }
        assert!(w.account::<EpochReport>(&epoch_report(epoch)).finalized);
        transactions.push(sent);
        let admin = w.admin.insecure_clone();
        let p = merkle::proof(&bytes, count / 2).unwrap();
        let ix =
            w.d.claim(&admin.pubkey(), &leaves[count / 2], p, &n.operator_io);
        w.send(&admin, &[], &[ix]).unwrap();
    }
    assert_eq!(transactions, vec![5, 5]);
}

#[test]
fn the_largest_claim_fits_one_transaction() {
    use solana_message::v0;
    use solana_message::{AddressLookupTableAccount, VersionedMessage};
    let w = world(17_520);
    let payer = Keypair::new();
    let l = leaf(&Pubkey::new_unique(), 1_000_000, u64::MAX, u64::MAX);
    // Depth 20: a tree of a million nodes.
    let proof = vec![[0xAB; 32]; 20];
    let ix = w.d.claim(&payer.pubkey(), &l, proof, &Pubkey::new_unique());
    // Everything the deployment fixes sits in one address lookup table.
    let table = AddressLookupTableAccount {
        key: Pubkey::new_unique(),
        addresses: vec![
            w.d.rewards_config,
            w.d.staking_config,
            w.d.rewards_vault,
            w.d.rewards_vault_authority,
            w.d.delegator_rewards_io,
            w.d.io_mint,
            w.d.attestor,
            ids::IO_STAKING,
            anchor_spl::token::spl_token::ID,
            solana_sdk_ids::system_program::ID,
        ],
    };
    let msg = v0::Message::try_compile(
        &payer.pubkey(),
        std::slice::from_ref(&ix),
        &[table],
        solana_hash::Hash::default(),
    )
    .unwrap();
    let tx = solana_transaction::versioned::VersionedTransaction::try_new(
        VersionedMessage::V0(msg),
        &[&payer],
    )
    .unwrap();
    let size = bincode::serialize(&tx).unwrap().len();
    println!("claim with a depth-20 proof: {size} bytes (v0, lookup table)");
    assert!(size <= 1_232, "{size} bytes");
    let legacy = solana_transaction::Transaction::new_with_payer(&[ix], Some(&payer.pubkey()));
    println!(
        "as a legacy transaction: {} bytes",
        bincode::serialize(&legacy).unwrap().len() + 64
    );
}

#[test]
fn the_supply_ledger_balances_through_a_long_story() {
    let mut w = world(3);
    let ks = keepers(&mut w, 3);
    let (n, d, d_io) = earning_node(&mut w);
    let admin = w.admin.insecure_clone();
    ledger_balances(&w);
    let mut cum = 0;
    for epoch in 1..=9u64 {
        let e = io_protocol::emission::Schedule {
            initial_epoch_emission: w.params.rewards.initial_epoch_emission,
            period_epochs: 3,
            ratio_bps: 5_000,
            cap: w.params.rewards.emission_cap,
        }
        .epoch_emission(epoch);
        cum += e;
        let l = leaf(&n.node, epoch, e, cum);
        let v = report(&w, &[l], 2_000_000 + epoch);
        finalize(&mut w, &ks, epoch, &v);
        ledger_balances(&w);
        if epoch % 2 == 0 {
            let ix = w.d.claim(&admin.pubkey(), &l, vec![], &n.operator_io);
            w.send(&admin, &[], &[ix]).unwrap();
            ledger_balances(&w);
        }
        if epoch % 3 == 0 {
            // A failed hire slashes (and burns) part of the pool.
            let args = io_staking::instructions::SlashArgs {
                gpus: 1,
                fee_per_gpu_hour: IO,
                reason: 0,
                evidence: [0; 32],
                epoch: 0,
            };
            let ix = forwarded(
                &ids::IO_HIRE,
                io_protocol::seeds::SLASHER,
                w.d.slash(&w.d.slasher, &n.node, args),
            );
            w.send(&admin, &[], &[ix]).unwrap();
            ledger_balances(&w);
        }
        let ix =
            w.d.claim_delegator_rewards(&n.node, &d.pubkey(), &w.d.io_mint, &d_io);
        w.send(&admin, &[], &[ix]).unwrap();
        ledger_balances(&w);
    }
    assert!(config(&w).burned > 0 && config(&w).emitted > 0);
}

#[test]
fn forged_report_accounts_and_a_second_initialize_are_refused() {
    let mut w = world(17_520);
    let ks = keepers(&mut w, 3);
    let (n, _, _) = earning_node(&mut w);
    let l = leaf(&n.node, 1, 100 * IO, 100 * IO);
    let v = report(&w, &[l], 2_000_000);
    finalize(&mut w, &ks, 1, &v);
    let admin = w.admin.insecure_clone();
    // Account cosplay: a keeper account where the epoch report belongs.
    let mut ix = w.d.claim(&admin.pubkey(), &l, vec![], &n.operator_io);
    ix.accounts[2].pubkey = ionet_svm::deploy::Deployment::keeper(&ks[0].pubkey());
    assert_code(
        w.send(&admin, &[], &[ix]),
        AnchorError::AccountDiscriminatorMismatch as u32,
    );
    // A wrong owner: the final report's bytes under an account someone else owns.
    let mut copy = w.svm.get_account(&epoch_report(1)).unwrap();
    copy.owner = admin.pubkey();
    let fake = Pubkey::new_unique();
    w.svm.set_account(fake, copy).unwrap();
    let mut ix = w.d.claim(&admin.pubkey(), &l, vec![], &n.operator_io);
    ix.accounts[2].pubkey = fake;
    assert_code(
        w.send(&admin, &[], &[ix]),
        AnchorError::AccountOwnedByWrongProgram as u32,
    );
    // Re-initialization, even by the deployer.
    let ix =
        w.d.initialize_rewards(&admin.pubkey(), &w.d.genesis_io, w.params.rewards.clone());
    assert!(w.send(&admin, &[], &[ix]).is_err());
    assert_eq!(config(&w).emitted, 0);
    ledger_balances(&w);
}
