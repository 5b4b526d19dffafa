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

/// The direct dependencies of a package, its tests' included (`[dependencies]` and `[dev-dependencies]`, resolved).
fn direct_dependencies_of(package: &str, edges: &str) -> Vec<String> {
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
            edges,
            "--depth",
            "1",
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
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_shells_reach_the_store_only_through_app() {
    for shell in ["web", "cli"] {
        let deps = direct_dependencies_of(shell, "normal");
        assert!(deps.iter().any(|d| d == "app"), "{shell} depends on app: {deps:?}");
        assert!(!deps.iter().any(|d| d == "store" || d == "sqlx"), "{shell} must not depend on the store: {deps:?}");
        // Their tests too reach the store through app (`app::testing`, `app::model`); only sqlx stays
        // open to them, to damage a database on purpose.
        let with_tests = direct_dependencies_of(shell, "normal,dev");
        assert!(
            !with_tests.iter().any(|d| d == "store"),
            "{shell}'s tests must not depend on the store: {with_tests:?}"
        );
    }
    // And the check sees a direct dependency where there is one.
    assert!(direct_dependencies_of("app", "normal").iter().any(|d| d == "store"));
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The store's methods that change data: those the `write_on_both!` macro offers, and those whose
/// body opens a write transaction (`self.begin()`).
fn store_writers() -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&root().join("crates/store/src"), &mut files);
    let mut names = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (i, _) in text.match_indices("write_on_both!(") {
            let rest = &text[i..];
            let body = &rest[..rest.find(");").unwrap_or(rest.len())];
            if let Some(eq) = body.find(" = ") {
                let before = body[..eq].trim_end();
                let name = before.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
                names.push(name.to_string());
            }
        }
        for (i, _) in text.match_indices("pub async fn ") {
            let rest = &text[i + "pub async fn ".len()..];
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            let body = &rest[..rest.find("\n    }\n").unwrap_or(rest.len())];
            if body.contains("self.begin().await") {
                names.push(name);
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_shells_change_nothing_but_through_app_commands() {
    let writers = store_writers();
    for expected in ["add_member", "post_entries", "disburse_loan", "record_meeting", "close_days_until"] {
        assert!(writers.iter().any(|w| w == expected), "{expected} is found as a store writer: {writers:?}");
    }
    let mut files = Vec::new();
    for shell in ["crates/web/src", "crates/cli/src"] {
        rust_files(&root().join(shell), &mut files);
    }
    let mut offending = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for word in ["StoreTx", "app::command(", "Audited::new("] {
            if text.contains(word) {
                offending.push(format!("{}: names {word}", file.display()));
            }
        }
        for writer in &writers {
            if text.contains(&format!(".{writer}(")) {
                offending.push(format!("{}: calls the store's {writer} (a change) directly", file.display()));
            }
        }
    }
    assert!(offending.is_empty(), "changes bypass app's commands:\n{}", offending.join("\n"));
}

/// Generated tables, exempt from the length rule.
const GENERATED: &[&str] = &["crates/solar/src/spa_tables.rs"];
/// The longest a source file may be before its test module.
const LINES_MAX: usize = 600;

#[test]
fn no_source_file_needs_a_scroll_bar() {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root().join("crates")).unwrap() {
        let src = entry.unwrap().path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 50, "the check sees the sources: {}", files.len());
    let mut long = Vec::new();
    for file in files {
        let shown = file.strip_prefix(root()).unwrap_or(&file).display().to_string().replace("../", "");
        if GENERATED.iter().any(|g| shown.ends_with(g)) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let before_tests = text.lines().take_while(|l| !l.starts_with("#[cfg(test)]")).count();
        if before_tests > LINES_MAX {
            long.push(format!("{shown}: {before_tests} lines before its tests"));
        }
    }
    assert!(long.is_empty(), "split these files (at most {LINES_MAX} lines before the tests):\n{}", long.join("\n"));
}

#[test]
fn every_layer_keeps_a_folder_per_programme_and_a_kernel() {
    for layer in ["domain", "store", "app"] {
        for folder in ["funds", "kernel"] {
            let path = root().join("crates").join(layer).join("src").join(folder);
            assert!(path.join("mod.rs").is_file(), "{} is a folder with its mod.rs", path.display());
        }
    }
    for shell in ["api", "pages"] {
        let path = root().join("crates/web/src").join(shell).join("funds");
        assert!(path.join("mod.rs").is_file(), "{} is a folder with its mod.rs", path.display());
    }
}

/// The first string literal after `at` in `text` (plain or raw), if it starts there.
fn literal_after(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let (hashes, rest) = match text.strip_prefix('r') {
        Some(raw) => {
            let hashes = raw.chars().take_while(|c| *c == '#').count();
            (Some(hashes), &raw[hashes..])
        }
        None => (None, text),
    };
    let rest = rest.strip_prefix('"')?;
    let end = match hashes {
        Some(n) => rest.find(&format!("\"{}", "#".repeat(n)))?,
        None => rest.find('"')?,
    };
    Some(&rest[..end])
}

#[test]
fn no_page_builds_html_with_format() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/web/src"), &mut files);
    let mut offending = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (at, _) in text.match_indices("format!(") {
            let Some(literal) = literal_after(&text[at + "format!(".len()..]) else { continue };
            let builds_markup = literal
                .char_indices()
                .any(|(i, c)| c == '<' && literal[i + 1..].starts_with(|n: char| n.is_ascii_alphabetic() || n == '/'));
            if builds_markup {
                let line = text[..at].lines().count();
                offending.push(format!("{}:{line}: {literal:.60}", file.display()));
            }
        }
    }
    assert!(offending.is_empty(), "pages are built with maud, not format!:\n{}", offending.join("\n"));
    // The check sees a page built by hand.
    assert!(literal_after(r##" r#"<p class="x">"#, a)"##).is_some_and(|l| l.starts_with("<p")));
}
