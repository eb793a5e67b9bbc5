//! Losing PostgreSQL while the app runs, without stopping the shared server: the
//! test's database refuses new connections and every connection to it is
//! terminated. Every route that needs the database must then answer the
//! contract's 503 within a few seconds (never hang, never a 500), the process
//! keeps serving what needs no database, and once connections are allowed again
//! everything answers 200 by itself, with the data written before intact.
//!
//! Run with `--nocapture` to see the measured times (docs/reliability.md).

mod common;

use std::time::{Duration, Instant};

use common::{postgres_available, spawn_app_with, Backend, Reply, TestApp};
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::{json, Value};

/// The contract's bound for a 503 while the database is gone.
const OUTAGE_ANSWER_WITHIN: Duration = Duration::from_secs(5);
/// The bound for answering 200 again once the database is back.
const RECOVERY_WITHIN: Duration = Duration::from_secs(10);

fn admin() -> PgConnection {
    PgConnection::establish(&common::postgres_url("postgres"))
        .expect("admin connection to PostgreSQL")
}

fn database_name(app: &TestApp) -> String {
    app.test_db.name().to_owned()
}

/// Makes the database refuse new connections and kills the open ones.
fn cut_off(name: &str) {
    let mut admin = admin();
    diesel::sql_query(format!(
        "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
    ))
    .execute(&mut admin)
    .expect("disallow connections");
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    ))
    .execute(&mut admin)
    .expect("terminate backends");
}

