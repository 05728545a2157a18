//! The money math of a node's stake pool (docs/design.md §4), as plain functions over plain
//! structs: shares, slashing, caps, the delegator reward accumulators and the slash
//! amount. Nothing here touches accounts; every intermediate is u128 and checked, and
//! `None` means an overflow (or a division by an empty pool) that the instruction turns
//! into one specific error. Rounding always favours the protocol: shares issued and
//! tokens paid out round down, a slash rounds up, and the rounding remainders go to
//! `Pool::dust` rather than to the holders left behind, so the share price only ever
//! falls (by slashes) and nobody takes out more than they put in plus rewards.

use anchor_lang::prelude::*;

/// Scale of the reward-per-share accumulators: rewards per share × 10¹².
///
/// Bound: one deposit raises an accumulator by at most `amount × 10¹² / shares`
/// ≤ 1.8·10¹⁹ × 10¹² ≈ 1.8·10³¹ (u64::MAX with a single share), and u128 holds 3.4·10³⁸,
/// so ten million worst-case deposits still fit. A position's pending reward is
/// `shares × (acc − snapshot) / 10¹²`, which never exceeds what was deposited while it
/// held those shares, so it fits in u64 like the deposits themselves.
pub const ACC_SCALE: u128 = 1_000_000_000_000;

pub const BPS: u128 = 10_000;

/// The tokens and shares of one node's pool. Three kinds of shares price alike and are
/// slashed alike: the operator's, the delegators' and those in cooldown tickets. Only
/// delegators' shares earn the delegator cut; only the operator's count toward the
/// minimum stake.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct Pool {
    /// Tokens the pool owns, in base units. The vault may hold more (tokens sent unasked);
    /// only this figure prices shares, so a donation cannot move the share price.
    pub tokens: u64,
    /// Rounding remainders, in the vault but backing no share; they belong to the
    /// protocol and leave with the node's deregistration sweep.
    pub dust: u64,
    pub operator_shares: u128,
    pub delegated_shares: u128,
    pub cooling_shares: u128,
}

/// Which kind of shares an operation adds or removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareClass {
    Operator,
    Delegated,
    Cooling,
}

impl Pool {
    pub fn total_shares(&self) -> Option<u128> {
        self.operator_shares
            .checked_add(self.delegated_shares)?
            .checked_add(self.cooling_shares)
    }

    fn shares_mut(&mut self, class: ShareClass) -> &mut u128 {
        match class {
            ShareClass::Operator => &mut self.operator_shares,
            ShareClass::Delegated => &mut self.delegated_shares,
            ShareClass::Cooling => &mut self.cooling_shares,
        }
    }

    /// A pool whose tokens were all slashed while shares remain: its shares are worth
    /// nothing and new deposits cannot be priced, so it only lets holders leave.
    pub fn is_wiped(&self) -> bool {
        self.tokens == 0 && self.total_shares().is_some_and(|s| s > 0)
    }

    /// Shares a deposit of `amount` buys: 1:1 in an empty pool, else
    /// `⌊amount × shares / tokens⌋`. `None` on a wiped pool or overflow.
    pub fn shares_for(&self, amount: u64) -> Option<u128> {
        let total = self.total_shares()?;
        if total == 0 {
            return Some(u128::from(amount));
        }
        if self.tokens == 0 {
            return None;
        }
        u128::from(amount)
            .checked_mul(total)?
            .checked_div(u128::from(self.tokens))
    }

    /// Tokens `shares` redeem for: `⌊shares × tokens / total shares⌋`.
    pub fn value_of(&self, shares: u128) -> Option<u64> {
        let total = self.total_shares()?;
        if total == 0 {
            return (shares == 0).then_some(0);
        }
        let v = shares
            .checked_mul(u128::from(self.tokens))?
            .checked_div(total)?;
        u64::try_from(v).ok()
    }

    /// Deposits `amount` as `class` shares; returns the shares issued. Only what the
    /// shares are worth at the current price backs them; the remainder is dust.
    pub fn deposit(&mut self, class: ShareClass, amount: u64) -> Option<u128> {
        let shares = self.shares_for(amount)?;
        let backing = if self.total_shares()? == 0 {
            amount
        } else {
            let b = shares
                .checked_mul(u128::from(self.tokens))?
                .checked_div(self.total_shares()?)?;
            u64::try_from(b).ok()?
        };
        self.dust = self.dust.checked_add(amount.checked_sub(backing)?)?;
        self.tokens = self.tokens.checked_add(backing)?;
        let slot = self.shares_mut(class);
        *slot = slot.checked_add(shares)?;
        Some(shares)
    }

