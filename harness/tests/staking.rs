//! io-staking end to end in the SVM: nodes, stake, delegation, caps, cooldown tickets,
//! slashing with burns, delegator rewards, governance, and the attacks the issue lists.

use anchor_lang::error::ErrorCode as AnchorError;
use anchor_lang::AccountSerialize;
use anchor_spl::token::spl_token;
use io_protocol::seeds;
use io_staking::errors::StakingError;
use io_staking::events::{NodeSlashed, StakeDeposited};
use io_staking::instructions::{RegisterNodeArgs, SlashArgs, UpdateNodeArgs};
use io_staking::state::{AttestedCapacity, Delegation, Node, NodeSpec, StakingConfig, Ticket};
use ionet_svm::deploy::{Deployment, IO};
use ionet_svm::staking as pdas;
use ionet_svm::world::{
    add_forwarder, assert_code, forwarded, listing, TestNode, World, ANCHOR_ERROR_OFFSET,
};
use ionet_svm::{events, ids, token};
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_pubkey::Pubkey;
use solana_signer::Signer;

fn code(e: StakingError) -> u32 {
    ANCHOR_ERROR_OFFSET + e as u32
}

fn anchor(e: AnchorError) -> u32 {
    e as u32
}

const WEEK: i64 = 7 * 24 * 3600;

fn spec(gpus: u16) -> NodeSpec {
    listing(gpus).spec
}

fn register(w: &mut World, gpus: u16, operator_io: u64) -> TestNode {
    w.register_node(gpus, operator_io)
}

fn stake(w: &mut World, n: &TestNode, amount: u64) {
    w.stake(n, amount)
}

/// io-rewards' attestor writes `tops_milli` and the epoch reward R for `node`.
fn attest(w: &mut World, node: &Pubkey, epoch: u64, tops_milli: u64, epoch_reward: u64) {
    let capacity = AttestedCapacity {
        epoch,
        class: 1,
        tops_milli,
        uptime_bps: 10_000,
        epoch_reward,
    };
    let ix = w.d.set_attested_capacity(&w.d.attestor, node, capacity);
    let ix = forwarded(&ids::IO_REWARDS, seeds::ATTESTOR, ix);
    let admin = w.admin.insecure_clone();
    w.send(&admin, &[], &[ix]).unwrap();
}

fn delegator(w: &mut World, node: &Pubkey, amount: u64) -> (Keypair, Pubkey) {
    w.delegator(node, amount)
}

fn node(w: &World, node: &Pubkey) -> Node {
    w.account(node)
}

fn position(w: &World, node: &Pubkey, owner: &Pubkey) -> Delegation {
    w.account(&pdas::delegation(node, owner))
}

fn slash_ix(w: &World, node: &Pubkey, gpus: u16, fee: u64) -> Instruction {
    let args = SlashArgs {
        gpus,
        fee_per_gpu_hour: fee,
        reason: 0,
        evidence: [7; 32],
        epoch: 0,
    };
    forwarded(
        &ids::IO_HIRE,
        seeds::SLASHER,
        w.d.slash(&w.d.slasher, node, args),
    )
}

/// A node with 1,000 $IO of operator stake, attested at 1,979 TOPS.
fn staked_node(w: &mut World) -> TestNode {
    let n = register(w, 8, 10_000 * IO);
    stake(w, &n, 1_000 * IO);
    attest(w, &n.node, 1, 1_979_000, 800 * IO);
    n
}

/// Sum of every $IO token account plus burned: must always be the genesis supply.
fn io_conserved(w: &World, accounts: &[Pubkey]) {
    let supply = token::supply(&w.svm, &w.d.io_mint).unwrap();
    let ledger: io_rewards::state::RewardsConfig = w.account(&w.d.rewards_config);
    assert_eq!(supply + ledger.burned, ionet_svm::deploy::IO_GENESIS_SUPPLY);
    let held: u64 = accounts.iter().map(|a| w.balance(a)).sum();
    assert_eq!(held, supply, "tokens outside the tracked accounts");
}

#[test]
fn a_node_registers_with_both_signatures_and_one_node_per_worker_key() {
    let mut w = World::new();
    let n = register(&mut w, 8, 0);
    let got = node(&w, &n.node);
    assert_eq!(
        (got.operator, got.worker, got.node_id),
        (n.operator.pubkey(), n.worker.pubkey(), n.worker.pubkey())
    );
    assert_eq!(got.spec, spec(8));
    assert!(!got.is_staked(&w.params.staking));

    // The same worker key again, by anyone, is refused: the PDAs exist.
    let (other, _) = w.wallet(0);
    let ix =
        w.d.register_node(&other.pubkey(), &n.worker.pubkey(), listing(1));
    assert!(w.send(&other, &[&n.worker], &[ix]).is_err());

    // Registering someone else's worker key without its signature: refused.
    let victim = Keypair::new();
    let mut ix =
        w.d.register_node(&other.pubkey(), &victim.pubkey(), listing(1));
    ix.accounts[1].is_signer = false;
    assert_code(
        w.send(&other, &[], &[ix]),
        anchor(AnchorError::AccountNotSigner),
    );
    assert!(!w.exists(&pdas::node(&victim.pubkey())));
}

#[test]
fn a_listing_is_validated() {
    let mut w = World::new();
    let (op, _) = w.wallet(0);
    type Change = fn(&mut RegisterNodeArgs);
    let cases: [(Change, StakingError); 6] = [
        (|a| a.spec.gpu_count = 0, StakingError::InvalidSpec),
        (|a| a.spec.gpu_class = 5, StakingError::InvalidSpec),
        (|a| a.spec.gpu_count = 1025, StakingError::InvalidSpec),
        (|a| a.spec.location = *b"u1", StakingError::InvalidSpec),
        (|a| a.ask_micro_usd = 0, StakingError::InvalidAsk),
        (
            |a| a.endpoint = String::new(),
            StakingError::InvalidEndpoint,
        ),
    ];
    for (change, err) in cases {
        let worker = Keypair::new();
        let mut args = listing(8);
        change(&mut args);
        let ix = w.d.register_node(&op.pubkey(), &worker.pubkey(), args);
        assert_code(w.send(&op, &[&worker], &[ix]), code(err));
    }
    let worker = Keypair::new();
    let mut args = listing(8);
    args.endpoint = "x".repeat(129);
    let ix = w.d.register_node(&op.pubkey(), &worker.pubkey(), args);
    assert_code(
        w.send(&op, &[&worker], &[ix]),
        code(StakingError::InvalidEndpoint),
    );
}

#[test]
fn update_node_is_the_operators_and_never_while_hired() {
    let mut w = World::new();
    let n = register(&mut w, 8, 0);
    let args = UpdateNodeArgs {
        spec: spec(4),
        ask_micro_usd: 1_500_000,
        endpoint: "http://10.0.0.8:7070".into(),
    };
    let (stranger, _) = w.wallet(0);
    let ix = w.d.update_node(&stranger.pubkey(), &n.node, args.clone());
    assert_code(
        w.send(&stranger, &[], &[ix]),
        code(StakingError::NotOperator),
    );

    let ix = w.d.update_node(&n.operator.pubkey(), &n.node, args.clone());
    w.send(&n.operator, &[], &[ix]).unwrap();
    let got = node(&w, &n.node);
    assert_eq!((got.spec.gpu_count, got.ask_micro_usd), (4, 1_500_000));
    assert_eq!(got.endpoint, "http://10.0.0.8:7070");

    // io-hire keeps `hired_gpus`; while it is set nothing about the node may change.
    set_hired(&mut w, &n.node, 2);
    let ix = w.d.update_node(&n.operator.pubkey(), &n.node, args);
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        code(StakingError::NodeHired),
    );
    let new = Keypair::new();
    let ix = w.d.rotate_worker(
        &n.operator.pubkey(),
        &n.node,
        &n.worker.pubkey(),
        &new.pubkey(),
    );
    assert_code(
        w.send(&n.operator, &[&new], &[ix]),
        code(StakingError::NodeHired),
    );
}

