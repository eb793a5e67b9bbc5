//! Login throttling per (email, client IP), with the counters in the database,
//! on both backends.

mod common;

use std::sync::Arc;

use common::{spawn_app_with, spawn_on, Backend, Reply, TestApp, EMAIL, PASSWORD};
use mission_control::config::Config;
use serde_json::json;

backend_tests!(
    failures_past_the_limit_are_429s_even_with_the_right_password,
    other_emails_and_the_email_case,
    a_success_clears_the_counter,
    the_window_passing_unlocks,
    retry_after_counts_down_to_the_end_of_the_window,
    two_instances_on_one_database_share_one_limit,
    x_forwarded_for_is_ignored_from_an_untrusted_peer,
    x_forwarded_for_is_used_from_a_trusted_proxy,
    parallel_guesses_get_no_more_than_the_limit,
);

const LIMIT: u32 = 3;

fn limited(c: &mut Config) {
    c.login_max_attempts = LIMIT;
}

async fn spawn(backend: Backend) -> TestApp {
    spawn_app_with(backend, limited).await
}

async fn fail(app: &TestApp, email: &str) -> Reply {
    app.login_reply(json!({"email": email, "password": "wrong-password"}))
        .await
}

async fn login_via(app: &TestApp, password: &str, forwarded_for: Option<&str>) -> Reply {
    let mut req = app
        .client
        .post(app.url("/api/login"))
        .json(&json!({"email": EMAIL, "password": password}));
    if let Some(ip) = forwarded_for {
        req = req.header("X-Forwarded-For", ip);
    }
    app.send_raw(req).await
}

#[track_caller]
fn assert_failed(reply: &Reply) {
    reply.expect_invalid("email", "The credentials do not match.");
}

