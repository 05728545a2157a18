//! The SVM thread: owns the [`Chain`] (the native programs need one thread), runs the
//! slot clock, and executes jobs from the RPC tasks in batches. Each batch's ledger
//! records are fsynced once before any of its replies is released (group commit).

use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use solana_account::Account;
use tokio::sync::oneshot;

use crate::chain::{new_svm, Chain, ChainParams};
use crate::genesis::{self, GenesisFile, GenesisOptions, GENESIS_FILE, KEYS_DIR};
use crate::jsonrpc::RpcError;
use crate::ledger::{Ledger, Snapshot, LOG, SNAPSHOT};
use crate::notify::Notifier;

pub use crate::ledger::Reply;
pub type Job = Box<dyn FnOnce(&mut Chain) -> Reply + Send>;

enum Msg {
    Job(Job),
    /// Warp forward by this many slots.
    Warp(u64, oneshot::Sender<u64>),
    Shutdown(oneshot::Sender<()>),
}

/// How RPC tasks reach the chain.
#[derive(Clone)]
pub struct Handle {
    sender: mpsc::Sender<Msg>,
    pub notifier: Notifier,
}

/// The thread has stopped.
#[derive(Debug)]
pub struct Gone;

impl From<Gone> for RpcError {
    fn from(_: Gone) -> Self {
        RpcError::internal()
    }
}

impl Handle {
    /// Runs `f` on the SVM thread; the answer comes after the batch's fsync.
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Chain) -> R + Send + 'static,
    ) -> Result<R, Gone> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |chain| {
            let r = f(chain);
            Box::new(move || {
                let _ = tx.send(r);
            })
        });
        self.sender.send(Msg::Job(job)).map_err(|_| Gone)?;
        rx.await.map_err(|_| Gone)
    }

    /// Moves the chain to `slot` (if later); returns the slot now current.
    pub async fn warp_to(&self, slot: u64) -> Result<u64, Gone> {
        let (tx, rx) = oneshot::channel();
        self.sender.send(Msg::Warp(slot, tx)).map_err(|_| Gone)?;
        rx.await.map_err(|_| Gone)
    }

    /// Writes a snapshot and stops the thread.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.sender.send(Msg::Shutdown(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub ledger: PathBuf,
    pub reset: bool,
    pub genesis: GenesisOptions,
    pub tx_history: usize,
    pub snapshot_bytes: u64,
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// The slot the wall clock says, without warps.
fn wall_slot(genesis_unix: i64, slot_ms: u64) -> u64 {
    let since = now_ms().saturating_sub((genesis_unix.max(0) as u128) * 1000);
    (since / slot_ms.max(1) as u128) as u64
}