/// Writes `hired_gpus` as io-hire's assignment will (io-hire's issue adds that CPI).
fn set_hired(w: &mut World, address: &Pubkey, gpus: u16) {
    let mut n = node(w, address);
    n.hired_gpus = gpus;
    let mut account = w.svm.get_account(address).unwrap();
    let mut data = vec![];
    n.try_serialize(&mut data).unwrap();
    account.data[..data.len()].copy_from_slice(&data);
    w.svm.set_account(*address, account).unwrap();
}

#[test]
fn the_worker_key_rotates_only_with_the_new_keys_signature() {
    let mut w = World::new();
    let n = register(&mut w, 8, 0);
    let other = register(&mut w, 1, 0);
    let new = Keypair::new();
    let op = n.operator.pubkey();

    let mut ix =
        w.d.rotate_worker(&op, &n.node, &n.worker.pubkey(), &new.pubkey());
    ix.accounts[1].is_signer = false;
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        anchor(AnchorError::AccountNotSigner),
    );

    // A key that already serves another node cannot be taken.
    let ix =
        w.d.rotate_worker(&op, &n.node, &n.worker.pubkey(), &other.worker.pubkey());
    assert!(w.send(&n.operator, &[&other.worker], &[ix]).is_err());

    let ix =
        w.d.rotate_worker(&op, &n.node, &n.worker.pubkey(), &new.pubkey());
    w.send(&n.operator, &[&new], &[ix]).unwrap();
    assert_eq!(node(&w, &n.node).worker, new.pubkey());
    assert!(!w.exists(&pdas::worker_binding(&n.worker.pubkey())));
    assert!(w.exists(&pdas::worker_binding(&new.pubkey())));
}

#[test]
fn eligibility_needs_the_minimum_operator_stake_per_node_and_per_gpu() {
    let mut params = ionet_svm::deploy::GenesisParams::default();
    params.staking.min_stake_per_gpu = 10 * IO;
    let mut w = World::with_params(params);
    let n = register(&mut w, 8, 1_000 * IO);
    stake(&mut w, &n, 179 * IO);
    assert!(!node(&w, &n.node).is_staked(&w.params.staking)); // needs 100 + 8 × 10
    stake(&mut w, &n, IO);
    assert!(node(&w, &n.node).is_staked(&w.params.staking));

    let ix = w.d.stake(&n.operator.pubkey(), &n.node, &n.operator_io, 0);
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        code(StakingError::ZeroAmount),
    );
    let iosd = w.token_account(&w.d.iosd_mint.clone(), &n.operator.pubkey());
    let ix = w.d.stake(&n.operator.pubkey(), &n.node, &iosd, IO);
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        code(StakingError::WrongMint),
    );
    let (stranger, sio) = w.wallet(IO);
    let ix = w.d.stake(&stranger.pubkey(), &n.node, &sio, IO);
    assert_code(
        w.send(&stranger, &[], &[ix]),
        code(StakingError::NotOperator),
    );
}

#[test]
fn delegation_is_capped_by_attested_tops_and_by_the_operators_stake() {
    let mut w = World::new();
    let n = register(&mut w, 8, 10_000 * IO);
    stake(&mut w, &n, 100 * IO);
    let (d1, io) = w.wallet(100_000 * IO);

    // Not attested yet: the capacity cap is zero.
    let ix = w.d.delegate(&d1.pubkey(), &n.node, &io, IO);
    assert_code(w.send(&d1, &[], &[ix]), code(StakingError::OverCapacityCap));

    // 1,979 TOPS × 10 $IO = 19,790 $IO by capacity; 100 $IO × 10 = 1,000 by stake.
    attest(&mut w, &n.node, 1, 1_979_000, 0);
    let ix = w.d.delegate(&d1.pubkey(), &n.node, &io, 1_000 * IO + 1);
    assert_code(
        w.send(&d1, &[], &[ix]),
        code(StakingError::OverOperatorRatioCap),
    );
    let ix = w.d.delegate(&d1.pubkey(), &n.node, &io, 1_000 * IO);
    w.send(&d1, &[], &[ix]).unwrap();
    assert_eq!(node(&w, &n.node).pool.delegated_stake(), Some(1_000 * IO));

    stake(&mut w, &n, 9_000 * IO);
    let ix = w.d.delegate(&d1.pubkey(), &n.node, &io, 18_790 * IO + 1);
    assert_code(w.send(&d1, &[], &[ix]), code(StakingError::OverCapacityCap));
    let ix = w.d.delegate(&d1.pubkey(), &n.node, &io, 18_790 * IO);
    let meta = w.send(&d1, &[], &[ix]).unwrap();
    let ev = events::decode::<StakeDeposited>(&meta.logs);
    assert_eq!((ev[0].amount, ev[0].operator), (18_790 * IO, false));

    // The operator stakes; it does not delegate to its own node.
    let ix =
        w.d.delegate(&n.operator.pubkey(), &n.node, &n.operator_io, IO);
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        code(StakingError::OperatorMustStake),
    );
}

#[test]
fn a_slash_lowers_operator_delegators_and_tickets_alike_and_burns_into_the_ledger() {
    let mut w = World::new();
    let n = staked_node(&mut w); // operator 1,000; R = 800 over 8 GPUs
    let (d1, d1_io) = delegator(&mut w, &n.node, 3_000 * IO);
    let (d2, d2_io) = delegator(&mut w, &n.node, 1_000 * IO);
    // d2 undelegates everything first: the ticket is still slashable.
    let shares = position(&w, &n.node, &d2.pubkey()).shares;
    let ix = w.d.undelegate(&d2.pubkey(), &n.node, shares, 1);
    w.send(&d2, &[], &[ix]).unwrap();
    let supply = token::supply(&w.svm, &w.d.io_mint).unwrap();

    // g = 4 of 8 cards, F = 25 $IO: 4 × (800 / 8 + 25) = 500 $IO from a 5,000 pool: −10%.
    let ix = slash_ix(&w, &n.node, 4, 25 * IO);
    let admin = w.admin.insecure_clone();
    let meta = w.send(&admin, &[], &[ix]).unwrap();
    let ev = events::decode::<NodeSlashed>(&meta.logs);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        (ev[0].amount, ev[0].requested, ev[0].burned_total),
        (500 * IO, 500 * IO, 500 * IO)
    );
    assert_eq!((ev[0].node, ev[0].evidence), (n.node, [7; 32]));
    let got = node(&w, &n.node);
    assert_eq!(got.pool.operator_stake(), Some(900 * IO));
    assert_eq!(got.pool.delegated_stake(), Some(2_700 * IO));
    assert_eq!(got.pool.value_of(got.pool.cooling_shares), Some(900 * IO));
    assert_eq!(token::supply(&w.svm, &w.d.io_mint), Some(supply - 500 * IO));
    assert_eq!(w.balance(&pdas::stake_vault(&n.node)), 4_500 * IO);
    let ledger: io_rewards::state::RewardsConfig = w.account(&w.d.rewards_config);
    assert_eq!(ledger.burned, 500 * IO);

    // A deposit after the slash buys shares at the new price.
    let (d3, _) = delegator(&mut w, &n.node, 900 * IO);
    let p3 = position(&w, &n.node, &d3.pubkey());
    assert_eq!(p3.shares, 1_000 * u128::from(IO));

    // The ticket pays its slashed value after the cooldown; the slash never blocks it.
    w.warp(WEEK);
    let ix = w.d.withdraw(&d2.pubkey(), &n.node, 1, &d2_io);
    w.send(&d2, &[], &[ix]).unwrap();
    assert_eq!(w.balance(&d2_io), 900 * IO);
    assert_eq!(w.balance(&d1_io), 0);

    // A slash larger than the pool takes what is there.
    let ix = slash_ix(&w, &n.node, 8, 1_000_000 * IO);
    let meta = w.send(&admin, &[], &[ix]).unwrap();
    let ev = events::decode::<NodeSlashed>(&meta.logs);
    assert_eq!(ev[0].amount, 4_500 * IO);
    assert!(node(&w, &n.node).pool.is_wiped());
    w.give_io(&d1_io, IO);
    let ix = w.d.delegate(&d1.pubkey(), &n.node, &d1_io, IO);
    assert_code(w.send(&d1, &[], &[ix]), code(StakingError::PoolWiped));
    let ix = w.d.stake(&n.operator.pubkey(), &n.node, &n.operator_io, IO);
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        code(StakingError::PoolWiped),
    );
}

