//! Writes what the Rust side produces — account bytes, an event, an instruction — to
//! `testdata/fixtures/io_rewards.json`, where the Go bindings' test decodes and rebuilds
//! them, so both sides provably agree on layouts. The file is committed; this test
//! fails when it would change. `IONET_UPDATE_FIXTURES=1` rewrites it.

use anchor_lang::AccountDeserialize;
use anchor_spl::token::spl_token;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ionet_svm::deploy::{deploy, Deployment, GenesisParams, IO};
use ionet_svm::{ionet_svm, token};
use serde_json::{json, Value};
use solana_keypair::Keypair;
use solana_signer::Signer;

fn key(n: u8) -> Keypair {
    Keypair::new_from_array([n; 32])
}

fn fixture() -> Value {
    let mut svm = ionet_svm();
    let (admin, mint_authority, keeper) = (key(1), key(2), key(3));
    svm.airdrop(&admin.pubkey(), 100_000_000_000).unwrap();
    svm.airdrop(&keeper.pubkey(), 10_000_000_000).unwrap();
    let params = GenesisParams::default();
    let d = deploy(&mut svm, &admin, &mint_authority, &key(4), &key(5), &params).unwrap();

    let source = key(6);
    token::create_token_account(&mut svm, &admin, &source, &d.io_mint, &keeper.pubkey()).unwrap();
    let bond = params.rewards.keeper_bond;
    let fund = spl_token::instruction::transfer(
        &spl_token::ID,
        &d.genesis_io,
        &source.pubkey(),
        &admin.pubkey(),
        &[],
        bond,
    )
    .unwrap();
    token::send(&mut svm, &admin, &[], &[fund]).unwrap();

    let keeper_pda = Deployment::keeper(&keeper.pubkey());
    let endpoint = "http://127.0.0.1:7070";
    let ix = d.register_keeper(&keeper.pubkey(), &source.pubkey(), endpoint);
    let meta = token::send(&mut svm, &keeper, &[], std::slice::from_ref(&ix)).unwrap();
    let event = meta
        .logs
        .iter()
        .find_map(|l| l.strip_prefix("Program data: "))
        .expect("KeeperRegistered event in the logs");

    let config_data = svm.get_account(&d.rewards_config).unwrap().data;
    let c = io_rewards::state::RewardsConfig::try_deserialize(&mut &config_data[..]).unwrap();
    let keeper_data = svm.get_account(&keeper_pda).unwrap().data;
    let k = io_rewards::state::Keeper::try_deserialize(&mut &keeper_data[..]).unwrap();
    assert_eq!(k.bond, bond);
    assert!(bond > IO);

    json!({
        "rewards_config": {
            "address": d.rewards_config.to_string(),
            "data": B64.encode(&config_data),
            "fields": {
                "admin": c.admin.to_string(),
                "io_mint": c.io_mint.to_string(),
                "vault": c.vault.to_string(),
                "keeper_bonds": c.keeper_bonds.to_string(),
                "genesis_ts": c.params.genesis_ts,
                "epoch_seconds": c.params.epoch_seconds,
                "initial_epoch_emission": c.params.initial_epoch_emission,
                "halving_epochs": c.params.halving_epochs,
                "halving_ratio_bps": c.params.halving_ratio_bps,
                "emission_cap": c.params.emission_cap,
                "keeper_bond": c.params.keeper_bond,
                "quorum_num": c.params.quorum_num,
                "quorum_den": c.params.quorum_den,
                "uptime_threshold_bps": c.params.uptime_threshold_bps,
                "keeper_count": c.keeper_count,
                "emitted": c.emitted,
                "burned": c.burned,
                "bump": c.bump,
                "vault_bump": c.vault_bump,
                "keeper_bonds_bump": c.keeper_bonds_bump,
                "vault_authority_bump": c.vault_authority_bump,
                "keeper_bonds_authority_bump": c.keeper_bonds_authority_bump,
            },
        },
        "keeper": {
            "address": keeper_pda.to_string(),
            "data": B64.encode(&keeper_data),
            "fields": {
                "authority": k.authority.to_string(),
                "bond": k.bond,
                "endpoint": k.endpoint,
                "registered_at": k.registered_at,
                "bump": k.bump,
            },
        },
        "keeper_registered_event": { "data": event },
        "register_keeper_instruction": {
            "program_id": ix.program_id.to_string(),
            "data": B64.encode(&ix.data),
            "endpoint": endpoint,
            "accounts": ix.accounts.iter().map(|m| json!({
                "pubkey": m.pubkey.to_string(),
                "is_signer": m.is_signer,
                "is_writable": m.is_writable,
            })).collect::<Vec<_>>(),
        },
    })
}

