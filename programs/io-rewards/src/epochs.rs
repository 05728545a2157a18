//! Epoch arithmetic, the keeper set's history and claim settlement: plain functions
//! over plain structs, with `now` and parameters passed in (docs/design.md §6).

use anchor_lang::prelude::*;

/// The epoch `now` falls in, or `None` before genesis.
pub fn epoch_at(genesis_ts: i64, epoch_seconds: i64, now: i64) -> Option<u64> {
    let since = now.checked_sub(genesis_ts)?;
    if since < 0 || epoch_seconds <= 0 {
        return None;
    }
    u64::try_from(since / epoch_seconds).ok()
}

/// When `epoch` ends (the first second of the next one).
pub fn epoch_end(genesis_ts: i64, epoch_seconds: i64, epoch: u64) -> Option<i64> {
    let n = i64::try_from(epoch.checked_add(1)?).ok()?;
    genesis_ts.checked_add(n.checked_mul(epoch_seconds)?)
}

/// One change of the keeper set: from `from_epoch` on, `count` keepers serve.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct KeeperSetChange {
    pub from_epoch: u64,
    pub count: u32,
}

/// The last few changes of the keeper set. Changes take effect from the next epoch,
/// and an epoch's votes close within one epoch of its end (`vote_window_seconds ≤
/// epoch_seconds`), so an epoch still open for votes needs at most the change in force
/// during it and the two made since: four entries are enough.
pub type KeeperHistory = [KeeperSetChange; 4];

/// How many keepers serve in `epoch`.
pub fn keepers_at(history: &KeeperHistory, epoch: u64) -> u32 {
    history
        .iter()
        .filter(|c| c.from_epoch <= epoch)
        .max_by_key(|c| c.from_epoch)
        .map_or(0, |c| c.count)
}

/// The first epoch a keeper-set change made at `now` counts in: the next one, or
/// epoch 0 before genesis.
pub fn next_epoch(genesis_ts: i64, epoch_seconds: i64, now: i64) -> u64 {
    epoch_at(genesis_ts, epoch_seconds, now).map_or(0, |e| e.saturating_add(1))
}

/// Records a keeper joining (`+1`) or leaving (`-1`) from epoch `from`. `None` if the
/// count would go below zero or past `max`.
pub fn change_keepers(history: &mut KeeperHistory, from: u64, delta: i32, max: u32) -> Option<u32> {
    let count = keepers_at(history, from).checked_add_signed(delta)?;
    if count > max {
        return None;
    }
    let slot = match history.iter().position(|c| c.from_epoch == from) {
        Some(i) => i,
        None => (0..history.len()).min_by_key(|&i| history[i].from_epoch)?,
    };
    history[slot] = KeeperSetChange {
        from_epoch: from,
        count,
    };
    Some(count)
}

/// Votes needed among `keepers`: ⌈keepers × num / den⌉, at least one.
pub fn quorum(keepers: u32, num: u8, den: u8) -> u32 {
    let q = (u64::from(keepers) * u64::from(num)).div_ceil(u64::from(den.max(1)));
    u32::try_from(q).unwrap_or(u32::MAX).max(1)
}

/// What a node has been paid: the cumulative reward of the latest epoch it claimed.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct ClaimState {
    /// The latest epoch claimed; `None` before the first claim.
    pub last_epoch: Option<u64>,
    pub claimed: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimRefusal {
    /// A later epoch with a lower cumulative, or an earlier one with a higher.
    CumulativeWentDown,
}