#[test]
fn only_io_hires_slasher_may_slash_and_only_for_the_nodes_cards() {
    let mut w = World::new();
    let n = staked_node(&mut w);
    let admin = w.admin.insecure_clone();
    for gpus in [0, 9] {
        let ix = slash_ix(&w, &n.node, gpus, 0);
        assert_code(
            w.send(&admin, &[], &[ix]),
            code(StakingError::InvalidSlashGpus),
        );
    }
    // A wallet naming itself the slasher.
    let args = SlashArgs {
        gpus: 1,
        fee_per_gpu_hour: IO,
        reason: 0,
        evidence: [0; 32],
        epoch: 0,
    };
    let ix = w.d.slash(&admin.pubkey(), &n.node, args.clone());
    assert_code(w.send(&admin, &[], &[ix]), code(StakingError::NotSlasher));
    // Another program signing with its own "slasher" PDA.
    let impostor = Pubkey::new_unique();
    add_forwarder(&mut w.svm, impostor);
    let fake = Pubkey::find_program_address(&[seeds::SLASHER], &impostor).0;
    let ix = forwarded(
        &impostor,
        seeds::SLASHER,
        w.d.slash(&fake, &n.node, args.clone()),
    );
    assert_code(w.send(&admin, &[], &[ix]), code(StakingError::NotSlasher));
    // io-rewards' PDAs cannot slash either.
    let ix = w.d.slash(&w.d.attestor, &n.node, args);
    let ix = forwarded(&ids::IO_REWARDS, seeds::ATTESTOR, ix);
    assert_code(w.send(&admin, &[], &[ix]), code(StakingError::NotSlasher));
    assert_eq!(node(&w, &n.node).pool.tokens, 1_000 * IO);
}

#[test]
fn only_io_rewards_attestor_sets_capacity_and_older_epochs_change_nothing() {
    let mut w = World::new();
    let n = register(&mut w, 8, 0);
    let cap = AttestedCapacity {
        epoch: 5,
        class: 1,
        tops_milli: 1,
        uptime_bps: 1,
        epoch_reward: 1,
    };
    let admin = w.admin.insecure_clone();
    let ix =
        w.d.set_attested_capacity(&admin.pubkey(), &n.node, cap.clone());
    assert_code(w.send(&admin, &[], &[ix]), code(StakingError::NotAttestor));
    let ix = w.d.set_attested_capacity(&w.d.slasher, &n.node, cap);
    let ix = forwarded(&ids::IO_HIRE, seeds::SLASHER, ix);
    assert_code(w.send(&admin, &[], &[ix]), code(StakingError::NotAttestor));

    attest(&mut w, &n.node, 5, 2_000, 3);
    attest(&mut w, &n.node, 4, 9_000, 9);
    let a = node(&w, &n.node).attested;
    assert_eq!((a.epoch, a.tops_milli, a.epoch_reward), (5, 2_000, 3));
    attest(&mut w, &n.node, 6, 3_000, 4);
    assert_eq!(node(&w, &n.node).attested.tops_milli, 3_000);
}

#[test]
fn cooldown_tickets_unlock_after_the_cooldown_for_their_owner_only() {
    let mut w = World::new();
    let n = staked_node(&mut w);
    let other = staked_node(&mut w);
    let (d1, d1_io) = delegator(&mut w, &n.node, 500 * IO);
    let shares = position(&w, &n.node, &d1.pubkey()).shares;
    let ix = w.d.undelegate(&d1.pubkey(), &n.node, shares + 1, 1);
    assert_code(w.send(&d1, &[], &[ix]), code(StakingError::NotEnoughShares));
    let ix = w.d.undelegate(&d1.pubkey(), &n.node, 0, 1);
    assert_code(w.send(&d1, &[], &[ix]), code(StakingError::ZeroAmount));
    let ix = w.d.undelegate(&d1.pubkey(), &n.node, shares, 1);
    w.send(&d1, &[], &[ix]).unwrap();
    let t: Ticket = w.account(&pdas::ticket(&n.node, &d1.pubkey(), 1));
    assert_eq!(t.shares, shares);

    let ix = w.d.withdraw(&d1.pubkey(), &n.node, 1, &d1_io);
    assert_code(w.send(&d1, &[], &[ix]), code(StakingError::CooldownNotOver));
    w.warp(WEEK - 10);
    let ix = w.d.withdraw(&d1.pubkey(), &n.node, 1, &d1_io);
    assert_code(w.send(&d1, &[], &[ix]), code(StakingError::CooldownNotOver));
    w.warp(10);

    // Someone else cannot take the ticket, even to their own account.
    let (thief, thief_io) = w.wallet(0);
    let mut ix = w.d.withdraw(&thief.pubkey(), &n.node, 1, &thief_io);
    ix.accounts[3].pubkey = pdas::ticket(&n.node, &d1.pubkey(), 1);
    assert_code(
        w.send(&thief, &[], &[ix]),
        code(StakingError::NotTicketOwner),
    );
    // Nor can the owner drain another node's vault with this node's ticket.
    let mut ix = w.d.withdraw(&d1.pubkey(), &other.node, 1, &d1_io);
    ix.accounts[3].pubkey = pdas::ticket(&n.node, &d1.pubkey(), 1);
    assert_code(w.send(&d1, &[], &[ix]), code(StakingError::WrongNode));
    // Nor with the other node's vault under this node's accounts.
    let mut ix = w.d.withdraw(&d1.pubkey(), &n.node, 1, &d1_io);
    ix.accounts[4].pubkey = pdas::stake_vault(&other.node);
    assert_code(
        w.send(&d1, &[], &[ix]),
        anchor(AnchorError::ConstraintSeeds),
    );

    // Close and reuse: the second withdrawal of the same ticket in one transaction fails
    // and takes the first down with it.
    let ix = w.d.withdraw(&d1.pubkey(), &n.node, 1, &d1_io);
    assert!(w.send(&d1, &[], &[ix.clone(), ix.clone()]).is_err());
    assert_eq!(w.balance(&d1_io), 0);
    w.send(&d1, &[], std::slice::from_ref(&ix)).unwrap();
    assert_eq!(w.balance(&d1_io), 500 * IO);
    assert!(!w.exists(&pdas::ticket(&n.node, &d1.pubkey(), 1)));
    assert!(w.send(&d1, &[], &[ix]).is_err());
    assert_eq!(w.balance(&d1_io), 500 * IO);
    assert_eq!(w.balance(&pdas::stake_vault(&other.node)), 1_000 * IO);
}

