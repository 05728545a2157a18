//! Tests against a running chain (no sockets): request shapes end to end, and
//! garbage that must never panic.

use std::sync::Arc;

use serde_json::{json, Value};

use crate::genesis::GenesisOptions;
use crate::rpc::Rpc;
use crate::svm_thread::{self, Handle};

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ionet-localnet-{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Removes the test's ledger directory when dropped.
pub(crate) struct TempLedger(pub(crate) std::path::PathBuf);

impl Drop for TempLedger {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn start(name: &str) -> (Arc<Rpc>, Handle, TempLedger) {
    let dir = temp_dir(name);
    let (rpc, handle) = start_in(&dir);
    (rpc, handle, TempLedger(dir))
}

/// A chain on the ledger in `dir`: genesis if empty, else a restart.
pub(crate) fn start_in(dir: &std::path::Path) -> (Arc<Rpc>, Handle) {
    start_with(dir, None)
}

/// [`start_in`] with `--halving-epochs`.
fn start_with(dir: &std::path::Path, halving_epochs: Option<u64>) -> (Arc<Rpc>, Handle) {
    start_opts(dir, halving_epochs, None)
}

fn start_opts(
    dir: &std::path::Path,
    halving_epochs: Option<u64>,
    no_genesis: Option<solana_pubkey::Pubkey>,
) -> (Arc<Rpc>, Handle) {
    let opts = svm_thread::Options {
        ledger: dir.to_path_buf(),
        reset: false,
        genesis: GenesisOptions {
            genesis_unix: 1_700_000_000,
            slot_ms: 400,
            epoch_seconds: 60,
            halving_epochs,
            no_genesis,
            faucet_sol: 1_000_000,
        },
        tx_history: 1000,
        snapshot_bytes: 1 << 20,
    };
    let (handle, file, _join) = svm_thread::start(opts).unwrap();
    (
        Arc::new(Rpc {
            handle: handle.clone(),
            genesis: Arc::new(file),
            metrics: crate::metrics::Metrics::new(crate::rpc::METHODS),
        }),
        handle,
    )
}

async fn rewards_params(rpc: &Rpc) -> io_rewards::params::RewardsParams {
    let v = call(
        rpc,
        "getAccountInfo",
        json!([rpc.genesis.configs.rewards, {"encoding": "base64"}]),
    )
    .await;
    let data = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        v["result"]["value"]["data"][0].as_str().unwrap(),
    )
    .unwrap();
    <io_rewards::state::RewardsConfig as anchor_lang::AccountDeserialize>::try_deserialize(
        &mut &data[..],
    )
    .unwrap()
    .params
}

#[tokio::test]
async fn halving_epochs_reach_io_rewards_at_genesis_only() {
    let dir = TempLedger(temp_dir("halving"));
    let (rpc, handle) = start_with(&dir.0, Some(3));
    let p = rewards_params(&rpc).await;
    assert_eq!(p.halving_epochs, 3);
    p.validate().unwrap();
    // Only the period changed: the rest is the design's defaults for 60 s epochs.
    let want = crate::genesis::params(60, None).unwrap().rewards;
    assert_eq!(
        (
            p.initial_epoch_emission,
            p.halving_ratio_bps,
            p.emission_cap
        ),
        (
            want.initial_epoch_emission,
            want.halving_ratio_bps,
            want.emission_cap
        )
    );
    handle.shutdown().await;
    drop(rpc);
    // A restart keeps the ledger's schedule whatever the flag says.
    let (rpc, handle) = start_with(&dir.0, Some(5));
    assert_eq!(rewards_params(&rpc).await.halving_epochs, 3);
    handle.shutdown().await;
    drop(rpc);
    let (rpc, handle) = start_with(&dir.0, None);
    assert_eq!(rewards_params(&rpc).await.halving_epochs, 3);
    handle.shutdown().await;
}

/// `--no-genesis`: the programs with the given upgrade authority, and nothing else; a
/// restart keeps it so.
#[tokio::test]
async fn no_genesis_leaves_only_the_programs() {
    let dir = TempLedger(temp_dir("no-genesis"));
    let authority = solana_pubkey::Pubkey::new_unique();
    for _ in 0..2 {
        let (rpc, handle) = start_opts(&dir.0, None, Some(authority));
        assert_eq!(rpc.genesis.cluster, "ionet-localnet (no genesis)");
        assert!(rpc.genesis.mints.io.is_empty() && rpc.genesis.configs.rewards.is_empty());
        for program in [
            ionet_svm::ids::IO_STAKING,
            ionet_svm::ids::IO_HIRE,
            ionet_svm::ids::IO_REWARDS,
        ] {
            let v = call(
                &rpc,
                "getAccountInfo",
                json!([program.to_string(), {"encoding": "base64"}]),
            )
            .await;
            assert_eq!(v["result"]["value"]["executable"], true, "{program}");
            let pd = ionet_svm::ids::program_data(&program);
            let v = call(
                &rpc,
                "getAccountInfo",
                json!([pd.to_string(), {"encoding": "base64"}]),
            )
            .await;
            let data = base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                v["result"]["value"]["data"][0].as_str().unwrap(),
            )
            .unwrap();
            assert_eq!(&data[..4], &3u32.to_le_bytes(), "ProgramData");
            assert_eq!(data[12], 1);
            assert_eq!(&data[13..45], authority.as_ref(), "the upgrade authority");
        }
        // No configs: io-rewards' config PDA is empty.
        let config = solana_pubkey::Pubkey::find_program_address(
            &[io_protocol::seeds::CONFIG],
            &ionet_svm::ids::IO_REWARDS,
        )
        .0;
        let v = call(&rpc, "getAccountInfo", json!([config.to_string()])).await;
        assert!(v["result"]["value"].is_null(), "{v}");
        handle.shutdown().await;
        drop(rpc);
    }
}

