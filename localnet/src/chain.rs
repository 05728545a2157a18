//! The chain: one LiteSVM, owned by one thread, with the slot clock, the window of
//! recent blockhashes, the recent transaction history and the ledger around it.
//!
//! Everything here runs on the SVM thread ([`crate::svm_thread`]); the native programs
//! keep their invoke context in a thread-local, so the SVM never changes threads.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use litesvm::LiteSVM;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use solana_account::{Account, AccountSharedData, ReadableAccount};
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

/// How many blockhashes (one per slot) a transaction may refer to, as on Solana.
pub const BLOCKHASH_WINDOW: usize = 150;
/// Solana's default epoch length in slots (for `Clock.epoch` and getEpochInfo).
pub const SLOTS_PER_EPOCH: u64 = 432_000;
/// The fee per signature LiteSVM charges by default.
pub const LAMPORTS_PER_SIGNATURE: u64 = 5_000;
/// Size of an address lookup table's header; addresses follow it.
const LOOKUP_TABLE_META_SIZE: usize = 56;

/// One executed transaction, as getTransaction and the ledger need it.
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
    pub logs: Vec<String>,
    pub inner: Vec<InnerGroup>,
    pub compute_units: u64,
    pub return_data: Option<([u8; 32], Vec<u8>)>,
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

impl TxRecord {
    pub fn signature(&self) -> Option<Signature> {
        let tx: VersionedTransaction = bincode::deserialize(&self.tx).ok()?;
        tx.signatures.first().copied()
    }
}

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
    pub replacement_blockhash: Option<(Hash, u64)>,
}

/// Time and identity parameters of a chain.
#[derive(Clone, Debug)]
pub struct ChainParams {
    pub genesis_unix: i64,
    pub slot_ms: u64,
    pub tx_history: usize,
}

pub struct Chain {
    pub svm: LiteSVM,
    pub slot: u64,
    pub params: ChainParams,
    blockhashes: VecDeque<(Hash, u64)>,
    blockhash_slots: HashMap<Hash, u64>,
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

impl Chain {
    pub fn new(
        svm: LiteSVM,
        slot: u64,
        params: ChainParams,
        faucet: Keypair,
        notifier: Notifier,
    ) -> Self {
        let mut chain = Chain {
            svm,
            slot,
            params,
            blockhashes: VecDeque::with_capacity(BLOCKHASH_WINDOW + 1),
            blockhash_slots: HashMap::new(),
            history: HashMap::new(),
            history_order: VecDeque::new(),
            transaction_count: 0,
            faucet,
            ledger: None,
            notifier,
        };
        chain.push_blockhash();
        chain.sync_clock();
        chain
    }

    /// Unix time at `slot`: genesis plus the slots' duration.
    pub fn unix_at(&self, slot: u64) -> i64 {
        self.params.genesis_unix + (slot.saturating_mul(self.params.slot_ms) / 1000) as i64
    }