#[test]
fn delegators_leave_a_dead_node_and_unasked_tokens_never_block_closing() {
    let mut w = World::new();
    let n = staked_node(&mut w);
    let (d1, d1_io) = delegator(&mut w, &n.node, 200 * IO);
    // Somebody sends tokens straight into the vault: the share price does not move.
    let vault = pdas::stake_vault(&n.node);
    w.give_io(&vault, 77 * IO);
    assert_eq!(node(&w, &n.node).pool.tokens, 1_200 * IO);

    // The operator is gone; the delegator leaves alone.
    let shares = position(&w, &n.node, &d1.pubkey()).shares;
    let ix = w.d.undelegate(&d1.pubkey(), &n.node, shares, 9);
    w.send(&d1, &[], &[ix]).unwrap();
    // Lamports sent unasked to the ticket go back with its rent when it closes.
    let ticket = pdas::ticket(&n.node, &d1.pubkey(), 9);
    w.svm.airdrop(&ticket, 1_000_000).unwrap();
    w.warp(WEEK);
    let before = w.svm.get_balance(&d1.pubkey()).unwrap();
    let ix = w.d.withdraw(&d1.pubkey(), &n.node, 9, &d1_io);
    w.send(&d1, &[], &[ix]).unwrap();
    assert_eq!(w.balance(&d1_io), 200 * IO);
    assert!(!w.exists(&ticket));
    assert!(w.svm.get_balance(&d1.pubkey()).unwrap() > before + 1_000_000 - 10_000);

    // The node cannot close while stake or a position remains.
    let op = n.operator.pubkey();
    let ix =
        w.d.deregister_node(&op, &n.node, &n.worker.pubkey(), &n.operator_io);
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        code(StakingError::NodeNotEmpty),
    );
    let shares = node(&w, &n.node).pool.operator_shares;
    let ix = w.d.unstake(&op, &n.node, shares, 1);
    w.send(&n.operator, &[], &[ix]).unwrap();
    w.warp(WEEK);
    let ix = w.d.withdraw(&op, &n.node, 1, &n.operator_io);
    w.send(&n.operator, &[], &[ix]).unwrap();
    let ix =
        w.d.deregister_node(&op, &n.node, &n.worker.pubkey(), &n.operator_io);
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        code(StakingError::NodeNotEmpty),
    );

    // Anyone may close an empty position; the rent goes to its owner and nobody else.
    let (stranger, _) = w.wallet(0);
    let mut ix = w.d.close_delegation(&n.node, &d1.pubkey());
    ix.accounts[0].pubkey = stranger.pubkey();
    assert_code(
        w.send(&stranger, &[], &[ix]),
        code(StakingError::NotPositionOwner),
    );
    let before = w.svm.get_balance(&d1.pubkey()).unwrap();
    let ix = w.d.close_delegation(&n.node, &d1.pubkey());
    w.send(&stranger, &[], &[ix]).unwrap();
    assert!(w.svm.get_balance(&d1.pubkey()).unwrap() > before);

    let ix =
        w.d.deregister_node(&op, &n.node, &n.worker.pubkey(), &n.operator_io);
    let meta = w.send(&n.operator, &[], &[ix]).unwrap();
    let ev = events::decode::<io_staking::events::NodeDeregistered>(&meta.logs);
    assert_eq!(ev[0].swept, 77 * IO);
    assert_eq!(w.balance(&n.operator_io), 10_000 * IO + 77 * IO);
    for gone in [n.node, vault, pdas::worker_binding(&n.worker.pubkey())] {
        assert!(!w.exists(&gone));
    }
    // The worker key may register again, starting from nothing.
    let ix = w.d.register_node(&op, &n.worker.pubkey(), listing(8));
    w.send(&n.operator, &[&n.worker], &[ix]).unwrap();
    assert_eq!(node(&w, &n.node).pool.tokens, 0);
}

#[test]
fn a_node_with_hires_or_an_open_position_does_not_close() {
    let mut w = World::new();
    let n = register(&mut w, 8, 0);
    set_hired(&mut w, &n.node, 1);
    let op = n.operator.pubkey();
    let ix =
        w.d.deregister_node(&op, &n.node, &n.worker.pubkey(), &n.operator_io);
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        code(StakingError::NodeHired),
    );
    set_hired(&mut w, &n.node, 0);
    let (stranger, _) = w.wallet(0);
    let ix = w.d.deregister_node(
        &stranger.pubkey(),
        &n.node,
        &n.worker.pubkey(),
        &n.operator_io,
    );
    assert_code(
        w.send(&stranger, &[], &[ix]),
        code(StakingError::NotOperator),
    );
}

/// io-hire's escrow authority pays `amount` of `mint` as the delegators' cut.
fn deposit_from_hire(
    w: &mut World,
    node: &Pubkey,
    mint: &Pubkey,
    amount: u64,
) -> ionet_svm::world::TxResult {
    let source = w.token_account(mint, &w.d.escrow_authority.clone());
    if *mint == w.d.io_mint {
        w.give_io(&source, amount);
    } else {
        w.give_iosd(&source, amount);
    }
    let ix =
        w.d.deposit_delegator_rewards(&w.d.escrow_authority, node, mint, &source, amount);
    let ix = forwarded(&ids::IO_HIRE, seeds::ESCROW_AUTHORITY, ix);
    let admin = w.admin.insecure_clone();
    w.send(&admin, &[], &[ix])
}

fn claim(w: &mut World, node: &Pubkey, owner: &Pubkey, mint: &Pubkey, dest: &Pubkey) {
    let ix = w.d.claim_delegator_rewards(node, owner, mint, dest);
    let admin = w.admin.insecure_clone();
    w.send(&admin, &[], &[ix]).unwrap();
}

#[test]
fn delegator_rewards_accrue_per_share_in_both_mints_and_latecomers_get_none() {
    let mut w = World::new();
    let n = staked_node(&mut w);
    let (iom, iosdm) = (w.d.io_mint, w.d.iosd_mint);
    assert_code(
        deposit_from_hire(&mut w, &n.node, &iom, IO),
        code(StakingError::NoDelegators),
    );
    let (a, a_io) = delegator(&mut w, &n.node, 100 * IO);
    let (b, b_io) = delegator(&mut w, &n.node, 300 * IO);
    deposit_from_hire(&mut w, &n.node, &iom, 40 * IO).unwrap();
    deposit_from_hire(&mut w, &n.node, &iosdm, 4_000_000).unwrap();
    let (c, c_io) = delegator(&mut w, &n.node, 600 * IO);

    let a_usd = w.token_account(&iosdm, &a.pubkey());
    claim(&mut w, &n.node, &a.pubkey(), &iom, &a_io);
    claim(&mut w, &n.node, &a.pubkey(), &iosdm, &a_usd);
    claim(&mut w, &n.node, &b.pubkey(), &iom, &b_io);
    claim(&mut w, &n.node, &c.pubkey(), &iom, &c_io);
    assert_eq!(w.balance(&a_io), 10 * IO);
    assert_eq!(w.balance(&a_usd), 1_000_000);
    assert_eq!(w.balance(&b_io), 30 * IO);
    assert_eq!(w.balance(&c_io), 0);
    // A repeated claim pays 0 and succeeds.
    claim(&mut w, &n.node, &a.pubkey(), &iom, &a_io);
    assert_eq!(w.balance(&a_io), 10 * IO);

    // Rewards go only to the owner's accounts; other mints are not reward mints.
    let (thief, thief_io) = w.wallet(0);
    let ix =
        w.d.claim_delegator_rewards(&n.node, &b.pubkey(), &iom, &thief_io);
    assert_code(
        w.send(&thief, &[], &[ix]),
        code(StakingError::NotOwnersAccount),
    );
    let other_mint = Keypair::new();
    token::create_mint(&mut w.svm, &thief, &other_mint, &thief.pubkey(), 6).unwrap();
    let mut ix =
        w.d.claim_delegator_rewards(&n.node, &b.pubkey(), &other_mint.pubkey(), &b_io);
    ix.accounts[4].pubkey = w.d.delegator_rewards_io;
    assert_code(
        w.send(&thief, &[], &[ix]),
        code(StakingError::NotRewardMint),
    );

    // An undelegated position keeps what it earned: its IOSD is still claimable.
    let shares = position(&w, &n.node, &b.pubkey()).shares;
    let ix = w.d.undelegate(&b.pubkey(), &n.node, shares, 1);
    w.send(&b, &[], &[ix]).unwrap();
    let ix = w.d.close_delegation(&n.node, &b.pubkey());
    assert_code(
        w.send(&thief, &[], &[ix]),
        code(StakingError::PositionNotEmpty),
    );
    let b_usd = w.token_account(&iosdm, &b.pubkey());
    claim(&mut w, &n.node, &b.pubkey(), &iosdm, &b_usd);
    assert_eq!(w.balance(&b_usd), 3_000_000);
    let ix = w.d.close_delegation(&n.node, &b.pubkey());
    w.send(&thief, &[], &[ix]).unwrap();
    assert_eq!(node(&w, &n.node).delegations, 2);
}