/// Asserts the contract's 429; returns Retry-After.
#[track_caller]
fn assert_throttled(reply: &Reply) -> i64 {
    let body = reply.expect(429);
    assert_eq!(body, json!({"message": "Too Many Attempts."}));
    let number = |name: &str| -> i64 {
        reply
            .header(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .parse()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let retry_after = number("retry-after");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(number("x-ratelimit-limit"), i64::from(LIMIT));
    assert_eq!(reply.header("x-ratelimit-remaining"), Some("0"));
    let reset = number("x-ratelimit-reset");
    let expected = chrono::Utc::now().timestamp() + retry_after;
    assert!(
        (reset - expected).abs() <= 2,
        "reset {reset}, expected {expected}"
    );
    retry_after
}

async fn attempts_rows(app: &TestApp) -> Vec<(String, i32)> {
    app.with_db(|conn| {
        use diesel::prelude::*;
        use mission_control::db::schema::login_attempts as la;
        la::table
            .select((la::throttle_key, la::attempts))
            .order(la::throttle_key.asc())
            .load(conn)
    })
    .await
}

async fn failures_past_the_limit_are_429s_even_with_the_right_password(backend: Backend) {
    let app = spawn(backend).await;
    for _ in 0..LIMIT {
        assert_failed(&fail(&app, EMAIL).await);
    }
    assert_throttled(&fail(&app, EMAIL).await);
    assert_throttled(&login_via(&app, PASSWORD, None).await);
    // Under /api/v1, and through the OAuth2 form, it is the same counter.
    assert_throttled(
        &app.post(
            "/api/v1/login",
            None,
            json!({"email": EMAIL, "password": PASSWORD}),
        )
        .await,
    );
    let form = app
        .client
        .post(app.url("/api/login"))
        .form(&[("username", EMAIL), ("password", PASSWORD)]);
    assert_throttled(&app.send_raw(form).await);
    // Refused attempts while locked do not extend the count past the limit.
    assert_eq!(
        attempts_rows(&app).await,
        [(format!("{EMAIL}|127.0.0.1"), LIMIT as i32)]
    );
    assert!(app
        .with_db(|conn| {
            use diesel::prelude::*;
            use mission_control::db::schema::personal_access_tokens as pat;
            pat::table.count().get_result::<i64>(conn)
        })
        .await
        .eq(&0));
}

async fn other_emails_and_the_email_case(backend: Backend) {
    let app = spawn(backend).await;
    app.seed_user("bystander@example.com", PASSWORD).await;
    // The key ignores case and surrounding white space, as Laravel's lower-cased key.
    for email in ["TEST@example.com", "test@EXAMPLE.com", " test@example.com "] {
        assert_failed(&fail(&app, email).await);
    }
    assert_throttled(&login_via(&app, PASSWORD, None).await);
    // Another address from the same client is not affected.
    app.login_as("bystander@example.com", PASSWORD, json!({}))
        .await;
    assert_failed(&fail(&app, "bystander@example.com").await);
    // Unknown addresses are throttled the same way (no enumeration by 429s).
    for _ in 0..LIMIT {
        assert_failed(&fail(&app, "nobody@example.com").await);
    }
    assert_throttled(&fail(&app, "nobody@example.com").await);
}

async fn a_success_clears_the_counter(backend: Backend) {
    let app = spawn(backend).await;
    for _ in 0..LIMIT - 1 {
        assert_failed(&fail(&app, EMAIL).await);
    }
    login_via(&app, PASSWORD, None).await.expect(200);
    assert!(attempts_rows(&app).await.is_empty());
    // Without the clear, one more failure would now lock the key.
    for _ in 0..LIMIT - 1 {
        assert_failed(&fail(&app, EMAIL).await);
    }
    login_via(&app, PASSWORD, None).await.expect(200);
}

async fn the_window_passing_unlocks(backend: Backend) {
    let app = spawn(backend).await;
    for _ in 0..LIMIT {
        assert_failed(&fail(&app, EMAIL).await);
    }
    assert_throttled(&login_via(&app, PASSWORD, None).await);

    // The minute passes (moved in the database rather than waited for).
    app.execute("UPDATE login_attempts SET available_at = '2000-01-01 00:00:00'")
        .await;
    // A failure now starts a fresh window instead of adding to the old one.
    assert_failed(&fail(&app, EMAIL).await);
    assert_eq!(
        attempts_rows(&app).await,
        [(format!("{EMAIL}|127.0.0.1"), 1)]
    );
    login_via(&app, PASSWORD, None).await.expect(200);

    // Locked again, then unlocked again: the right password works at once.
    for _ in 0..LIMIT {
        assert_failed(&fail(&app, EMAIL).await);
    }
    assert_throttled(&login_via(&app, PASSWORD, None).await);
    app.execute("UPDATE login_attempts SET available_at = '2000-01-01 00:00:00'")
        .await;
    login_via(&app, PASSWORD, None).await.expect(200);
}

async fn retry_after_counts_down_to_the_end_of_the_window(backend: Backend) {
    let app = spawn(backend).await;
    for _ in 0..LIMIT {
        assert_failed(&fail(&app, EMAIL).await);
    }
    let first = assert_throttled(&fail(&app, EMAIL).await);
    assert!(
        first >= 55,
        "a fresh window has about a minute left: {first}"
    );
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(10))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S");
    app.execute(&format!(
        "UPDATE login_attempts SET available_at = '{soon}'"
    ))
    .await;
    let later = assert_throttled(&login_via(&app, PASSWORD, None).await);
    assert!((1..=10).contains(&later), "Retry-After {later}");
}

async fn two_instances_on_one_database_share_one_limit(backend: Backend) {
    let one = spawn(backend).await;
    let two = spawn_on(Arc::clone(&one.test_db), limited).await;
    assert_ne!(one.address, two.address);
    // Failures spread over both instances.
    assert_failed(&fail(&one, EMAIL).await);
    assert_failed(&fail(&two, EMAIL).await);
    assert_failed(&fail(&one, EMAIL).await);
    // Either instance now refuses, even the right password.
    assert_throttled(&login_via(&two, PASSWORD, None).await);
    assert_throttled(&login_via(&one, PASSWORD, None).await);
    // And the window ending is seen by both.
    one.execute("UPDATE login_attempts SET available_at = '2000-01-01 00:00:00'")
        .await;
    login_via(&two, PASSWORD, None).await.expect(200);
    // A success on one clears the counter for the other as well.
    assert_failed(&fail(&one, EMAIL).await);
    assert_failed(&fail(&two, EMAIL).await);
    login_via(&one, PASSWORD, None).await.expect(200);
    assert_failed(&fail(&two, EMAIL).await);
    assert_failed(&fail(&two, EMAIL).await);
    login_via(&two, PASSWORD, None).await.expect(200);
}

async fn x_forwarded_for_is_ignored_from_an_untrusted_peer(backend: Backend) {
    // TRUSTED_PROXIES unset: a client cannot dodge the limit with made-up headers.
    let app = spawn(backend).await;
    for i in 0..LIMIT {
        let reply = login_via(&app, "wrong-password", Some(&format!("198.51.100.{i}"))).await;
        assert_failed(&reply);
    }
    assert_throttled(&login_via(&app, PASSWORD, Some("198.51.100.200")).await);
    assert_throttled(&login_via(&app, PASSWORD, None).await);
    assert_eq!(
        attempts_rows(&app).await,
        [(format!("{EMAIL}|127.0.0.1"), LIMIT as i32)]
    );
}

async fn x_forwarded_for_is_used_from_a_trusted_proxy(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        limited(c);
        c.trusted_proxies = vec!["127.0.0.0/8".parse().expect("CIDR")];
    })
    .await;
    // Behind the proxy, each client has its own counter.
    for _ in 0..LIMIT {
        let reply = login_via(&app, "wrong-password", Some("203.0.113.7")).await;
        assert_failed(&reply);
    }
    assert_throttled(&login_via(&app, PASSWORD, Some("203.0.113.7")).await);
    // The nearest untrusted hop counts: the proxy's own address is skipped.
    assert_throttled(&login_via(&app, PASSWORD, Some("203.0.113.7, 127.0.0.5")).await);
    login_via(&app, PASSWORD, Some("203.0.113.8"))
        .await
        .expect(200);
    login_via(&app, PASSWORD, None).await.expect(200);
    assert_eq!(
        attempts_rows(&app).await,
        [(format!("{EMAIL}|203.0.113.7"), LIMIT as i32)]
    );
}

async fn parallel_guesses_get_no_more_than_the_limit(backend: Backend) {
    // A burst of simultaneous guesses must not all be checked before the first
    // failure is counted: only LIMIT of them may reach the password check.
    let app = spawn_app_with(backend, |c| {
        limited(c);
        c.workers = 4;
        c.db_pool_size = 8;
        c.bcrypt_threads = 4;
    })
    .await;
    let mut handles = Vec::new();
    for i in 0..16 {
        let req = app
            .client
            .post(app.url("/api/login"))
            .json(&json!({"email": EMAIL, "password": format!("guess-{i}")}));
        handles.push(tokio::spawn(async move {
            req.send().await.expect("sent").status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.expect("task"));
    }
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (checked, refused),
        (LIMIT as usize, 16 - LIMIT as usize),
        "{statuses:?}"
    );
    assert_throttled(&login_via(&app, PASSWORD, None).await);
}