    fn push_blockhash(&mut self) {
        let prev = self
            .blockhashes
            .back()
            .map(|(h, _)| h.to_bytes())
            .unwrap_or_default();
        let mut hasher = Sha256::new();
        hasher.update(prev);
        hasher.update(self.slot.to_le_bytes());
        hasher.update(self.params.genesis_unix.to_le_bytes());
        let hash = Hash::new_from_array(hasher.finalize().into());
        self.blockhashes.push_back((hash, self.slot));
        self.blockhash_slots.insert(hash, self.slot);
        while self.blockhashes.len() > BLOCKHASH_WINDOW {
            if let Some((old, _)) = self.blockhashes.pop_front() {
                self.blockhash_slots.remove(&old);
            }
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

    /// Moves to `slot` (later than the current one): a new blockhash, the Clock
    /// sysvar follows, subscribers hear of it.
    pub fn advance_to(&mut self, slot: u64) {
        if slot <= self.slot {
            return;
        }
        let parent = self.slot;
        self.slot = slot;
        self.push_blockhash();
        self.sync_clock();
        if let Some(ledger) = self.ledger.as_mut() {
            ledger.append_slot(slot);
        }
        self.notifier.send(|| Event::Slot { slot, parent });
    }

    pub fn latest_blockhash(&self) -> (Hash, u64) {
        *self.blockhashes.back().expect("the window is never empty")
    }

    pub fn blockhash_slot(&self, hash: &Hash) -> Option<u64> {
        self.blockhash_slots.get(hash).copied()
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

    /// Remembers an executed transaction (from execution or from the ledger).
    pub fn remember(&mut self, signature: Signature, record: Arc<TxRecord>) {
        if self.history.insert(signature, record).is_none() {
            self.history_order.push_back(signature);
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

    fn lamports(&self, key: &Pubkey) -> u64 {
        self.svm
            .accounts_db()
            .inner
            .get(key)
            .map(|a| a.lamports())
            .unwrap_or(0)
    }

    /// Executes a signed (already verified) transaction and records it. With
    /// `preflight`, a failing transaction leaves no trace and comes back as
    /// [`SubmitError::Preflight`]; without, it is recorded with its error and its fee.
    pub fn submit(
        &mut self,
        tx: VersionedTransaction,
        preflight: bool,
    ) -> Result<Signature, SubmitError> {
        let signature = *tx
            .signatures
            .first()
            .ok_or(SubmitError::Rejected(TransactionError::SanitizeFailure))?;
        if self.history.contains_key(&signature) {
            return if preflight {
                Err(SubmitError::Preflight(Box::new(Simulation {
                    err: Some(TransactionError::AlreadyProcessed),
                    ..Default::default()
                })))
            } else {
                Ok(signature)
            };
        }
        if self.blockhash_slot(tx.message.recent_blockhash()).is_none() {
            let err = TransactionError::BlockhashNotFound;
            return Err(if preflight {
                SubmitError::Preflight(Box::new(Simulation {
                    err: Some(err),
                    ..Default::default()
                }))
            } else {
                SubmitError::Rejected(err)
            });
        }
        let (keys, loaded_writable, loaded_readonly) = self.account_keys(&tx.message);
        let Some(payer) = keys.first().copied() else {
            return Err(SubmitError::Rejected(TransactionError::SanitizeFailure));
        };
        let payer_before = self.svm.accounts_db().inner.get(&payer).cloned();
        let pre_balances: Vec<u64> = keys.iter().map(|k| self.lamports(k)).collect();
        let wire = bincode::serialize(&tx).unwrap_or_default();
        let writable: Vec<Pubkey> = (0..keys.len())
            .filter(|&i| {
                if i < message_static_len(&tx.message) {
                    tx.message.is_maybe_writable(i, None)
                } else {
                    i < message_static_len(&tx.message) + loaded_writable
                }
            })
            .map(|i| keys[i])
            .collect();
        let fee = LAMPORTS_PER_SIGNATURE * tx.signatures.len() as u64;

        let (err, meta) = match self.svm.send_transaction(tx) {
            Ok(meta) => (None, meta),
            Err(failed) => (Some(failed.err), failed.meta),
        };
        if let Some(err) = &err {
            let charged = self.lamports(&payer) < pre_balances[0];
            if preflight || !charged {
                // Undo the fee LiteSVM took: a failed preflight leaves no trace.
                if charged {
                    if let Some(before) = payer_before {
                        let _ = self.svm.set_account(payer, Account::from(before));
                    }
                }
                if !preflight {
                    return Err(SubmitError::Rejected(err.clone()));
                }
                return Err(SubmitError::Preflight(Box::new(Simulation {
                    err: Some(err.clone()),
                    logs: meta.logs,
                    compute_units: meta.compute_units_consumed,
                    return_data: return_data(&meta.return_data),
                    inner: inner_groups(&meta.inner_instructions),
                    ..Default::default()
                })));
            }
        }
        let post_balances: Vec<u64> = keys.iter().map(|k| self.lamports(k)).collect();
        let record = Arc::new(TxRecord {
            slot: self.slot,
            block_time: self.unix_at(self.slot),
            tx: wire,
            err: err.clone(),
            fee,
            keys: keys.iter().map(|k| k.to_bytes()).collect(),
            loaded_writable,
            loaded_readonly,
            pre_balances,
            post_balances,
            logs: meta.logs,
            inner: inner_groups(&meta.inner_instructions),
            compute_units: meta.compute_units_consumed,
            return_data: return_data(&meta.return_data).map(|(p, d)| (p.to_bytes(), d)),
        });
        let changed: Vec<(Pubkey, AccountSharedData)> = writable
            .iter()
            .map(|k| {
                let account = self
                    .svm
                    .accounts_db()
                    .inner
                    .get(k)
                    .cloned()
                    .unwrap_or_default();
                (*k, account)
            })
            .collect();
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
            record: record.clone(),
            accounts: changed,
        });
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
        } else if self.blockhash_slot(tx.message.recent_blockhash()).is_none() {
            return Simulation {
                err: Some(TransactionError::BlockhashNotFound),
                ..Default::default()
            };
        }
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

    /// The decimals of a token account's mint (for jsonParsed).
    pub fn token_decimals(&self, account: &AccountSharedData) -> Option<u8> {
        use anchor_spl::token::spl_token;
        use anchor_spl::token::spl_token::solana_program::program_pack::Pack;
        if account.owner() != &spl_token::ID
            || account.data().len() != spl_token::state::Account::LEN
        {
            return None;
        }
        let token = spl_token::state::Account::unpack(account.data()).ok()?;
        let mint = self.account(&token.mint)?;
        spl_token::state::Mint::unpack(mint.data())
            .ok()
            .map(|m| m.decimals)
    }

    /// Accounts with their mint's decimals when jsonParsed wants them.
    pub fn with_decimals(
        &self,
        accounts: Vec<(Pubkey, AccountSharedData)>,
        parsed: bool,
    ) -> Vec<(Pubkey, AccountSharedData, Option<u8>)> {
        accounts
            .into_iter()
            .map(|(k, a)| {
                let d = if parsed {
                    self.token_decimals(&a)
                } else {
                    None
                };
                (k, a, d)
            })
            .collect()
    }

    /// Accounts a snapshot keeps: everything but programs and sysvars, which every
    /// start recreates.
    pub fn persistent_accounts(&self) -> Vec<(Pubkey, AccountSharedData)> {
        let skip: HashSet<Pubkey> = [
            solana_sdk_ids::sysvar::id(),
            solana_sdk_ids::native_loader::id(),
            solana_sdk_ids::bpf_loader::id(),
            solana_sdk_ids::bpf_loader_deprecated::id(),
            solana_sdk_ids::bpf_loader_upgradeable::id(),
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

fn message_static_len(message: &VersionedMessage) -> usize {
    message.static_account_keys().len()
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
