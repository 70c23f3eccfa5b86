//! The real `showroom-sync` process: admin commands, health on a loopback port, refusal of plain
//! HTTP off loopback, and a graceful stop on SIGTERM.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use showroom_e2e::binary;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

fn admin(db: &std::path::Path, args: &[&str], password: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(binary("showroom-sync"));
    showroom_e2e::pin(&mut cmd).arg("--db").arg(db).args(args).stdin(Stdio::null());
    if let Some(p) = password {
        cmd.env("SHOWROOM_SYNC_PASSWORD", p);
    }
    let out = cmd.output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
}

#[test]
fn the_admin_cli_manages_accounts_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sync.sqlite3");
    let (ok, text) =
        admin(&db, &["user", "add", "--login", "ana", "--name", "Ana", "--role", "rep"], Some("long enough pw"));
    assert!(!ok && text.contains("run `showroom-sync init"), "{text}");
    assert!(admin(&db, &["init", "--dealership", "Lakeside Motors"], None).0);
    let (ok, text) = admin(&db, &["init", "--dealership", "Again"], None);
    assert!(!ok && text.contains("exists already"), "{text}");
    let (ok, text) = admin(&db, &["user", "add", "--login", "ana", "--name", "Ana", "--role", "rep"], Some("short"));
    assert!(!ok && text.contains("at least 10 characters"), "{text}");
    let (ok, text) =
        admin(&db, &["user", "add", "--login", "ana", "--name", "Ana", "--role", "rep"], Some("long enough pw"));
    assert!(ok && text.contains("added ana"), "{text}");
    let (ok, text) =
        admin(&db, &["user", "add", "--login", "ANA", "--name", "Ana 2", "--role", "rep"], Some("long enough pw"));
    assert!(!ok && text.contains("is taken"), "{text}");
    let (ok, text) =
        admin(&db, &["user", "add", "--login", "x", "--name", "X", "--role", "boss"], Some("long enough pw"));
    assert!(!ok && text.contains("rep") && text.contains("manager"), "{text}");
    assert!(admin(&db, &["user", "reset-password", "ana"], Some("another long pw")).0);
    assert!(admin(&db, &["user", "disable", "ana"], None).0);
    let (ok, text) = admin(&db, &["user", "disable", "nobody"], None);
    assert!(!ok && text.contains("no user"), "{text}");
    admin(&db, &["dealership", "add", "Hilltop Cars"], None);
    let (ok, text) =
        admin(&db, &["user", "add", "--login", "bo", "--name", "Bo", "--role", "rep"], Some("long enough pw"));
    assert!(!ok && text.contains("--dealership (known: Hilltop Cars, Lakeside Motors)"), "{text}");
}

#[test]
fn the_server_process_answers_health_refuses_public_plain_http_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sync.sqlite3");
    assert!(admin(&db, &["init", "--dealership", "Lakeside Motors"], None).0);
    let start = || {
        let mut child = showroom_e2e::pin(&mut Command::new(binary("showroom-sync")))
            .arg("--db")
            .arg(&db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening on http://").unwrap_or_else(|| panic!("{line}")).to_string();
        (child, addr)
    };
    // SIGTERM: the server finishes and exits cleanly. (A stop it missed once left this test
    // waiting forever: it fails after 30 s instead.)
    let stop = |mut child: std::process::Child| {
        Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        let waited = std::time::Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if waited.elapsed() > std::time::Duration::from_secs(30) {
                let _ = child.kill();
                panic!("the server did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    };

    let (child, addr) = start();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(s, "GET /api/v1/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    let body = resp.split("\r\n\r\n").nth(1).unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["status"], "ok");
    let status = stop(child);
    assert!(status.success(), "{status:?}");

    // A stop sent the moment the port is announced is heard as well: the server listens for it
    // before it says where it listens (it once took the signal and ignored it, or died of it).
    for i in 0..8 {
        let status = stop(start().0);
        assert!(status.success(), "start {i}: {status:?}");
    }

    let out = showroom_e2e::pin(&mut Command::new(binary("showroom-sync")))
        .arg("--db")
        .arg(&db)
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen on a loopback address"));
}
