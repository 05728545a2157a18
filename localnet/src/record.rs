//! What the chain keeps of its past: executed transactions and the headers of its
//! blocks. Plain data, shared by the chain, the ledger, the notifier and the RPC
//! shapes, so none of them needs another's module to name it.

use serde::{Deserialize, Serialize};
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction_error::TransactionError;

/// One executed transaction, as getTransaction, getBlock and the ledger need it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TxRecord {
    pub slot: u64,
    pub block_time: i64,
    /// The wire transaction (bincode).
    pub tx: Vec<u8>,
    pub err: Option<TransactionError>,
    pub fee: u64,
    /// Every account of the transaction: static keys, then loaded writable, then
    /// loaded read-only.
    pub keys: Vec<[u8; 32]>,
    pub loaded_writable: usize,
    pub loaded_readonly: usize,
    pub pre_balances: Vec<u64>,
    pub post_balances: Vec<u64>,
    pub pre_token_balances: Vec<TokenBalance>,
    pub post_token_balances: Vec<TokenBalance>,
    pub logs: Vec<String>,
    pub inner: Vec<InnerGroup>,
    pub compute_units: u64,
    pub return_data: Option<([u8; 32], Vec<u8>)>,
}

impl TxRecord {
    pub fn signature(&self) -> Option<Signature> {
        self.transaction()?.signatures.first().copied()
    }

    pub fn transaction(&self) -> Option<VersionedTransaction> {
        bincode::deserialize(&self.tx).ok()
    }
}

/// A token account's balance before or after a transaction (`preTokenBalances`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenBalance {
    pub account_index: u8,
    pub mint: [u8; 32],
    pub owner: [u8; 32],
    pub program: [u8; 32],
    pub amount: u64,
    pub decimals: u8,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InnerGroup {
    pub index: u8,
    pub instructions: Vec<InnerIx>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InnerIx {
    pub program_id_index: u8,
    pub accounts: Vec<u8>,
    pub data: Vec<u8>,
    pub stack_height: u8,
}

/// A block: one per slot the chain produced (warps skip slots, as a validator
/// skips them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockHeader {
    pub slot: u64,
    pub parent_slot: u64,
    pub height: u64,
    pub blockhash: Hash,
    pub previous_blockhash: Hash,
}

/// A block and the signatures of its transactions, in execution order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub header: BlockHeader,
    pub signatures: Vec<Signature>,
}
