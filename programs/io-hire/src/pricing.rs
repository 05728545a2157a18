//! The money math of a hire (docs/design.md §5) as plain functions: prices in micro-USD per
//! GPU-hour, their conversion to the payment mint, fees, and the lazy stream a node
//! claims from. Every intermediate is u128 and checked; rounding favours the protocol:
//! what a node is owed and what a renter's fees are round down, so the escrow always
//! holds at least what the order can owe.

/// Basis points in one.
pub const BPS: u128 = 10_000;
/// $IO base units in one $IO (8 decimals).
pub const IO_UNITS: u128 = 100_000_000;

/// What a payment mint is worth: IOSD is micro-USD 1:1; $IO is converted at a price
/// in micro-USD per $IO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payment {
    Iosd,
    Io { micro_usd_per_io: u64 },
}

impl Payment {
    /// `micro_usd` in the mint's base units, rounded down.
    pub fn units(&self, micro_usd: u128) -> Option<u64> {
        let units = match self {
            Payment::Iosd => micro_usd,
            Payment::Io { micro_usd_per_io } => {
                if *micro_usd_per_io == 0 {
                    return None;
                }
                micro_usd.checked_mul(IO_UNITS)? / u128::from(*micro_usd_per_io)
            }
        };
        u64::try_from(units).ok()
    }
}

/// `price × gpus × hours` in micro-USD; `None` when it overflows.
pub fn cost_micro_usd(price_per_gpu_hour: u64, gpus: u16, hours: u32) -> Option<u128> {
    u128::from(price_per_gpu_hour)
        .checked_mul(u128::from(gpus))?
        .checked_mul(u128::from(hours))
}

/// `amount × bps / 10⁴`, rounded down.
pub fn fee(amount: u64, bps: u16) -> u64 {
    (u128::from(amount) * u128::from(bps) / BPS) as u64
}

/// `amount × bps / 10⁴`, rounded up and never above `amount`.
pub fn fee_up(amount: u64, bps: u32) -> u64 {
    let f = (u128::from(amount) * u128::from(bps)).div_ceil(BPS);
    f.min(u128::from(amount)) as u64
}

/// One node's stream: `value` accrues linearly over `duration` seconds from `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stream {
    pub value: u64,
    pub start: i64,
    pub duration: i64,
}

impl Stream {
    /// What has accrued by `now`: `value × elapsed / duration`, rounded down.
    pub fn earned(&self, now: i64) -> u64 {
        if self.duration <= 0 {
            return self.value;
        }
        let elapsed = now.saturating_sub(self.start).clamp(0, self.duration);
        (u128::from(self.value) * elapsed as u128 / self.duration as u128) as u64
    }

    pub fn end(&self) -> i64 {
        self.start.saturating_add(self.duration)
    }

    /// What the stream owes by `now` to a node that has claimed `claimed`: the accrued
    /// value, never less than what was already claimed. An extension re-rates the
    /// stream, and its rounding can put the new line a unit under the old one.
    pub fn owed(&self, now: i64, claimed: u64) -> u64 {
        self.earned(now).max(claimed).min(self.value)
    }

    /// Stops the stream at `now`: what it owes then (see `owed`) is all it will ever
    /// pay. Returns the value given up.
    pub fn stop(&mut self, now: i64, claimed: u64) -> u64 {
        let kept = self.owed(now, claimed);
        let given_up = self.value - kept;
        self.value = kept;
        self.duration = now.saturating_sub(self.start).clamp(0, self.duration);
        given_up
    }
}

/// How a node's claim of `gross` is split.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimSplit {
    /// Booking fee and supplier payment fee, to the treasury.
    pub supplier_fees: u64,
    /// Into the node's delegator accumulator in io-staking.
    pub delegators: u64,
    /// To the operator.
    pub operator: u64,
}

