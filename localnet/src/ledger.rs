//! The ledger directory: a snapshot of every account plus an append-only log of the
//! changes since, fsynced before any client hears of them.
//!
//! Both files are sequences of records `len: u32 | checksum: u64 | kind: u8 | body`.
//! The log's tail may be torn by a crash (kill -9): reading stops at the first record
//! whose length or checksum does not hold, and the log is cut there. Nothing that was
//! reported to a client can be in that tail, because replies wait for the fsync.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};
use std::thread;

use solana_account::{AccountSharedData, ReadableAccount, WritableAccount};
use solana_pubkey::Pubkey;

use crate::record::{BlockHeader, TxRecord};

const KIND_ACCOUNT: u8 = 1;
const KIND_TX: u8 = 2;
const KIND_SLOT: u8 = 3;
const KIND_END: u8 = 4;
const KIND_BLOCK: u8 = 5;
const HEADER: usize = 4 + 8;
/// No single record is larger than this (an account holds at most 10 MiB).
const MAX_RECORD: usize = 11 << 20;

pub const SNAPSHOT: &str = "snapshot.bin";
pub const LOG: &str = "accounts.log";

/// What a ledger directory holds.
#[derive(Default)]
pub struct Restored {
    pub slot: u64,
    pub accounts: HashMap<Pubkey, AccountSharedData>,
    pub transactions: Vec<TxRecord>,
    pub blocks: Vec<BlockHeader>,
}

/// The SVM thread's end of the ledger: records of the current batch, handed with the
/// batch's replies to the writer thread, which appends, fsyncs, and only then
/// releases the replies. The SVM thread goes on with the next batch meanwhile
/// (pipelined group commit); replies leave in batch order.
pub struct Ledger {
    pending: Vec<u8>,
    dirty: bool,
    log_len: u64,
    snapshot_bytes: u64,
    writer: Option<mpsc::Sender<WriterMsg>>,
    thread: Option<thread::JoinHandle<()>>,
}

pub type Reply = Box<dyn FnOnce() + Send>;

enum WriterMsg {
    Batch {
        bytes: Vec<u8>,
        sync: bool,
        replies: Vec<Reply>,
    },
    Snapshot(Box<Snapshot>),
}

/// Everything a snapshot holds.
pub struct Snapshot {
    pub slot: u64,
    pub accounts: Vec<(Pubkey, AccountSharedData)>,
    pub transactions: Vec<Arc<TxRecord>>,
    pub blocks: Vec<BlockHeader>,
}

fn writer(dir: PathBuf, mut file: File, receiver: mpsc::Receiver<WriterMsg>) {
    for msg in receiver {
        match msg {
            WriterMsg::Batch {
                bytes,
                sync,
                replies,
            } => {
                let mut result = file.write_all(&bytes);
                if sync && result.is_ok() {
                    result = file.sync_data();
                }
                if let Err(e) = result {
                    // Replies must not claim what the disk does not hold.
                    log::error!("ledger: append or fsync failed, stopping: {e}");
                    std::process::exit(1);
                }
                for reply in replies {
                    reply();
                }
            }
            WriterMsg::Snapshot(snapshot) => {
                let result = Ledger::write_snapshot(&dir, &snapshot)
                    .and_then(|()| file.set_len(0))
                    .and_then(|()| file.sync_all());
                match result {
                    Ok(()) => log::info!(
                        "snapshot at slot {}: {} accounts",
                        snapshot.slot,
                        snapshot.accounts.len()
                    ),
                    Err(e) => {
                        log::error!("ledger: snapshot failed, stopping: {e}");
                        std::process::exit(1);
                    }
                }
            }
        }
    }
}