impl ClaimState {
    /// Settles a proven leaf `(epoch, cumulative)`; returns what to pay now. Claims in
    /// any order, or repeated, pay the cumulative exactly once.
    pub fn settle(
        &mut self,
        epoch: u64,
        cumulative: u64,
    ) -> core::result::Result<u64, ClaimRefusal> {
        match self.last_epoch {
            Some(last) if epoch <= last => {
                if cumulative > self.claimed || (epoch == last && cumulative != self.claimed) {
                    return Err(ClaimRefusal::CumulativeWentDown);
                }
                Ok(0)
            }
            _ => {
                let pay = cumulative
                    .checked_sub(self.claimed)
                    .ok_or(ClaimRefusal::CumulativeWentDown)?;
                self.last_epoch = Some(epoch);
                self.claimed = cumulative;
                Ok(pay)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn epochs_follow_the_clock() {
        assert_eq!(epoch_at(1_000, 3_600, 999), None);
        assert_eq!(epoch_at(1_000, 3_600, 1_000), Some(0));
        assert_eq!(epoch_at(1_000, 3_600, 4_599), Some(0));
        assert_eq!(epoch_at(1_000, 3_600, 4_600), Some(1));
        assert_eq!(epoch_end(1_000, 3_600, 0), Some(4_600));
        assert_eq!(epoch_end(0, 60, u64::MAX), None);
    }

    #[test]
    fn keeper_set_changes_take_effect_next_epoch() {
        let mut h = KeeperHistory::default();
        assert_eq!(next_epoch(100, 10, 99), 0);
        assert_eq!(next_epoch(100, 10, 155), 6);
        assert_eq!(change_keepers(&mut h, 6, 1, 16), Some(1));
        assert_eq!(change_keepers(&mut h, 6, 1, 16), Some(2));
        assert_eq!((keepers_at(&h, 5), keepers_at(&h, 6)), (0, 2));
        assert_eq!(change_keepers(&mut h, 8, -1, 16), Some(1));
        assert_eq!(
            (keepers_at(&h, 6), keepers_at(&h, 7), keepers_at(&h, 8)),
            (2, 2, 1)
        );
        assert_eq!(change_keepers(&mut h, 9, -1, 16), Some(0));
        assert_eq!(change_keepers(&mut h, 9, -1, 16), None);
        assert_eq!(change_keepers(&mut h, 9, 17, 16), None);
        // Older entries give way; the epochs still open keep theirs.
        for e in 9..20 {
            change_keepers(&mut h, e + 1, 1, 16).unwrap();
            assert_eq!(keepers_at(&h, e), (e - 9) as u32);
            assert_eq!(keepers_at(&h, e + 1), (e - 8) as u32);
        }
    }

    #[test]
    fn quorum_is_a_rounded_up_fraction() {
        assert_eq!(quorum(3, 2, 3), 2);
        assert_eq!(quorum(4, 2, 3), 3);
        assert_eq!(quorum(1, 2, 3), 1);
        assert_eq!(quorum(0, 2, 3), 1);
        assert_eq!(quorum(100, 2, 3), 67);
    }

    #[test]
    fn claims_pay_the_difference_once_in_any_order() {
        let mut s = ClaimState::default();
        assert_eq!(s.settle(3, 300), Ok(300));
        assert_eq!(s.settle(3, 300), Ok(0));
        assert_eq!(s.settle(1, 100), Ok(0));
        assert_eq!(s.settle(7, 700), Ok(400));
        assert_eq!(s.settle(8, 600), Err(ClaimRefusal::CumulativeWentDown));
        assert_eq!(s.settle(5, 800), Err(ClaimRefusal::CumulativeWentDown));
        assert_eq!(s.settle(7, 701), Err(ClaimRefusal::CumulativeWentDown));
        assert_eq!(
            s,
            ClaimState {
                last_epoch: Some(7),
                claimed: 700
            }
        );
    }

    proptest! {
        /// Claims of a non-decreasing series, in any order and repeated, pay its last
        /// value exactly once.
        #[test]
        fn any_order_pays_the_total_once(steps in prop::collection::vec(0..1_000u64, 1..20), order in prop::collection::vec(any::<prop::sample::Index>(), 1..60)) {
            let mut cumulative = vec![];
            let mut sum = 0;
            for s in &steps { sum += s; cumulative.push(sum); }
            let mut state = ClaimState::default();
            let mut paid = 0;
            for i in order {
                let e = i.index(cumulative.len());
                paid += state.settle(e as u64, cumulative[e]).unwrap();
            }
            for (e, c) in cumulative.iter().enumerate() {
                paid += state.settle(e as u64, *c).unwrap();
            }
            prop_assert_eq!(paid, sum);
        }
    }
}