    /// Moves `shares` from `from` into cooldown (an unstake or undelegate ticket). The
    /// price does not change: the shares stay in the pool and stay slashable.
    pub fn start_cooldown(&mut self, from: ShareClass, shares: u128) -> Option<()> {
        let slot = self.shares_mut(from);
        *slot = slot.checked_sub(shares)?;
        self.cooling_shares = self.cooling_shares.checked_add(shares)?;
        Some(())
    }

    /// Redeems `shares` of cooldown for tokens; returns the tokens paid out. The shares
    /// left keep at most their old price; the remainder is dust.
    pub fn redeem_cooling(&mut self, shares: u128) -> Option<u64> {
        if shares > self.cooling_shares {
            return None;
        }
        let total = self.total_shares()?;
        let paid = self.value_of(shares)?;
        let left = total - shares;
        let kept = if left == 0 {
            0
        } else {
            u64::try_from(left.checked_mul(u128::from(self.tokens))? / total).ok()?
        };
        let remainder = self.tokens.checked_sub(paid)?.checked_sub(kept)?;
        self.cooling_shares -= shares;
        self.tokens = kept;
        self.dust = self.dust.checked_add(remainder)?;
        Some(paid)
    }

    /// Slashes up to `amount` from every share alike, capped by the pool's tokens;
    /// returns the tokens taken (to burn).
    pub fn slash(&mut self, amount: u64) -> u64 {
        let taken = amount.min(self.tokens);
        self.tokens -= taken;
        taken
    }

    /// What the operator's shares are worth.
    pub fn operator_stake(&self) -> Option<u64> {
        self.value_of(self.operator_shares)
    }

    /// What the delegators' (not cooling) shares are worth.
    pub fn delegated_stake(&self) -> Option<u64> {
        self.value_of(self.delegated_shares)
    }
}

/// The two caps on a node's delegated stake (docs/design.md §4), in base units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DelegationCaps {
    /// Attested capacity: `attested_tops_milli × io_per_tops / 1000`.
    pub by_capacity: u64,
    /// Skin in the game: `operator stake × max_delegation_ratio_bps / 10000`.
    pub by_operator_stake: u64,
}

impl DelegationCaps {
    pub fn new(
        attested_tops_milli: u64,
        io_per_tops: u64,
        operator_stake: u64,
        max_delegation_ratio_bps: u32,
    ) -> Option<Self> {
        let by_capacity =
            u128::from(attested_tops_milli).checked_mul(u128::from(io_per_tops))? / 1000;
        let by_operator_stake =
            u128::from(operator_stake).checked_mul(u128::from(max_delegation_ratio_bps))? / BPS;
        Some(DelegationCaps {
            by_capacity: u64::try_from(by_capacity).unwrap_or(u64::MAX),
            by_operator_stake: u64::try_from(by_operator_stake).unwrap_or(u64::MAX),
        })
    }
}

/// The operator stake a node needs before it may be matched or earn:
/// `min_operator_stake + min_stake_per_gpu × gpu_count`.
pub fn required_operator_stake(
    min_operator_stake: u64,
    min_stake_per_gpu: u64,
    gpu_count: u16,
) -> Option<u64> {
    min_stake_per_gpu
        .checked_mul(u64::from(gpu_count))?
        .checked_add(min_operator_stake)
}

/// One reward mint's accumulator on a node: reward per delegated share × [`ACC_SCALE`],
/// and the totals that bound what claims may ever pay out.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct Accumulator {
    pub per_share: u128,
    /// Everything deposited for this node's delegators.
    pub deposited: u64,
    /// Everything paid out to them (claims); never above `deposited`.
    pub paid: u64,
}

impl Accumulator {
    /// Spreads `amount` over `delegated_shares`. The rounding remainder stays in the
    /// rewards pot. `None` when nobody holds delegated shares (the caller then keeps
    /// the cut) or on overflow.
    pub fn deposit(&mut self, amount: u64, delegated_shares: u128) -> Option<()> {
        if delegated_shares == 0 {
            return None;
        }
        let inc = u128::from(amount).checked_mul(ACC_SCALE)? / delegated_shares;
        self.per_share = self.per_share.checked_add(inc)?;
        self.deposited = self.deposited.checked_add(amount)?;
        Some(())
    }

    /// Records a payout of `amount`; `None` if it would pay more than was deposited.
    pub fn pay(&mut self, amount: u64) -> Option<()> {
        let paid = self.paid.checked_add(amount)?;
        (paid <= self.deposited).then(|| self.paid = paid)
    }
}