#[test]
fn only_io_rewards_vault_and_io_hires_escrow_may_deposit_rewards() {
    let mut w = World::new();
    let n = staked_node(&mut w);
    delegator(&mut w, &n.node, 100 * IO);
    let (user, user_io) = w.wallet(10 * IO);
    let ix =
        w.d.deposit_delegator_rewards(&user.pubkey(), &n.node, &w.d.io_mint, &user_io, IO);
    assert_code(
        w.send(&user, &[], &[ix]),
        code(StakingError::NotRewardDepositor),
    );
    let iom = w.d.io_mint;
    let admin = w.admin.insecure_clone();
    let ix =
        w.d.deposit_delegator_rewards(&w.d.escrow_authority, &n.node, &iom, &user_io, 0);
    let ix = forwarded(&ids::IO_HIRE, seeds::ESCROW_AUTHORITY, ix);
    assert_code(w.send(&admin, &[], &[ix]), code(StakingError::ZeroAmount));

    // io-rewards pays the availability cut straight from its vault.
    let vault_before = w.balance(&w.d.rewards_vault);
    let ix = w.d.deposit_delegator_rewards(
        &w.d.rewards_vault_authority,
        &n.node,
        &iom,
        &w.d.rewards_vault,
        5 * IO,
    );
    let ix = forwarded(&ids::IO_REWARDS, seeds::REWARDS_VAULT_AUTHORITY, ix);
    w.send(&admin, &[], &[ix]).unwrap();
    assert_eq!(w.balance(&w.d.rewards_vault), vault_before - 5 * IO);
    assert_eq!(w.balance(&w.d.delegator_rewards_io), 5 * IO);
    assert_eq!(node(&w, &n.node).rewards[0].deposited, 5 * IO);
}

#[test]
fn the_claim_bound_holds_even_if_a_position_were_corrupted() {
    let mut w = World::new();
    let n = staked_node(&mut w);
    let (a, a_io) = delegator(&mut w, &n.node, 100 * IO);
    let iom = w.d.io_mint;
    deposit_from_hire(&mut w, &n.node, &iom, 10 * IO).unwrap();
    // Forge a position that claims more than the node's delegators were ever given.
    let address = pdas::delegation(&n.node, &a.pubkey());
    let mut p = position(&w, &n.node, &a.pubkey());
    p.rewards[0].pending = 10 * IO + 1;
    p.rewards[0].snapshot = node(&w, &n.node).rewards[0].per_share;
    let mut account = w.svm.get_account(&address).unwrap();
    let mut data = vec![];
    p.try_serialize(&mut data).unwrap();
    account.data[..data.len()].copy_from_slice(&data);
    w.svm.set_account(address, account).unwrap();
    let ix =
        w.d.claim_delegator_rewards(&n.node, &a.pubkey(), &iom, &a_io);
    let admin = w.admin.insecure_clone();
    assert_code(
        w.send(&admin, &[], &[ix]),
        code(StakingError::RewardsExceedDeposits),
    );
}

#[test]
fn claiming_touches_the_same_accounts_with_one_or_ten_thousand_delegators() {
    let mut w = World::new();
    let mut params = w.params.staking.clone();
    params.max_delegation_ratio_bps = u32::MAX;
    let ix = w.d.update_staking_params(&w.admin.pubkey(), params);
    let admin = w.admin.insecure_clone();
    w.send(&admin, &[], &[ix]).unwrap();
    let n = staked_node(&mut w);
    let iom = w.d.io_mint;
    let (first, first_io) = delegator(&mut w, &n.node, IO);
    deposit_from_hire(&mut w, &n.node, &iom, IO).unwrap();
    let one =
        w.d.claim_delegator_rewards(&n.node, &first.pubkey(), &iom, &first_io);

    // 9,999 more positions, each through a real `delegate` transaction: the payer funds
    // the delegator's rent and approves it to move 1 $IO from the payer's account.
    let (payer, payer_io) = w.wallet(10_000 * IO);
    w.svm.airdrop(&payer.pubkey(), 40_000_000_000).unwrap();
    let mut last = None;
    for _ in 1..10_000 {
        let owner = Keypair::new();
        let rent = solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &owner.pubkey(),
            2_500_000,
        );
        let approve = spl_token::instruction::approve(
            &spl_token::ID,
            &payer_io,
            &owner.pubkey(),
            &payer.pubkey(),
            &[],
            IO,
        )
        .unwrap();
        let delegate = w.d.delegate(&owner.pubkey(), &n.node, &payer_io, IO);
        w.send(&payer, &[&owner], &[rent, approve, delegate])
            .unwrap();
        last = Some(owner);
    }
    let last = last.unwrap();
    assert_eq!(node(&w, &n.node).delegations, 10_000);
    deposit_from_hire(&mut w, &n.node, &iom, 10_000 * IO).unwrap();
    let last_io = w.token_account(&iom, &last.pubkey());
    let many =
        w.d.claim_delegator_rewards(&n.node, &last.pubkey(), &iom, &last_io);

    // The same accounts but the position and its owner's destination, same data.
    let shape = |ix: &Instruction| -> Vec<(bool, bool)> {
        ix.accounts
            .iter()
            .map(|m| (m.is_signer, m.is_writable))
            .collect()
    };
    assert_eq!(shape(&one), shape(&many));
    assert_eq!(one.data, many.data);
    let differs: Vec<usize> = (0..one.accounts.len())
        .filter(|&i| one.accounts[i].pubkey != many.accounts[i].pubkey)
        .collect();
    assert_eq!(differs, vec![2, 6]);
    let meta = w.send(&admin, &[], &[many]).unwrap();
    assert_eq!(w.balance(&last_io), IO); // 10,000 $IO over 10,000 equal positions
    let meta_one = w.send(&admin, &[], &[one]).unwrap();
    assert_eq!(w.balance(&first_io), IO + IO);
    assert_eq!(meta.logs.len(), meta_one.logs.len());
}