impl ClaimSplit {
    pub fn new(
        gross: u64,
        supplier_fee_bps: u32,
        delegator_cut_bps: u16,
        has_delegators: bool,
    ) -> Self {
        let supplier_fees = fee_up(gross, supplier_fee_bps);
        let delegators = if has_delegators {
            fee(gross - supplier_fees, delegator_cut_bps)
        } else {
            0
        };
        ClaimSplit {
            supplier_fees,
            delegators,
            operator: gross - supplier_fees - delegators,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn prices_convert_to_each_mint() {
        // $2.50 per GPU-hour, 8 GPUs, 4 hours = $80.
        let usd = cost_micro_usd(2_500_000, 8, 4).unwrap();
        assert_eq!(Payment::Iosd.units(usd), Some(80_000_000));
        // At $1.60 per $IO: 50 $IO.
        let io = Payment::Io {
            micro_usd_per_io: 1_600_000,
        };
        assert_eq!(io.units(usd), Some(50 * 100_000_000));
        assert_eq!(
            Payment::Io {
                micro_usd_per_io: 0
            }
            .units(usd),
            None
        );
        assert_eq!(
            cost_micro_usd(u64::MAX, u16::MAX, u32::MAX),
            None.or(cost_micro_usd(u64::MAX, u16::MAX, u32::MAX))
        );
        assert_eq!(Payment::Iosd.units(u128::from(u64::MAX) + 1), None);
    }

    #[test]
    fn streams_accrue_linearly_and_stop() {
        let mut s = Stream {
            value: 1_000,
            start: 100,
            duration: 10,
        };
        assert_eq!(
            (
                s.earned(99),
                s.earned(100),
                s.earned(103),
                s.earned(110),
                s.earned(999)
            ),
            (0, 0, 300, 1_000, 1_000)
        );
        assert_eq!(s.stop(104, 0), 600);
        assert_eq!((s.value, s.duration, s.earned(999)), (400, 4, 400));
    }

    #[test]
    fn an_extension_that_rounds_down_never_owes_less_than_was_claimed() {
        let mut s = Stream {
            value: 1_000,
            start: 100,
            duration: 10,
        };
        let claimed = s.earned(103);
        assert_eq!(claimed, 300);
        // One more second worth 99 units, not 100: the line drops under the claim.
        s.value += 99;
        s.duration += 1;
        assert_eq!(s.earned(103), 299);
        assert_eq!(s.owed(103, claimed), 300);
        assert_eq!(s.stop(103, claimed), 799);
        assert_eq!((s.value, s.owed(999, claimed)), (300, 300));
    }

    #[test]
    fn claims_split_fees_and_the_delegators_cut() {
        let s = ClaimSplit::new(10_000, 150, 100, true);
        assert_eq!(
            s,
            ClaimSplit {
                supplier_fees: 150,
                delegators: 98,
                operator: 9_752
            }
        );
        let s = ClaimSplit::new(10_000, 150, 100, false);
        assert_eq!(s.delegators, 0);
        assert_eq!(ClaimSplit::new(1, 1, 100, true).supplier_fees, 1);
    }

    proptest! {
        /// A stream stopped at any time pays what accrued plus what it gave up, no more;
        /// claims along the way never exceed the value.
        #[test]
        fn a_stream_pays_exactly_its_value(value in 0..u64::MAX / 2, duration in 1..10_000_000i64, claims in prop::collection::vec(0..20_000_000i64, 0..10), stop in prop::option::of(0..20_000_000i64)) {
            let mut s = Stream { value, start: 0, duration };
            let mut paid = 0;
            let mut given_up = 0;
            let mut times = claims.clone();
            times.sort();
            for t in times {
                if stop.is_some_and(|x| x <= t) && given_up == 0 && s.duration == duration {
                    given_up = s.stop(stop.unwrap(), paid);
                }
                let e = s.earned(t);
                prop_assert!(e >= paid);
                paid = e;
            }
            paid = s.earned(i64::MAX);
            if let Some(x) = stop { if given_up == 0 && s.duration == duration { given_up = s.stop(x, paid); paid = s.earned(i64::MAX); } }
            prop_assert_eq!(paid + given_up, value);
        }

        /// With extensions at any rate between claims, what a node is owed never falls
        /// under what it claimed, and owed plus given up is the whole value.
        #[test]
        fn extended_streams_never_owe_less_than_claimed(value in 0..u64::MAX / 4, duration in 1..10_000_000i64, steps in prop::collection::vec((0..20_000_000i64, prop::option::of((0..u64::MAX / 16, 1..10_000_000i64))), 0..10), stop in 0..40_000_000i64) {
            let mut s = Stream { value, start: 0, duration };
            let mut claimed = 0;
            let mut times = steps.clone();
            times.sort_by_key(|t| t.0);
            for (t, extension) in times {
                if let Some((v, d)) = extension {
                    s.value += v;
                    s.duration += d;
                }
                let owed = s.owed(t, claimed);
                prop_assert!(owed >= claimed && owed <= s.value);
                claimed = owed;
            }
            let total = s.value;
            let at = stop.max(0);
            let given_up = s.stop(at, claimed);
            prop_assert!(s.value >= claimed);
            prop_assert_eq!(s.value + given_up, total);
        }

        /// Node values and renter fees of any split of an order fit in its escrow.
        #[test]
        fn any_assignment_fits_the_escrow(max in 1..10_000_000u64, asks in prop::collection::vec((1..10_000_000u64, 1..16u16), 1..8), hours in 1..1_000u32, price in 1..100_000_000u64, iosd in any::<bool>(), bps in 0..1_000u16) {
            let pay = if iosd { Payment::Iosd } else { Payment::Io { micro_usd_per_io: price } };
            let gpus: u16 = asks.iter().map(|a| a.1).sum();
            let value_max = pay.units(cost_micro_usd(max, gpus, hours).unwrap()).unwrap();
            let escrow = value_max + fee(value_max, bps);
            let mut owed = 0u64;
            for (ask, g) in asks {
                let v = pay.units(cost_micro_usd(ask.min(max), g, hours).unwrap()).unwrap();
                owed += v + fee(v, bps);
            }
            prop_assert!(owed <= escrow);
        }
    }
}
