//! A damaged SQLite file (a malformed page, a wrong page size in the header) is named as damaged by
//! every command, and `abadi serve` refuses to start on it instead of serving or hanging (issue 13).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;
use common::*;
use std::io::{Seek, SeekFrom, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A database with a few books of entries, so that it spans many pages; its path.
async fn database(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("abadi-damaged-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("abadi.db");
    let _ = std::fs::remove_file(&path);
    let url = format!("sqlite://{}", path.display());
    let store = app::Store::open(&url).await.unwrap();
    for _ in 0..6 {
        sample_books(&store).await;
    }
    store.close().await;
    path
}

fn damage(path: &std::path::Path, at: u64, bytes: &[u8]) {
    let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.seek(SeekFrom::Start(at)).unwrap();
    file.write_all(bytes).unwrap();
}

/// `abadi serve` on the file: it must exit (not listen) within a few seconds, saying why.
fn serve_refuses(path: &std::path::Path) -> String {
    let url = format!("sqlite://{}", path.display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_abadi"))
        .args(["serve", "--addr", "127.0.0.1:0", "--database", &url])
        .env_remove("ABADI_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            assert!(!status.success(), "serve exits with a failure");
            let said =
                format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            assert!(!said.contains("serving on"), "it never serves: {said}");
            return said;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("abadi serve neither served nor exited on a damaged database");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn a_malformed_page_is_named_and_never_served() {
    let path = database("page").await;
    let length = std::fs::metadata(&path).unwrap().len();
    assert!(length > 8 * 4096, "the database spans pages: {length}");
    damage(&path, 3 * 4096 + 8, &[0xAB; 512]);
    let url = format!("sqlite://{}", path.display());
    let verify = abadi(&url, &["verify"]);
    assert!(!verify.status.success());
    assert!(stderr(&verify).contains("damaged"), "{}{}", stdout(&verify), stderr(&verify));
    let said = serve_refuses(&path);
    assert!(said.contains("damaged") && said.contains("backup"), "{said}");
}

#[tokio::test]
async fn a_wrong_page_size_is_named_and_never_served() {
    let path = database("size").await;
    // Bytes 16–17 of the header hold the page size: 0x0300 is not one.
    damage(&path, 16, &[0x03, 0x00]);
    let url = format!("sqlite://{}", path.display());
    let verify = abadi(&url, &["verify"]);
    assert!(!verify.status.success());
    assert!(stderr(&verify).contains("damaged"), "{}{}", stdout(&verify), stderr(&verify));
    let said = serve_refuses(&path);
    assert!(said.contains("damaged"), "{said}");
}
