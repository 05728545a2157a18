//! Behaviours clients depend on, each checked against the exact value Agave 2.3
//! gives, on a running chain (no sockets): the block family, encodings, both token
//! programs, minContextSlot, fees for unknown blockhashes, rent epochs, error texts.

use base64::Engine;
use serde_json::{json, Value};
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::{Message, VersionedMessage};
use solana_pubkey::Pubkey;
use solana_signer::Signer;

use crate::rpc::Rpc;
use crate::tests::{start, start_in};

const TOKEN_2022: &str = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb";

async fn call(rpc: &Rpc, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    rpc.handle_body(body.to_string().as_bytes()).await
}

/// The error object of an answer (fails the test if there is none).
fn error(v: &Value) -> Value {
    assert!(v.get("error").is_some(), "no error in {v}");
    v["error"].clone()
}

fn b64_decode(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

/// An airdrop to a new address; its signature and slot.
async fn airdrop(rpc: &Rpc, to: &Pubkey, lamports: u64) -> (String, u64) {
    let v = call(rpc, "requestAirdrop", json!([to.to_string(), lamports])).await;
    let sig = v["result"].as_str().unwrap().to_string();
    let v = call(rpc, "getSignatureStatuses", json!([[sig]])).await;
    (sig, v["result"]["value"][0]["slot"].as_u64().unwrap())
}

#[tokio::test]
async fn blocks_are_served_as_agave_shapes_them() {
    let (rpc, handle, _dir) = start("blocks");
    let to = Pubkey::new_unique();
    let (sig, slot) = airdrop(&rpc, &to, 2_000_000_000).await;
    let faucet = rpc.genesis.accounts.faucet.clone();

    let v = call(
        &rpc,
        "getBlock",
        json!([slot, {"maxSupportedTransactionVersion": 0}]),
    )
    .await;
    let block = &v["result"];
    assert!(block["blockhash"].is_string() && block["previousBlockhash"].is_string());
    assert!(block["parentSlot"].as_u64().unwrap() <= slot);
    assert_eq!(
        block["blockTime"],
        json!(1_700_000_000 + (slot * 400 / 1000) as i64)
    );
    assert_eq!(block["rewards"], json!([]));
    let txs = block["transactions"].as_array().unwrap();
    let ours = txs
        .iter()
        .find(|t| t["transaction"]["signatures"][0] == json!(sig))
        .expect("the airdrop is in its block");
    assert_eq!(ours["version"], json!("legacy"));
    assert_eq!(ours["meta"]["fee"], json!(5000));
    assert_eq!(ours["meta"]["rewards"], json!([]));
    // The parent's blockhash is this block's previousBlockhash, its height one less.
    let parent = block["parentSlot"].as_u64().unwrap();
    let p = call(
        &rpc,
        "getBlock",
        json!([parent, {"transactionDetails": "none"}]),
    )
    .await;
    assert_eq!(p["result"]["blockhash"], block["previousBlockhash"]);
    assert_eq!(
        p["result"]["blockHeight"].as_u64().unwrap() + 1,
        block["blockHeight"].as_u64().unwrap()
    );
    assert!(p["result"].get("transactions").is_none() && p["result"].get("signatures").is_none());

    // Without maxSupportedTransactionVersion a legacy transaction has no version.
    let v = call(&rpc, "getBlock", json!([slot])).await;
    assert!(v["result"]["transactions"][0].get("version").is_none());
    let v = call(
        &rpc,
        "getBlock",
        json!([slot, {"transactionDetails": "signatures", "rewards": false}]),
    )
    .await;
    assert!(v["result"]["signatures"]
        .as_array()
        .unwrap()
        .contains(&json!(sig)));
    assert!(v["result"].get("rewards").is_none() && v["result"].get("transactions").is_none());
    let v = call(&rpc, "getBlock", json!([slot, {"encoding": "base64"}])).await;
    assert_eq!(
        v["result"]["transactions"][0]["transaction"][1],
        json!("base64")
    );
    let v = call(&rpc, "getBlock", json!([slot, "base58"])).await;
    assert_eq!(
        v["result"]["transactions"][0]["transaction"][1],
        json!("base58")
    );

    // jsonParsed: parsed keys and a parsed System transfer.
    let v = call(&rpc, "getBlock", json!([slot, {"encoding": "jsonParsed"}])).await;
    let tx = v["result"]["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["transaction"]["signatures"][0] == json!(sig))
        .unwrap()
        .clone();
    assert_eq!(
        tx["transaction"]["message"]["accountKeys"][0],
        json!({"pubkey": faucet, "writable": true, "signer": true, "source": "transaction"})
    );
    assert_eq!(
        tx["transaction"]["message"]["instructions"][0],
        json!({"program": "system", "programId": "11111111111111111111111111111111",
               "parsed": {"type": "transfer", "info": {"source": faucet,
               "destination": to.to_string(), "lamports": 2_000_000_000u64}},
               "stackHeight": null})
    );
    assert!(tx["meta"].get("loadedAddresses").is_none());
    let v = call(
        &rpc,
        "getBlock",
        json!([slot, {"transactionDetails": "accounts"}]),
    )
    .await;
    let t = &v["result"]["transactions"][0];
    assert!(t["transaction"]["accountKeys"][0]["signer"]
        .as_bool()
        .unwrap());
    assert!(t["meta"].get("logMessages").is_none());

    // The block list and the block height.
    let v = call(&rpc, "getBlocks", json!([slot, slot])).await;
    assert_eq!(v["result"], json!([slot]));
    let v = call(&rpc, "getBlocksWithLimit", json!([slot, 1])).await;
    assert_eq!(v["result"], json!([slot]));
    // Genesis is slot 0; the chain then jumped to the wall clock's slot.
    let v = call(&rpc, "getBlocks", json!([0, 10])).await;
    assert_eq!(v["result"], json!([0]));
    let v = call(&rpc, "getBlocks", json!([0, 600_000])).await;
    assert_eq!(
        error(&v),
        json!({"code": -32602, "message": "Slot range too large; max 500000"})
    );
    let v = call(&rpc, "getBlocksWithLimit", json!([0, 500_001])).await;
    assert_eq!(
        error(&v),
        json!({"code": -32602, "message": "Limit too large; max 500000"})
    );
    let v = call(&rpc, "getBlockCommitment", json!([slot])).await;
    assert_eq!(v["result"], json!({"commitment": null, "totalStake": 0}));
    let height = call(&rpc, "getBlockHeight", json!([])).await["result"]
        .as_u64()
        .unwrap();
    let latest = call(&rpc, "getLatestBlockhash", json!([])).await;
    assert_eq!(
        latest["result"]["value"]["lastValidBlockHeight"]
            .as_u64()
            .unwrap(),
        height + 150
    );

    // A warp skips slots: no block there, the slot after has one at the next height.
    let now = call(&rpc, "getSlot", json!([])).await["result"]
        .as_u64()
        .unwrap();
    call(&rpc, "ionet_warpSlot", json!([now + 100])).await;
    let v = call(&rpc, "getBlock", json!([now + 50])).await;
    assert_eq!(
        error(&v),
        json!({"code": -32007, "message": format!(
            "Slot {} was skipped, or missing due to ledger jump to recent snapshot", now + 50)})
    );
    let v = call(&rpc, "getBlockTime", json!([now + 50])).await;
    assert_eq!(error(&v)["code"], json!(-32007));
    let v = call(
        &rpc,
        "getBlock",
        json!([now + 100, {"transactionDetails": "none"}]),
    )
    .await;
    let parent = v["result"]["parentSlot"].as_u64().unwrap();
    assert!((now..now + 100).contains(&parent), "{v}");
    let v = call(&rpc, "getBlock", json!([now + 100_000])).await;
    assert_eq!(
        error(&v),
        json!({"code": -32004, "message": format!("Block not available for slot {}", now + 100_000)})
    );
    let v = call(&rpc, "getBlock", json!([slot, {"commitment": "processed"}])).await;
    assert_eq!(
        error(&v),
        json!({"code": -32602, "message": "Method does not support commitment below `confirmed`"})
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn encodings_and_token_programs() {
    let (rpc, handle, _dir) = start("encodings");
    let g = rpc.genesis.clone();
    let to = Pubkey::new_unique();
    airdrop(&rpc, &to, 1_000_000_000).await;

    // base64+zstd: the account's bytes, compressed.
    let plain = call(
        &rpc,
        "getAccountInfo",
        json!([g.mints.io, {"encoding": "base64"}]),
    )
    .await;
    let z = call(
        &rpc,
        "getAccountInfo",
        json!([g.mints.io, {"encoding": "base64+zstd"}]),
    )
    .await;
    assert_eq!(z["result"]["value"]["data"][1], json!("base64+zstd"));
    let bytes = zstd::decode_all(&b64_decode(&z["result"]["value"]["data"][0])[..]).unwrap();
    assert_eq!(bytes, b64_decode(&plain["result"]["value"]["data"][0]));
    let z = call(
        &rpc,
        "getMultipleAccounts",
        json!([[to.to_string()], {"encoding": "base64+zstd"}]),
    )
    .await;
    let bytes = zstd::decode_all(&b64_decode(&z["result"]["value"][0]["data"][0])[..]).unwrap();
    assert!(bytes.is_empty());

    // A new rent-exempt account: rentEpoch u64::MAX.
    let v = call(
        &rpc,
        "getAccountInfo",
        json!([to.to_string(), {"encoding": "base64"}]),
    )
    .await;
    assert_eq!(v["result"]["value"]["rentEpoch"], json!(u64::MAX));

    // jsonParsed token accounts and mints in getMultipleAccounts and getProgramAccounts.
    let v = call(
        &rpc,
        "getMultipleAccounts",
        json!([[g.accounts.faucet_io, g.mints.io], {"encoding": "jsonParsed"}]),
    )
    .await;
    let list = &v["result"]["value"];
    assert_eq!(list[0]["data"]["program"], json!("spl-token"));
    assert_eq!(list[0]["data"]["parsed"]["type"], json!("account"));
    assert_eq!(
        list[0]["data"]["parsed"]["info"]["tokenAmount"]["uiAmountString"],
        json!("500000000")
    );
    assert_eq!(list[1]["data"]["parsed"]["type"], json!("mint"));
    assert_eq!(list[1]["data"]["space"], json!(82));
    let v = call(
        &rpc,
        "getProgramAccounts",
        json!(["TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", {"encoding": "jsonParsed",
               "filters": [{"memcmp": {"offset": 32, "bytes": g.accounts.faucet}}, {"dataSize": 165}]}]),
    )
    .await;
    let list = v["result"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list
        .iter()
        .all(|a| a["account"]["data"]["parsed"]["info"]["owner"] == json!(g.accounts.faucet)));

    // The largest $IO holders: the faucet's account and the rewards vault, largest first.
    let v = call(&rpc, "getTokenLargestAccounts", json!([g.mints.io])).await;
    let top = v["result"]["value"].as_array().unwrap();
    assert_eq!(
        top[0],
        json!({"address": g.accounts.faucet_io, "amount": "50000000000000000", "decimals": 8,
               "uiAmount": 500_000_000.0, "uiAmountString": "500000000"})
    );
    assert_eq!(top[1]["address"], json!(g.vaults.rewards));

    // Token-2022 is a token program as good as SPL Token's for the filters.
    let v = call(
        &rpc,
        "getTokenAccountsByOwner",
        json!([g.accounts.faucet, {"programId": TOKEN_2022}, {"encoding": "jsonParsed"}]),
    )
    .await;
    assert_eq!(v["result"]["value"], json!([]));
    let v = call(
        &rpc,
        "getTokenAccountsByDelegate",
        json!([g.accounts.faucet, {"programId": TOKEN_2022}]),
    )
    .await;
    assert_eq!(v["result"]["value"], json!([]));
    let v = call(
        &rpc,
        "getTokenAccountsByOwner",
        json!([g.accounts.faucet, {"programId": "11111111111111111111111111111111"}]),
    )
    .await;
    assert_eq!(
        error(&v),
        json!({"code": -32602, "message": "Invalid param: unrecognized Token program id"})
    );
    let v = call(
        &rpc,
        "getTokenAccountsByOwner",
        json!([g.accounts.faucet, {"mint": to.to_string()}]),
    )
    .await;
    assert_eq!(
        error(&v),
        json!({"code": -32602, "message": "Invalid param: Token mint could not be unpacked"})
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn min_context_slot_fees_and_error_texts() {
    let (rpc, handle, _dir) = start("context");
    let g = rpc.genesis.clone();
    let slot = call(&rpc, "getSlot", json!([])).await["result"]
        .as_u64()
        .unwrap();
    let far = slot + 1000;
    let cfg = json!({"minContextSlot": far});
    let key = g.accounts.faucet.clone();
    let cases = [
        ("getBalance", json!([key, cfg])),
        ("getAccountInfo", json!([key, cfg])),
        ("getMultipleAccounts", json!([[key], cfg])),
        ("getProgramAccounts", json!([key, cfg])),
        (
            "getTokenAccountsByOwner",
            json!([key, {"mint": g.mints.io}, cfg]),
        ),
        (
            "getTokenAccountsByDelegate",
            json!([key, {"mint": g.mints.io}, cfg]),
        ),
        ("getSlot", json!([cfg])),
        ("getBlockHeight", json!([cfg])),
        ("getEpochInfo", json!([cfg])),
        ("getTransactionCount", json!([cfg])),
        ("getLatestBlockhash", json!([cfg])),
        (
            "isBlockhashValid",
            json!([Hash::default().to_string(), cfg]),
        ),
        ("getSignaturesForAddress", json!([key, cfg])),
        ("getBlocks", json!([0, cfg])),
        ("getBlocksWithLimit", json!([0, 10, cfg])),
    ];
    for (method, params) in cases {
        let v = call(&rpc, method, params).await;
        let e = error(&v);
        assert_eq!(e["code"], json!(-32016), "{method}: {v}");
        assert_eq!(
            e["message"],
            json!("Minimum context slot has not been reached"),
            "{method}"
        );
        assert!(
            e["data"]["contextSlot"].as_u64().unwrap() >= slot,
            "{method}"
        );
    }
    // sendTransaction and simulateTransaction check it before running anything.
    let payer = Keypair::new();
    let latest = call(&rpc, "getLatestBlockhash", json!([])).await;
    let blockhash: Hash = latest["result"]["value"]["blockhash"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let tx = solana_transaction::Transaction::new_signed_with_payer(
        &[solana_system_interface::instruction::transfer(
            &payer.pubkey(),
            &Pubkey::new_unique(),
            1,
        )],
        Some(&payer.pubkey()),
        &[&payer],
        blockhash,
    );
    let wire = base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&tx).unwrap());
    for method in ["sendTransaction", "simulateTransaction"] {
        let v = call(
            &rpc,
            method,
            json!([wire, {"encoding": "base64", "minContextSlot": far}]),
        )
        .await;
        assert_eq!(error(&v)["code"], json!(-32016), "{method}: {v}");
    }
    // Reached: served.
    let v = call(&rpc, "getBalance", json!([key, {"minContextSlot": 0}])).await;
    assert!(v["result"]["value"].as_u64().unwrap() > 0);

    // getFeeForMessage: a known blockhash costs 5000 a signature; an unknown one: null.
    let payer = Keypair::new();
    let ix =
        solana_system_interface::instruction::transfer(&payer.pubkey(), &Pubkey::new_unique(), 1);
    let latest = call(&rpc, "getLatestBlockhash", json!([])).await;
    let hash: Hash = latest["result"]["value"]["blockhash"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let message = |h: Hash| {
        let m = VersionedMessage::Legacy(Message::new_with_blockhash(
            std::slice::from_ref(&ix),
            Some(&payer.pubkey()),
            &h,
        ));
        base64::engine::general_purpose::STANDARD.encode(bincode::serialize(&m).unwrap())
    };
    let v = call(&rpc, "getFeeForMessage", json!([message(hash)])).await;
    assert_eq!(v["result"]["value"], json!(5000));
    let v = call(
        &rpc,
        "getFeeForMessage",
        json!([message(Hash::new_unique())]),
    )
    .await;
    assert_eq!(v["result"]["value"], Value::Null);
    let v = call(&rpc, "getFeeForMessage", json!([message(hash), cfg])).await;
    assert_eq!(error(&v)["code"], json!(-32016));

    // Agave's words, without a prefix of our own.
    let many: Vec<String> = (0..101).map(|_| Pubkey::new_unique().to_string()).collect();
    let expect = [
        (
            "getMultipleAccounts",
            json!([many]),
            json!({"code": -32602, "message": "Too many inputs provided; max 100"}),
        ),
        (
            "getBalance",
            json!(["xyz"]),
            json!({"code": -32602, "message": "Invalid param: WrongSize"}),
        ),
        (
            "getBalance",
            json!(["0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl"]),
            json!({"code": -32602, "message": "Invalid param: Invalid"}),
        ),
        (
            "getBalance",
            json!([]),
            json!({"code": -32602, "message": "`params` should have at least 1 argument(s)"}),
        ),
        (
            "getBalance",
            json!([1]),
            json!({"code": -32602, "message": "Invalid params: invalid type: integer `1`, expected a string."}),
        ),
        (
            "getAccountInfo",
            json!([key, {"encoding": "hex"}]),
            json!({"code": -32602, "message": "Invalid params: unknown variant `hex`, expected one of `binary`, `base58`, `base64`, `jsonParsed`, `base64+zstd`."}),
        ),
        (
            "getSignaturesForAddress",
            json!([key, {"limit": 1001}]),
            json!({"code": -32602, "message": "Invalid limit; max 1000"}),
        ),
        (
            "getTokenAccountBalance",
            json!([Pubkey::new_unique().to_string()]),
            json!({"code": -32602, "message": "Invalid param: could not find account"}),
        ),
        (
            "getTokenSupply",
            json!([key]),
            json!({"code": -32602, "message": "Invalid param: not a Token mint"}),
        ),
        (
            "sendTransaction",
            json!(["AAAA", {"encoding": "base64"}]),
            json!({"code": -32602, "message": "failed to deserialize solana_transaction::versioned::VersionedTransaction: io error: failed to fill whole buffer"}),
        ),
        (
            "getHealth",
            json!([1]),
            json!({"code": -32602, "message": "Invalid parameters: No parameters were expected", "data": "\"Array([Number(1)])\""}),
        ),
        (
            "getNothing",
            json!([]),
            json!({"code": -32601, "message": "Method not found"}),
        ),
    ];
    for (method, params, want) in expect {
        let v = call(&rpc, method, params.clone()).await;
        assert_eq!(error(&v), want, "{method} {params}");
    }
    // A commitment that does not parse is dropped, as Agave's flattened config does.
    let v = call(&rpc, "getBalance", json!([key, {"commitment": "bogus"}])).await;
    assert!(v["result"]["value"].is_u64(), "{v}");
    let v = rpc.handle_body(b"{").await;
    assert_eq!(error(&v), json!({"code": -32700, "message": "Parse error"}));
    let v = rpc.handle_body(b"[]").await;
    assert_eq!(
        error(&v),
        json!({"code": -32600, "message": "Invalid request"})
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn blocks_survive_a_restart() {
    let (rpc, handle, dir) = start("blocks-restart");
    let to = Pubkey::new_unique();
    let (sig, slot) = airdrop(&rpc, &to, 1_000_000_000).await;
    let before = call(&rpc, "getBlock", json!([slot])).await["result"].clone();
    assert!(before["blockhash"].is_string(), "{before}");
    handle.shutdown().await;
    drop(rpc);

    let (rpc, handle) = start_in(&dir.0);
    let after = call(&rpc, "getBlock", json!([slot])).await["result"].clone();
    assert_eq!(after, before);
    assert_eq!(
        after["transactions"][0]["transaction"]["signatures"][0],
        json!(sig)
    );
    // The chain goes on from a later slot, one block higher.
    let height = call(&rpc, "getBlockHeight", json!([])).await["result"]
        .as_u64()
        .unwrap();
    assert!(height > before["blockHeight"].as_u64().unwrap());
    let v = call(&rpc, "getFirstAvailableBlock", json!([])).await;
    assert_eq!(v["result"], json!(0));
    handle.shutdown().await;
}
