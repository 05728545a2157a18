//! The parameters governance sets at initialization, validated in one place and kept
//! whole in the config account.

use anchor_lang::prelude::*;

use io_protocol::emission::Schedule;
use io_protocol::supply::IO_REWARDS_ALLOCATION;

use crate::errors::RewardsError;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq, InitSpace)]
pub struct RewardsParams {
    /// Unix time at which epoch 0 starts.
    pub genesis_ts: i64,
    pub epoch_seconds: i64,
    /// E0: $IO base units emitted per epoch in the first halving period.
    pub initial_epoch_emission: u64,
    /// P: epochs per halving period.
    pub halving_epochs: u64,
    /// r: emission ratio between consecutive periods, in basis points (5000 = halving).
    pub halving_ratio_bps: u16,
    /// Hard cap on everything the vault will ever emit.
    pub emission_cap: u64,
    pub keeper_bond: u64,
    /// Quorum is ⌈keeper_count × num / den⌉ votes.
    pub quorum_num: u8,
    pub quorum_den: u8,
    /// A node whose uptime is below this forfeits its epoch share.
    pub uptime_threshold_bps: u16,
    /// After an epoch ends, keepers commit their observation logs within this window.
    pub commit_window_seconds: i64,
    /// After an epoch ends, votes are taken within this window (at least the commit
    /// window, at most one epoch); an epoch without a quorum by then is never final.
    pub vote_window_seconds: i64,
    /// A keeper's bond comes back this long after it announced its exit.
    pub keeper_unbonding_seconds: i64,
}

impl RewardsParams {
    pub fn schedule(&self) -> Schedule {
        Schedule {
            initial_epoch_emission: self.initial_epoch_emission,
            period_epochs: self.halving_epochs,
            ratio_bps: self.halving_ratio_bps,
            cap: self.emission_cap,
        }
    }

    pub fn validate(&self) -> Result<()> {
        require!(self.epoch_seconds > 0, RewardsError::InvalidEpochLength);
        require!(
            self.emission_cap > 0 && self.emission_cap <= IO_REWARDS_ALLOCATION,
            RewardsError::InvalidEmissionCap
        );
        require!(self.halving_epochs > 0, RewardsError::InvalidHalvingPeriod);
        require!(
            self.halving_ratio_bps > 0 && self.halving_ratio_bps < 10_000,
            RewardsError::InvalidHalvingRatio
        );
        // E0 × P / (1 − r) ≤ cap: the series itself fits the allocation.
        require!(
            self.initial_epoch_emission > 0 && self.schedule().is_within(),
            RewardsError::InvalidEpochEmission
        );
        require!(self.keeper_bond > 0, RewardsError::InvalidKeeperBond);
        // More than half, so two different reports can never both reach quorum.
        require!(
            self.quorum_den > 0
                && self.quorum_num <= self.quorum_den
                && u16::from(self.quorum_num) * 2 > u16::from(self.quorum_den),
            RewardsError::InvalidQuorum
        );
        require!(
            self.uptime_threshold_bps <= 10_000,
            RewardsError::InvalidBasisPoints
        );
        require!(
            self.commit_window_seconds > 0
                && self.commit_window_seconds <= self.vote_window_seconds
                && self.vote_window_seconds <= self.epoch_seconds,
            RewardsError::InvalidWindows
        );
        require!(
            self.keeper_unbonding_seconds > 0,
            RewardsError::InvalidUnbonding
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> RewardsParams {
        RewardsParams {
            genesis_ts: 0,
            epoch_seconds: 3600,
            initial_epoch_emission: 856_164_383_561,
            halving_epochs: 17_520,
            halving_ratio_bps: 5_000,
            emission_cap: 30_000_000_000_000_000,
            keeper_bond: 1_000_000_000_000,
            quorum_num: 2,
            quorum_den: 3,
            uptime_threshold_bps: 10_000,
            commit_window_seconds: 600,
            vote_window_seconds: 1_800,
            keeper_unbonding_seconds: 7 * 24 * 3600,
        }
    }

    fn refused(change: impl FnOnce(&mut RewardsParams), want: RewardsError) {
        let mut args = good();
        change(&mut args);
        assert_eq!(args.validate().unwrap_err(), want.into(), "{args:?}");
    }

    #[test]
    fn defaults_and_a_one_of_one_demo_quorum_are_accepted() {
        good().validate().unwrap();
        let mut demo = good();
        (demo.quorum_num, demo.quorum_den) = (1, 1);
        demo.validate().unwrap();
    }

    #[test]
    fn each_bad_parameter_is_refused_with_its_own_error() {
        refused(|a| a.epoch_seconds = 0, RewardsError::InvalidEpochLength);
        refused(|a| a.epoch_seconds = -5, RewardsError::InvalidEpochLength);
        refused(|a| a.emission_cap = 0, RewardsError::InvalidEmissionCap);
        refused(
            |a| a.initial_epoch_emission = 0,
            RewardsError::InvalidEpochEmission,
        );
        refused(
            |a| a.initial_epoch_emission += 1,
            RewardsError::InvalidEpochEmission,
        );
        refused(
            |a| a.emission_cap = IO_REWARDS_ALLOCATION + 1,
            RewardsError::InvalidEmissionCap,
        );
        refused(
            |a| a.commit_window_seconds = 0,
            RewardsError::InvalidWindows,
        );
        refused(
            |a| a.vote_window_seconds = a.commit_window_seconds - 1,
            RewardsError::InvalidWindows,
        );
        refused(
            |a| a.vote_window_seconds = a.epoch_seconds + 1,
            RewardsError::InvalidWindows,
        );
        refused(
            |a| a.keeper_unbonding_seconds = 0,
            RewardsError::InvalidUnbonding,
        );
        refused(|a| a.halving_epochs = 0, RewardsError::InvalidHalvingPeriod);
        refused(
            |a| a.halving_ratio_bps = 0,
            RewardsError::InvalidHalvingRatio,
        );
        refused(
            |a| a.halving_ratio_bps = 10_000,
            RewardsError::InvalidHalvingRatio,
        );
        refused(|a| a.keeper_bond = 0, RewardsError::InvalidKeeperBond);
        refused(|a| a.quorum_den = 0, RewardsError::InvalidQuorum);
        refused(
            |a| (a.quorum_num, a.quorum_den) = (1, 2),
            RewardsError::InvalidQuorum,
        );
        refused(
            |a| (a.quorum_num, a.quorum_den) = (4, 3),
            RewardsError::InvalidQuorum,
        );
        refused(
            |a| a.uptime_threshold_bps = 10_001,
            RewardsError::InvalidBasisPoints,
        );
    }
}
