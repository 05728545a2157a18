//! `ionet-idl`: writes `idl/<program>.json` (Anchor IDL spec 0.1.0) for each program by
//! compiling it with `idl-build` on the stable toolchain, as `anchor idl build` would.
//! `ionet-idl --check` writes nothing and fails when a committed IDL is stale.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anchor_lang_idl::build::IdlBuilder;

const PROGRAMS: [(&str, &str); 3] = [
    ("io_staking", "programs/io-staking"),
    ("io_hire", "programs/io-hire"),
    ("io_rewards", "programs/io-rewards"),
];

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("ionet-idl: unknown argument {other:?}\nusage: ionet-idl [--check]");
            return ExitCode::from(2);
        }
    };
    // `cargo run` names the checkout it runs from; the compile-time path is only a
    // fallback, because a binary uplifted into a target directory that two checkouts
    // share may have been built from the other one.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let root = manifest.join("../..");
    let root = root.canonicalize().unwrap_or(root);
    prepare_environment(&root);

    let mut stale = Vec::new();
    for (name, dir) in PROGRAMS {
        eprintln!("ionet-idl: building the IDL of {name}");
        let idl = match IdlBuilder::new()
            .program_path(root.join(dir))
            .resolution(true)
            .skip_lint(false)
            .no_docs(false)
            .cargo_args(vec!["--locked".into()])
            .build()
        {
            Ok(idl) => idl,
            Err(err) => {
                eprintln!("ionet-idl: {name}: {err:#}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(err) = check_anchor_toml(&root, name, &idl.address) {
            eprintln!("ionet-idl: {err}");
            return ExitCode::FAILURE;
        }
        let json = serde_json::to_string_pretty(&idl).expect("an IDL always serializes") + "\n";
        let path = root.join("idl").join(format!("{name}.json"));
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == json {
            continue;
        }
        if check {
            stale.push(path);
        } else if let Err(err) =
            std::fs::create_dir_all(root.join("idl")).and_then(|_| std::fs::write(&path, json))
        {
            eprintln!("ionet-idl: writing {}: {err}", path.display());
            return ExitCode::FAILURE;
        } else {
            eprintln!("ionet-idl: wrote {}", path.display());
        }
    }
    // An IDL no program produces would still turn into bindings.
    let known: Vec<String> = PROGRAMS
        .iter()
        .map(|(name, _)| format!("{name}.json"))
        .collect();
    if let Ok(entries) = std::fs::read_dir(root.join("idl")) {
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            if file.ends_with(".json") && !known.contains(&file) {
                eprintln!("ionet-idl: idl/{file} belongs to no program");
                stale.push(entry.path());
            }
        }
    }
    if !stale.is_empty() {
        for path in &stale {
            eprintln!("ionet-idl: {} is stale; run `make idl`", path.display());
        }
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Anchor.toml's `[programs.localnet]` must name the address the program declares.
fn check_anchor_toml(root: &Path, name: &str, address: &str) -> Result<(), String> {
    let toml = std::fs::read_to_string(root.join("Anchor.toml"))
        .map_err(|e| format!("Anchor.toml: {e}"))?;
    let mut in_section = false;
    for line in toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_section = line == "[programs.localnet]";
        } else if in_section {
            if let Some((key, value)) = line.split_once('=') {
                if key.trim() == name {
                    let value = value.trim().trim_matches('"');
                    return if value == address {
                        Ok(())
                    } else {
                        Err(format!(
                            "Anchor.toml gives {name} = {value}, the program declares {address}"
                        ))
                    };
                }
            }
        }
    }
    Err(format!(
        "Anchor.toml has no {name} under [programs.localnet]"
    ))
}

/// The IDL build is a `cargo test` run with its own RUSTFLAGS; give it its own target
/// directory so it does not invalidate the main build, and keep rustup's toolchain
/// override out (anchor-lang-idl 0.1.4 would pass it on as a literal `+{toolchain}`).
fn prepare_environment(root: &Path) {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    // SAFETY: single-threaded, before any child process starts.
    unsafe {
        std::env::set_var("CARGO_TARGET_DIR", target.join("idl-build"));
        std::env::remove_var("RUSTUP_TOOLCHAIN");
    }
}
