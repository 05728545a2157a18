//! The chain: one LiteSVM, owned by one thread, with the slot clock, the window of
//! recent blockhashes, the recent transaction history and the ledger around it.
//!
//! Everything here runs on the SVM thread ([`crate::svm_thread`]); the native programs
//! keep their invoke context in a thread-local, so the SVM never changes threads.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use litesvm::LiteSVM;
use sha2::{Digest, Sha256};
use solana_account::{Account, AccountSharedData, ReadableAccount, WritableAccount};
use solana_clock::Clock;
use solana_hash::Hash;
use solana_keypair::Keypair;
use solana_message::VersionedMessage;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;

use crate::ledger::Ledger;
use crate::notify::{Event, Notifier};
pub use crate::record::{Block, BlockHeader, InnerGroup, InnerIx, TokenBalance, TxRecord};

/// How many blockhashes (one per slot) a transaction may refer to, as on Solana.
pub const BLOCKHASH_WINDOW: usize = 150;
/// Solana's default epoch length in slots (for `Clock.epoch` and getEpochInfo).
pub const SLOTS_PER_EPOCH: u64 = 432_000;
/// The fee per signature LiteSVM charges by default.
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
/// Size of an address lookup table's header; addresses follow it.
const LOOKUP_TABLE_META_SIZE: usize = 56;
/// Agave's `TRANSACTION_ACCOUNT_BASE_SIZE`, counted per loaded account.
const TRANSACTION_ACCOUNT_BASE_SIZE: usize = 64;
/// The rent epoch Agave gives every rent-exempt account.
pub const RENT_EXEMPT_RENT_EPOCH: u64 = u64::MAX;

/// Why a transaction was not accepted.
#[derive(Debug)]
pub enum SubmitError {
    /// Preflight failed: nothing was charged or recorded.
    Preflight(Box<Simulation>),
    /// Rejected before execution (sanitize, unknown blockhash with preflight off, …).
    Rejected(TransactionError),
}

/// A simulation's outcome (also a failed preflight's).
#[derive(Debug, Default)]
pub struct Simulation {
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub compute_units: u64,
    pub return_data: Option<(Pubkey, Vec<u8>)>,
    pub inner: Vec<InnerGroup>,
    pub accounts: Vec<Option<AccountSharedData>>,
    pub loaded_accounts_data_size: u32,
    /// The blockhash put in, and the block height it was made at.
    pub replacement_blockhash: Option<(Hash, u64)>,
}

/// The fee LiteSVM charges for `message`: 5,000 lamports per signature, the
/// transaction's and its precompiles' (no prioritization fee).
pub fn fee_for(message: &VersionedMessage) -> u64 {
    let keys = message.static_account_keys();
    let precompiled: u64 = message
        .instructions()
        .iter()
        .filter(|ix| {
            keys.get(ix.program_id_index as usize).is_some_and(|p| {
                *p == solana_sdk_ids::ed25519_program::ID
                    || *p == solana_sdk_ids::secp256k1_program::ID
            })
        })
        .map(|ix| u64::from(ix.data.first().copied().unwrap_or(0)))
        .sum();
    LAMPORTS_PER_SIGNATURE * (u64::from(message.header().num_required_signatures) + precompiled)
}

/// Time and identity parameters of a chain.
#[derive(Clone, Debug)]
pub struct ChainParams {
    pub genesis_unix: i64,
    pub slot_ms: u64,
    pub tx_history: usize,
}

/// How many blocks the chain keeps for getBlock and friends (about 11 hours of
/// 400 ms slots); older ones are cleaned up, as a validator's ledger is.
pub const BLOCK_HISTORY: usize = 100_000;

pub struct Chain {
    pub svm: LiteSVM,
    pub slot: u64,
    pub params: ChainParams,
    /// The recent blockhashes and the block height each was made at.
    blockhashes: VecDeque<(Hash, u64)>,
    blockhash_heights: HashMap<Hash, u64>,
    /// Blocks by ascending slot; the last is the one being filled.
    blocks: VecDeque<Block>,
    history: HashMap<Signature, Arc<TxRecord>>,
    history_order: VecDeque<Signature>,
    pub transaction_count: u64,
    pub faucet: Keypair,
    pub ledger: Option<Ledger>,
    pub notifier: Notifier,
}

/// Builds the SVM every chain runs on: our programs, SPL Token, ATA; signatures are
/// verified by the RPC layer and blockhashes and duplicates by [`Chain`].
pub fn new_svm() -> LiteSVM {
    ionet_svm::ionet_svm()
        .with_sigverify(false)
        .with_blockhash_check(false)
        .with_transaction_history(0)
        .with_log_bytes_limit(Some(100_000))
}