/// io-staking's side: a node with operator stake and one delegation in cooldown.
fn staking_fixture() -> Value {
    use io_staking::instructions::RegisterNodeArgs;
    use io_staking::state::{Delegation, Node, NodeSpec, StakingConfig, Ticket};
    use ionet_svm::staking as pdas;

    let mut svm = ionet_svm();
    let (admin, iosd_authority, operator, worker, delegator) =
        (key(11), key(12), key(13), key(14), key(15));
    for k in [&admin, &operator, &delegator] {
        svm.airdrop(&k.pubkey(), 100_000_000_000).unwrap();
    }
    let d = deploy(
        &mut svm,
        &admin,
        &iosd_authority,
        &key(16),
        &key(17),
        &GenesisParams::default(),
    )
    .unwrap();
    let fund = |svm: &mut litesvm::LiteSVM, account: &Keypair, owner: &Keypair, amount: u64| {
        token::create_token_account(svm, &admin, account, &d.io_mint, &owner.pubkey()).unwrap();
        let ix = spl_token::instruction::transfer(
            &spl_token::ID,
            &d.genesis_io,
            &account.pubkey(),
            &admin.pubkey(),
            &[],
            amount,
        )
        .unwrap();
        token::send(svm, &admin, &[], &[ix]).unwrap();
    };
    let (op_io, del_io) = (key(18), key(19));
    fund(&mut svm, &op_io, &operator, 5_000 * IO);
    fund(&mut svm, &del_io, &delegator, 1_000 * IO);

    let args = RegisterNodeArgs {
        spec: NodeSpec {
            gpu_class: 1,
            gpu_count: 8,
            vram_mib_per_gpu: 81_920,
            vcpus: 96,
            ram_gib: 1_024,
            bandwidth_mbps: 10_000,
            location: *b"DE",
            compliance: 0b101,
            nvlink: true,
        },
        ask_micro_usd: 2_150_000,
        endpoint: "http://10.1.2.3:7070".into(),
    };
    let register = d.register_node(&operator.pubkey(), &worker.pubkey(), args);
    let meta = token::send(
        &mut svm,
        &operator,
        &[&worker],
        std::slice::from_ref(&register),
    )
    .unwrap();
    let registered = program_data(&meta.logs);
    let node = pdas::node(&worker.pubkey());
    token::send(
        &mut svm,
        &operator,
        &[],
        &[d.stake(&operator.pubkey(), &node, &op_io.pubkey(), 1_000 * IO)],
    )
    .unwrap();
    // Capacity as io-rewards' attestor would set it, so that the node takes delegations.
    let mut n: Node = read(&svm, &node);
    n.attested.tops_milli = 1_979_000;
    n.attested.epoch = 3;
    write(&mut svm, &node, &n);
    let delegate = d.delegate(&delegator.pubkey(), &node, &del_io.pubkey(), 600 * IO);
    let meta = token::send(&mut svm, &delegator, &[], std::slice::from_ref(&delegate)).unwrap();
    let deposited = program_data(&meta.logs);
    let undelegate = d.undelegate(&delegator.pubkey(), &node, 200 * u128::from(IO), 7);
    token::send(&mut svm, &delegator, &[], &[undelegate]).unwrap();

    let n: Node = read(&svm, &node);
    let c: StakingConfig = read(&svm, &d.staking_config);
    let position = pdas::delegation(&node, &delegator.pubkey());
    let p: Delegation = read(&svm, &position);
    let ticket = pdas::ticket(&node, &delegator.pubkey(), 7);
    let t: Ticket = read(&svm, &ticket);
    let raw = |a: &solana_pubkey::Pubkey| B64.encode(svm.get_account(a).unwrap().data);
    let instruction = |ix: &solana_instruction::Instruction| {
        json!({
            "program_id": ix.program_id.to_string(),
            "data": B64.encode(&ix.data),
            "accounts": ix.accounts.iter().map(|m| json!({
                "pubkey": m.pubkey.to_string(),
                "is_signer": m.is_signer,
                "is_writable": m.is_writable,
            })).collect::<Vec<_>>(),
        })
    };
    json!({
        "staking_config": {
            "address": d.staking_config.to_string(),
            "data": raw(&d.staking_config),
            "fields": {
                "admin": c.admin.to_string(),
                "io_mint": c.io_mint.to_string(),
                "iosd_mint": c.iosd_mint.to_string(),
                "slasher": c.slasher.to_string(),
                "attestor": c.attestor.to_string(),
                "min_operator_stake": c.params.min_operator_stake,
                "cooldown_seconds": c.params.cooldown_seconds,
                "bump": c.bump,
            },
        },
        "node": {
            "address": node.to_string(),
            "data": raw(&node),
            "fields": {
                "node_id": n.node_id.to_string(),
                "operator": n.operator.to_string(),
                "worker": n.worker.to_string(),
                "gpu_count": n.spec.gpu_count,
                "location": String::from_utf8(n.spec.location.to_vec()).unwrap(),
                "ask_micro_usd": n.ask_micro_usd,
                "endpoint": n.endpoint,
                "pool_tokens": n.pool.tokens,
                "operator_shares": n.pool.operator_shares.to_string(),
                "delegated_shares": n.pool.delegated_shares.to_string(),
                "cooling_shares": n.pool.cooling_shares.to_string(),
                "delegations": n.delegations,
                "attested_tops_milli": n.attested.tops_milli,
                "bump": n.bump,
                "vault_bump": n.vault_bump,
            },
        },
        "delegation": {
            "address": position.to_string(),
            "data": raw(&position),
            "fields": {
                "node": p.node.to_string(),
                "owner": p.owner.to_string(),
                "shares": p.shares.to_string(),
                "bump": p.bump,
            },
        },
        "ticket": {
            "address": ticket.to_string(),
            "data": raw(&ticket),
            "fields": {
                "node": t.node.to_string(),
                "owner": t.owner.to_string(),
                "id": t.id,
                "shares": t.shares.to_string(),
                "unlocks_at": t.unlocks_at,
            },
        },
        "node_registered_event": { "data": registered },
        "stake_deposited_event": { "data": deposited },
        "register_node_instruction": instruction(&register),
        "delegate_instruction": instruction(&delegate),
    })
}