fn checksum(bytes: &[u8]) -> u64 {
    // FNV-1a: catches torn and garbled tails, not an adversary.
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn account_body(key: &Pubkey, account: &AccountSharedData) -> Vec<u8> {
    let mut body = Vec::with_capacity(1 + 32 + 8 + 32 + 1 + 8 + account.data().len());
    body.push(KIND_ACCOUNT);
    body.extend_from_slice(key.as_ref());
    body.extend_from_slice(&account.lamports().to_le_bytes());
    body.extend_from_slice(account.owner().as_ref());
    body.push(u8::from(account.executable()));
    body.extend_from_slice(&account.rent_epoch().to_le_bytes());
    body.extend_from_slice(account.data());
    body
}

fn slot_body(slot: u64) -> Vec<u8> {
    let mut body = vec![KIND_SLOT];
    body.extend_from_slice(&slot.to_le_bytes());
    body
}

fn block_body(header: &BlockHeader) -> Vec<u8> {
    let mut body = vec![KIND_BLOCK];
    body.extend(bincode::serialize(header).unwrap_or_default());
    body
}

fn tx_body(record: &TxRecord) -> Vec<u8> {
    let mut body = vec![KIND_TX];
    body.extend(bincode::serialize(record).unwrap_or_default());
    body
}

/// Splits `bytes` into record bodies; returns them and how many bytes were whole.
fn records(bytes: &[u8]) -> (Vec<&[u8]>, usize) {
    let mut out = Vec::new();
    let mut at = 0;
    while bytes.len() - at >= HEADER {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default()) as usize;
        let sum = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().unwrap_or_default());
        if len == 0 || len > MAX_RECORD || bytes.len() - at - HEADER < len {
            break;
        }
        let body = &bytes[at + HEADER..at + HEADER + len];
        if checksum(body) != sum {
            break;
        }
        out.push(body);
        at += HEADER + len;
    }
    (out, at)
}