/// A transaction's accounts and balances before it runs: what its record and the
/// undo of a failed preflight need.
#[derive(Debug)]
struct Prepared {
    signature: Signature,
    wire: Vec<u8>,
    keys: Vec<Pubkey>,
    loaded_writable: usize,
    loaded_readonly: usize,
    writable: Vec<Pubkey>,
    payer_before: Option<AccountSharedData>,
    pre_balances: Vec<u64>,
    pre_token_balances: Vec<TokenBalance>,
    fee: u64,
}

/// What LiteSVM reported for one execution.
struct Executed {
    err: Option<TransactionError>,
    meta: litesvm::types::TransactionMetadata,
}

impl Chain {
    /// A chain at `slot`, after the blocks `past` (a restart; empty at genesis). Its
    /// first block opens at `slot`.
    pub fn new(
        svm: LiteSVM,
        slot: u64,
        params: ChainParams,
        faucet: Keypair,
        notifier: Notifier,
        past: Vec<BlockHeader>,
    ) -> Self {
        let mut chain = Chain {
            svm,
            slot,
            params,
            blockhashes: VecDeque::with_capacity(BLOCKHASH_WINDOW + 1),
            blockhash_heights: HashMap::new(),
            blocks: past
                .into_iter()
                .filter(|b| b.slot < slot)
                .map(|header| Block {
                    header,
                    signatures: Vec::new(),
                })
                .collect(),
            history: HashMap::new(),
            history_order: VecDeque::new(),
            transaction_count: 0,
            faucet,
            ledger: None,
            notifier,
        };
        chain.open_block();
        chain.sync_clock();
        chain
    }

    /// Unix time at `slot`: genesis plus the slots' duration.
    pub fn unix_at(&self, slot: u64) -> i64 {
        self.params.genesis_unix + (slot.saturating_mul(self.params.slot_ms) / 1000) as i64
    }

    /// Opens the block of the current slot: a new blockhash chained to the parent's.
    fn open_block(&mut self) {
        let parent = self.blocks.back().map(|b| b.header.clone());
        let prev = parent.as_ref().map(|p| p.blockhash).unwrap_or_default();
        let mut hasher = Sha256::new();
        hasher.update(prev.to_bytes());
        hasher.update(self.slot.to_le_bytes());
        hasher.update(self.params.genesis_unix.to_le_bytes());
        let hash = Hash::new_from_array(hasher.finalize().into());
        let header = BlockHeader {
            slot: self.slot,
            parent_slot: parent.as_ref().map_or(self.slot, |p| p.slot),
            height: parent.as_ref().map_or(0, |p| p.height + 1),
            blockhash: hash,
            previous_blockhash: prev,
        };
        self.blockhashes.push_back((hash, header.height));
        self.blockhash_heights.insert(hash, header.height);
        while self.blockhashes.len() > BLOCKHASH_WINDOW {
            if let Some((old, _)) = self.blockhashes.pop_front() {
                self.blockhash_heights.remove(&old);
            }
        }
        if let Some(ledger) = self.ledger.as_mut() {
            ledger.append_block(&header);
        }
        self.blocks.push_back(Block {
            header,
            signatures: Vec::new(),
        });
        while self.blocks.len() > BLOCK_HISTORY {
            self.blocks.pop_front();
        }
    }

    fn sync_clock(&mut self) {
        let epoch = self.slot / SLOTS_PER_EPOCH;
        let clock = Clock {
            slot: self.slot,
            epoch_start_timestamp: self.unix_at(epoch * SLOTS_PER_EPOCH),
            epoch,
            leader_schedule_epoch: epoch + 1,
            unix_timestamp: self.unix_at(self.slot),
        };
        self.svm.set_sysvar(&clock);
    }

    /// Moves to `slot` (later than the current one): a new block and blockhash, the
    /// Clock sysvar follows, subscribers hear of it. The slots between are skipped.
    pub fn advance_to(&mut self, slot: u64) {
        if slot <= self.slot {
            return;
        }
        let parent = self.slot;
        self.slot = slot;
        self.open_block();
        self.sync_clock();
        self.notifier.send(|| Event::Slot { slot, parent });
    }

    /// The latest blockhash and the block height it was made at.
    pub fn latest_blockhash(&self) -> (Hash, u64) {
        *self.blockhashes.back().expect("the window is never empty")
    }

    /// The block height `hash` was made at, if it is still in the window.
    pub fn blockhash_height(&self, hash: &Hash) -> Option<u64> {
        self.blockhash_heights.get(hash).copied()
    }

    /// The current block height.
    pub fn block_height(&self) -> u64 {
        self.blocks.back().map_or(0, |b| b.header.height)
    }