fn restore(name: &str) {
    diesel::sql_query(format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"))
        .execute(&mut admin())
        .expect("allow connections");
}

/// Allows connections again even when an assertion fails midway.
struct Restore(String);

impl Drop for Restore {
    fn drop(&mut self) {
        if let Ok(mut admin) = PgConnection::establish(&common::postgres_url("postgres")) {
            let _ = diesel::sql_query(format!(
                "ALTER DATABASE {} WITH ALLOW_CONNECTIONS true",
                self.0
            ))
            .execute(&mut admin);
        }
    }
}

/// One request of the outage drill: what to send, and the success status.
struct Probe {
    method: &'static str,
    path: &'static str,
    auth: bool,
    body: Option<Value>,
    ok: u16,
}

fn probes() -> Vec<Probe> {
    vec![
        Probe {
            method: "GET",
            path: "/health",
            auth: false,
            body: None,
            ok: 200,
        },
        Probe {
            method: "GET",
            path: "/api/planets",
            auth: false,
            body: None,
            ok: 200,
        },
        Probe {
            method: "GET",
            path: "/api/user",
            auth: true,
            body: None,
            ok: 200,
        },
        Probe {
            method: "POST",
            path: "/api/login",
            auth: false,
            body: Some(json!({"email": common::EMAIL, "password": common::PASSWORD})),
            ok: 200,
        },
        Probe {
            method: "POST",
            path: "/api/planets",
            auth: true,
            body: Some(json!({"name": "<unique>"})),
            ok: 201,
        },
    ]
}

/// Sends `probe` with a client timeout well past the bound, so a hang shows as a
/// failure with a time instead of a stuck test. Returns the reply and how long
/// it took.
async fn send(
    app: &TestApp,
    client: &reqwest::Client,
    probe: &Probe,
    token: &str,
    n: usize,
) -> (Reply, Duration) {
    let method = reqwest::Method::from_bytes(probe.method.as_bytes()).expect("method");
    let mut req = client.request(method, app.url(probe.path));
    if probe.auth {
        req = req.bearer_auth(token);
    }
    if let Some(body) = &probe.body {
        let mut body = body.clone();
        if body["name"] == "<unique>" {
            body["name"] = json!(format!("Outage planet {n}"));
        }
        req = req.json(&body);
    }
    let started = Instant::now();
    let resp = req.send().await.unwrap_or_else(|e| {
        panic!(
            "{} {}: no answer after {:?}: {e}",
            probe.method,
            probe.path,
            started.elapsed()
        )
    });
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    (
        Reply {
            status,
            headers,
            text,
        },
        started.elapsed(),
    )
}

#[actix_web::test]
async fn postgres_outage_gives_503s_then_recovers_without_a_restart() {
    if !postgres_available("db_outage::postgres_outage_gives_503s_then_recovers_without_a_restart")
    {
        return;
    }
    // The token cache would answer GET /api/user from memory for up to its TTL.
    let app = spawn_app_with(Backend::Postgres, |c| {
        c.token_cache_ttl = Duration::ZERO;
        c.workers = 2;
    })
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client");
    let token = app.token().await;
    let before = app
        .create_planet(&token, json!({"name": "Written before the outage"}))
        .await;
    // Fill the pool with connections that the outage will kill.
    let warm: Vec<_> = (0..8).map(|_| app.get("/api/planets")).collect();
    for reply in futures_util::future::join_all(warm).await {
        reply.expect(200);
    }

    let name = database_name(&app);
    let _restore = Restore(name.clone());
    cut_off(&name);

    let mut n = 0;
    let mut slowest = Duration::ZERO;
    // Twice in a row: first the pool's dead connections, then no connection at all.
    for round in 0..2 {
        for probe in probes() {
            n += 1;
            let (reply, took) = send(&app, &client, &probe, &token, n).await;
            let body = reply.expect(503);
            assert_eq!(body["message"], "Service Unavailable.", "{}", reply.text);
            if probe.path == "/health" {
                assert_eq!(body["database"], "unavailable");
            } else {
                assert_eq!(body, json!({"message": "Service Unavailable."}));
            }
            assert!(
                took < OUTAGE_ANSWER_WITHIN,
                "round {round}: {} {} took {took:?}",
                probe.method,
                probe.path
            );
            slowest = slowest.max(took);
        }
    }
    // Many at once: each still answers within the bound.
    let started = Instant::now();
    let all = probes();
    let burst: Vec<_> = (0..10)
        .map(|i| send(&app, &client, &all[i % all.len()], &token, 1000 + i))
        .collect();
    for (reply, took) in futures_util::future::join_all(burst).await {
        reply.expect(503);
        assert!(
            took < OUTAGE_ANSWER_WITHIN,
            "concurrent request took {took:?}"
        );
        slowest = slowest.max(took);
    }
    eprintln!(
        "outage: slowest 503 took {slowest:?}; 10 concurrent 503s in {:?}",
        started.elapsed()
    );
    // The process is still up and serves what needs no database.
    let page = client.get(app.url("/")).send().await.expect("GET /");
    assert_eq!(page.status().as_u16(), 200);

    restore(&name);
    let restored = Instant::now();
    loop {
        let mut all_ok = true;
        for probe in probes() {
            n += 1;
            let (reply, _) = send(&app, &client, &probe, &token, n).await;
            assert!(
                [probe.ok, 503].contains(&reply.status.as_u16()),
                "{} {} after recovery: {} {}",
                probe.method,
                probe.path,
                reply.status,
                reply.text
            );
            all_ok &= reply.status.as_u16() == probe.ok;
        }
        if all_ok {
            break;
        }
        assert!(
            restored.elapsed() < RECOVERY_WITHIN,
            "still failing {:?} after connections were allowed again",
            restored.elapsed()
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "recovery: every route answered 200 again {:?} after connections were allowed",
        restored.elapsed()
    );

    // The data written before is intact, and the old token still works.
    let again = app
        .get(&format!("/api/planets/{}", before["id"]))
        .await
        .expect(200);
    assert_eq!(again, before);
    app.get_auth("/api/user", &token).await.expect(200);
    let health = app.get("/health").await.expect(200);
    assert_eq!(health, json!({"status": "ok", "database": "ok"}));
}

/// A second outage right after a recovery behaves the same: the pool holds no
/// dead connections that would turn the next outage (or the next recovery)
/// into 500s.
#[actix_web::test]
async fn repeated_outages_recover_each_time() {
    if !postgres_available("db_outage::repeated_outages_recover_each_time") {
        return;
    }
    let app = spawn_app_with(Backend::Postgres, |c| {
        c.token_cache_ttl = Duration::ZERO;
        c.db_timeout = Duration::from_secs(1);
    })
    .await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .expect("client");
    let token = app.token().await;
    let name = database_name(&app);
    let _restore = Restore(name.clone());
    let user = Probe {
        method: "GET",
        path: "/api/user",
        auth: true,
        body: None,
        ok: 200,
    };
    for cycle in 0..3 {
        send(&app, &client, &user, &token, 0).await.0.expect(200);
        cut_off(&name);
        let (reply, took) = send(&app, &client, &user, &token, 0).await;
        reply.expect(503);
        // DB_TIMEOUT_SECONDS=1: the wait for a connection is what bounds the 503.
        assert!(took < Duration::from_secs(3), "cycle {cycle}: {took:?}");
        restore(&name);
        let back = Instant::now();
        while send(&app, &client, &user, &token, 0).await.0.status != 200 {
            assert!(
                back.elapsed() < RECOVERY_WITHIN,
                "cycle {cycle}: no recovery"
            );
            actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        }
    }
}
