//! `mission-control prune-expired --hours N`, run as the built binary against a
//! test database of each backend.

mod common;

use std::process::{Command, Output};

use chrono::{Duration, Utc};
use common::{spawn_app, Backend, TestApp, EMAIL, PASSWORD};

backend_tests!(
    deletes_tokens_expired_more_than_n_hours_ago,
    hours_defaults_to_24_and_0_means_any_expired,
    token_expiration_minutes_prunes_by_age_too,
    a_bad_hours_value_is_refused_without_deleting,
);

fn at(offset: Duration) -> String {
    (Utc::now().naive_utc() + offset)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Inserts a token row as Sanctum would; `None` timestamps are NULL.
async fn insert_token(app: &TestApp, name: &str, created: Duration, expires: Option<Duration>) {
    let user_id = app.seed_user(EMAIL, PASSWORD).await;
    let hash = mission_control::auth::TokenHash::of(name);
    let expires = expires.map_or("NULL".to_owned(), |e| format!("'{}'", at(e)));
    app.execute(&format!(
        "INSERT INTO personal_access_tokens \
         (tokenable_type, tokenable_id, name, token, abilities, expires_at, created_at, updated_at) \
         VALUES ('App\\Models\\User', {user_id}, '{name}', '{}', '[\"*\"]', {expires}, '{created}', '{created}')",
        hash.as_str(),
        created = at(created),
    ))
    .await;
}

async fn names(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| {
        use diesel::prelude::*;
        use mission_control::db::schema::personal_access_tokens as pat;
        pat::table
            .order(pat::name.asc())
            .select(pat::name)
            .load::<String>(conn)
    })
    .await
}

/// Runs the binary with a clean environment (no `.env`, no inherited settings).
fn prune(app: &TestApp, args: &[&str], expiration_minutes: Option<&str>) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mission-control"));
    cmd.env_clear()
        .current_dir(dir.path())
        .env("DATABASE_URL", app.test_db.url())
        .env("RUST_LOG", "warn")
        .arg("prune-expired")
        .args(args);
    if let Some(minutes) = expiration_minutes {
        cmd.env("TOKEN_EXPIRATION_MINUTES", minutes);
    }
    cmd.output().expect("the binary runs")
}

#[track_caller]
fn assert_pruned(output: &Output, count: usize) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {stdout}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.starts_with(&format!("Pruned {count} token(s)")),
        "wanted {count}: {stdout}"
    );
}

async fn deletes_tokens_expired_more_than_n_hours_ago(backend: Backend) {
    let app = spawn_app(backend).await;
    let live = app.token().await;
    insert_token(
        &app,
        "a-expired-25h",
        -Duration::days(3),
        Some(-Duration::hours(25)),
    )
    .await;
    insert_token(
        &app,
        "b-expired-23h",
        -Duration::days(3),
        Some(-Duration::hours(23)),
    )
    .await;
    insert_token(&app, "c-old-no-expiry", -Duration::days(1000), None).await;
    insert_token(
        &app,
        "d-expires-later",
        -Duration::days(3),
        Some(Duration::hours(1)),
    )
    .await;
    insert_token(
        &app,
        "e-expired-year",
        -Duration::days(400),
        Some(-Duration::days(365)),
    )
    .await;

    let output = prune(&app, &["--hours", "24"], None);
    assert_pruned(&output, 2);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("24 hour"),
        "{:?}",
        output
    );
    assert_eq!(
        names(&app).await,
        [
            "api-token",
            "b-expired-23h",
            "c-old-no-expiry",
            "d-expires-later"
        ]
    );
    // The login token in use is untouched and still works.
    app.get_auth("/api/user", &live).await.expect(200);

    // Running it again finds nothing more.
    assert_pruned(&prune(&app, &["--hours", "24"], None), 0);
    // A smaller N reaches the one that expired 23 hours ago.
    assert_pruned(&prune(&app, &["--hours", "22"], None), 1);
    assert_eq!(
        names(&app).await,
        ["api-token", "c-old-no-expiry", "d-expires-later"]
    );
}

async fn hours_defaults_to_24_and_0_means_any_expired(backend: Backend) {
    let app = spawn_app(backend).await;
    insert_token(
        &app,
        "a-expired-25h",
        -Duration::days(2),
        Some(-Duration::hours(25)),
    )
    .await;
    insert_token(
        &app,
        "b-expired-2m",
        -Duration::days(2),
        Some(-Duration::minutes(2)),
    )
    .await;
    insert_token(
        &app,
        "c-expires-in-2m",
        -Duration::days(2),
        Some(Duration::minutes(2)),
    )
    .await;

    assert_pruned(&prune(&app, &[], None), 1);
    assert_eq!(names(&app).await, ["b-expired-2m", "c-expires-in-2m"]);
    assert_pruned(&prune(&app, &["--hours", "0"], None), 1);
    assert_eq!(names(&app).await, ["c-expires-in-2m"]);
}

async fn token_expiration_minutes_prunes_by_age_too(backend: Backend) {
    let app = spawn_app(backend).await;
    // TOKEN_EXPIRATION_MINUTES=60, --hours 2: created more than 180 minutes ago goes.
    insert_token(&app, "a-created-190m", -Duration::minutes(190), None).await;
    insert_token(&app, "b-created-170m", -Duration::minutes(170), None).await;
    insert_token(&app, "c-created-now", Duration::zero(), None).await;
    insert_token(
        &app,
        "d-expired-3h",
        -Duration::minutes(100),
        Some(-Duration::hours(3)),
    )
    .await;

    // Without the setting, age alone prunes nothing.
    assert_pruned(&prune(&app, &["--hours", "2"], None), 1);
    assert_eq!(
        names(&app).await,
        ["a-created-190m", "b-created-170m", "c-created-now"]
    );
    assert_pruned(&prune(&app, &["--hours", "2"], Some("60")), 1);
    assert_eq!(names(&app).await, ["b-created-170m", "c-created-now"]);
    // --hours 0: created more than 60 minutes ago.
    assert_pruned(&prune(&app, &["--hours", "0"], Some("60")), 1);
    assert_eq!(names(&app).await, ["c-created-now"]);
}

async fn a_bad_hours_value_is_refused_without_deleting(backend: Backend) {
    let app = spawn_app(backend).await;
    insert_token(
        &app,
        "expired",
        -Duration::days(9),
        Some(-Duration::days(8)),
    )
    .await;
    for args in [
        &["--hours=-1"][..],
        &["--hours", "soon"][..],
        &["--hours"][..],
    ] {
        let output = prune(&app, args, None);
        assert!(!output.status.success(), "{args:?} was accepted");
        assert!(output.stdout.is_empty(), "{args:?}: {output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("--hours"),
            "{args:?}: {output:?}"
        );
    }
    // A bad setting names its variable.
    let output = prune(&app, &[], Some("never"));
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("TOKEN_EXPIRATION_MINUTES"),
        "{output:?}"
    );
    assert_eq!(names(&app).await, ["expired"]);
}