#[test]
fn governance_needs_the_admin_and_a_two_step_handover() {
    let mut w = World::new();
    let (attacker, _) = w.wallet(0);
    let mut params = w.params.staking.clone();
    params.cooldown_seconds = 1;
    let ix =
        w.d.update_staking_params(&attacker.pubkey(), params.clone());
    assert_code(w.send(&attacker, &[], &[ix]), code(StakingError::NotAdmin));
    let ix =
        w.d.propose_staking_admin(&attacker.pubkey(), attacker.pubkey());
    assert_code(w.send(&attacker, &[], &[ix]), code(StakingError::NotAdmin));
    // Taking over without being proposed.
    let ix = w.d.accept_staking_admin(&attacker.pubkey());
    assert_code(
        w.send(&attacker, &[], &[ix]),
        code(StakingError::NotPendingAdmin),
    );

    let (next, _) = w.wallet(0);
    let admin = w.admin.insecure_clone();
    let ix = w.d.propose_staking_admin(&admin.pubkey(), next.pubkey());
    w.send(&admin, &[], &[ix]).unwrap();
    let config: StakingConfig = w.account(&w.d.staking_config);
    assert_eq!(
        (config.admin, config.pending_admin),
        (admin.pubkey(), Some(next.pubkey()))
    );
    let ix = w.d.accept_staking_admin(&attacker.pubkey());
    assert_code(
        w.send(&attacker, &[], &[ix]),
        code(StakingError::NotPendingAdmin),
    );
    let ix = w.d.accept_staking_admin(&next.pubkey());
    w.send(&next, &[], &[ix]).unwrap();
    let ix = w.d.update_staking_params(&admin.pubkey(), params.clone());
    assert_code(w.send(&admin, &[], &[ix]), code(StakingError::NotAdmin));
    params.cooldown_seconds = 0;
    let ix = w.d.update_staking_params(&next.pubkey(), params.clone());
    assert_code(
        w.send(&next, &[], &[ix]),
        code(StakingError::InvalidCooldown),
    );
    params.cooldown_seconds = 60;
    let ix = w.d.update_staking_params(&next.pubkey(), params);
    w.send(&next, &[], &[ix]).unwrap();
    let config: StakingConfig = w.account(&w.d.staking_config);
    assert_eq!((config.admin, config.pending_admin), (next.pubkey(), None));
    assert_eq!(config.params.cooldown_seconds, 60);
}

#[test]
fn forged_accounts_are_refused() {
    let mut w = World::new();
    let n = staked_node(&mut w);
    let (d1, d1_io) = delegator(&mut w, &n.node, 100 * IO);
    let (mallory, m_io) = w.wallet(100 * IO);

    // Another user's position: the PDA is the signer's, so the victim's does not fit.
    let mut ix = w.d.undelegate(&mallory.pubkey(), &n.node, 1, 1);
    ix.accounts[3].pubkey = pdas::delegation(&n.node, &d1.pubkey());
    assert_code(
        w.send(&mallory, &[], &[ix]),
        anchor(AnchorError::ConstraintSeeds),
    );

    // A missing signer: the operator's stake instruction without its signature.
    let mut ix = w.d.stake(&n.operator.pubkey(), &n.node, &m_io, IO);
    ix.accounts[0].is_signer = false;
    assert_code(
        w.send(&mallory, &[], &[ix]),
        anchor(AnchorError::AccountNotSigner),
    );

    // Account type cosplay: a Ticket where a Node belongs.
    let ix = w.d.undelegate(&d1.pubkey(), &n.node, 1, 3);
    w.send(&d1, &[], &[ix]).unwrap();
    let ticket = pdas::ticket(&n.node, &d1.pubkey(), 3);
    let mut ix = w.d.stake(&n.operator.pubkey(), &n.node, &n.operator_io, IO);
    ix.accounts[2].pubkey = ticket;
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        anchor(AnchorError::AccountDiscriminatorMismatch),
    );

    // A wrong owner: the node's bytes copied into an account owned by someone else.
    let mut copy = w.svm.get_account(&n.node).unwrap();
    copy.owner = mallory.pubkey();
    let fake = Pubkey::new_unique();
    w.svm.set_account(fake, copy).unwrap();
    let mut ix = w.d.stake(&n.operator.pubkey(), &n.node, &n.operator_io, IO);
    ix.accounts[2].pubkey = fake;
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        anchor(AnchorError::AccountOwnedByWrongProgram),
    );

    // A fake token program.
    let mut ix = w.d.delegate(&mallory.pubkey(), &n.node, &m_io, IO);
    ix.accounts[6].pubkey = Pubkey::new_unique();
    assert_code(
        w.send(&mallory, &[], &[ix]),
        anchor(AnchorError::InvalidProgramId),
    );

    // Duplicate mutable accounts: the vault as its own source moves nothing.
    let vault = pdas::stake_vault(&n.node);
    let ix = w.d.delegate(&mallory.pubkey(), &n.node, &vault, IO);
    assert!(w.send(&mallory, &[], &[ix]).is_err());

    // A non-canonical bump: the vault address under another bump is no vault.
    let canonical =
        Pubkey::find_program_address(&[seeds::STAKE_VAULT, n.node.as_ref()], &ids::IO_STAKING);
    let other = (0..canonical.1)
        .rev()
        .find_map(|b| {
            Pubkey::create_program_address(
                &[seeds::STAKE_VAULT, n.node.as_ref(), &[b]],
                &ids::IO_STAKING,
            )
            .ok()
        })
        .unwrap();
    let mut ix = w.d.stake(&n.operator.pubkey(), &n.node, &n.operator_io, IO);
    ix.accounts[3].pubkey = other;
    assert!(w.send(&n.operator, &[], &[ix]).is_err());

    // Nothing moved.
    assert_eq!(w.balance(&m_io), 100 * IO);
    assert_eq!(w.balance(&d1_io), 0);
    assert_eq!(node(&w, &n.node).pool.tokens, 1_100 * IO);
    assert_eq!(w.balance(&vault), 1_100 * IO);
}

#[test]
fn initialization_is_the_deployers_once_with_one_fixed_io_mint() {
    use ionet_svm::deploy::{install_program_data, GenesisParams};
    let mut w = World::new();
    let admin = w.admin.insecure_clone();
    let p = GenesisParams::default();
    // Re-initialization.
    let ix = w.d.initialize_staking(&admin.pubkey(), p.staking.clone());
    assert!(w.send(&admin, &[], &[ix]).is_err());

    // A fresh chain where an attacker tries to initialize before the deployer.
    let mut svm = ionet_svm::ionet_svm();
    let (deployer, attacker) = (Keypair::new(), Keypair::new());
    for k in [&deployer, &attacker] {
        svm.airdrop(&k.pubkey(), 100_000_000_000).unwrap();
    }
    let (io, iosd) = (Keypair::new(), Keypair::new());
    token::create_mint(&mut svm, &attacker, &io, &attacker.pubkey(), 8).unwrap();
    token::create_mint(&mut svm, &attacker, &iosd, &attacker.pubkey(), 6).unwrap();
    for program in [ids::IO_STAKING, ids::IO_HIRE, ids::IO_REWARDS] {
        install_program_data(&mut svm, &program, &deployer.pubkey());
    }
    let d = Deployment::addresses(attacker.pubkey(), io.pubkey(), iosd.pubkey());
    let src = Keypair::new();
    token::create_token_account(&mut svm, &attacker, &src, &io.pubkey(), &attacker.pubkey())
        .unwrap();
    let rewards_code = |e: io_rewards::errors::RewardsError| ANCHOR_ERROR_OFFSET + e as u32;
    let r = token::send(
        &mut svm,
        &attacker,
        &[],
        &[d.initialize_rewards(&attacker.pubkey(), &src.pubkey(), p.rewards.clone())],
    );
    assert_code(
        r,
        rewards_code(io_rewards::errors::RewardsError::NotDeployer),
    );
    let r = token::send(
        &mut svm,
        &attacker,
        &[],
        &[d.initialize_staking(&attacker.pubkey(), p.staking.clone())],
    );
    assert!(r.is_err()); // io-rewards' vault does not exist yet
    let r = token::send(
        &mut svm,
        &attacker,
        &[],
        &[d.initialize_hire(&attacker.pubkey(), p.hire.clone())],
    );
    assert!(r.is_err());

    // The deployer with a mint that still has a mint authority, then a freeze authority.
    let d = Deployment::addresses(deployer.pubkey(), io.pubkey(), iosd.pubkey());
    let src = Keypair::new();
    token::create_token_account(&mut svm, &deployer, &src, &io.pubkey(), &deployer.pubkey())
        .unwrap();
    let r = token::send(
        &mut svm,
        &deployer,
        &[],
        &[d.initialize_rewards(&deployer.pubkey(), &src.pubkey(), p.rewards.clone())],
    );
    assert_code(
        r,
        rewards_code(io_rewards::errors::RewardsError::IoMintAuthority),
    );
    let frozen = Keypair::new();
    let space = 82; // spl_token::state::Mint::LEN
    let create = solana_system_interface::instruction::create_account(
        &deployer.pubkey(),
        &frozen.pubkey(),
        svm.minimum_balance_for_rent_exemption(space),
        space as u64,
        &spl_token::ID,
    );
    let init = spl_token::instruction::initialize_mint2(
        &spl_token::ID,
        &frozen.pubkey(),
        &deployer.pubkey(),
        Some(&deployer.pubkey()),
        8,
    )
    .unwrap();
    let revoke = spl_token::instruction::set_authority(
        &spl_token::ID,
        &frozen.pubkey(),
        None,
        spl_token::instruction::AuthorityType::MintTokens,
        &deployer.pubkey(),
        &[],
    )
    .unwrap();
    token::send(&mut svm, &deployer, &[&frozen], &[create, init, revoke]).unwrap();
    let df = Deployment::addresses(deployer.pubkey(), frozen.pubkey(), iosd.pubkey());
    let src = Keypair::new();
    token::create_token_account(
        &mut svm,
        &deployer,
        &src,
        &frozen.pubkey(),
        &deployer.pubkey(),
    )
    .unwrap();
    let r = token::send(
        &mut svm,
        &deployer,
        &[],
        &[df.initialize_rewards(&deployer.pubkey(), &src.pubkey(), p.rewards.clone())],
    );
    assert_code(
        r,
        rewards_code(io_rewards::errors::RewardsError::IoFreezeAuthority),
    );
    let _ = d;
}