async fn call(rpc: &Rpc, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    rpc.handle_body(body.to_string().as_bytes()).await
}

#[tokio::test]
async fn shapes_of_core_methods() {
    let (rpc, handle, _dir) = start("shapes");
    let g = rpc.genesis.clone();

    let v = call(&rpc, "getHealth", json!([])).await;
    assert_eq!(v, json!({"jsonrpc": "2.0", "result": "ok", "id": 1}));

    let v = call(
        &rpc,
        "getAccountInfo",
        json!([g.mints.io, {"encoding": "base64"}]),
    )
    .await;
    let value = &v["result"]["value"];
    assert_eq!(
        value["owner"],
        json!(anchor_spl::token::spl_token::ID.to_string())
    );
    assert_eq!(value["data"][1], json!("base64"));
    assert_eq!(value["space"], json!(82));
    assert!(v["result"]["context"]["slot"].is_u64());

    let v = call(&rpc, "getTokenAccountBalance", json!([g.vaults.rewards])).await;
    assert_eq!(v["result"]["value"]["amount"], json!("30000000000000000"));
    assert_eq!(v["result"]["value"]["decimals"], json!(8));
    let v = call(&rpc, "getTokenSupply", json!([g.mints.io])).await;
    assert_eq!(v["result"]["value"]["uiAmountString"], json!("800000000"));

    // $IO has no mint authority after genesis: COption tag 0 at offset 0.
    let v = call(
        &rpc,
        "getAccountInfo",
        json!([g.mints.io, {"encoding": "base64"}]),
    )
    .await;
    let data = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        v["result"]["value"]["data"][0].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(&data[0..4], &[0, 0, 0, 0]);

    let v = call(
        &rpc,
        "getMultipleAccounts",
        json!([[g.configs.rewards, "11111111111111111111111111111112"], {"encoding": "base64"}]),
    )
    .await;
    assert_eq!(
        v["result"]["value"][0]["owner"],
        json!(io_protocol::ids::IO_REWARDS.to_string())
    );
    assert_eq!(v["result"]["value"][1], Value::Null);

    let v = call(&rpc, "getProgramAccounts", json!([io_protocol::ids::IO_REWARDS.to_string(), {"encoding": "base64", "withContext": true}])).await;
    assert!(!v["result"]["value"].as_array().unwrap().is_empty());

    let v = call(
        &rpc,
        "getTokenAccountsByOwner",
        json!([g.accounts.faucet, {"mint": g.mints.io}, {"encoding": "jsonParsed"}]),
    )
    .await;
    let list = v["result"]["value"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["pubkey"], json!(g.accounts.faucet_io));
    let parsed = &list[0]["account"]["data"];
    assert_eq!(parsed["program"], json!("spl-token"));
    assert_eq!(parsed["parsed"]["type"], json!("account"));
    assert_eq!(parsed["parsed"]["info"]["owner"], json!(g.accounts.faucet));
    assert_eq!(
        parsed["parsed"]["info"]["tokenAmount"]["uiAmountString"],
        json!("500000000")
    );
    let v = call(
        &rpc,
        "getAccountInfo",
        json!([g.mints.io, {"encoding": "jsonParsed"}]),
    )
    .await;
    let info = &v["result"]["value"]["data"]["parsed"]["info"];
    assert_eq!(info["mintAuthority"], Value::Null);
    assert_eq!(info["supply"], json!("80000000000000000"));

    // The epoch length flag and the genesis time reached io-rewards' config.
    let v = call(
        &rpc,
        "getAccountInfo",
        json!([g.configs.rewards, {"encoding": "base64"}]),
    )
    .await;
    let data = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        v["result"]["value"]["data"][0].as_str().unwrap(),
    )
    .unwrap();
    let config =
        <io_rewards::state::RewardsConfig as anchor_lang::AccountDeserialize>::try_deserialize(
            &mut &data[..],
        )
        .unwrap();
    assert_eq!(
        (config.params.genesis_ts, config.params.epoch_seconds),
        (1_700_000_000, 60)
    );

    // Slot 0 is genesis; its block time is the genesis time.
    let v = call(&rpc, "getBlockTime", json!([0])).await;
    assert_eq!(v["result"], json!(1_700_000_000));
    // One entry per recent block (genesis and the current one at least), all zero.
    let v = call(&rpc, "getRecentPrioritizationFees", json!([])).await;
    let fees = v["result"].as_array().unwrap();
    assert!(fees.len() >= 2, "{v}");
    assert!(fees.iter().all(|f| f["prioritizationFee"] == json!(0)));
    assert_eq!(fees[0]["slot"], json!(0));

    let v = call(&rpc, "nope", json!([])).await;
    assert_eq!(v["error"]["code"], json!(-32601));
    let v = call(&rpc, "getBalance", json!(["not-a-key"])).await;
    assert_eq!(v["error"]["code"], json!(-32602));

    // Airdrop: a recorded transfer from the faucet.
    let to = solana_pubkey::Pubkey::new_unique().to_string();
    let v = call(&rpc, "requestAirdrop", json!([to, 5_000_000_000u64])).await;
    let sig = v["result"].as_str().unwrap().to_string();
    let v = call(&rpc, "getBalance", json!([to])).await;
    assert_eq!(v["result"]["value"], json!(5_000_000_000u64));
    let v = call(&rpc, "getSignatureStatuses", json!([[sig]])).await;
    assert_eq!(v["result"]["value"][0]["err"], Value::Null);
    assert_eq!(v["result"]["value"][0]["status"], json!({"Ok": null}));
    assert_eq!(
        v["result"]["value"][0]["confirmationStatus"],
        json!("finalized")
    );
    let v = call(&rpc, "getTransaction", json!([sig, {"encoding": "json"}])).await;
    assert_eq!(v["result"]["meta"]["fee"], json!(5000));
    assert_eq!(v["result"]["transaction"]["signatures"][0], json!(sig));
    assert!(v["result"]["meta"]["logMessages"].as_array().unwrap().len() >= 2);
    let v = call(&rpc, "getSignaturesForAddress", json!([to])).await;
    assert_eq!(v["result"][0]["signature"], json!(sig));

    // Warp: slot and Clock move together.
    let before = call(&rpc, "getSlot", json!([])).await["result"]
        .as_u64()
        .unwrap();
    let v = call(&rpc, "ionet_warpSlot", json!([before + 1000])).await;
    assert!(v["result"].as_u64().unwrap() >= before + 1000);
    let clock = handle
        .call(|c| c.svm.get_sysvar::<solana_clock::Clock>())
        .await
        .unwrap();
    assert!(clock.slot >= before + 1000);
    assert!(clock.unix_timestamp >= 1_700_000_000 + ((before + 1000) * 400 / 1000) as i64);
    handle.shutdown().await;
}