fn program_data(logs: &[String]) -> String {
    logs.iter()
        .find_map(|l| l.strip_prefix("Program data: "))
        .expect("an event in the logs")
        .to_string()
}

fn read<T: AccountDeserialize>(svm: &litesvm::LiteSVM, address: &solana_pubkey::Pubkey) -> T {
    T::try_deserialize(&mut &svm.get_account(address).unwrap().data[..]).unwrap()
}

fn write<T: anchor_lang::AccountSerialize>(
    svm: &mut litesvm::LiteSVM,
    address: &solana_pubkey::Pubkey,
    value: &T,
) {
    let mut account = svm.get_account(address).unwrap();
    let mut data = vec![];
    value.try_serialize(&mut data).unwrap();
    account.data[..data.len()].copy_from_slice(&data);
    svm.set_account(*address, account).unwrap();
}

/// Compares `value` with the committed fixture at `name`, or rewrites it when
/// `IONET_UPDATE_FIXTURES` is set (never in CI).
fn check_fixture(name: &str, value: &Value) {
    let crate_dir =
        std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR");
    let path = format!("{crate_dir}/../testdata/fixtures/{name}");
    let want = serde_json::to_string_pretty(value).unwrap() + "\n";
    if std::env::var_os("IONET_UPDATE_FIXTURES").is_some() {
        // In CI the check must run, not rewrite what it checks.
        assert!(
            std::env::var_os("CI").is_none(),
            "IONET_UPDATE_FIXTURES is set in CI"
        );
        std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "testdata/fixtures/{name} is stale; run IONET_UPDATE_FIXTURES=1 cargo test -p ionet-svm --test fixtures"
    );
}

#[test]
fn rust_produced_fixtures_are_committed() {
    check_fixture("io_rewards.json", &fixture());
    check_fixture("io_staking.json", &staking_fixture());
}
