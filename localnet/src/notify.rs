//! What the SVM thread tells websocket subscribers: slots and executed transactions
//! (with the accounts they wrote). Nothing is built when nobody listens.

use std::sync::Arc;

use solana_account::AccountSharedData;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use tokio::sync::broadcast;

use crate::record::TxRecord;

#[derive(Debug)]
pub enum Event {
    Slot {
        slot: u64,
        parent: u64,
    },
    Transaction {
        signature: Signature,
        slot: u64,
        record: Arc<TxRecord>,
        accounts: Vec<(Pubkey, AccountSharedData)>,
    },
}

#[derive(Clone)]
pub struct Notifier {
    sender: broadcast::Sender<Arc<Event>>,
}

impl Notifier {
    pub fn new(capacity: usize) -> Self {
        Notifier {
            sender: broadcast::channel(capacity).0,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    /// Sends the event `make` builds, only when someone listens.
    pub fn send(&self, make: impl FnOnce() -> Event) {
        if self.sender.receiver_count() > 0 {
            let _ = self.sender.send(Arc::new(make()));
        }
    }
}