/// A tiny deterministic generator, so failures reproduce.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() as usize) % xs.len()]
    }
}

#[tokio::test]
async fn garbage_never_panics() {
    let (rpc, handle, _dir) = start("garbage");
    let methods = [
        "getHealth",
        "getVersion",
        "getSlot",
        "getBlockHeight",
        "getEpochInfo",
        "getLatestBlockhash",
        "isBlockhashValid",
        "getAccountInfo",
        "getMultipleAccounts",
        "getProgramAccounts",
        "getBalance",
        "getTokenAccountBalance",
        "getTokenSupply",
        "getMinimumBalanceForRentExemption",
        "requestAirdrop",
        "sendTransaction",
        "simulateTransaction",
        "getSignatureStatuses",
        "getTransaction",
        "getSignaturesForAddress",
        "getFeeForMessage",
        "getBlockTime",
        "getTokenAccountsByOwner",
        "getRecentPrioritizationFees",
        "ionet_warpSlot",
        "x",
    ];
    let atoms = [
        json!(null),
        json!(true),
        json!(-1),
        json!(0),
        json!(u64::MAX),
        json!(1.5),
        json!(""),
        json!("11111111111111111111111111111111"),
        json!("AQID"),
        json!("3yZe7d"),
        json!([]),
        json!({}),
        json!({"encoding": "base64"}),
        json!({"encoding": "jsonParsed", "dataSlice": {"offset": 5, "length": 9999}}),
        json!({"filters": [{"memcmp": {"offset": 99999999, "bytes": "11"}}, {"dataSize": 0}]}),
        json!({"encoding": "base58", "skipPreflight": true}),
        json!({"replaceRecentBlockhash": true, "accounts": {"addresses": ["x"]}}),
        json!({"limit": 0, "before": "zz"}),
        json!(["a", 1, null]),
        json!("A".repeat(3000)),
    ];
    let mut rng = Lcg(42);
    for _ in 0..3000 {
        let n = rng.next() % 4;
        let params: Vec<Value> = (0..n).map(|_| rng.pick(&atoms).clone()).collect();
        let method = rng.pick(&methods);
        let v = call(&rpc, method, Value::Array(params)).await;
        assert_eq!(v["jsonrpc"], json!("2.0"));
        assert!(
            v.get("result").is_some() || v["error"]["code"].is_i64(),
            "{v}"
        );
    }
    for _ in 0..2000 {
        let len = (rng.next() % 200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let v = rpc.handle_body(&bytes).await;
        assert!(v["error"]["code"].is_i64() || v.is_array(), "{v}");
    }
    for body in [
        "",
        "[]",
        "[1,2]",
        "{}",
        "null",
        "{\"jsonrpc\":\"2.0\",\"method\":1}",
        "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getSlot\"}]",
    ] {
        let v = rpc.handle_body(body.as_bytes()).await;
        assert!(v.is_object() || v.is_array(), "{body}");
    }
    // Error answers alone would also come from a dead SVM thread ("the chain has
    // stopped"): the chain must still execute and answer with a result.
    let v = call(&rpc, "getSlot", json!([])).await;
    assert!(v["result"].is_u64(), "the chain stopped answering: {v}");
    handle.shutdown().await;
}

#[tokio::test]
async fn metrics_count_requests_by_known_method_and_errors_by_code() {
    let (rpc, handle, _dir) = start("metrics");
    call(&rpc, "getHealth", json!([])).await;
    call(&rpc, "getHealth", json!([])).await;
    call(&rpc, "getBalance", json!(["not a key"])).await;
    for garbage in ["rm -rf /", "getHealth\"} 1\n#", "x"] {
        call(&rpc, garbage, json!([])).await;
    }
    let text = rpc.metrics.render(42);
    for line in [
        "ionet_localnet_rpc_requests_total{method=\"getHealth\"} 2",
        "ionet_localnet_rpc_requests_total{method=\"getBalance\"} 1",
        "ionet_localnet_rpc_requests_total{method=\"unknown\"} 3",
        "ionet_localnet_rpc_errors_total{code=\"-32602\"} 1",
        "ionet_localnet_rpc_errors_total{code=\"-32601\"} 3",
        "ionet_localnet_slot 42",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in\n{text}"
        );
    }
    // Only the known methods and "unknown" become labels.
    assert_eq!(text.matches("rpc_requests_total{").count(), 3, "{text}");
    handle.shutdown().await;
}