/// A fresh chain where the deployer ran the first half of genesis and io-rewards.
fn chain_with_rewards() -> (litesvm::LiteSVM, Keypair, Deployment, Keypair) {
    use ionet_svm::deploy::{prepare_genesis, GenesisParams};
    let mut svm = ionet_svm::ionet_svm();
    let deployer = Keypair::new();
    svm.airdrop(&deployer.pubkey(), 100_000_000_000).unwrap();
    let iosd = Keypair::new();
    let d = prepare_genesis(&mut svm, &deployer, &deployer, &Keypair::new(), &iosd).unwrap();
    let ix = d.initialize_rewards(
        &deployer.pubkey(),
        &d.genesis_io,
        GenesisParams::default().rewards,
    );
    token::send(&mut svm, &deployer, &[], &[ix]).unwrap();
    (svm, deployer, d, iosd)
}

#[test]
fn io_staking_and_io_hire_take_their_mints_from_io_rewards() {
    use ionet_svm::deploy::GenesisParams;
    let p = GenesisParams::default();
    let hire_code = |e: io_hire::errors::HireError| ANCHOR_ERROR_OFFSET + e as u32;
    let (mut svm, deployer, d, iosd) = chain_with_rewards();
    let ix = d.initialize_staking(&deployer.pubkey(), p.staking.clone());
    let before = svm.get_account(&d.rewards_vault).unwrap();

    // Someone other than the deployer.
    let attacker = Keypair::new();
    svm.airdrop(&attacker.pubkey(), 10_000_000_000).unwrap();
    let mut a = ix.clone();
    a.accounts[0].pubkey = attacker.pubkey();
    assert_code(
        token::send(&mut svm, &attacker, &[], &[a]),
        code(StakingError::NotDeployer),
    );

    // Another $IO mint than io-rewards' vault holds.
    let other = Keypair::new();
    token::create_mint(&mut svm, &deployer, &other, &deployer.pubkey(), 8).unwrap();
    let wrong = Deployment::addresses(deployer.pubkey(), other.pubkey(), iosd.pubkey());
    let mut a = wrong.initialize_staking(&deployer.pubkey(), p.staking.clone());
    a.accounts[5].pubkey = d.rewards_vault;
    assert_code(
        token::send(&mut svm, &deployer, &[], &[a]),
        code(StakingError::MintMismatch),
    );

    // IOSD equal to $IO (its reward pot would be the $IO one), or not 6 decimals.
    let same = Deployment::addresses(deployer.pubkey(), d.io_mint, d.io_mint);
    let a = same.initialize_staking(&deployer.pubkey(), p.staking.clone());
    assert!(token::send(&mut svm, &deployer, &[], &[a]).is_err());
    let usd8 = Keypair::new();
    token::create_mint(&mut svm, &deployer, &usd8, &deployer.pubkey(), 8).unwrap();
    let bad = Deployment::addresses(deployer.pubkey(), d.io_mint, usd8.pubkey());
    let a = bad.initialize_staking(&deployer.pubkey(), p.staking.clone());
    assert_code(
        token::send(&mut svm, &deployer, &[], &[a]),
        code(StakingError::IosdDecimals),
    );
    let mut bad_params = p.staking.clone();
    bad_params.io_per_tops = 0;
    let a = d.initialize_staking(&deployer.pubkey(), bad_params);
    assert_code(
        token::send(&mut svm, &deployer, &[], &[a]),
        code(StakingError::InvalidIoPerTops),
    );
    assert_eq!(svm.get_account(&d.rewards_vault).unwrap(), before);

    token::send(&mut svm, &deployer, &[], &[ix]).unwrap();

    // io-hire: the deployer only, and the same mints as the other two configs.
    let mut a = d.initialize_hire(&deployer.pubkey(), p.hire.clone());
    a.accounts[0].pubkey = attacker.pubkey();
    assert_code(
        token::send(&mut svm, &attacker, &[], &[a]),
        hire_code(io_hire::errors::HireError::NotDeployer),
    );
    let usd = Keypair::new();
    token::create_mint(&mut svm, &deployer, &usd, &deployer.pubkey(), 6).unwrap();
    let other_usd = Deployment::addresses(deployer.pubkey(), d.io_mint, usd.pubkey());
    let a = other_usd.initialize_hire(&deployer.pubkey(), p.hire.clone());
    assert_code(
        token::send(&mut svm, &deployer, &[], &[a]),
        hire_code(io_hire::errors::HireError::MintMismatch),
    );
    token::send(
        &mut svm,
        &deployer,
        &[],
        &[d.initialize_hire(&deployer.pubkey(), p.hire)],
    )
    .unwrap();
}

#[test]
fn the_record_burn_discriminator_is_io_rewards_own() {
    use anchor_lang::Discriminator;
    assert_eq!(
        io_staking::instructions::slash::RECORD_BURN_DISCRIMINATOR.as_slice(),
        io_rewards::instruction::RecordBurn::DISCRIMINATOR
    );
}

/// One step of a random staking history, by actor index (0 is the operator).
#[derive(Clone, Debug)]
enum Step {
    Stake(u64),
    Delegate(usize, u64),
    Undelegate(usize, u8),
    Unstake(u8),
    Withdraw(usize),
    Slash(u16, u64),
    Reward(u64),
    Claim(usize),
    Wait,
}

