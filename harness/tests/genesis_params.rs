//! chain/genesis/params.json is the Go copy of genesis's defaults, which `ionet admin
//! genesis` deploys on a real cluster. It must say exactly what
//! `GenesisParams::default()` says (genesis_ts aside: the Go side takes the chain's
//! clock, the localnet its own start), or a devnet would run other rules than every
//! test here.

use ionet_svm::deploy::GenesisParams;
use serde_json::{json, Value};

#[test]
fn go_genesis_params_match_the_rust_defaults() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../chain/genesis/params.json");
    let file: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read params.json"))
            .expect("params.json is JSON");
    // Destructured without `..`: a new parameter does not compile until it is here.
    let GenesisParams {
        staking: s,
        hire: h,
        rewards: r,
    } = GenesisParams::default();
    let io_staking::params::StakingParams {
        min_operator_stake: _,
        min_stake_per_gpu: _,
        io_per_tops: _,
        max_delegation_ratio_bps: _,
        cooldown_seconds: _,
        delegator_availability_cut_bps: _,
        delegator_hire_cut_bps: _,
    } = &s;
    let io_hire::params::HireParams {
        iosd_fee_bps: _,
        io_fee_bps: _,
        max_price_age_epochs: _,
        unmatched_timeout_seconds: _,
        booking_fee_bps: _,
        supplier_fee_bps: _,
        max_attestation_age_epochs: _,
    } = &h;
    let io_rewards::params::RewardsParams {
        genesis_ts: _,
        epoch_seconds: _,
        initial_epoch_emission: _,
        halving_epochs: _,
        halving_ratio_bps: _,
        emission_cap: _,
        keeper_bond: _,
        quorum_num: _,
        quorum_den: _,
        uptime_threshold_bps: _,
        commit_window_seconds: _,
        vote_window_seconds: _,
        keeper_unbonding_seconds: _,
    } = &r;
    let want = json!({
        "staking": {
            "minOperatorStake": s.min_operator_stake,
            "minStakePerGpu": s.min_stake_per_gpu,
            "ioPerTops": s.io_per_tops,
            "maxDelegationRatioBps": s.max_delegation_ratio_bps,
            "cooldownSeconds": s.cooldown_seconds,
            "delegatorAvailabilityCutBps": s.delegator_availability_cut_bps,
            "delegatorHireCutBps": s.delegator_hire_cut_bps,
        },
        "hire": {
            "iosdFeeBps": h.iosd_fee_bps,
            "ioFeeBps": h.io_fee_bps,
            "maxPriceAgeEpochs": h.max_price_age_epochs,
            "unmatchedTimeoutSeconds": h.unmatched_timeout_seconds,
            "bookingFeeBps": h.booking_fee_bps,
            "supplierFeeBps": h.supplier_fee_bps,
            "maxAttestationAgeEpochs": h.max_attestation_age_epochs,
        },
        "rewards": {
            "genesisTs": 0,
            "epochSeconds": r.epoch_seconds,
            "initialEpochEmission": r.initial_epoch_emission,
            "halvingEpochs": r.halving_epochs,
            "halvingRatioBps": r.halving_ratio_bps,
            "emissionCap": r.emission_cap,
            "keeperBond": r.keeper_bond,
            "quorumNum": r.quorum_num,
            "quorumDen": r.quorum_den,
            "uptimeThresholdBps": r.uptime_threshold_bps,
            "commitWindowSeconds": r.commit_window_seconds,
            "voteWindowSeconds": r.vote_window_seconds,
            "keeperUnbondingSeconds": r.keeper_unbonding_seconds,
        },
    });
    assert_eq!(
        file, want,
        "chain/genesis/params.json differs from GenesisParams::default()"
    );
}
