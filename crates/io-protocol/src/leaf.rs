//! The epoch-report leaf (docs/design.md §6): one per node and epoch, Borsh-encoded after a
//! domain prefix that names the protocol version, the io-rewards program and the
//! deployment's $IO mint, so a leaf of another program or cluster never verifies here.
//! The Go keeper builds the same bytes (`oracle/report`, with near/borsh-go); both are
//! tested against `testdata/leaf/vectors.json`.

use solana_pubkey::Pubkey;

/// Prefix of every leaf.
pub const LEAF_DOMAIN: &[u8] = b"ionet/epoch-leaf/v1";

/// What keepers attest for one node in one epoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpochLeaf {
    pub node: Pubkey,
    pub epoch: u64,
    /// Class id (`classes`).
    pub class: u8,
    /// Median measured throughput, milli-TOPS.
    pub tops_milli: u64,
    /// Median uptime; below the threshold the node forfeits the epoch's share.
    pub uptime_bps: u16,
    /// Share of the epoch's GPU-time that was hired (earns hire fees, not emission).
    pub hired_bps: u16,
    /// R: what the node earned in this epoch ($IO base units; 0 when forfeited).
    pub epoch_reward: u64,
    /// Everything the node has earned through this epoch; claims pay the difference.
    pub cumulative_reward: u64,
}

/// Length of an encoded leaf.
pub const LEAF_LEN: usize = 19 + 32 + 32 + 32 + 8 + 1 + 8 + 2 + 2 + 8 + 8;

impl EpochLeaf {
    /// `LEAF_DOMAIN ‖ rewards program ‖ $IO mint ‖ borsh(fields)`, all integers little-endian.
    pub fn encode(&self, rewards_program: &Pubkey, io_mint: &Pubkey) -> [u8; LEAF_LEN] {
        let mut out = [0u8; LEAF_LEN];
        let mut at = 0;
        let mut put = |bytes: &[u8]| {
            out[at..at + bytes.len()].copy_from_slice(bytes);
            at += bytes.len();
        };
        put(LEAF_DOMAIN);
        put(rewards_program.as_ref());
        put(io_mint.as_ref());
        put(self.node.as_ref());
        put(&self.epoch.to_le_bytes());
        put(&[self.class]);
        put(&self.tops_milli.to_le_bytes());
        put(&self.uptime_bps.to_le_bytes());
        put(&self.hired_bps.to_le_bytes());
        put(&self.epoch_reward.to_le_bytes());
        put(&self.cumulative_reward.to_le_bytes());
        out
    }
}

/// The lower median of `values` (the middle one, or the lower of the two middle ones),
/// `None` when empty: the epoch's IO/USD price from the votes that made the quorum.
pub fn lower_median(values: &[u64]) -> Option<u64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    v.get(v.len().checked_sub(1)? / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle;

    fn leaf(n: u8) -> EpochLeaf {
        EpochLeaf {
            node: Pubkey::new_from_array([n; 32]),
            epoch: 1_000 + u64::from(n),
            class: 1,
            tops_milli: 1_500_000 + u64::from(n),
            uptime_bps: 10_000 - u16::from(n),
            hired_bps: 2_500,
            epoch_reward: 42 * u64::from(n),
            cumulative_reward: 4_200 * u64::from(n),
        }
    }

    #[test]
    fn the_domain_separates_programs_and_clusters() {
        let (p, m) = (
            Pubkey::new_from_array([9; 32]),
            Pubkey::new_from_array([8; 32]),
        );
        let l = leaf(1);
        assert_eq!(&l.encode(&p, &m)[..LEAF_DOMAIN.len()], LEAF_DOMAIN);
        assert_ne!(l.encode(&p, &m), l.encode(&m, &p));
        let other = Pubkey::new_from_array([7; 32]);
        assert_ne!(l.encode(&p, &m), l.encode(&p, &other));
    }

    #[test]
    fn lower_median_of_votes() {
        assert_eq!(lower_median(&[]), None);
        assert_eq!(lower_median(&[5]), Some(5));
        assert_eq!(lower_median(&[9, 1]), Some(1));
        assert_eq!(lower_median(&[3, 9, 1]), Some(3));
        assert_eq!(lower_median(&[4, 3, 9, 1]), Some(3));
    }

    /// The vectors the Go leaf encoder is tested against: each leaf's bytes, and the
    /// root and proofs of a tree over them.
    #[test]
    fn shared_vectors_are_current() {
        let path = &crate::testdata("leaf/vectors.json");
        let program = crate::ids::IO_REWARDS;
        let mint = Pubkey::new_from_array([0xAB; 32]);
        let leaves: Vec<EpochLeaf> = (1..=5).map(leaf).collect();
        let bytes: Vec<[u8; LEAF_LEN]> = leaves.iter().map(|l| l.encode(&program, &mint)).collect();
        let root = merkle::root(&bytes).unwrap();
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let entries: Vec<String> = leaves
            .iter()
            .zip(&bytes)
            .enumerate()
            .map(|(i, (l, b))| {
                let proof: Vec<String> = merkle::proof(&bytes, i).unwrap().iter().map(|h| format!("\"{}\"", hex(h))).collect();
                format!(
                    "    {{\"node\": \"{}\", \"epoch\": {}, \"class\": {}, \"tops_milli\": {}, \"uptime_bps\": {}, \"hired_bps\": {}, \"epoch_reward\": {}, \"cumulative_reward\": {},\n     \"bytes\": \"{}\",\n     \"proof\": [{}]}}",
                    l.node, l.epoch, l.class, l.tops_milli, l.uptime_bps, l.hired_bps, l.epoch_reward, l.cumulative_reward, hex(b), proof.join(", ")
                )
            })
            .collect();
        let want = format!(
            "{{\n  \"program\": \"{program}\",\n  \"io_mint\": \"{mint}\",\n  \"root\": \"{}\",\n  \"leaves\": [\n{}\n  ]\n}}\n",
            hex(&root),
            entries.join(",\n")
        );
        if std::env::var_os("IONET_UPDATE_FIXTURES").is_some() {
            assert!(
                std::env::var_os("CI").is_none(),
                "IONET_UPDATE_FIXTURES is set in CI"
            );
            std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(have, want, "testdata/leaf/vectors.json is stale: IONET_UPDATE_FIXTURES=1 cargo test -p io-protocol");
    }
}
