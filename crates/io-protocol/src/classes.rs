//! Proof-of-compute class ids (docs/design.md §7): the number a node's spec and its
//! attested capacity carry on chain. The Go class table (`oracle/classes`) gives each
//! class its sizes, peak and datasheet; both sides are tested against
//! `testdata/classes/ids.json`, which this table writes.
//!
//! A derived family (CPU classes by ISA, the generic GPU class for models the table
//! does not know) shares one id; its members differ by name and earn by measured TOPS.

/// `(id, name)`; a family's name ends in `*`.
pub const CLASSES: &[(u8, &str)] = &[
    (1, "h100-sxm"),
    (2, "a100"),
    (3, "rtx4090"),
    (4, "rtx3090"),
    (6, "h200"),
    (7, "h100-pcie"),
    (8, "h100-nvl"),
    (9, "l40s"),
    (10, "l40"),
    (11, "a40"),
    (12, "rtx6000-ada"),
    (13, "rtx-a6000"),
    (14, "rtx4080"),
    (15, "rtx3080"),
    (16, "a10"),
    (17, "l4"),
    (18, "t4"),
    (19, "v100"),
    (CPU_AVX512_VNNI, "cpu-avx512vnni-*"),
    (CPU_AVX2, "cpu-avx2-*"),
    (CPU_GENERIC, "cpu-generic-*"),
    (GENERIC_GPU, "gpu-*"),
];

pub const CPU_AVX512_VNNI: u8 = 240;
pub const CPU_AVX2: u8 = 241;
pub const CPU_GENERIC: u8 = 242;
/// Every GPU model the table does not name.
pub const GENERIC_GPU: u8 = 250;

/// Whether `id` is a class (or a class family) of the protocol.
pub fn is_known(id: u8) -> bool {
    CLASSES.iter().any(|(known, _)| *known == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique() {
        for (i, (id, name)) in CLASSES.iter().enumerate() {
            for (other_id, other_name) in &CLASSES[i + 1..] {
                assert_ne!(id, other_id);
                assert_ne!(name, other_name);
            }
        }
        assert!(is_known(1) && is_known(GENERIC_GPU) && !is_known(0) && !is_known(5));
    }

    /// The file the Go class table is checked against.
    #[test]
    fn shared_file_is_current() {
        let path = &crate::testdata("classes/ids.json");
        let mut want = String::from("[\n");
        for (i, (id, name)) in CLASSES.iter().enumerate() {
            let comma = if i + 1 < CLASSES.len() { "," } else { "" };
            want += &format!("  {{\"id\": {id}, \"name\": \"{name}\"}}{comma}\n");
        }
        want += "]\n";
        if std::env::var_os("IONET_UPDATE_FIXTURES").is_some() {
            assert!(
                std::env::var_os("CI").is_none(),
                "IONET_UPDATE_FIXTURES is set in CI"
            );
            std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            have, want,
            "testdata/classes/ids.json is stale: IONET_UPDATE_FIXTURES=1 cargo test -p io-protocol"
        );
    }
}
