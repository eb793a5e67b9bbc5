//! `POST /oauth/revoke` (RFC 7009) and `POST /oauth/introspect` (RFC 7662), on
//! both backends.

mod common;

use std::sync::Arc;

use common::{
    spawn_app, spawn_app_with, spawn_on, token_id, Backend, Reply, TestApp, EMAIL, PASSWORD,
};
use serde_json::json;

backend_tests!(
    revoke_deletes_the_token_and_it_is_refused_at_once,
    revoke_always_answers_200_with_an_empty_object,
    revoke_with_a_wrong_secret_for_a_real_id_deletes_nothing,
    introspect_needs_a_token_with_tokens_introspect,
    introspect_describes_an_active_token,
    introspect_says_only_inactive_for_anything_else,
    introspect_sees_a_revocation_made_by_another_instance,
    oauth_routes_live_outside_api,
);

fn secret_of(plain: &str) -> &str {
    plain.split_once('|').expect("<id>|<secret>").1
}

async fn token_count(app: &TestApp) -> i64 {
    app.with_db(|conn| {
        use diesel::prelude::*;
        use mission_control::db::schema::personal_access_tokens as pat;
        pat::table.count().get_result(conn)
    })
    .await
}

async fn revoke_form(app: &TestApp, token: &str) -> Reply {
    let req = app
        .client
        .post(app.url("/oauth/revoke"))
        .form(&[("token", token), ("token_type_hint", "access_token")]);
    app.send_raw(req).await
}

async fn introspect_form(app: &TestApp, caller: &str, token: &str) -> Reply {
    let req = app
        .client
        .post(app.url("/oauth/introspect"))
        .bearer_auth(caller)
        .form(&[("token", token)]);
    app.send_raw(req).await
}

#[track_caller]
fn assert_empty_200(reply: &Reply) {
    assert_eq!(reply.expect(200), json!({}));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
}

async fn revoke_deletes_the_token_and_it_is_refused_at_once(backend: Backend) {
    // The default cache TTL: this instance must forget the token immediately.
    let app = spawn_app(backend).await;
    let by_json = app.token().await;
    let by_form = app.token().await;
    let by_bare_secret = app.token().await;
    let survivor = app.token().await;
    for t in [&by_json, &by_form, &by_bare_secret, &survivor] {
        app.get_auth("/api/user", t).await.expect(200);
    }

    assert_empty_200(
        &app.post("/oauth/revoke", None, json!({"token": by_json}))
            .await,
    );
    app.get_auth("/api/user", &by_json)
        .await
        .expect_unauthenticated(true);

    assert_empty_200(&revoke_form(&app, &by_form).await);
    app.get_auth("/api/user", &by_form)
        .await
        .expect_unauthenticated(true);

    assert_empty_200(
        &app.post(
            "/oauth/revoke",
            None,
            json!({"token": format!("  {}  ", secret_of(&by_bare_secret))}),
        )
        .await,
    );
    app.get_auth("/api/user", &by_bare_secret)
        .await
        .expect_unauthenticated(true);

    app.get_auth("/api/user", &survivor).await.expect(200);
    assert_eq!(token_count(&app).await, 1);
    // Revoking it again is still a 200 {}.
    assert_empty_200(
        &app.post("/oauth/revoke", None, json!({"token": by_json}))
            .await,
    );
}

async fn revoke_always_answers_200_with_an_empty_object(backend: Backend) {
    let app = spawn_app(backend).await;
    let keep = app.token().await;
    let mut tampered = keep.clone();
    let last = tampered.pop().expect("non-empty");
    tampered.push(if last == '0' { '1' } else { '0' });
    for body in [
        json!({}),
        json!({"token": null}),
        json!({"token": ""}),
        json!({"token": 42}),
        json!({"token": ["a"]}),
        json!({"token": "garbage"}),
        json!({"token": "abc|def"}),
        json!({"token": "1|"}),
        json!({"token": "999|mc_nope"}),
        json!({"token": tampered}),
        json!({"token": "x".repeat(5000)}),
    ] {
        assert_empty_200(&app.post("/oauth/revoke", None, body).await);
    }
    assert_empty_200(&revoke_form(&app, "not-a-token").await);
    app.get_auth("/api/user", &keep).await.expect(200);
    assert_eq!(token_count(&app).await, 1);
}