fn reset(dir: &std::path::Path) -> io::Result<()> {
    for name in [
        GENESIS_FILE,
        SNAPSHOT,
        LOG,
        "snapshot.tmp",
        "genesis.json.tmp",
    ] {
        match fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    match fs::remove_dir_all(dir.join(KEYS_DIR)) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Builds the chain (genesis or restart) on its own thread.
fn build(opts: &Options, notifier: Notifier) -> io::Result<(Chain, GenesisFile)> {
    let dir = &opts.ledger;
    if opts.reset {
        reset(dir)?;
    }
    fs::create_dir_all(dir)?;
    let mut svm = new_svm();
    if dir.join(GENESIS_FILE).exists() {
        let file = genesis::read_genesis(dir)?;
        let faucet = genesis::read_keypair(std::path::Path::new(&file.keypairs.faucet))
            .or_else(|_| genesis::read_keypair(&dir.join(KEYS_DIR).join("faucet.json")))?;
        let (ledger, restored) = Ledger::open(dir, opts.snapshot_bytes)?;
        let accounts = restored.accounts.len();
        for (key, account) in restored.accounts {
            svm.set_account(key, Account::from(account))
                .map_err(|e| io::Error::other(format!("restore {key}: {e:?}")))?;
        }
        // The first block after a restart comes after every block restored.
        let slot = (restored.slot + 1).max(wall_slot(file.genesis_unix_timestamp, file.slot_ms));
        let params = ChainParams {
            genesis_unix: file.genesis_unix_timestamp,
            slot_ms: file.slot_ms,
            tx_history: opts.tx_history,
        };
        let mut chain = Chain::new(svm, slot, params, faucet, notifier, restored.blocks);
        let txs = restored.transactions.len();
        let skip = txs.saturating_sub(opts.tx_history);
        for record in restored.transactions.into_iter().skip(skip) {
            if let Some(sig) = record.signature() {
                chain.remember(sig, record.into());
            }
        }
        chain.ledger = Some(ledger);
        if let Some(n) = opts.genesis.halving_epochs {
            log::warn!(
                "--halving-epochs {n} ignored: it applies at genesis only (or with --reset)"
            );
        }
        log::info!(
            "ledger {}: restored {accounts} accounts and {txs} transactions at slot {slot}",
            dir.display()
        );
        Ok((chain, file))
    } else {
        let (faucet, file) = genesis::create(&mut svm, dir, &opts.genesis)?;
        let params = ChainParams {
            genesis_unix: opts.genesis.genesis_unix,
            slot_ms: opts.genesis.slot_ms,
            tx_history: opts.tx_history,
        };
        let mut chain = Chain::new(svm, 0, params, faucet, notifier, Vec::new());
        Ledger::write_snapshot(
            dir,
            &Snapshot {
                slot: 0,
                accounts: chain.persistent_accounts(),
                transactions: Vec::new(),
                blocks: chain.block_headers(),
            },
        )?;
        genesis::write_genesis(dir, &file)?;
        let (ledger, _) = Ledger::open(dir, opts.snapshot_bytes)?;
        chain.ledger = Some(ledger);
        log::info!("ledger {}: genesis written", dir.display());
        Ok((chain, file))
    }
}

fn snapshot(chain: &mut Chain) {
    let snapshot = Snapshot {
        slot: chain.slot,
        accounts: chain.persistent_accounts(),
        transactions: chain.history().cloned().collect(),
        blocks: chain.block_headers(),
    };
    if let Some(ledger) = chain.ledger.as_mut() {
        ledger.snapshot(snapshot);
    }
}

/// Starts the SVM thread; returns once genesis or the restore is done.
pub fn start(opts: Options) -> io::Result<(Handle, GenesisFile, thread::JoinHandle<()>)> {
    let notifier = Notifier::new(16_384);
    let (sender, receiver) = mpsc::channel::<Msg>();
    let (ready_tx, ready_rx) = mpsc::channel();
    let thread_notifier = notifier.clone();
    let join = thread::Builder::new().name("svm".into()).spawn(move || {
        let (mut chain, file) = match build(&opts, thread_notifier) {
            Ok(x) => x,
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                return;
            }
        };
        let _ = ready_tx.send(Ok(file));
        // A panic here is a bug of the localnet (a program's panic is caught by the
        // harness and fails only its transaction). Answering on with "the chain has
        // stopped" would hide it, so the whole node stops, loudly.
        let ran =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut chain, receiver)));
        if ran.is_err() {
            eprintln!("ionet-localnet: the SVM thread panicked (see above); stopping the node");
            std::process::exit(70);
        }
    })?;
    let file = ready_rx
        .recv()
        .map_err(|_| io::Error::other("the SVM thread died during start-up"))??;
    Ok((Handle { sender, notifier }, file, join))
}

const MAX_BATCH: usize = 1024;

fn run(chain: &mut Chain, receiver: mpsc::Receiver<Msg>) {
    let genesis_unix = chain.params.genesis_unix;
    let slot_ms = chain.params.slot_ms.max(1);
    // Slots the chain is ahead of the wall clock (warps, or a restart).
    let mut offset = chain.slot.saturating_sub(wall_slot(genesis_unix, slot_ms));
    let mut batch: Vec<Msg> = Vec::with_capacity(MAX_BATCH);
    let mut replies: Vec<Reply> = Vec::with_capacity(MAX_BATCH);
    loop {
        let wall = wall_slot(genesis_unix, slot_ms);
        let target = wall + offset;
        if target > chain.slot {
            chain.advance_to(target);
        }
        let next_ms = (genesis_unix.max(0) as u128) * 1000 + (wall as u128 + 1) * slot_ms as u128;
        let wait = Duration::from_millis(next_ms.saturating_sub(now_ms()) as u64 + 1);
        match receiver.recv_timeout(wait) {
            Ok(msg) => batch.push(msg),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(msg) => batch.push(msg),
                Err(_) => break,
            }
        }
        let mut stop = None;
        for msg in batch.drain(..) {
            match msg {
                Msg::Job(job) => replies.push(job(chain)),
                Msg::Warp(slot, reply) => {
                    if slot > chain.slot {
                        offset += slot - chain.slot;
                        chain.advance_to(slot);
                    }
                    let current = chain.slot;
                    replies.push(Box::new(move || {
                        let _ = reply.send(current);
                    }));
                }
                Msg::Shutdown(reply) => stop = Some(reply),
            }
        }
        let done = std::mem::replace(&mut replies, Vec::with_capacity(MAX_BATCH));
        match chain.ledger.as_mut() {
            Some(ledger) => ledger.commit(done),
            None => done.into_iter().for_each(|reply| reply()),
        }
        if let Some(reply) = stop {
            snapshot(chain);
            if let Some(mut ledger) = chain.ledger.take() {
                ledger.close();
            }
            let _ = reply.send(());
            return;
        }
        if chain.ledger.as_ref().is_some_and(|l| l.wants_snapshot()) {
            snapshot(chain);
        }
    }
    snapshot(chain);
    if let Some(mut ledger) = chain.ledger.take() {
        ledger.close();
    }
}