fn step() -> impl proptest::strategy::Strategy<Value = Step> {
    use proptest::prelude::*;
    prop_oneof![
        (1..500u64).prop_map(Step::Stake),
        (1..4usize, 1..300u64).prop_map(|(a, x)| Step::Delegate(a, x)),
        (1..4usize, 1..=100u8).prop_map(|(a, p)| Step::Undelegate(a, p)),
        (1..=100u8).prop_map(Step::Unstake),
        (0..4usize).prop_map(Step::Withdraw),
        (1..=8u16, 0..400u64).prop_map(|(g, f)| Step::Slash(g, f)),
        (1..100u64).prop_map(Step::Reward),
        (1..4usize).prop_map(Step::Claim),
        Just(Step::Wait),
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, ..Default::default() })]

    /// Random histories through real transactions: after every step, the $IO in every
    /// account plus what was burned is the genesis supply; at the end everyone leaves
    /// and every share redeems.
    #[test]
    fn random_histories_conserve_io_and_every_share_redeems(steps in proptest::collection::vec(step(), 1..30)) {
        let mut w = World::new();
        let n = staked_node(&mut w);
        let iom = w.d.io_mint;
        let mut actors = vec![(n.operator.insecure_clone(), n.operator_io)];
        for _ in 1..4 {
            actors.push(w.wallet(2_000 * IO));
        }
        let mut tickets: Vec<Vec<u64>> = vec![vec![]; 4];
        let mut next_ticket = 0u64;
        let mut tracked = vec![w.d.genesis_io, w.d.rewards_vault, w.d.delegator_rewards_io, pdas::stake_vault(&n.node)];
        tracked.extend(actors.iter().map(|a| a.1));
        let escrow = w.token_account(&iom, &w.d.escrow_authority.clone());
        tracked.push(escrow);
        let admin = w.admin.insecure_clone();
        for s in steps {
            let r = match s {
                Step::Stake(x) => w.send(&n.operator, &[], &[w.d.stake(&n.operator.pubkey(), &n.node, &n.operator_io, x * IO)]).map(|_| ()),
                Step::Delegate(a, x) => {
                    let (k, io) = (actors[a].0.insecure_clone(), actors[a].1);
                    w.send(&k, &[], &[w.d.delegate(&k.pubkey(), &n.node, &io, x * IO)]).map(|_| ())
                }
                Step::Undelegate(a, pct) => {
                    let k = actors[a].0.insecure_clone();
                    let addr = pdas::delegation(&n.node, &k.pubkey());
                    let shares = if w.exists(&addr) { w.account::<Delegation>(&addr).shares } else { 0 };
                    next_ticket += 1;
                    let r = w.send(&k, &[], &[w.d.undelegate(&k.pubkey(), &n.node, shares * u128::from(pct) / 100, next_ticket)]);
                    if r.is_ok() { tickets[a].push(next_ticket); }
                    r.map(|_| ())
                }
                Step::Unstake(pct) => {
                    let shares = node(&w, &n.node).pool.operator_shares * u128::from(pct) / 100;
                    next_ticket += 1;
                    let r = w.send(&n.operator, &[], &[w.d.unstake(&n.operator.pubkey(), &n.node, shares, next_ticket)]);
                    if r.is_ok() { tickets[0].push(next_ticket); }
                    r.map(|_| ())
                }
                Step::Withdraw(a) => match tickets[a].first().copied() {
                    Some(t) => {
                        let (k, io) = (actors[a].0.insecure_clone(), actors[a].1);
                        let r = w.send(&k, &[], &[w.d.withdraw(&k.pubkey(), &n.node, t, &io)]);
                        if r.is_ok() { tickets[a].remove(0); }
                        r.map(|_| ())
                    }
                    None => Ok(()),
                },
                Step::Slash(g, f) => w.send(&admin, &[], &[slash_ix(&w, &n.node, g, f * IO)]).map(|_| ()),
                Step::Reward(x) => {
                    w.give_io(&escrow, x * IO);
                    let ix = w.d.deposit_delegator_rewards(&w.d.escrow_authority, &n.node, &iom, &escrow, x * IO);
                    w.send(&admin, &[], &[forwarded(&ids::IO_HIRE, seeds::ESCROW_AUTHORITY, ix)]).map(|_| ())
                }
                Step::Claim(a) => {
                    let (k, io) = (actors[a].0.pubkey(), actors[a].1);
                    if w.exists(&pdas::delegation(&n.node, &k)) {
                        w.send(&admin, &[], &[w.d.claim_delegator_rewards(&n.node, &k, &iom, &io)]).map(|_| ())
                    } else { Ok(()) }
                }
                Step::Wait => { w.warp(WEEK); Ok(()) }
            };
            // A refused step (a cap, a wiped pool, a cooldown) changes nothing; either way
            // the books balance.
            let _ = r;
            io_conserved(&w, &tracked);
        }
        // Everyone leaves after the cooldown.
        for a in 0..4 {
            let k = actors[a].0.insecure_clone();
            let shares = if a == 0 {
                node(&w, &n.node).pool.operator_shares
            } else {
                let addr = pdas::delegation(&n.node, &k.pubkey());
                if w.exists(&addr) { w.account::<Delegation>(&addr).shares } else { 0 }
            };
            if shares > 0 {
                next_ticket += 1;
                let ix = if a == 0 { w.d.unstake(&k.pubkey(), &n.node, shares, next_ticket) } else { w.d.undelegate(&k.pubkey(), &n.node, shares, next_ticket) };
                w.send(&k, &[], &[ix]).unwrap();
                tickets[a].push(next_ticket);
            }
        }
        w.warp(WEEK);
        for a in 0..4 {
            let (k, io) = (actors[a].0.insecure_clone(), actors[a].1);
            for t in std::mem::take(&mut tickets[a]) {
                w.send(&k, &[], &[w.d.withdraw(&k.pubkey(), &n.node, t, &io)]).unwrap();
            }
        }
        let pool = node(&w, &n.node).pool;
        proptest::prop_assert_eq!(pool.total_shares(), Some(0));
        proptest::prop_assert_eq!(pool.tokens, 0);
        proptest::prop_assert_eq!(w.balance(&pdas::stake_vault(&n.node)), pool.dust);
        proptest::prop_assert!(pool.dust <= 64, "dust {}", pool.dust);
        io_conserved(&w, &tracked);
    }
}

#[test]
fn arithmetic_that_would_overflow_is_an_error_not_a_wrap() {
    let mut w = World::new();
    let n = staked_node(&mut w);
    let mut forged = node(&w, &n.node);
    forged.pool.tokens = u64::MAX - 10;
    let mut account = w.svm.get_account(&n.node).unwrap();
    let mut data = vec![];
    forged.try_serialize(&mut data).unwrap();
    account.data[..data.len()].copy_from_slice(&data);
    w.svm.set_account(n.node, account).unwrap();
    let ix =
        w.d.stake(&n.operator.pubkey(), &n.node, &n.operator_io, 100 * IO);
    assert_code(
        w.send(&n.operator, &[], &[ix]),
        code(StakingError::Overflow),
    );
    assert_eq!(w.balance(&n.operator_io), 9_000 * IO);
}

#[test]
fn only_io_hires_assigner_reserves_gpus_and_never_more_than_are_free() {
    let mut w = World::new();
    let n = staked_node(&mut w);
    let admin = w.admin.insecure_clone();
    let assigner = Pubkey::find_program_address(&[seeds::ASSIGNER], &ids::IO_HIRE).0;
    let ix = w.d.hire_gpus(&admin.pubkey(), &n.node, 1, true);
    assert_code(w.send(&admin, &[], &[ix]), code(StakingError::NotAssigner));
    let as_hire = |w: &World, gpus, reserve| {
        forwarded(
            &ids::IO_HIRE,
            seeds::ASSIGNER,
            w.d.hire_gpus(&assigner, &n.node, gpus, reserve),
        )
    };
    w.send(&admin, &[], &[as_hire(&w, 6, true)]).unwrap();
    assert_eq!(node(&w, &n.node).free_gpus(), 2);
    assert_code(
        w.send(&admin, &[], &[as_hire(&w, 3, true)]),
        code(StakingError::NotEnoughFreeGpus),
    );
    w.send(&admin, &[], &[as_hire(&w, 6, false)]).unwrap();
    assert_code(
        w.send(&admin, &[], &[as_hire(&w, 1, false)]),
        code(StakingError::Overflow),
    );
    assert_eq!(node(&w, &n.node).hired_gpus, 0);
}
