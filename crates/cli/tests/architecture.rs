//! The layers hold: the pure core depends on no database driver, async runtime, web framework or JSON.
//! Checked on the resolved dependency graph (`cargo tree`), so a transitive dependency counts too.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::process::Command;

/// Crates the pure core must never reach.
const BANNED: &[&str] = &[
    "sqlx",
    "sqlx-core",
    "rusqlite",
    "libsqlite3-sys",
    "postgres",
    "tokio-postgres",
    "diesel",
    "sea-orm",
    "tokio",
    "async-std",
    "smol",
    "futures",
    "futures-util",
    "mio",
    "axum",
    "hyper",
    "tower",
    "actix-web",
    "warp",
    "rocket",
    "reqwest",
    "serde_json",
];

/// The crates that make up the pure core.
const CORE: &[&str] = &["domain", "solar"];

fn dependencies_of(package: &str) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml");
    let output = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "--manifest-path",
            manifest,
            "-p",
            package,
            "-e",
            "normal,build",
            "--prefix",
            "none",
            "-f",
            "{p}",
        ])
        .output()
        .expect("cargo tree runs");
    assert!(output.status.success(), "cargo tree failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_core_never_depends_on_io_crates() {
    for core in CORE {
        let deps = dependencies_of(core);
        assert!(deps.iter().any(|d| d == core), "cargo tree lists {core} itself: {deps:?}");
        let offending: Vec<&String> = deps.iter().filter(|d| BANNED.contains(&d.as_str())).collect();
        assert!(offending.is_empty(), "{core} must stay pure but depends on {offending:?}");
    }
}

#[test]
fn the_check_would_catch_a_banned_dependency() {
    // store is allowed SQL: the same check must see sqlx there, or it proves nothing.
    let deps = dependencies_of("store");
    assert!(deps.iter().any(|d| d == "sqlx"), "{deps:?}");
}