async fn revoke_with_a_wrong_secret_for_a_real_id_deletes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let victim = app.token().await;
    let id = token_id(&victim);
    // A Sanctum-2-style secret (no prefix, so no checksum to fail) with the right id.
    let forged = format!("{id}|{}", "A".repeat(40));
    assert_empty_200(
        &app.post("/oauth/revoke", None, json!({"token": forged}))
            .await,
    );
    // Another token's secret with the victim's id does not revoke either of them.
    let attacker = app.token().await;
    let mixed = format!("{id}|{}", secret_of(&attacker));
    assert_empty_200(
        &app.post("/oauth/revoke", None, json!({"token": mixed}))
            .await,
    );
    app.get_auth("/api/user", &victim).await.expect(200);
    app.get_auth("/api/user", &attacker).await.expect(200);
    assert_eq!(token_count(&app).await, 2);
}

async fn introspect_needs_a_token_with_tokens_introspect(backend: Backend) {
    let app = spawn_app(backend).await;
    let subject = app.token().await;
    let body = json!({"token": subject});
    app.post("/oauth/introspect", None, body.clone())
        .await
        .expect_unauthenticated(false);
    app.post("/oauth/introspect", Some("1|mc_bogus"), body.clone())
        .await
        .expect_unauthenticated(true);
    let manager = app.token_with(&["tokens:manage", "planets:create"]).await;
    app.post("/oauth/introspect", Some(&manager), body.clone())
        .await
        .expect_forbidden();
    let introspector = app.token_with(&["tokens:introspect"]).await;
    let answer = app
        .post("/oauth/introspect", Some(&introspector), body.clone())
        .await
        .expect(200);
    assert_eq!(answer["active"], true);
    let full = app.token().await;
    assert_eq!(
        app.post("/oauth/introspect", Some(&full), body)
            .await
            .expect(200)["active"],
        true
    );
}

async fn introspect_describes_an_active_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let introspector = app.token_with(&["tokens:introspect"]).await;
    let user_id = app.seed_user(EMAIL, PASSWORD).await;

    let subject = app
        .login_as(
            EMAIL,
            PASSWORD,
            json!({"abilities": ["planets:create", "planets:update"]}),
        )
        .await;
    let created_at = app
        .with_db({
            let id = token_id(&subject);
            move |conn| {
                use diesel::prelude::*;
                use mission_control::db::schema::personal_access_tokens as pat;
                pat::table
                    .find(id)
                    .select(pat::created_at)
                    .first::<Option<chrono::NaiveDateTime>>(conn)
            }
        })
        .await
        .expect("created_at");
    let reply = app
        .post(
            "/oauth/introspect",
            Some(&introspector),
            json!({"token": subject}),
        )
        .await;
    let answer = reply.expect(200);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(
        answer,
        json!({
            "active": true,
            "scope": "planets:create planets:update",
            "token_type": "Bearer",
            "sub": user_id.to_string(),
            "username": EMAIL,
            "iat": created_at.and_utc().timestamp(),
        })
    );
    // The bare secret and the form body give the same answer.
    let bare = introspect_form(&app, &introspector, secret_of(&subject)).await;
    assert_eq!(bare.expect(200), answer);

    // A token with an expiry has `exp`; a `*` token's scope is `*`.
    let expiring = app
        .login_reply(json!({"email": EMAIL, "password": PASSWORD, "expires_in_minutes": 30}))
        .await
        .expect(200);
    let answer = app
        .post(
            "/oauth/introspect",
            Some(&introspector),
            json!({"token": expiring["token"]}),
        )
        .await
        .expect(200);
    assert_eq!(answer["scope"], "*");
    let exp = answer["exp"].as_i64().expect("exp");
    let expires_at =
        chrono::DateTime::parse_from_rfc3339(expiring["expires_at"].as_str().expect("expires_at"))
            .expect("RFC 3339");
    assert_eq!(exp, expires_at.timestamp());
    let iat = answer["iat"].as_i64().expect("iat");
    assert_eq!(exp - iat, 30 * 60);
    assert_eq!(
        answer.as_object().map(|o| o.len()),
        Some(7),
        "exactly active, scope, token_type, sub, username, iat, exp: {answer}"
    );
}