    /// The block at `slot`, if the chain made one there and still keeps it.
    pub fn block(&self, slot: u64) -> Option<&Block> {
        let i = self
            .blocks
            .binary_search_by_key(&slot, |b| b.header.slot)
            .ok()?;
        self.blocks.get(i)
    }

    /// The slot of the oldest block kept.
    pub fn first_block(&self) -> u64 {
        self.blocks.front().map_or(0, |b| b.header.slot)
    }

    /// Slots of the blocks in `[start, end]`, at most `limit` of them.
    pub fn block_slots(&self, start: u64, end: u64, limit: usize) -> Vec<u64> {
        let from = self.blocks.partition_point(|b| b.header.slot < start);
        self.blocks
            .range(from..)
            .map(|b| b.header.slot)
            .take_while(|s| *s <= end)
            .take(limit)
            .collect()
    }

    /// Slots of the last `n` blocks, oldest first.
    pub fn recent_block_slots(&self, n: usize) -> Vec<u64> {
        let from = self.blocks.len().saturating_sub(n);
        self.blocks.range(from..).map(|b| b.header.slot).collect()
    }

    pub fn block_headers(&self) -> Vec<BlockHeader> {
        self.blocks.iter().map(|b| b.header.clone()).collect()
    }

    pub fn transaction(&self, signature: &Signature) -> Option<Arc<TxRecord>> {
        self.history.get(signature).cloned()
    }

    /// Signatures touching `address`, newest first.
    pub fn signatures_for(
        &self,
        address: &Pubkey,
        before: Option<Signature>,
        until: Option<Signature>,
        limit: usize,
    ) -> Vec<(Signature, Arc<TxRecord>)> {
        let key = address.to_bytes();
        let mut out = Vec::new();
        let mut started = before.is_none();
        for sig in self.history_order.iter().rev() {
            if !started {
                started = Some(*sig) == before;
                continue;
            }
            if Some(*sig) == until || out.len() >= limit {
                break;
            }
            if let Some(rec) = self.history.get(sig) {
                if rec.keys.contains(&key) {
                    out.push((*sig, rec.clone()));
                }
            }
        }
        out
    }

    /// Remembers an executed transaction (from execution or from the ledger), and
    /// lists it in its block.
    pub fn remember(&mut self, signature: Signature, record: Arc<TxRecord>) {
        let slot = record.slot;
        if self.history.insert(signature, record).is_none() {
            self.history_order.push_back(signature);
            let at = match self.blocks.back() {
                Some(b) if b.header.slot == slot => Some(self.blocks.len() - 1),
                _ => self
                    .blocks
                    .binary_search_by_key(&slot, |b| b.header.slot)
                    .ok(),
            };
            if let Some(block) = at.and_then(|i| self.blocks.get_mut(i)) {
                block.signatures.push(signature);
            }
        }
        while self.history_order.len() > self.params.tx_history {
            if let Some(old) = self.history_order.pop_front() {
                self.history.remove(&old);
            }
        }
    }

    pub fn history(&self) -> impl Iterator<Item = &Arc<TxRecord>> {
        self.history_order
            .iter()
            .filter_map(|s| self.history.get(s))
    }

    /// Every account the transaction names: static keys, then the writable and
    /// read-only addresses it loads from lookup tables.
    fn account_keys(&self, message: &VersionedMessage) -> (Vec<Pubkey>, usize, usize) {
        let mut keys = message.static_account_keys().to_vec();
        let mut writable = Vec::new();
        let mut readonly = Vec::new();
        for lookup in message.address_table_lookups().unwrap_or_default() {
            let Some(table) = self.svm.get_account(&lookup.account_key) else {
                continue;
            };
            let addresses = table.data.get(LOOKUP_TABLE_META_SIZE..).unwrap_or_default();
            let at = |i: &u8| {
                let start = *i as usize * 32;
                addresses
                    .get(start..start + 32)
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .map(Pubkey::new_from_array)
            };
            writable.extend(lookup.writable_indexes.iter().filter_map(at));
            readonly.extend(lookup.readonly_indexes.iter().filter_map(at));
        }
        let (w, r) = (writable.len(), readonly.len());
        keys.extend(writable);
        keys.extend(readonly);
        (keys, w, r)
    }

    /// Every account key of `message`, lookup-table addresses included.
    pub fn transaction_keys(&self, message: &VersionedMessage) -> Vec<Pubkey> {
        self.account_keys(message).0
    }

    fn loaded_size(&self, keys: &[Pubkey]) -> u32 {
        // Agave's `loadedAccountsDataSize`: each account's data plus a fixed base.
        let db = &self.svm.accounts_db().inner;
        keys.iter()
            .filter_map(|k| db.get(k))
            .map(|a| a.data().len() + TRANSACTION_ACCOUNT_BASE_SIZE)
            .sum::<usize>() as u32
    }

