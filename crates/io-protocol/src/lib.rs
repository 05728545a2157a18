//! Protocol constants and pure functions shared by the three ionet programs and the
//! off-chain side. Nothing here touches accounts: program ids, PDA seed prefixes and
//! the Merkle tree that epoch reports and proof-of-compute row commitments both use.

pub mod classes;
pub mod emission;
pub mod ids;
pub mod leaf;
pub mod merkle;
pub mod seeds;
pub mod supply;

/// The path of a shared test vector under `testdata/`, found at run time: a test
/// binary reused from a checkout at another path (one target directory for several)
/// must read this checkout's files.
#[cfg(test)]
pub(crate) fn testdata(relative: &str) -> String {
    let crate_dir =
        std::env::var("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR");
    format!("{crate_dir}/../../testdata/{relative}")
}
