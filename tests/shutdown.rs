//! Graceful shutdown of the real binary under a write load: SIGTERM stops new
//! connections at once, lets requests in flight finish, and the process exits 0
//! within `SHUTDOWN_GRACE_SECONDS`. Every planet whose create got a 201 is in the
//! database afterwards, and no request the server started was cut off.
//!
//! Run with `--nocapture` to see the measured figures (docs/reliability.md).

mod common;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{postgres_available, Backend, TestDb};
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use serde_json::{json, Value};

const GRACE_SECONDS: u64 = 10;
const WRITERS: usize = 8;

/// Kills the child if the test fails before it exits.
struct Server {
    child: Child,
    log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start(db: &TestDb, port: u16, dir: &std::path::Path) -> Server {
    let log = dir.join("server.log");
    let out = std::fs::File::create(&log).expect("log file");
    let err = out.try_clone().expect("log file");
    let child = Command::new(env!("CARGO_BIN_EXE_mission-control"))
        .arg("serve")
        .arg("--seed")
        .current_dir(dir)
        .env("DATABASE_URL", db.url())
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("SHUTDOWN_GRACE_SECONDS", GRACE_SECONDS.to_string())
        .env("BCRYPT_COST", "4")
        .env("WORKERS", "2")
        .env("DB_POOL_SIZE", "8")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start the binary");
    Server { child, log }
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

fn stored_names(db: &TestDb) -> std::collections::HashSet<String> {
    let mut conn = PgConnection::establish(db.url()).expect("connect");
    diesel::sql_query("SELECT name FROM planets")
        .load::<Name>(&mut conn)
        .expect("planets")
        .into_iter()
        .map(|n| n.name)
        .collect()
}

/// What one create got back.
enum Outcome {
    Created(String),
    /// The connection was refused: the server no longer accepts.
    Refused,
    /// Anything else: an answer that was cut off, or an unexpected status.
    Failed(String, String),
}

async fn write_load(
    client: reqwest::Client,
    base: Arc<String>,
    token: Arc<String>,
    writer: usize,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    for i in 0.. {
        if Instant::now() > deadline {
            break;
        }
        let name = format!("Shutdown {writer}-{i}");
        let sent = client
            .post(format!("{base}/api/planets"))
            .bearer_auth(token.as_str())
            .json(&json!({"name": name}))
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status().as_u16() == 201 => match resp.json::<Value>().await {
                Ok(body) if body["name"] == name.as_str() => outcomes.push(Outcome::Created(name)),
                other => outcomes.push(Outcome::Failed(name, format!("201 body: {other:?}"))),
            },
            Ok(resp) => {
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                outcomes.push(Outcome::Failed(name, format!("{status} {text}")));
            }
            Err(e) if e.is_connect() => {
                outcomes.push(Outcome::Refused);
                break;
            }
            Err(e) => outcomes.push(Outcome::Failed(name, format!("{e:?}"))),
        }
    }
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_requests_and_exits_zero() {
    if !postgres_available("shutdown::sigterm_drains_in_flight_requests_and_exits_zero") {
        return;
    }
    let db = TestDb::create(Backend::Postgres);
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = start(&db, port, dir.path());
    let pid = server.child.id();

    // Fresh connections for every request, as separate clients would open.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");
    let up = Instant::now();
    while client
        .get(format!("{base}/health"))
        .send()
        .await
        .map_or(true, |r| r.status() != 200)
    {
        assert!(
            up.elapsed() < Duration::from_secs(60),
            "not up: {}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A user whose password costs bcrypt 2^13 rounds: a login that is certainly
    // still in flight when the signal arrives.
    let slow_hash = mission_control::auth::password::hash("slow-password", 13).expect("hash");
    let mut conn = PgConnection::establish(db.url()).expect("connect");
    diesel::sql_query(
        "INSERT INTO users (name, email, password, created_at, updated_at) \
         VALUES ('Slow', 'slow@example.com', $1, now(), now())",
    )
    .bind::<Text, _>(&slow_hash)
    .execute(&mut conn)
    .expect("slow user");
    let timed = Instant::now();
    client
        .post(format!("{base}/api/login"))
        .json(&json!({"email": "slow@example.com", "password": "slow-password"}))
        .send()
        .await
        .expect("slow login");
    let slow_login_takes = timed.elapsed();

    let login: Value = client
        .post(format!("{base}/api/login"))
        .json(&json!({"email": "test@example.com", "password": "password"}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("token");
    let token = Arc::new(login["token"].as_str().expect("token").to_owned());
    let base = Arc::new(base);

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(write_load(client.clone(), base.clone(), token.clone(), w)))
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let slow = tokio::spawn({
        let (client, base) = (client.clone(), base.clone());
        async move {
            client
                .post(format!("{base}/api/login"))
                .json(&json!({"email": "slow@example.com", "password": "slow-password"}))
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;

    let signalled = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    tokio::time::sleep(Duration::from_millis(300)).await;

    // New connections are refused while the process still drains.
    let refused = TcpStream::connect(("127.0.0.1", port)).is_err();
    let mut server = server;
    let still_running = server.child.try_wait().expect("try_wait").is_none();
    assert!(refused, "a new connection was accepted after SIGTERM");

    // The login that was in flight finishes with its token.
    let slow = slow
        .await
        .expect("join")
        .expect("the in-flight login got an answer");
    assert_eq!(slow.status().as_u16(), 200);
    let slow_body: Value = slow.json().await.expect("body");
    assert!(slow_body["token"].is_string(), "{slow_body}");

    // The process exits 0 within the grace period.
    let status = loop {
        if let Some(status) = server.child.try_wait().expect("try_wait") {
            break status;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(GRACE_SECONDS + 2),
            "still running {:?} after SIGTERM: {}",
            signalled.elapsed(),
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let exited_after = signalled.elapsed();
    assert!(status.success(), "exit status {status:?}: {}", server.log());
    assert!(
        exited_after < Duration::from_secs(GRACE_SECONDS),
        "{exited_after:?}"
    );

    let mut created = Vec::new();
    let mut failed = Vec::new();
    for writer in writers {
        for outcome in writer.await.expect("join") {
            match outcome {
                Outcome::Created(name) => created.push(name),
                Outcome::Refused => {}
                Outcome::Failed(name, why) => failed.push((name, why)),
            }
        }
    }
    let stored = stored_names(&db);
    let missing: Vec<&String> = created.iter().filter(|n| !stored.contains(*n)).collect();
    assert!(missing.is_empty(), "201 but not stored: {missing:?}");
    // A request that failed without an answer was never started by the server:
    // had it been, it would have finished (and been stored).
    let cut_off: Vec<&(String, String)> =
        failed.iter().filter(|(n, _)| stored.contains(n)).collect();
    assert!(
        cut_off.is_empty(),
        "stored but the answer was lost: {cut_off:?}"
    );
    let unexpected: Vec<&(String, String)> = failed
        .iter()
        .filter(|(_, why)| why.starts_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert!(unexpected.is_empty(), "unexpected statuses: {unexpected:?}");
    assert!(
        server.log().contains("mission-control stopped"),
        "{}",
        server.log()
    );
    for (name, why) in &failed {
        eprintln!("shutdown: {name} failed without an answer: {why}");
    }
    eprintln!(
        "shutdown: {} creates got 201 (all stored), {} failed before the server took them, \
         slow login ({slow_login_takes:?}) finished during the drain, new connections refused \
         after 300 ms (process still running then: {still_running}), exit 0 after {exited_after:?} \
         (grace {GRACE_SECONDS} s)",
        created.len(),
        failed.len(),
    );
}