    fn lamports(&self, key: &Pubkey) -> u64 {
        self.svm
            .accounts_db()
            .inner
            .get(key)
            .map(|a| a.lamports())
            .unwrap_or(0)
    }

    /// Lamports of each key and the balances of those that are token accounts.
    fn balances(&self, keys: &[Pubkey]) -> (Vec<u64>, Vec<TokenBalance>) {
        let db = &self.svm.accounts_db().inner;
        let mut lamports = Vec::with_capacity(keys.len());
        let mut tokens = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let Some(account) = db.get(key) else {
                lamports.push(0);
                continue;
            };
            lamports.push(account.lamports());
            if let Some(balance) = token_balance(i, account, |mint| db.get(mint)) {
                tokens.push(balance);
            }
        }
        (lamports, tokens)
    }

    /// Step 1 of [`Chain::submit`]: a duplicate or a blockhash outside the window
    /// goes no further. `Ok(None)`: a duplicate without preflight, accepted as is.
    fn admit(
        &self,
        tx: &VersionedTransaction,
        preflight: bool,
    ) -> Result<Option<Signature>, SubmitError> {
        let signature = *tx
            .signatures
            .first()
            .ok_or(SubmitError::Rejected(TransactionError::SanitizeFailure))?;
        let refuse = |err: TransactionError| {
            if preflight {
                SubmitError::Preflight(Box::new(Simulation {
                    err: Some(err),
                    ..Default::default()
                }))
            } else {
                SubmitError::Rejected(err)
            }
        };
        if self.history.contains_key(&signature) {
            return if preflight {
                Err(refuse(TransactionError::AlreadyProcessed))
            } else {
                Ok(None)
            };
        }
        if self
            .blockhash_height(tx.message.recent_blockhash())
            .is_none()
        {
            return Err(refuse(TransactionError::BlockhashNotFound));
        }
        Ok(Some(signature))
    }

    /// Step 2: the accounts and balances before execution.
    fn prepare(
        &self,
        tx: &VersionedTransaction,
        signature: Signature,
    ) -> Result<Prepared, SubmitError> {
        let (keys, loaded_writable, loaded_readonly) = self.account_keys(&tx.message);
        let Some(payer) = keys.first().copied() else {
            return Err(SubmitError::Rejected(TransactionError::SanitizeFailure));
        };
        let statics = tx.message.static_account_keys().len();
        let writable = (0..keys.len())
            .filter(|&i| {
                if i < statics {
                    tx.message.is_maybe_writable(i, None)
                } else {
                    i < statics + loaded_writable
                }
            })
            .map(|i| keys[i])
            .collect();
        let (pre_balances, pre_token_balances) = self.balances(&keys);
        Ok(Prepared {
            signature,
            wire: bincode::serialize(tx).unwrap_or_default(),
            payer_before: self.svm.accounts_db().inner.get(&payer).cloned(),
            keys,
            loaded_writable,
            loaded_readonly,
            writable,
            pre_balances,
            pre_token_balances,
            fee: fee_for(&tx.message),
        })
    }

    /// Step 3: runs it in the SVM.
    fn execute(&mut self, tx: VersionedTransaction) -> Executed {
        match self.svm.send_transaction(tx) {
            Ok(meta) => Executed { err: None, meta },
            Err(failed) => Executed {
                err: Some(failed.err),
                meta: failed.meta,
            },
        }
    }

    /// Step 4: a failure that must leave no trace (any failed preflight, or one that
    /// charged no fee) has LiteSVM's fee charge undone and becomes the error.
    fn undo_failure(
        &mut self,
        prepared: &Prepared,
        executed: Executed,
        preflight: bool,
    ) -> Result<Executed, SubmitError> {
        let Some(err) = executed.err.clone() else {
            return Ok(executed);
        };
        let payer = prepared.keys[0];
        let charged = self.lamports(&payer) < prepared.pre_balances[0];
        if !preflight && charged {
            return Ok(executed);
        }
        if charged {
            if let Some(before) = prepared.payer_before.clone() {
                let _ = self.svm.set_account(payer, Account::from(before));
            }
        }
        if !preflight {
            return Err(SubmitError::Rejected(err));
        }
        let meta = executed.meta;
        Err(SubmitError::Preflight(Box::new(Simulation {
            err: Some(err),
            logs: meta.logs,
            compute_units: meta.compute_units_consumed,
            return_data: return_data(&meta.return_data),
            inner: inner_groups(&meta.inner_instructions),
            loaded_accounts_data_size: self.loaded_size(&prepared.keys),
            ..Default::default()
        })))
    }

    /// Step 5: accounts the transaction wrote, with those now rent-exempt marked so
    /// (`rent_epoch` u64::MAX), as Agave marks every account a transaction loads.
    fn written_accounts(&mut self, writable: &[Pubkey]) -> Vec<(Pubkey, AccountSharedData)> {
        writable
            .iter()
            .map(|k| {
                let mut account = self
                    .svm
                    .accounts_db()
                    .inner
                    .get(k)
                    .cloned()
                    .unwrap_or_default();
                if account.lamports() > 0
                    && account.rent_epoch() != RENT_EXEMPT_RENT_EPOCH
                    && account.lamports()
                        >= self
                            .svm
                            .minimum_balance_for_rent_exemption(account.data().len())
                {
                    account.set_rent_epoch(RENT_EXEMPT_RENT_EPOCH);
                    let _ = self.svm.set_account(*k, Account::from(account.clone()));
                }
                (*k, account)
            })
            .collect()
    }

    /// Step 6: the record of an executed transaction, balances after included.
    fn record(&self, prepared: Prepared, executed: Executed) -> TxRecord {
        let (post_balances, post_token_balances) = self.balances(&prepared.keys);
        let meta = executed.meta;
        TxRecord {
            slot: self.slot,
            block_time: self.unix_at(self.slot),
            tx: prepared.wire,
            err: executed.err,
            fee: prepared.fee,
            keys: prepared.keys.iter().map(|k| k.to_bytes()).collect(),
            loaded_writable: prepared.loaded_writable,
            loaded_readonly: prepared.loaded_readonly,
            pre_balances: prepared.pre_balances,
            post_balances,
            pre_token_balances: prepared.pre_token_balances,
            post_token_balances,
            logs: meta.logs,
            inner: inner_groups(&meta.inner_instructions),
            compute_units: meta.compute_units_consumed,
            return_data: return_data(&meta.return_data).map(|(p, d)| (p.to_bytes(), d)),
        }
    }

    /// Step 7: the ledger, the history, the block and the subscribers learn of it.
    fn commit(
        &mut self,
        signature: Signature,
        record: TxRecord,
        changed: Vec<(Pubkey, AccountSharedData)>,
    ) {
        let record = Arc::new(record);
        if let Some(ledger) = self.ledger.as_mut() {
            for (key, account) in &changed {
                ledger.append_account(key, account);
            }
            ledger.append_tx(&record);
        }
        self.transaction_count += 1;
        self.remember(signature, record.clone());
        self.notifier.send(|| Event::Transaction {
            signature,
            slot: self.slot,
            record,
            accounts: changed,
        });
    }

    /// Executes a signed (already verified) transaction and records it. With
    /// `preflight`, a failing transaction leaves no trace and comes back as
    /// [`SubmitError::Preflight`]; without, it is recorded with its error and its fee.
    pub fn submit(
        &mut self,
        tx: VersionedTransaction,
        preflight: bool,
    ) -> Result<Signature, SubmitError> {
        let Some(signature) = self.admit(&tx, preflight)? else {
            return Ok(tx.signatures[0]);
        };
        let prepared = self.prepare(&tx, signature)?;
        let executed = self.execute(tx);
        let executed = self.undo_failure(&prepared, executed, preflight)?;
        let changed = self.written_accounts(&prepared.writable);
        let signature = prepared.signature;
        let record = self.record(prepared, executed);
        self.commit(signature, record, changed);
        Ok(signature)
    }

    /// Runs a transaction without committing anything.
    pub fn simulate(
        &self,
        mut tx: VersionedTransaction,
        replace_blockhash: bool,
        addresses: &[Pubkey],
    ) -> Simulation {
        let mut replacement = None;
        if replace_blockhash {
            let latest = self.latest_blockhash();
            tx.message.set_recent_blockhash(latest.0);
            replacement = Some(latest);
        } else if self
            .blockhash_height(tx.message.recent_blockhash())
            .is_none()
        {
            return Simulation {
                err: Some(TransactionError::BlockhashNotFound),
                ..Default::default()
            };
        }
        let loaded_accounts_data_size = self.loaded_size(&self.transaction_keys(&tx.message));
        match self.svm.simulate_transaction(tx) {
            Ok(info) => {
                let post: HashMap<Pubkey, AccountSharedData> =
                    info.post_accounts.into_iter().collect();
                Simulation {
                    err: None,
                    logs: info.meta.logs,
                    compute_units: info.meta.compute_units_consumed,
                    return_data: return_data(&info.meta.return_data),
                    inner: inner_groups(&info.meta.inner_instructions),
                    accounts: addresses
                        .iter()
                        .map(|a| {
                            post.get(a)
                                .cloned()
                                .or_else(|| self.svm.accounts_db().inner.get(a).cloned())
                                .filter(|acc| acc.lamports() > 0)
                        })
                        .collect(),
                    loaded_accounts_data_size,
                    replacement_blockhash: replacement,
                }
            }
            Err(failed) => Simulation {
                err: Some(failed.err),
                logs: failed.meta.logs,
                compute_units: failed.meta.compute_units_consumed,
                return_data: return_data(&failed.meta.return_data),
                inner: inner_groups(&failed.meta.inner_instructions),
                accounts: addresses.iter().map(|_| None).collect(),
                loaded_accounts_data_size,
                replacement_blockhash: replacement,
            },
        }
    }

    /// Sends `lamports` from the faucet to `to` in a real, recorded transfer.
    pub fn airdrop(&mut self, to: &Pubkey, lamports: u64) -> Result<Signature, SubmitError> {
        let ix =
            solana_system_interface::instruction::transfer(&self.faucet.pubkey(), to, lamports);
        let tx = Transaction::new_signed_with_payer(
            &[ix],
            Some(&self.faucet.pubkey()),
            &[&self.faucet],
            self.latest_blockhash().0,
        );
        self.submit(tx.into(), true)
    }

    /// Accounts a program owns that pass `filter`.
    pub fn program_accounts(
        &self,
        program: &Pubkey,
        filter: impl Fn(&AccountSharedData) -> bool,
    ) -> Vec<(Pubkey, AccountSharedData)> {
        let mut out: Vec<(Pubkey, AccountSharedData)> = self
            .svm
            .accounts_db()
            .inner
            .iter()
            .filter(|(_, a)| a.owner() == program && a.lamports() > 0 && filter(a))
            .map(|(k, a)| (*k, a.clone()))
            .collect();
        out.sort_by_key(|(k, _)| *k);
        out
    }

    pub fn account(&self, key: &Pubkey) -> Option<AccountSharedData> {
        self.svm
            .accounts_db()
            .inner
            .get(key)
            .filter(|a| a.lamports() > 0)
            .cloned()
    }

    /// The decimals of a token account's mint (for jsonParsed), either token program.
    pub fn token_decimals(&self, account: &AccountSharedData) -> Option<u8> {
        let mint = crate::encode::token::account_mint(account)?;
        crate::encode::token::mint_decimals(&self.account(&mint)?)
    }

    /// Accounts a snapshot keeps: everything but programs and sysvars, which every
    /// start recreates. The programs' ProgramData accounts (owned by the upgradeable
    /// loader, not executable) are kept: they hold the upgrade authority that
    /// `initialize` checks, which a `--no-genesis` chain must keep across restarts.
    pub fn persistent_accounts(&self) -> Vec<(Pubkey, AccountSharedData)> {
        let skip: HashSet<Pubkey> = [
            solana_sdk_ids::sysvar::id(),
            solana_sdk_ids::native_loader::id(),
            solana_sdk_ids::bpf_loader::id(),
            solana_sdk_ids::bpf_loader_deprecated::id(),
            solana_sdk_ids::loader_v4::id(),
        ]
        .into_iter()
        .collect();
        let mut out: Vec<(Pubkey, AccountSharedData)> = self
            .svm
            .accounts_db()
            .inner
            .iter()
            .filter(|(_, a)| !a.executable() && !skip.contains(a.owner()) && a.lamports() > 0)
            .map(|(k, a)| (*k, a.clone()))
            .collect();
        out.sort_by_key(|(k, _)| *k);
        out
    }
}

