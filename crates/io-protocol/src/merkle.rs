//! The one Merkle tree of the project (docs/design.md §6): SHA-256, leaves hashed as
//! `H(0x00 ‖ leaf)`, inner nodes as `H(0x01 ‖ lower ‖ higher)` with the pair sorted, so a
//! proof is only the list of siblings. An unpaired last node is carried up unchanged.
//! The Go side (`oracle/merkle`) implements the same tree; both are tested against
//! `testdata/merkle/vectors.json`.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

const LEAF_PREFIX: u8 = 0x00;
const NODE_PREFIX: u8 = 0x01;

pub fn hash_leaf(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([LEAF_PREFIX]);
    h.update(leaf);
    h.finalize().into()
}

pub fn hash_pair(a: &Hash, b: &Hash) -> Hash {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut h = Sha256::new();
    h.update([NODE_PREFIX]);
    h.update(lo);
    h.update(hi);
    h.finalize().into()
}

/// Checks that `leaf` is in the tree with `root`, given its siblings bottom-up.
pub fn verify(root: &Hash, leaf: &[u8], proof: &[Hash]) -> bool {
    let computed = proof
        .iter()
        .fold(hash_leaf(leaf), |acc, sibling| hash_pair(&acc, sibling));
    &computed == root
}

/// Root of the tree over `leaves`; `None` for an empty tree, which has no root.
pub fn root<L: AsRef<[u8]>>(leaves: &[L]) -> Option<Hash> {
    let mut level: Vec<Hash> = leaves.iter().map(|l| hash_leaf(l.as_ref())).collect();
    if level.is_empty() {
        return None;
    }
    while level.len() > 1 {
        level = next_level(&level);
    }
    Some(level[0])
}

/// Sibling path of leaf `index`, bottom-up; `None` when `index` is out of range.
pub fn proof<L: AsRef<[u8]>>(leaves: &[L], index: usize) -> Option<Vec<Hash>> {
    if index >= leaves.len() {
        return None;
    }
    let mut level: Vec<Hash> = leaves.iter().map(|l| hash_leaf(l.as_ref())).collect();
    let mut i = index;
    let mut path = Vec::new();
    while level.len() > 1 {
        let sibling = i ^ 1;
        if sibling < level.len() {
            path.push(level[sibling]);
        }
        level = next_level(&level);
        i /= 2;
    }
    Some(path)
}

fn next_level(level: &[Hash]) -> Vec<Hash> {
    level
        .chunks(2)
        .map(|pair| match pair {
            [a, b] => hash_pair(a, b),
            [a] => *a,
            _ => unreachable!("chunks(2) yields one or two items"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn single_leaf_root_is_its_hash() {
        assert_eq!(root(&[b"a"]), Some(hash_leaf(b"a")));
        assert_eq!(proof(&[b"a"], 0), Some(vec![]));
        assert!(verify(&hash_leaf(b"a"), b"a", &[]));
    }

    #[test]
    fn empty_tree_has_no_root() {
        assert_eq!(root::<&[u8]>(&[]), None);
        assert_eq!(proof::<&[u8]>(&[], 0), None);
    }

    #[test]
    fn leaf_and_node_domains_differ() {
        // A 64-byte leaf equal to two concatenated hashes must not hash like an inner node.
        let (a, b) = (hash_leaf(b"x"), hash_leaf(b"y"));
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        let fake: Vec<u8> = lo.iter().chain(hi.iter()).copied().collect();
        assert_ne!(hash_leaf(&fake), hash_pair(&a, &b));
    }

    /// The same vectors the Go implementation is tested against.
    #[test]
    fn matches_shared_vectors() {
        let path = &crate::testdata("merkle/vectors.json");
        let text = std::fs::read_to_string(path).expect("testdata/merkle/vectors.json");
        let cases: serde_json::Value = serde_json::from_str(&text).unwrap();
        let cases = cases.as_array().unwrap();
        assert!(cases.len() >= 8, "expected the full vector set");
        for case in cases {
            let leaves: Vec<Vec<u8>> = case["leaves"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| hex::decode(l.as_str().unwrap()).unwrap())
                .collect();
            let want_root = hex::decode(case["root"].as_str().unwrap()).unwrap();
            let got_root = root(&leaves).unwrap();
            assert_eq!(
                got_root.to_vec(),
                want_root,
                "root of {} leaves",
                leaves.len()
            );
            for (i, want) in case["proofs"].as_array().unwrap().iter().enumerate() {
                let want: Vec<Vec<u8>> = want
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| hex::decode(s.as_str().unwrap()).unwrap())
                    .collect();
                let got = proof(&leaves, i).unwrap();
                let got_hex: Vec<Vec<u8>> = got.iter().map(|h| h.to_vec()).collect();
                assert_eq!(got_hex, want, "proof {i} of {} leaves", leaves.len());
                assert!(verify(&got_root, &leaves[i], &got));
            }
        }
    }

    proptest! {
        #[test]
        fn every_leaf_verifies(leaves in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..40), 1..70)) {
            let r = root(&leaves).unwrap();
            for (i, leaf) in leaves.iter().enumerate() {
                let p = proof(&leaves, i).unwrap();
                prop_assert!(p.len() <= 7);
                prop_assert!(verify(&r, leaf, &p));
            }
        }

        #[test]
        fn altered_leaf_fails(leaves in prop::collection::vec(prop::collection::vec(any::<u8>(), 1..40), 1..40), pick in any::<prop::sample::Index>(), flip in any::<u8>()) {
            let i = pick.index(leaves.len());
            let r = root(&leaves).unwrap();
            let p = proof(&leaves, i).unwrap();
            let mut forged = leaves[i].clone();
            forged[0] ^= flip | 1;
            prop_assert!(!verify(&r, &forged, &p));
        }
    }
}
