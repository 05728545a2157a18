// Package txm is the keeper's transaction manager: every transaction ionet-keeper
// sends goes through it, under an idempotency key the caller chooses
// ("vote/epoch-42"), so that a retry, a restart or a crash never repeats an action
// that already landed.
//
// A record goes queued → sent → confirmed (→ finalized when Config.Finalize), or
// failed with a reason:
//
//   - queued: accepted and persisted, nothing signed yet.
//   - sent: signed with a recent blockhash, simulated, persisted with its signature
//     and blockhash, then broadcast (in that order: the signature is on disk before
//     any node sees the transaction). While no signature has landed and the newest
//     blockhash is still valid the manager polls getSignatureStatuses with
//     exponential backoff and rebroadcasts; once every blockhash used has passed its
//     lastValidBlockHeight (getBlockHeight) with nothing landed, it re-signs with a
//     fresh blockhash and sends again. Every signature ever sent for the key is
//     polled: an old one may still land, and then it is the one that counts.
//   - confirmed / finalized: a signature landed without error at that commitment.
//   - failed: simulation refused it (nothing was sent), it landed with an error, the
//     RPC rejected it for good, no key could sign it after a restart, or it expired
//     Config.MaxAttempts times. Tx.Err wraps one sentinel (ErrSimulationFailed,
//     ErrTransactionFailed, ErrRejected, ErrNoSigner, ErrExpired) and, when an ionet
//     program refused it, the program's named error (programerr.ProgramError).
//
// Records live in a bbolt file. Open resumes what the last process left: queued
// records are signed and sent, sent records are polled (and re-signed only when all
// their blockhashes expired with nothing landed). Finished records stay for
// Config.Retention, during which the same key still returns them, and are then
// dropped.
//
// Only five RPC methods are used (the RPC interface): getLatestBlockhash,
// simulateTransaction, sendTransaction, getSignatureStatuses and getBlockHeight.
// RPC errors are sorted by Classify; transport failures, rate limits and unhealthy
// nodes are retried with backoff until the manager is closed, so an unreachable
// node delays transactions and crashes nothing.
package txm