/// A token account's balance, if `account` is one (either token program) whose
/// mint `mint_of` finds.
fn token_balance<'a>(
    index: usize,
    account: &AccountSharedData,
    mint_of: impl Fn(&Pubkey) -> Option<&'a AccountSharedData>,
) -> Option<TokenBalance> {
    use anchor_spl::token::spl_token::solana_program::program_pack::Pack;
    use anchor_spl::token::spl_token::state::{Account as TokenAccount, Mint};
    let program = *account.owner();
    if !crate::encode::token::is_token_program(&program) {
        return None;
    }
    let data = account.data().get(..TokenAccount::LEN)?;
    let token = TokenAccount::unpack_from_slice(data).ok()?;
    if token.state == anchor_spl::token::spl_token::state::AccountState::Uninitialized {
        return None;
    }
    let mint = mint_of(&token.mint)?;
    let decimals = Mint::unpack_from_slice(mint.data().get(..Mint::LEN)?)
        .ok()?
        .decimals;
    Some(TokenBalance {
        account_index: u8::try_from(index).ok()?,
        mint: token.mint.to_bytes(),
        owner: token.owner.to_bytes(),
        program: program.to_bytes(),
        amount: token.amount,
        decimals,
    })
}

fn return_data(
    data: &solana_transaction_context::TransactionReturnData,
) -> Option<(Pubkey, Vec<u8>)> {
    if data.data.is_empty() && data.program_id == Pubkey::default() {
        None
    } else {
        Some((data.program_id, data.data.clone()))
    }
}

