//! The command line, run as users run it: the built binary with a `DATABASE_URL`.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Backend, TestDb};
use diesel::prelude::*;
use mission_control::db::schema::{personal_access_tokens as pat, planets, users};
use mission_control::db::Db;

const BIN: &str = env!("CARGO_BIN_EXE_mission-control");

backend_tests!(
    migrate_then_seed_is_idempotent,
    create_user_with_flag_and_from_stdin,
    create_user_refuses_bad_input
);

fn run(db: &TestDb, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db.url())
        .env("BCRYPT_COST", "4")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("binary finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn counts(db: &TestDb) -> (i64, i64, i64) {
    let db = Db::connect(db.url(), 1, std::time::Duration::from_secs(5)).expect("pool");
    db.run_blocking(|c| {
        Ok((
            users::table.count().get_result(c)?,
            planets::table.count().get_result(c)?,
            pat::table.count().get_result(c)?,
        ))
    })
    .expect("counts")
}

async fn migrate_then_seed_is_idempotent(backend: Backend) {
    let db = TestDb::create(backend);
    let out = run(&db, &["migrate"], None);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("Ran 1 migration(s)"),
        "{}",
        stdout(&out)
    );
    let again = run(&db, &["migrate"], None);
    assert!(
        stdout(&again).contains("Ran 0 migration(s)"),
        "{}",
        stdout(&again)
    );

    let out = run(&db, &["seed"], None);
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("created; 8 planet(s) added"),
        "{}",
        stdout(&out)
    );
    let out = run(&db, &["seed"], None);
    assert!(
        stdout(&out).contains("already present; 0 planet(s) added"),
        "{}",
        stdout(&out)
    );
    assert_eq!(counts(&db), (1, 8, 0));

    // The seeded user logs in with the documented password.
    let app = common::spawn_on(std::sync::Arc::new(db), |_| {}).await;
    let token = app.token().await;
    let list = app.get("/api/planets").await.expect(200);
    let names: Vec<&str> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"]
    );
    app.get_auth("/api/user", &token).await.expect(200);
}

async fn create_user_with_flag_and_from_stdin(backend: Backend) {
    let db = TestDb::create(backend);
    let out = run(
        &db,
        &[
            "create-user",
            "--name",
            "Ada",
            "--email",
            "ada@example.com",
            "--password",
            "analytical",
        ],
        None,
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        stdout(&out).contains("Created user Ada <ada@example.com>"),
        "{}",
        stdout(&out)
    );
    let out = run(
        &db,
        &[
            "create-user",
            "--name",
            "Grace",
            "--email",
            "grace@example.com",
        ],
        Some("cobol-rules\n"),
    );
    assert!(out.status.success(), "{out:?}");
    let all =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!all.contains("cobol-rules"), "the password is not echoed");
    let app = common::spawn_on(std::sync::Arc::new(db), |_| {}).await;
    app.login_as("ada@example.com", "analytical", serde_json::json!({}))
        .await;
    app.login_as("grace@example.com", "cobol-rules", serde_json::json!({}))
        .await;
}

async fn create_user_refuses_bad_input(backend: Backend) {
    let db = TestDb::create(backend);
    let ok = run(
        &db,
        &[
            "create-user",
            "--name",
            "A",
            "--email",
            "a@example.com",
            "--password",
            "long-enough",
        ],
        None,
    );
    assert!(ok.status.success());
    for (args, needle) in [
        (
            vec![
                "create-user",
                "--name",
                "B",
                "--email",
                "A@EXAMPLE.COM",
                "--password",
                "long-enough",
            ],
            "already exists",
        ),
        (
            vec![
                "create-user",
                "--name",
                "B",
                "--email",
                "not-an-email",
                "--password",
                "long-enough",
            ],
            "valid email",
        ),
        (
            vec![
                "create-user",
                "--name",
                "B",
                "--email",
                "b@example.com",
                "--password",
                "short",
            ],
            "at least 8",
        ),
        (vec!["create-user", "--email", "b@example.com"], "--name"),
    ] {
        let out = run(&db, &args, Some(""));
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    for (var, value) in [
        ("BCRYPT_COST", "99"),
        ("DATABASE_URL", "mysql://x"),
        ("BIND_ADDR", "nowhere"),
        ("LOGIN_MAX_ATTEMPTS", "lots"),
    ] {
        let out = Command::new(BIN)
            .arg("serve")
            .env(var, value)
            .env(
                "DATABASE_URL",
                if var == "DATABASE_URL" {
                    value
                } else {
                    "sqlite:///nonexistent-dir/x.db"
                },
            )
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(var), "{err}");
    }
}

#[test]
fn help_lists_every_subcommand() {
    let out = Command::new(BIN).arg("--help").output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in ["serve", "migrate", "seed", "create-user", "prune-expired"] {
        assert!(text.contains(sub), "{sub} missing from --help: {text}");
    }
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("--seed"));
}