async fn introspect_says_only_inactive_for_anything_else(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.token_cache_ttl = std::time::Duration::ZERO;
    })
    .await;
    let introspector = app.token_with(&["tokens:introspect"]).await;
    let inactive = json!({"active": false});

    let revoked = app.token().await;
    app.post("/api/logout", Some(&revoked), json!({}))
        .await
        .expect(200);
    let expired = app.token().await;
    app.execute(&format!(
        "UPDATE personal_access_tokens SET expires_at = '2020-01-01 00:00:00' WHERE id = {}",
        token_id(&expired)
    ))
    .await;
    let live = app.token().await;
    let wrong_secret = format!("{}|{}", token_id(&live), "Z".repeat(40));

    for token in [
        json!(revoked),
        json!(expired),
        json!(secret_of(&expired)),
        json!(wrong_secret),
        json!("999|mc_unknown"),
        json!("garbage"),
        json!("abc|def"),
        json!(""),
        json!(null),
        json!(12),
    ] {
        let reply = app
            .post(
                "/oauth/introspect",
                Some(&introspector),
                json!({"token": token}),
            )
            .await;
        assert_eq!(reply.expect(200), inactive, "{token}");
    }
    let reply = app
        .post("/oauth/introspect", Some(&introspector), json!({}))
        .await;
    assert_eq!(reply.expect(200), inactive);
    assert_eq!(
        introspect_form(&app, &introspector, "nonsense")
            .await
            .expect(200),
        inactive
    );
    // The live one is still active (and the wrong secret did not harm it).
    assert_eq!(
        app.post(
            "/oauth/introspect",
            Some(&introspector),
            json!({"token": live})
        )
        .await
        .expect(200)["active"],
        true
    );
}

async fn introspect_sees_a_revocation_made_by_another_instance(backend: Backend) {
    let one = spawn_app(backend).await;
    let two = spawn_on(Arc::clone(&one.test_db), |_| {}).await;
    let introspector = one.token_with(&["tokens:introspect"]).await;
    let subject = one.token().await;
    let active = |reply: Reply| reply.expect(200)["active"].clone();
    assert_eq!(
        active(
            two.post(
                "/oauth/introspect",
                Some(&introspector),
                json!({"token": subject})
            )
            .await
        ),
        true
    );
    // Revoked through instance one; instance two's introspection sees it at once,
    // even though it verified (and cached) the token a moment ago.
    two.get_auth("/api/user", &subject).await.expect(200);
    assert_empty_200(
        &one.post("/oauth/revoke", None, json!({"token": subject}))
            .await,
    );
    assert_eq!(
        two.post(
            "/oauth/introspect",
            Some(&introspector),
            json!({"token": subject})
        )
        .await
        .expect(200),
        json!({"active": false})
    );
    // Within the cache TTL (1 s) at most, instance two refuses it for use as well.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    two.get_auth("/api/user", &subject)
        .await
        .expect_unauthenticated(true);
}

async fn oauth_routes_live_outside_api(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    for path in [
        "/api/oauth/revoke",
        "/api/v1/oauth/revoke",
        "/api/oauth/introspect",
    ] {
        let body = app
            .post(path, Some(&token), json!({"token": token}))
            .await
            .expect(404);
        assert!(body["message"].is_string(), "{body}");
    }
    app.get_auth("/api/user", &token).await.expect(200);
    // Wrong methods are JSON 405s.
    let reply = app.get("/oauth/revoke").await;
    reply.expect(405);
    assert_eq!(reply.header("allow"), Some("POST"));
}