fn inner_groups(
    list: &solana_message::inner_instruction::InnerInstructionsList,
) -> Vec<InnerGroup> {
    list.iter()
        .enumerate()
        .filter(|(_, ixs)| !ixs.is_empty())
        .map(|(index, ixs)| InnerGroup {
            index: index as u8,
            instructions: ixs
                .iter()
                .map(|ix| InnerIx {
                    program_id_index: ix.instruction.program_id_index,
                    accounts: ix.instruction.accounts.clone(),
                    data: ix.instruction.data.clone(),
                    stack_height: ix.stack_height,
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_spl::token::spl_token;
    use anchor_spl::token::spl_token::solana_program::program_pack::Pack;

    const SOL: u64 = 1_000_000_000;

    fn chain() -> Chain {
        let faucet = Keypair::new();
        let mut svm = new_svm();
        svm.set_account(
            faucet.pubkey(),
            Account {
                lamports: 100 * SOL,
                ..Default::default()
            },
        )
        .unwrap();
        let params = ChainParams {
            genesis_unix: 1_700_000_000,
            slot_ms: 400,
            tx_history: 100,
        };
        Chain::new(svm, 0, params, faucet, Notifier::new(16), Vec::new())
    }

    fn transfer(c: &Chain, from: &Keypair, to: &Pubkey, lamports: u64) -> VersionedTransaction {
        let ix = solana_system_interface::instruction::transfer(&from.pubkey(), to, lamports);
        Transaction::new_signed_with_payer(
            &[ix],
            Some(&from.pubkey()),
            &[from],
            c.latest_blockhash().0,
        )
        .into()
    }

    fn preflight_err(e: SubmitError) -> Option<TransactionError> {
        match e {
            SubmitError::Preflight(sim) => sim.err,
            SubmitError::Rejected(_) => None,
        }
    }

    #[test]
    fn admit_refuses_duplicates_and_unknown_blockhashes() {
        let mut c = chain();
        let faucet = c.faucet.insecure_clone();
        let tx = transfer(&c, &faucet, &Pubkey::new_unique(), SOL);
        let sig = tx.signatures[0];
        assert_eq!(c.admit(&tx, true).unwrap(), Some(sig));
        c.submit(tx.clone(), true).unwrap();
        assert_eq!(
            preflight_err(c.admit(&tx, true).unwrap_err()),
            Some(TransactionError::AlreadyProcessed)
        );
        assert_eq!(c.admit(&tx, false).unwrap(), None);
        let mut stale = transfer(&c, &faucet, &Pubkey::new_unique(), SOL);
        stale.message.set_recent_blockhash(Hash::new_unique());
        assert!(matches!(
            c.admit(&stale, false),
            Err(SubmitError::Rejected(TransactionError::BlockhashNotFound))
        ));
    }

    #[test]
    fn prepare_lists_keys_writable_balances_and_fee() {
        let c = chain();
        let faucet = c.faucet.insecure_clone();
        let to = Pubkey::new_unique();
        let tx = transfer(&c, &faucet, &to, SOL);
        let p = c.prepare(&tx, tx.signatures[0]).unwrap();
        assert_eq!(
            p.keys,
            vec![faucet.pubkey(), to, solana_sdk_ids::system_program::ID]
        );
        assert_eq!(p.writable, vec![faucet.pubkey(), to]);
        assert_eq!(p.pre_balances[..2], [100 * SOL, 0]);
        assert_eq!(p.fee, 5_000);
        assert!(p.pre_token_balances.is_empty());
    }

    #[test]
    fn a_failed_preflight_leaves_the_payer_as_it_was() {
        let mut c = chain();
        let faucet = c.faucet.insecure_clone();
        let poor = Keypair::new();
        c.svm
            .set_account(
                poor.pubkey(),
                Account {
                    lamports: SOL,
                    ..Default::default()
                },
            )
            .unwrap();
        // More than it has: the transfer fails after the fee is taken.
        let tx = transfer(&c, &poor, &faucet.pubkey(), 2 * SOL);
        let p = c.prepare(&tx, tx.signatures[0]).unwrap();
        let executed = c.execute(tx.clone());
        assert!(executed.err.is_some());
        assert!(c.lamports(&poor.pubkey()) < SOL);
        let err = c.undo_failure(&p, executed, true).err().unwrap();
        assert!(matches!(
            preflight_err(err),
            Some(TransactionError::InstructionError(0, _))
        ));
        assert_eq!(c.lamports(&poor.pubkey()), SOL);
        assert_eq!(c.transaction_count, 0);
        // Without preflight the failure is recorded, fee charged.
        c.submit(tx, false).unwrap();
        assert_eq!(c.lamports(&poor.pubkey()), SOL - 5_000);
        assert_eq!(c.transaction_count, 1);
    }

    #[test]
    fn written_rent_exempt_accounts_get_agave_rent_epoch() {
        let mut c = chain();
        let faucet = c.faucet.insecure_clone();
        let (rich, poor) = (Pubkey::new_unique(), Pubkey::new_unique());
        c.submit(transfer(&c, &faucet, &rich, SOL), true).unwrap();
        let account = c.account(&rich).unwrap();
        assert_eq!(account.rent_epoch(), RENT_EXEMPT_RENT_EPOCH);
        // An account short of the rent-exempt minimum keeps its rent epoch.
        c.svm
            .set_account(
                poor,
                Account {
                    lamports: 1,
                    ..Default::default()
                },
            )
            .unwrap();
        let written = c.written_accounts(&[poor]);
        assert_eq!(written[0].1.rent_epoch(), 0);
    }

    #[test]
    fn commit_counts_remembers_and_lists_in_the_block() {
        let mut c = chain();
        let faucet = c.faucet.insecure_clone();
        c.advance_to(7);
        let to = Pubkey::new_unique();
        let sig = c.submit(transfer(&c, &faucet, &to, SOL), true).unwrap();
        let record = c.transaction(&sig).unwrap();
        assert_eq!(record.slot, 7);
        assert_eq!(record.pre_balances[1], 0);
        assert_eq!(record.post_balances[1], SOL);
        assert_eq!(record.post_balances[0], 100 * SOL - SOL - 5_000);
        assert_eq!(c.transaction_count, 1);
        assert_eq!(c.block(7).unwrap().signatures, vec![sig]);
        assert_eq!(c.signatures_for(&to, None, None, 10)[0].0, sig);
    }

    #[test]
    fn blocks_chain_by_parent_and_skip_warped_slots() {
        let mut c = chain();
        let genesis = c.block(0).unwrap().header.clone();
        assert_eq!((genesis.height, genesis.parent_slot), (0, 0));
        assert_eq!(genesis.previous_blockhash, Hash::default());
        c.advance_to(1);
        c.advance_to(50);
        let b = c.block(50).unwrap().header.clone();
        assert_eq!((b.height, b.parent_slot), (2, 1));
        assert_eq!(b.previous_blockhash, c.block(1).unwrap().header.blockhash);
        assert!(c.block(20).is_none());
        assert_eq!(c.block_slots(0, 100, 10), vec![0, 1, 50]);
        assert_eq!(c.block_slots(1, 49, 10), vec![1]);
        assert_eq!(c.latest_blockhash(), (b.blockhash, 2));
        assert_eq!(c.block_height(), 2);
        for slot in 51..=250 {
            c.advance_to(slot);
        }
        // The first blockhash has left the 150-block window.
        assert_eq!(c.blockhash_height(&genesis.blockhash), None);
        assert_eq!(c.blockhash_height(&c.latest_blockhash().0), Some(202));
    }

    #[test]
    fn token_balances_are_read_from_token_accounts_of_either_program() {
        let mint = Pubkey::new_unique();
        let mut mint_account =
            AccountSharedData::new(1, spl_token::state::Mint::LEN, &spl_token::ID);
        let mut data = vec![0u8; spl_token::state::Mint::LEN];
        spl_token::state::Mint {
            decimals: 6,
            is_initialized: true,
            ..Default::default()
        }
        .pack_into_slice(&mut data);
        mint_account.set_data_from_slice(&data);
        let owner = Pubkey::new_unique();
        let mut data = vec![0u8; spl_token::state::Account::LEN];
        spl_token::state::Account {
            mint,
            owner,
            amount: 42,
            state: spl_token::state::AccountState::Initialized,
            ..Default::default()
        }
        .pack_into_slice(&mut data);
        let mut account = AccountSharedData::new(1, data.len(), &spl_token::ID);
        account.set_data_from_slice(&data);
        let found = |m: &Pubkey| (*m == mint).then_some(&mint_account);
        assert_eq!(
            token_balance(3, &account, found),
            Some(TokenBalance {
                account_index: 3,
                mint: mint.to_bytes(),
                owner: owner.to_bytes(),
                program: spl_token::ID.to_bytes(),
                amount: 42,
                decimals: 6,
            })
        );
        // Not a token program's, or no mint: no balance.
        let other = AccountSharedData::new(1, data.len(), &Pubkey::new_unique());
        assert_eq!(token_balance(0, &other, found), None);
        assert_eq!(token_balance(0, &account, |_| None), None);
    }
}