fn apply(body: &[u8], restored: &mut Restored) -> bool {
    let (kind, rest) = match body.split_first() {
        Some(x) => x,
        None => return false,
    };
    match *kind {
        KIND_ACCOUNT if rest.len() >= 81 => {
            let key = Pubkey::try_from(&rest[0..32]).unwrap_or_default();
            let lamports = u64::from_le_bytes(rest[32..40].try_into().unwrap_or_default());
            let owner = Pubkey::try_from(&rest[40..72]).unwrap_or_default();
            let executable = rest[72] != 0;
            let rent_epoch = u64::from_le_bytes(rest[73..81].try_into().unwrap_or_default());
            if lamports == 0 {
                restored.accounts.remove(&key);
            } else {
                let mut account = AccountSharedData::new(lamports, 0, &owner);
                account.set_data_from_slice(&rest[81..]);
                account.set_executable(executable);
                account.set_rent_epoch(rent_epoch);
                restored.accounts.insert(key, account);
            }
            true
        }
        KIND_TX => match bincode::deserialize::<TxRecord>(rest) {
            Ok(record) => {
                restored.slot = restored.slot.max(record.slot);
                restored.transactions.push(record);
                true
            }
            Err(_) => false,
        },
        KIND_SLOT if rest.len() == 8 => {
            let slot = u64::from_le_bytes(rest.try_into().unwrap_or_default());
            restored.slot = restored.slot.max(slot);
            true
        }
        KIND_BLOCK => match bincode::deserialize::<BlockHeader>(rest) {
            Ok(header) => {
                restored.slot = restored.slot.max(header.slot);
                restored.blocks.retain(|b| b.slot < header.slot);
                restored.blocks.push(header);
                true
            }
            Err(_) => false,
        },
        KIND_END => true,
        _ => false,
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

impl Ledger {
    /// Reads the snapshot and the log of `dir` and opens the log for appending (cut
    /// after its last whole record).
    pub fn open(dir: &Path, snapshot_bytes: u64) -> io::Result<(Ledger, Restored)> {
        let mut restored = Restored::default();
        let snapshot = fs::read(dir.join(SNAPSHOT))?;
        let (bodies, _) = records(&snapshot);
        if bodies.last().and_then(|b| b.first()) != Some(&KIND_END) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the snapshot is incomplete",
            ));
        }
        for body in bodies {
            if !apply(body, &mut restored) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "the snapshot holds a record this version cannot read",
                ));
            }
        }
        let log_path = dir.join(LOG);
        let mut bytes = Vec::new();
        if let Ok(mut f) = File::open(&log_path) {
            f.read_to_end(&mut bytes)?;
        }
        let (bodies, whole) = records(&bytes);
        let mut good = 0;
        for body in bodies {
            if !apply(body, &mut restored) {
                break;
            }
            good += HEADER + body.len();
        }
        if whole != bytes.len() || good != whole {
            log::warn!(
                "ledger: cutting {} bytes of torn log tail",
                bytes.len() - good
            );
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)?;
        file.set_len(good as u64)?;
        file.sync_all()?;
        let (sender, receiver) = mpsc::channel();
        let writer_dir = dir.to_path_buf();
        let thread = thread::Builder::new()
            .name("ledger".into())
            .spawn(move || writer(writer_dir, file, receiver))?;
        let ledger = Ledger {
            pending: Vec::with_capacity(1 << 20),
            dirty: false,
            log_len: good as u64,
            snapshot_bytes,
            writer: Some(sender),
            thread: Some(thread),
        };
        Ok((ledger, restored))
    }

    /// Writes a full snapshot of `accounts` and `transactions` at `slot`, then empties
    /// the log. Atomic: a crash leaves either the old snapshot and log or the new one.
    pub fn write_snapshot(dir: &Path, snapshot: &Snapshot) -> io::Result<()> {
        let tmp = dir.join("snapshot.tmp");
        {
            let mut w = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
            w.write_all(&frame(&slot_body(snapshot.slot)))?;
            for header in &snapshot.blocks {
                w.write_all(&frame(&block_body(header)))?;
            }
            for (key, account) in &snapshot.accounts {
                w.write_all(&frame(&account_body(key, account)))?;
            }
            for record in &snapshot.transactions {
                w.write_all(&frame(&tx_body(record)))?;
            }
            w.write_all(&frame(&[KIND_END]))?;
            w.flush()?;
            w.get_ref().sync_all()?;
        }
        fs::rename(&tmp, dir.join(SNAPSHOT))?;
        sync_dir(dir)
    }

    /// Queues a full snapshot; the log is emptied after it, in order with the batches.
    pub fn snapshot(&mut self, snapshot: Snapshot) {
        self.commit(Vec::new());
        self.log_len = 0;
        if let Some(w) = &self.writer {
            let _ = w.send(WriterMsg::Snapshot(Box::new(snapshot)));
        }
    }

    fn append(&mut self, body: &[u8]) {
        let framed = frame(body);
        self.log_len += framed.len() as u64;
        self.pending.extend_from_slice(&framed);
    }

    pub fn append_account(&mut self, key: &Pubkey, account: &AccountSharedData) {
        self.append(&account_body(key, account));
        self.dirty = true;
    }

    pub fn append_tx(&mut self, record: &TxRecord) {
        self.append(&tx_body(record));
        self.dirty = true;
    }

    /// Blocks need no fsync of their own: they reach the disk with the next
    /// transaction's, and a restart never goes back in time anyway.
    pub fn append_block(&mut self, header: &BlockHeader) {
        self.append(&block_body(header));
    }

    /// Hands the batch's records and replies to the writer: the replies are released
    /// once the records are durable.
    pub fn commit(&mut self, replies: Vec<Reply>) {
        let bytes = std::mem::take(&mut self.pending);
        let sync = std::mem::take(&mut self.dirty);
        if bytes.is_empty() && replies.is_empty() {
            return;
        }
        if let Some(w) = &self.writer {
            let _ = w.send(WriterMsg::Batch {
                bytes,
                sync,
                replies,
            });
        }
    }

    pub fn wants_snapshot(&self) -> bool {
        self.log_len >= self.snapshot_bytes
    }

    /// Waits until everything queued is on disk.
    pub fn close(&mut self) {
        self.commit(Vec::new());
        self.writer = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_tail_is_cut() {
        let key = Pubkey::new_unique();
        let owner = Pubkey::new_unique();
        let mut account = AccountSharedData::new(42, 3, &owner);
        account.set_data_from_slice(&[1, 2, 3]);
        let mut bytes = frame(&account_body(&key, &account));
        let whole = bytes.len();
        bytes.extend_from_slice(&frame(&slot_body(9))[..7]);
        let (bodies, at) = records(&bytes);
        assert_eq!(bodies.len(), 1);
        assert_eq!(at, whole);
        let mut restored = Restored::default();
        assert!(apply(bodies[0], &mut restored));
        assert_eq!(restored.accounts[&key], account);
    }

    #[test]
    fn blocks_are_restored_in_slot_order() {
        let header = |slot: u64, height: u64| BlockHeader {
            slot,
            parent_slot: slot.saturating_sub(1),
            height,
            blockhash: solana_hash::Hash::new_from_array([slot as u8; 32]),
            previous_blockhash: solana_hash::Hash::default(),
        };
        let mut bytes = frame(&block_body(&header(3, 1)));
        bytes.extend_from_slice(&frame(&block_body(&header(7, 2))));
        let (bodies, _) = records(&bytes);
        let mut restored = Restored::default();
        for body in bodies {
            assert!(apply(body, &mut restored));
        }
        assert_eq!(restored.blocks, vec![header(3, 1), header(7, 2)]);
        assert_eq!(restored.slot, 7);
    }

    #[test]
    fn garbled_record_stops_reading() {
        let mut bytes = frame(&slot_body(5));
        let n = bytes.len();
        bytes.extend_from_slice(&frame(&slot_body(6)));
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        let (bodies, at) = records(&bytes);
        assert_eq!((bodies.len(), at), (1, n));
    }
}