/// A holder's side of one accumulator: the accumulator value when its shares last
/// changed, and rewards earned but not yet claimed.
#[derive(
    AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, Default, PartialEq, Eq, InitSpace,
)]
pub struct RewardCursor {
    pub snapshot: u128,
    pub pending: u64,
}

impl RewardCursor {
    /// Brings `pending` up to date for `shares` held since the last settle.
    pub fn settle(&mut self, acc: &Accumulator, shares: u128) -> Option<()> {
        let delta = acc.per_share.checked_sub(self.snapshot)?;
        let earned = shares.checked_mul(delta)? / ACC_SCALE;
        self.pending = self.pending.checked_add(u64::try_from(earned).ok()?)?;
        self.snapshot = acc.per_share;
        Some(())
    }

    /// Takes the pending reward out.
    pub fn take(&mut self) -> u64 {
        std::mem::take(&mut self.pending)
    }
}

/// The slash for a failed hire of `gpus` cards (docs/design.md §4): `g × (R / G + F)`, with
/// `R` the node's availability reward in its latest final epoch, `G` its GPU count and
/// `F` one hour of the hire's fee per GPU in $IO. `g × R / G` rounds up. Not capped
/// here: the pool caps it by what it holds.
pub fn slash_amount(
    gpus: u16,
    epoch_reward: u64,
    node_gpus: u16,
    fee_per_gpu_hour: u64,
) -> Option<u64> {
    if node_gpus == 0 {
        return None;
    }
    let g = u128::from(gpus);
    let reward_part = g
        .checked_mul(u128::from(epoch_reward))?
        .div_ceil(u128::from(node_gpus));
    let fee_part = g.checked_mul(u128::from(fee_per_gpu_hour))?;
    u64::try_from(reward_part.checked_add(fee_part)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn first_deposit_is_one_to_one_and_later_ones_at_the_pool_price() {
        let mut p = Pool::default();
        assert_eq!(p.deposit(ShareClass::Operator, 100), Some(100));
        assert_eq!(p.deposit(ShareClass::Delegated, 50), Some(50));
        assert_eq!(p.slash(30), 30); // 150 shares for 120 tokens
        assert_eq!(p.deposit(ShareClass::Delegated, 12), Some(15));
        assert_eq!(p.operator_stake(), Some(80));
        assert_eq!(p.delegated_stake(), Some(52));
    }

    #[test]
    fn a_slash_lowers_every_kind_of_share_by_the_same_fraction() {
        let mut p = Pool::default();
        p.deposit(ShareClass::Operator, 1_000).unwrap();
        p.deposit(ShareClass::Delegated, 3_000).unwrap();
        p.start_cooldown(ShareClass::Delegated, 1_000).unwrap();
        assert_eq!(p.slash(400), 400);
        assert_eq!(p.operator_stake(), Some(900));
        assert_eq!(p.delegated_stake(), Some(1_800));
        assert_eq!(p.value_of(p.cooling_shares), Some(900));
        assert_eq!(p.redeem_cooling(1_000), Some(900));
    }

    #[test]
    fn a_slash_is_capped_by_the_pool_and_a_wiped_pool_refuses_deposits_but_lets_holders_leave() {
        let mut p = Pool::default();
        p.deposit(ShareClass::Operator, 10).unwrap();
        p.start_cooldown(ShareClass::Operator, 10).unwrap();
        assert_eq!(p.slash(25), 10);
        assert!(p.is_wiped());
        assert_eq!(p.shares_for(5), None);
        assert_eq!(p.redeem_cooling(10), Some(0));
        assert_eq!(p.total_shares(), Some(0));
        assert!(!p.is_wiped());
        assert_eq!(p.deposit(ShareClass::Operator, 5), Some(5));
    }

    #[test]
    fn after_a_slash_one_token_buys_more_than_one_share() {
        let mut p = Pool::default();
        p.deposit(ShareClass::Operator, 10).unwrap();
        p.slash(5); // 10 shares for 5 tokens: 1 token buys 2 shares
        assert_eq!(p.shares_for(1), Some(2));
    }

    #[test]
    fn caps_and_required_stake() {
        let caps = DelegationCaps::new(1_979_000, 10, 500, 100_000).unwrap();
        assert_eq!(caps.by_capacity, 19_790);
        assert_eq!(caps.by_operator_stake, 5_000);
        assert_eq!(required_operator_stake(100, 7, 8), Some(156));
        assert_eq!(required_operator_stake(u64::MAX, 1, 1), None);
    }

    #[test]
    fn slash_amount_follows_the_formula_and_rounds_up() {
        // g = 2 of G = 8 cards, R = 1000, F = 7: 2 × (125 + 7) = 264.
        assert_eq!(slash_amount(2, 1_000, 8, 7), Some(264));
        // 1 × 1001 / 8 = 125.125 → 126.
        assert_eq!(slash_amount(1, 1_001, 8, 0), Some(126));
        assert_eq!(slash_amount(0, 1_000, 8, 7), Some(0));
        assert_eq!(slash_amount(1, 1, 0, 1), None);
        assert_eq!(slash_amount(u16::MAX, u64::MAX, 1, 0), None);
    }

    #[test]
    fn accumulator_pays_holders_pro_rata_and_latecomers_nothing() {
        let mut acc = Accumulator::default();
        let (mut a, mut b) = (RewardCursor::default(), RewardCursor::default());
        acc.deposit(1_000, 300).unwrap(); // a holds 100, b holds 200
        a.settle(&acc, 100).unwrap();
        b.settle(&acc, 200).unwrap();
        assert_eq!((a.pending, b.pending), (333, 666));
        let mut late = RewardCursor {
            snapshot: acc.per_share,
            pending: 0,
        };
        late.settle(&acc, 1_000).unwrap();
        assert_eq!(late.pending, 0);
        assert_eq!(acc.deposit(5, 0), None);
        acc.pay(999).unwrap();
        assert_eq!(acc.pay(2), None);
        assert_eq!(acc.paid, 999);
    }

    /// One step of a random history of a pool and its holders.
    #[derive(Clone, Debug)]
    enum Op {
        Stake(u64),
        Delegate(usize, u64),
        Undelegate(usize, u8),
        Unstake(u8),
        Withdraw(usize),
        Slash(u64),
        Reward(u64),
        Claim(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (1..1_000_000_000u64).prop_map(Op::Stake),
            (0..4usize, 1..1_000_000_000u64).prop_map(|(h, a)| Op::Delegate(h, a)),
            (0..4usize, 1..=100u8).prop_map(|(h, p)| Op::Undelegate(h, p)),
            (1..=100u8).prop_map(Op::Unstake),
            (0..5usize).prop_map(Op::Withdraw),
            (0..2_000_000_000u64).prop_map(Op::Slash),
            (0..1_000_000_000u64).prop_map(Op::Reward),
            (0..4usize).prop_map(Op::Claim),
        ]
    }

    #[derive(Default)]
    struct Holder {
        shares: u128,
        cursor: RewardCursor,
        cooling: Vec<u128>,
        wallet: u64,
        put_in: u64,
        rewards: u64,
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Conservation and redeemability over random histories: tokens in = tokens in
        /// the pool + paid out + burned; rewards deposited = paid + what the pot holds;
        /// nobody leaves with more than they put in plus their rewards; every share
        /// redeems.
        #[test]
        fn random_histories_conserve_tokens_and_keep_shares_redeemable(ops in prop::collection::vec(op(), 1..60)) {
            let mut pool = Pool::default();
            let mut acc = Accumulator::default();
            // Holders 0..4 delegate; holder 4 is the operator.
            let mut hs: Vec<Holder> = (0..5).map(|_| Holder::default()).collect();
            let (mut put_in, mut burned, mut rewards_in) = (0u64, 0u64, 0u64);
            for op in ops {
                match op {
                    Op::Stake(a) => {
                        if let Some(s) = pool.deposit(ShareClass::Operator, a) {
                            hs[4].shares += s; hs[4].put_in += a; put_in += a;
                        }
                    }
                    Op::Delegate(h, a) => {
                        if pool.shares_for(a).is_some_and(|s| s > 0) {
                            { let held = hs[h].shares; hs[h].cursor.settle(&acc, held).unwrap(); }
                            let s = pool.deposit(ShareClass::Delegated, a).unwrap();
                            hs[h].shares += s; hs[h].put_in += a; put_in += a;
                        }
                    }
                    Op::Undelegate(h, pct) => {
                        let s = hs[h].shares * u128::from(pct) / 100;
                        if s > 0 {
                            { let held = hs[h].shares; hs[h].cursor.settle(&acc, held).unwrap(); }
                            pool.start_cooldown(ShareClass::Delegated, s).unwrap();
                            hs[h].shares -= s; hs[h].cooling.push(s);
                        }
                    }
                    Op::Unstake(pct) => {
                        let s = hs[4].shares * u128::from(pct) / 100;
                        if s > 0 {
                            pool.start_cooldown(ShareClass::Operator, s).unwrap();
                            hs[4].shares -= s; hs[4].cooling.push(s);
                        }
                    }
                    Op::Withdraw(h) => {
                        if let Some(s) = hs[h].cooling.pop() {
                            hs[h].wallet += pool.redeem_cooling(s).unwrap();
                        }
                    }
                    Op::Slash(a) => burned += pool.slash(a),
                    Op::Reward(a) => {
                        if acc.deposit(a, pool.delegated_shares).is_some() { rewards_in += a; }
                    }
                    Op::Claim(h) => {
                        { let held = hs[h].shares; hs[h].cursor.settle(&acc, held).unwrap(); }
                        let r = hs[h].cursor.take();
                        acc.pay(r).unwrap();
                        hs[h].rewards += r;
                    }
                }
                let shares: u128 = hs.iter().map(|h| h.shares + h.cooling.iter().sum::<u128>()).sum();
                prop_assert_eq!(Some(shares), pool.total_shares());
                let out: u64 = hs.iter().map(|h| h.wallet).sum();
                prop_assert_eq!(put_in, pool.tokens + pool.dust + out + burned);
                prop_assert!(acc.paid <= acc.deposited);
                prop_assert_eq!(acc.deposited, rewards_in);
            }
            // Everyone leaves: every share redeems, nobody gains, the pool keeps dust only.
            for (h, holder) in hs.iter_mut().enumerate() {
                let mut leaving = std::mem::take(&mut holder.cooling);
                if holder.shares > 0 {
                    // The operator's shares earn no delegator rewards.
                    let class = if h == 4 { ShareClass::Operator } else { ShareClass::Delegated };
                    if h != 4 {
                        holder.cursor.settle(&acc, holder.shares).unwrap();
                    }
                    pool.start_cooldown(class, holder.shares).unwrap();
                    leaving.push(holder.shares);
                    holder.shares = 0;
                }
                for s in leaving {
                    holder.wallet += pool.redeem_cooling(s).unwrap();
                }
                let r = holder.cursor.take();
                acc.pay(r).unwrap();
                holder.rewards += r;
                prop_assert!(holder.wallet <= holder.put_in);
            }
            prop_assert_eq!(pool.total_shares(), Some(0));
            let out: u64 = hs.iter().map(|h| h.wallet).sum();
            prop_assert_eq!(pool.tokens, 0);
            prop_assert_eq!(put_in, pool.dust + out + burned);
            // Rounding dust is bounded by one base unit per redemption and per holder.
            prop_assert!(acc.deposited - acc.paid <= 5 * 60);
        }

        /// Without slashes, a holder gets back what it put in, less at most one base
        /// unit of rounding per withdrawal.
        #[test]
        fn without_slashes_everyone_gets_their_stake_back(amounts in prop::collection::vec(1..u64::from(u32::MAX), 1..20)) {
            let mut pool = Pool::default();
            let mut shares = vec![];
            for &a in &amounts {
                shares.push(pool.deposit(ShareClass::Delegated, a).unwrap());
            }
            for (s, &a) in shares.into_iter().zip(&amounts) {
                pool.start_cooldown(ShareClass::Delegated, s).unwrap();
                let got = pool.redeem_cooling(s).unwrap();
                prop_assert!(got <= a && a - got <= 1, "{} for {}", got, a);
            }
        }

        /// Rounding never moves the share price: a deposit or a withdrawal leaves it
        /// where it was or lower by less than one base unit over all shares, so nobody
        /// is diluted and nobody collects another holder's remainder.
        #[test]
        fn rounding_never_raises_the_share_price(seed in prop::collection::vec(1..1_000_000u64, 2..30), slash in 0..2_000_000u64) {
            let mut pool = Pool::default();
            pool.deposit(ShareClass::Operator, seed[0]).unwrap();
            pool.slash(slash.min(seed[0] - 1));
            let mut mine = vec![];
            for &a in &seed[1..] {
                let (t0, s0) = (u128::from(pool.tokens), pool.total_shares().unwrap());
                let Some(s) = pool.deposit(ShareClass::Delegated, a) else { continue };
                prop_assert!(s >= u128::from(a), "the price rose above 1");
                mine.push(s);
                let (t1, s1) = (u128::from(pool.tokens), pool.total_shares().unwrap());
                prop_assert!(t1 * s0 <= t0 * s1, "deposit raised the price");
                prop_assert!(t1 * s0 + s0 >= t0 * s1, "deposit diluted holders");
            }
            for s in mine {
                let (t0, s0) = (u128::from(pool.tokens), pool.total_shares().unwrap());
                pool.start_cooldown(ShareClass::Delegated, s).unwrap();
                pool.redeem_cooling(s).unwrap();
                let (t1, s1) = (u128::from(pool.tokens), pool.total_shares().unwrap());
                prop_assert!(t1 * s0 <= t0 * s1, "withdrawal raised the price");
            }
        }
    }
}
