//! `ionet_attestCapacity`, development only: writes a node's attested capacity as
//! io-rewards' attestor does when a claim proves a finalized epoch-report leaf. The
//! real path needs keepers and an ended epoch; this shortcut lets a test or a user on
//! the localnet give a node attested TOPS at once. The write is logged in the ledger
//! like any other.

use anchor_lang::{AccountDeserialize, AccountSerialize};
use io_staking::state::{AttestedCapacity, Node};
use serde::Deserialize;
use serde_json::{json, Value};
use solana_account::{ReadableAccount, WritableAccount};

use super::{parse_pubkey, Rpc, RpcError, RpcResult};
use crate::chain::Chain;
use crate::jsonrpc::params;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Capacity {
    epoch: u64,
    class: u8,
    tops_milli: u64,
    uptime_bps: u16,
    epoch_reward: u64,
}

pub(super) async fn attest_capacity(rpc: &Rpc, p: Value) -> RpcResult {
    let (node, c): (String, Capacity) = params(p, 2, 2)?;
    let node = parse_pubkey(&node)?;
    if c.uptime_bps > 10_000 {
        return Err(RpcError::invalid_params("uptimeBps must be at most 10000"));
    }
    let capacity = AttestedCapacity {
        epoch: c.epoch,
        class: c.class,
        tops_milli: c.tops_milli,
        uptime_bps: c.uptime_bps,
        epoch_reward: c.epoch_reward,
    };
    let (slot, result) = rpc
        .at(None, move |chain| write_capacity(chain, &node, capacity))
        .await?;
    result.map_err(RpcError::invalid_params)?;
    Ok(json!({ "slot": slot }))
}

fn write_capacity(
    chain: &mut Chain,
    address: &solana_pubkey::Pubkey,
    capacity: AttestedCapacity,
) -> Result<(), String> {
    let mut account = chain
        .account(address)
        .filter(|a| *a.owner() == io_staking::ID)
        .ok_or("not an io-staking node")?;
    let mut node =
        Node::try_deserialize(&mut account.data()).map_err(|_| "not an io-staking node")?;
    node.attested = capacity;
    let mut data = Vec::with_capacity(account.data().len());
    node.try_serialize(&mut data)
        .map_err(|e| format!("encoding the node: {e}"))?;
    account.data_as_mut_slice()[..data.len()].copy_from_slice(&data);
    chain
        .svm
        .set_account(*address, account.clone().into())
        .map_err(|e| format!("writing the node: {e}"))?;
    if let Some(ledger) = chain.ledger.as_mut() {
        ledger.append_account(address, &account);
    }
    Ok(())
}
