use anchor_lang::prelude::*;

#[error_code]
pub enum StakingError {
    #[msg("minimum operator stake per node must be positive")]
    InvalidMinOperatorStake,
    #[msg("cooldown must be positive")]
    InvalidCooldown,
    #[msg("$IO per attested TOPS must be positive")]
    InvalidIoPerTops,
    #[msg("basis points must be at most 10000")]
    InvalidBasisPoints,
    #[msg("only the program's upgrade authority (the deployer) may initialize it")]
    NotDeployer,
    #[msg("the $IO mint differs from io-rewards' (its rewards vault holds another mint)")]
    MintMismatch,
    #[msg("IOSD must have 6 decimals (micro-USD)")]
    IosdDecimals,
    #[msg("only io-staking's admin may do this")]
    NotAdmin,
    #[msg("only the proposed admin may accept the handover")]
    NotPendingAdmin,
    #[msg("a node needs a known class id, 1 to 1024 GPUs and an ISO 3166 location code")]
    InvalidSpec,
    #[msg("the ask must be a positive price in micro-USD per GPU-hour")]
    InvalidAsk,
    #[msg("node endpoint must be 1 to 128 bytes")]
    InvalidEndpoint,
    #[msg("only the node's operator may do this")]
    NotOperator,
    #[msg("the node has GPUs in active hires")]
    NodeHired,
    #[msg("the node still has stake, tickets or delegation positions")]
    NodeNotEmpty,
    #[msg("amount must be positive")]
    ZeroAmount,
    #[msg("the pool was slashed to zero: holders may only leave")]
    PoolWiped,
    #[msg("not that many shares")]
    NotEnoughShares,
    #[msg("the operator stakes with `stake`, not `delegate`")]
    OperatorMustStake,
    #[msg("delegation over the node's cap: attested TOPS × $IO per TOPS")]
    OverCapacityCap,
    #[msg("delegation over the node's cap: the ratio to the operator's own stake")]
    OverOperatorRatioCap,
    #[msg("the ticket is still in its cooldown")]
    CooldownNotOver,
    #[msg("only the ticket's owner may withdraw it")]
    NotTicketOwner,
    #[msg("that ticket belongs to another node")]
    WrongNode,
    #[msg("only the position's owner may do this")]
    NotPositionOwner,
    #[msg("the position still holds shares or unclaimed rewards")]
    PositionNotEmpty,
    #[msg("rewards go to a token account of the position's owner")]
    NotOwnersAccount,
    #[msg("not a reward mint: delegator rewards are in $IO or IOSD")]
    NotRewardMint,
    #[msg("that is not the $IO mint of this deployment")]
    WrongMint,
    #[msg("nobody holds delegated shares in this node to receive rewards")]
    NoDelegators,
    #[msg("claims would exceed what was deposited for this node's delegators")]
    RewardsExceedDeposits,
    #[msg("only io-hire's slasher may slash, after a failure verdict")]
    NotSlasher,
    #[msg("only io-rewards' attestor may set attested capacity")]
    NotAttestor,
    #[msg("only io-rewards' vault authority or io-hire's escrow authority may deposit delegator rewards")]
    NotRewardDepositor,
    #[msg("a slash covers 1 to the node's GPU count of cards")]
    InvalidSlashGpus,
    #[msg("only io-hire's assigner may reserve or release GPUs")]
    NotAssigner,
    #[msg("the node has not that many free GPUs")]
    NotEnoughFreeGpus,
    #[msg("arithmetic overflow")]
    Overflow,
}
