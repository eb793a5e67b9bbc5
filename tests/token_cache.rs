//! The verified-token cache (src/auth/verifier.rs): it saves the query, and it
//! never lets a revoked or expired token through. Both backends.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{spawn_app_with, spawn_on, token_id, Backend, TestApp};
use serde_json::json;

backend_tests!(
    a_cached_token_needs_no_query,
    logout_is_refused_at_once_even_when_cached,
    delete_token_by_id_is_refused_at_once_even_when_cached,
    delete_all_tokens_is_refused_at_once_even_when_cached,
    oauth_revoke_is_refused_at_once_even_when_cached,
    a_revocation_on_one_instance_reaches_another_within_a_second,
    an_expired_token_is_refused_from_the_cache,
    ttl_zero_sees_a_sql_delete_at_once,
);

/// A TTL far longer than any test: only the cache's own rules can refuse a token.
async fn long_ttl_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |c| c.token_cache_ttl = Duration::from_secs(3600)).await
}

/// Uses `token` once so that the instance caches it.
async fn cache(app: &TestApp, token: &str) {
    app.get_auth("/api/user", token).await.expect(200);
}

async fn a_cached_token_needs_no_query(backend: Backend) {
    let app = long_ttl_app(backend).await;
    let token = app.token().await;
    cache(&app, &token).await;
    // Gone from the database behind the instance's back: the cache still serves it,
    // which is the point of the cache (and shows the tests below test the cache).
    app.execute(&format!(
        "DELETE FROM personal_access_tokens WHERE id = {}",
        token_id(&token)
    ))
    .await;
    app.get_auth("/api/user", &token).await.expect(200);
}

async fn logout_is_refused_at_once_even_when_cached(backend: Backend) {
    let app = long_ttl_app(backend).await;
    let token = app.token().await;
    cache(&app, &token).await;
    app.post("/api/logout", Some(&token), json!({}))
        .await
        .expect(200);
    app.get_auth("/api/user", &token)
        .await
        .expect_unauthenticated(true);
}

async fn delete_token_by_id_is_refused_at_once_even_when_cached(backend: Backend) {
    let app = long_ttl_app(backend).await;
    let (revoked, manager) = (app.token().await, app.token().await);
    cache(&app, &revoked).await;
    app.send(
        "DELETE",
        &format!("/api/tokens/{}", token_id(&revoked)),
        Some(&manager),
        None,
    )
    .await
    .expect(204);
    app.get_auth("/api/user", &revoked)
        .await
        .expect_unauthenticated(true);
    app.get_auth("/api/user", &manager).await.expect(200);
}

async fn delete_all_tokens_is_refused_at_once_even_when_cached(backend: Backend) {
    let app = long_ttl_app(backend).await;
    let (other, caller) = (app.token().await, app.token().await);
    cache(&app, &other).await;
    cache(&app, &caller).await;
    app.send("DELETE", "/api/tokens", Some(&caller), None)
        .await
        .expect(200);
    for token in [&other, &caller] {
        app.get_auth("/api/user", token)
            .await
            .expect_unauthenticated(true);
    }
}

async fn oauth_revoke_is_refused_at_once_even_when_cached(backend: Backend) {
    let app = long_ttl_app(backend).await;
    let (with_id, bare) = (app.token().await, app.token().await);
    let bare_secret = bare.split_once('|').expect("id").1.to_owned();
    cache(&app, &with_id).await;
    cache(&app, &bare).await;
    // RFC 7009 takes the token with or without its id.
    for presented in [with_id.as_str(), bare_secret.as_str()] {
        app.post("/oauth/revoke", None, json!({ "token": presented }))
            .await
            .expect(200);
    }
    for token in [&with_id, &bare] {
        app.get_auth("/api/user", token)
            .await
            .expect_unauthenticated(true);
    }
}

async fn a_revocation_on_one_instance_reaches_another_within_a_second(backend: Backend) {
    // Two instances on one database, each with the default TTL of 1 s.
    let a = spawn_app_with(backend, |_| {}).await;
    let b = spawn_on(Arc::clone(&a.test_db), |_| {}).await;
    assert_eq!(b.config.token_cache_ttl, Duration::from_secs(1));
    let token = a.token().await;
    cache(&b, &token).await;
    a.post("/api/logout", Some(&token), json!({}))
        .await
        .expect(200);
    let revoked_at = Instant::now();
    loop {
        let reply = b.get_auth("/api/user", &token).await;
        if reply.status.as_u16() == 401 {
            reply.expect_unauthenticated(true);
            break;
        }
        reply.expect(200);
        assert!(
            revoked_at.elapsed() <= Duration::from_secs(1),
            "instance B still accepted the token {:?} after A revoked it",
            revoked_at.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn an_expired_token_is_refused_from_the_cache(backend: Backend) {
    let app = long_ttl_app(backend).await;
    let token = app.token().await;
    // Expires in 2 s (whole seconds, as the column holds them).
    let expires = chrono::Utc::now().naive_utc() + chrono::Duration::seconds(2);
    app.execute(&format!(
        "UPDATE personal_access_tokens SET expires_at = '{}' WHERE id = {}",
        expires.format("%Y-%m-%d %H:%M:%S"),
        token_id(&token)
    ))
    .await;
    cache(&app, &token).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // The entry is well within its TTL, but the token is past its expiry.
    app.get_auth("/api/user", &token)
        .await
        .expect_unauthenticated(true);
}

async fn ttl_zero_sees_a_sql_delete_at_once(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.token_cache_ttl = Duration::ZERO).await;
    let token = app.token().await;
    cache(&app, &token).await;
    app.execute(&format!(
        "DELETE FROM personal_access_tokens WHERE id = {}",
        token_id(&token)
    ))
    .await;
    app.get_auth("/api/user", &token)
        .await
        .expect_unauthenticated(true);
}
