//! PDA seed prefixes, declared once for every program and for the clients.

/// Each program's singleton configuration account.
pub const CONFIG: &[u8] = b"config";
/// io-rewards: the token account holding the unemitted $IO.
pub const REWARDS_VAULT: &[u8] = b"vault";
/// io-rewards: the token account holding keeper bonds.
pub const KEEPER_BONDS: &[u8] = b"keeper-bonds";
/// io-rewards: one registered keeper, followed by its authority key.
pub const KEEPER: &[u8] = b"keeper";
/// io-hire: the authority over the fee treasury token accounts; also the signer that
/// reports treasury burns to io-rewards.
pub const TREASURY: &[u8] = b"treasury";
/// io-hire: a fee treasury token account, followed by its mint.
pub const TREASURY_VAULT: &[u8] = b"treasury-vault";
/// io-staking: the signer that reports slash burns to io-rewards.
pub const SLASH_BURNER: &[u8] = b"slash-burner";
/// io-rewards: the authority PDA of the rewards vault; it signs emissions and nothing else.
pub const REWARDS_VAULT_AUTHORITY: &[u8] = b"vault-authority";
/// io-rewards: the authority PDA of the keeper bonds account.
pub const KEEPER_BONDS_AUTHORITY: &[u8] = b"keeper-bonds-authority";
/// io-rewards: the PDA that signs `set_attested_capacity` into io-staking after a
/// verified epoch-report leaf.
pub const ATTESTOR: &[u8] = b"attestor";

/// io-staking: one node, followed by its node id (the worker key it registered with).
pub const NODE: &[u8] = b"node";
/// io-staking: the binding of a worker identity key to its node, followed by the key;
/// it makes a worker key usable by one node at a time.
pub const WORKER: &[u8] = b"worker";
/// io-staking: a node's stake vault (token account), followed by the node; its
/// authority is the node PDA itself, so no other node's seeds can move it.
pub const STAKE_VAULT: &[u8] = b"stake-vault";
/// io-staking: a delegator's position in a node's pool, followed by node and owner.
pub const DELEGATION: &[u8] = b"delegation";
/// io-staking: an unstake or undelegate ticket in cooldown, followed by node, owner and
/// the ticket id (u64, little-endian).
pub const TICKET: &[u8] = b"ticket";
/// io-staking: the delegator rewards pot (token account), followed by its mint.
pub const DELEGATOR_REWARDS_VAULT: &[u8] = b"delegator-rewards";
/// io-staking: the authority PDA of the delegator rewards pots.
pub const DELEGATOR_REWARDS_AUTHORITY: &[u8] = b"delegator-rewards-authority";
/// io-hire: the PDA that signs `slash` into io-staking after a failure verdict.
pub const SLASHER: &[u8] = b"slasher";
/// io-hire: the authority PDA of the hire escrows; it signs settlement deposits of the
/// delegators' cut into io-staking.
pub const ESCROW_AUTHORITY: &[u8] = b"escrow-authority";
/// io-rewards: one epoch's commits, votes and final report, followed by the epoch
/// (u64, little-endian).
pub const EPOCH: &[u8] = b"epoch";
/// io-rewards: what a node's reward claims have paid, followed by the node.
pub const NODE_CLAIMS: &[u8] = b"node-claims";
/// io-hire: the PDA that reserves and releases a node's GPUs in io-staking when an
/// order is assigned, ends or fails.
pub const ASSIGNER: &[u8] = b"assigner";
/// io-hire: one hire order, followed by the renter and the order id (u64 LE).
pub const ORDER: &[u8] = b"order";
/// io-hire: an order's escrow (token account), followed by the order.
pub const ESCROW: &[u8] = b"escrow";
/// io-hire: one node's part of an order, followed by the order and the node.
pub const ASSIGNMENT: &[u8] = b"assignment";
