//! Token management (`/tokens`), logout and token expiry, on both backends.

mod common;

use common::{spawn_app, spawn_app_with, token_id, Backend, TestApp, EMAIL, PASSWORD};
use serde_json::{json, Value};

backend_tests!(
    list_shows_own_tokens_with_current_and_no_secrets,
    every_management_route_needs_tokens_manage,
    create_returns_201_with_a_working_token_of_the_abilities_asked,
    create_validates_like_laravel,
    a_token_grants_only_what_it_holds,
    delete_one_gives_204_and_the_token_stops_working_at_once,
    another_users_token_id_is_a_404_and_keeps_working,
    delete_all_revokes_every_token_of_the_caller_only,
    logout_deletes_exactly_the_presented_token,
    expires_in_minutes_sets_expires_at,
    a_token_past_its_expires_at_is_a_401,
    token_expiration_minutes_limits_every_token,
);

const OTHER_EMAIL: &str = "other@example.com";

/// A parsed `"2026-12-04T19:30:00.000000Z"`.
fn timestamp(v: &Value) -> chrono::DateTime<chrono::Utc> {
    let s = v.as_str().unwrap_or_else(|| panic!("not a timestamp: {v}"));
    assert_eq!(s.len(), 27, "{s}");
    assert!(s.ends_with(".000000Z"), "{s}");
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&chrono::Utc)
}

fn secret_of(plain: &str) -> &str {
    plain.split_once('|').expect("<id>|<secret>").1
}

/// The `token` column of every row.
async fn stored_hashes(app: &TestApp) -> Vec<String> {
    app.with_db(|conn| {
        use diesel::prelude::*;
        use mission_control::db::schema::personal_access_tokens as pat;
        pat::table.select(pat::token).load::<String>(conn)
    })
    .await
}

async fn other_user_token(app: &TestApp) -> String {
    app.seed_user(OTHER_EMAIL, PASSWORD).await;
    app.login_as(OTHER_EMAIL, PASSWORD, json!({"device_name": "other"}))
        .await
}

async fn list_shows_own_tokens_with_current_and_no_secrets(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .login_as(EMAIL, PASSWORD, json!({"device_name": "laptop"}))
        .await;
    let second = app
        .login_as(
            EMAIL,
            PASSWORD,
            json!({"device_name": "phone", "abilities": ["tokens:manage", "planets:create"]}),
        )
        .await;
    let others = other_user_token(&app).await;

    let reply = app.get_auth("/api/tokens", &second).await;
    let body = reply.expect(200);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let data = body["data"].as_array().expect("data");
    assert_eq!(data.len(), 2, "{body}");
    let keys = common::keys(&data[0]);
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "abilities",
            "last_used_at",
            "expires_at",
            "created_at",
            "current"
        ]
    );
    assert_eq!(data[0]["id"], token_id(&first));
    assert_eq!(data[0]["name"], "laptop");
    assert_eq!(data[0]["abilities"], json!(["*"]));
    assert_eq!(data[0]["current"], false);
    assert_eq!(data[0]["expires_at"], Value::Null);
    assert_eq!(data[0]["last_used_at"], Value::Null, "never used yet");
    timestamp(&data[0]["created_at"]);
    assert_eq!(data[1]["id"], token_id(&second));
    assert_eq!(data[1]["name"], "phone");
    assert_eq!(
        data[1]["abilities"],
        json!(["tokens:manage", "planets:create"])
    );
    assert_eq!(data[1]["current"], true);
    timestamp(&data[1]["last_used_at"]);

    // Neither a hash nor a plain text appears anywhere in the body.
    for hash in stored_hashes(&app).await {
        assert!(!reply.text.contains(&hash), "a hash leaked: {}", reply.text);
    }
    for plain in [&first, &second, &others] {
        assert!(!reply.text.contains(secret_of(plain)), "a secret leaked");
    }

    // `current` follows the calling token.
    let body = app.get_auth("/api/v1/tokens", &first).await.expect(200);
    let current: Vec<&Value> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|t| t["current"] == true)
        .map(|t| &t["id"])
        .collect();
    assert_eq!(current, [&json!(token_id(&first))]);

    // The other user sees only their own.
    let body = app.get_auth("/api/tokens", &others).await.expect(200);
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["data"][0]["name"], "other");
    assert_eq!(body["data"][0]["current"], true);
}

async fn every_management_route_needs_tokens_manage(backend: Backend) {
    let app = spawn_app(backend).await;
    let planets_only = app
        .token_with(&["planets:create", "planets:update", "planets:delete"])
        .await;
    let victim = app.token().await;
    let victim_path = format!("/api/tokens/{}", token_id(&victim));
    let create = json!({"name": "x"});
    for (method, path, body) in [
        ("GET", "/api/tokens", None),
        ("POST", "/api/tokens", Some(&create)),
        ("DELETE", "/api/tokens", None),
        ("DELETE", victim_path.as_str(), None),
    ] {
        app.send(method, path, None, body)
            .await
            .expect_unauthenticated(false);
        app.send(method, path, Some("7|mc_not-a-real-token"), body)
            .await
            .expect_unauthenticated(true);
        app.send(method, path, Some(&planets_only), body)
            .await
            .expect_forbidden();
    }
    // Nothing was created or revoked by the refused requests.
    app.get_auth("/api/user", &victim).await.expect(200);
    app.get_auth("/api/user", &planets_only).await.expect(200);
    assert_eq!(stored_hashes(&app).await.len(), 2);
    // tokens:manage alone is enough to manage.
    let manager = app.token_with(&["tokens:manage"]).await;
    app.get_auth("/api/tokens", &manager).await.expect(200);
}

async fn create_returns_201_with_a_working_token_of_the_abilities_asked(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.token().await;
    let reply = app
        .post(
            "/api/tokens",
            Some(&manager),
            json!({"name": "  ci-deploy  ", "abilities": ["planets:create"]}),
        )
        .await;
    let body = reply.expect(201);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let keys = common::keys(&body);
    assert_eq!(
        keys,
        [
            "token",
            "access_token",
            "token_type",
            "abilities",
            "expires_at"
        ]
    );
    assert_eq!(body["token"], body["access_token"]);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["abilities"], json!(["planets:create"]));
    assert_eq!(body["expires_at"], Value::Null);
    let created = body["token"].as_str().expect("token");
    let secret = secret_of(created);
    assert!(secret.starts_with("mc_"), "{created}");
    assert_eq!(secret.len(), 3 + 40 + 8);

    // Only its hash is stored.
    let hashes = stored_hashes(&app).await;
    assert!(!hashes.iter().any(|h| h.contains(secret)));
    assert!(hashes.contains(
        &mission_control::auth::TokenHash::of(secret)
            .as_str()
            .to_owned()
    ));

    // It can do exactly what it was given.
    app.create_planet(created, json!({"name": "Tatooine"}))
        .await;
    app.get_auth("/api/tokens", created)
        .await
        .expect_forbidden();
    app.send("DELETE", "/api/planets/1", Some(created), None)
        .await
        .expect_forbidden();
    // Both forms of it authenticate.
    app.get_auth("/api/user", secret).await.expect(200);

    // It is listed under the trimmed name.
    let list = app.get_auth("/api/tokens", &manager).await.expect(200);
    assert_eq!(list["data"][1]["name"], "ci-deploy");
    assert_eq!(list["data"][1]["id"], token_id(created));
    assert_eq!(list["data"][1]["current"], false);

    // Without abilities it gets `*` (the caller holds `*`); under /api/v1 too.
    let all = app
        .post("/api/v1/tokens", Some(&manager), json!({"name": "full"}))
        .await
        .expect(201);
    assert_eq!(all["abilities"], json!(["*"]));
    let full = all["token"].as_str().expect("token");
    app.get_auth("/api/tokens", full).await.expect(200);

    // OAuth2's space-separated scope works as well.
    let scoped = app
        .post(
            "/api/tokens",
            Some(&manager),
            json!({"name": "scoped", "scope": "planets:update planets:delete"}),
        )
        .await
        .expect(201);
    assert_eq!(
        scoped["abilities"],
        json!(["planets:update", "planets:delete"])
    );
}

async fn create_validates_like_laravel(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.token().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "name", "The name field is required."),
        (json!({"name": "  "}), "name", "The name field is required."),
        (
            json!({"name": 5}),
            "name",
            "The name field must be a string.",
        ),
        (
            json!({"name": "x".repeat(256)}),
            "name",
            "The name field must not be greater than 255 characters.",
        ),
        (
            json!({"name": "x", "abilities": ["planets:explode"]}),
            "abilities.0",
            "The selected abilities.0 is invalid.",
        ),
        (
            json!({"name": "x", "abilities": ["planets:create", 7]}),
            "abilities.1",
            "The selected abilities.1 is invalid.",
        ),
        (
            json!({"name": "x", "abilities": {"a": 1}}),
            "abilities",
            "The abilities field must be an array.",
        ),
        (
            json!({"name": "x", "expires_in_minutes": 0}),
            "expires_in_minutes",
            "The expires in minutes field must be between 1 and 5256000.",
        ),
        (
            json!({"name": "x", "expires_in_minutes": "soon"}),
            "expires_in_minutes",
            "The expires in minutes field must be an integer.",
        ),
    ];
    for (body, field, message) in cases {
        app.post("/api/tokens", Some(&manager), body.clone())
            .await
            .expect_invalid(field, message);
    }
    // Only the caller's own token exists.
    assert_eq!(stored_hashes(&app).await.len(), 1);
}

async fn a_token_grants_only_what_it_holds(backend: Backend) {
    let app = spawn_app(backend).await;
    let limited = app.token_with(&["tokens:manage", "planets:create"]).await;
    for abilities in [
        json!(["*"]),
        json!(["planets:delete"]),
        json!(["planets:create", "planets:delete"]),
        json!(["tokens:introspect"]),
    ] {
        app.post(
            "/api/tokens",
            Some(&limited),
            json!({"name": "escalate", "abilities": abilities}),
        )
        .await
        .expect_forbidden();
    }
    // Asking for nothing in particular means `*`, which it does not hold.
    app.post("/api/tokens", Some(&limited), json!({"name": "default"}))
        .await
        .expect_forbidden();
    app.post(
        "/api/tokens",
        Some(&limited),
        json!({"name": "escalate", "scope": "planets:delete"}),
    )
    .await
    .expect_forbidden();
    assert_eq!(stored_hashes(&app).await.len(), 1, "nothing was minted");

    // What it holds, it can pass on.
    for abilities in [
        json!(["planets:create"]),
        json!(["tokens:manage", "planets:create"]),
    ] {
        let body = app
            .post(
                "/api/tokens",
                Some(&limited),
                json!({"name": "subset", "abilities": abilities}),
            )
            .await
            .expect(201);
        assert_eq!(body["abilities"], abilities);
    }
    let child = app
        .post(
            "/api/tokens",
            Some(&limited),
            json!({"name": "child", "abilities": ["tokens:manage", "planets:create"]}),
        )
        .await
        .expect(201);
    // A child cannot escalate either.
    app.post(
        "/api/tokens",
        Some(child["token"].as_str().expect("token")),
        json!({"name": "grandchild", "abilities": ["planets:delete"]}),
    )
    .await
    .expect_forbidden();
}

async fn delete_one_gives_204_and_the_token_stops_working_at_once(backend: Backend) {
    // The default cache TTL (1 s): revocation must still be immediate here.
    let app = spawn_app(backend).await;
    let manager = app.token().await;
    let doomed = app.token().await;
    let survivor = app.token().await;
    // Used (and so cached) right before the revocation.
    app.get_auth("/api/user", &doomed).await.expect(200);

    let path = format!("/api/tokens/{}", token_id(&doomed));
    let reply = app.send("DELETE", &path, Some(&manager), None).await;
    reply.expect(204);
    app.get_auth("/api/user", &doomed)
        .await
        .expect_unauthenticated(true);
    app.get_auth("/api/user", secret_of(&doomed))
        .await
        .expect_unauthenticated(true);
    app.get_auth("/api/user", &survivor).await.expect(200);

    // Gone means gone: a second delete, an unknown id and a non-numeric id are 404s.
    for path in [
        path.as_str(),
        "/api/tokens/999999",
        "/api/tokens/abc",
        "/api/tokens/-1",
    ] {
        let body = app
            .send("DELETE", path, Some(&manager), None)
            .await
            .expect(404);
        assert!(body["message"].is_string(), "{body}");
    }

    // A token may delete itself.
    let own = format!("/api/v1/tokens/{}", token_id(&manager));
    app.send("DELETE", &own, Some(&manager), None)
        .await
        .expect(204);
    app.get_auth("/api/user", &manager)
        .await
        .expect_unauthenticated(true);
    let left = app.get_auth("/api/tokens", &survivor).await.expect(200);
    assert_eq!(left["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(left["data"][0]["id"], token_id(&survivor));
}

async fn another_users_token_id_is_a_404_and_keeps_working(backend: Backend) {
    let app = spawn_app(backend).await;
    let mine = app.token().await;
    let theirs = other_user_token(&app).await;
    app.get_auth("/api/user", &theirs).await.expect(200);

    let path = format!("/api/tokens/{}", token_id(&theirs));
    let body = app
        .send("DELETE", &path, Some(&mine), None)
        .await
        .expect(404);
    assert!(body["message"].is_string());
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");

    let me = app.get_auth("/api/user", &theirs).await.expect(200);
    assert_eq!(me["email"], OTHER_EMAIL);
    assert_eq!(stored_hashes(&app).await.len(), 2);
}

async fn delete_all_revokes_every_token_of_the_caller_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = app.token().await;
    let b = app.token_with(&["planets:create"]).await;
    let caller = app.token_with(&["tokens:manage"]).await;
    let theirs = other_user_token(&app).await;
    for t in [&a, &b, &caller, &theirs] {
        app.get_auth("/api/user", t).await.expect(200);
    }

    let reply = app.send("DELETE", "/api/tokens", Some(&caller), None).await;
    let body = reply.expect(200);
    assert_eq!(body["revoked"], 3, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(
        body.as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["message".to_owned(), "revoked".to_owned()])
    );
    for t in [&a, &b, &caller] {
        app.get_auth("/api/user", t)
            .await
            .expect_unauthenticated(true);
    }
    app.get_auth("/api/user", &theirs).await.expect(200);
    assert_eq!(stored_hashes(&app).await.len(), 1);

    // The other user's own DELETE /tokens counts only theirs.
    let body = app
        .send("DELETE", "/api/v1/tokens", Some(&theirs), None)
        .await
        .expect(200);
    assert_eq!(body["revoked"], 1);
    assert!(stored_hashes(&app).await.is_empty());
}

async fn logout_deletes_exactly_the_presented_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let leaving = app.token().await;
    let staying = app.token().await;
    app.get_auth("/api/user", &leaving).await.expect(200);
    let reply = app.post("/api/logout", Some(&leaving), json!({})).await;
    assert_eq!(
        reply.expect(200),
        json!({"message": "You have been successfully logged out"})
    );
    app.get_auth("/api/user", &leaving)
        .await
        .expect_unauthenticated(true);
    app.post("/api/logout", Some(&leaving), json!({}))
        .await
        .expect_unauthenticated(true);
    app.post("/api/logout", None, json!({}))
        .await
        .expect_unauthenticated(false);
    app.get_auth("/api/user", &staying).await.expect(200);
    let list = app.get_auth("/api/tokens", &staying).await.expect(200);
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    // The bare secret logs out too.
    app.post("/api/v1/logout", Some(secret_of(&staying)), json!({}))
        .await
        .expect(200);
    assert!(stored_hashes(&app).await.is_empty());
}

async fn expires_in_minutes_sets_expires_at(backend: Backend) {
    let app = spawn_app(backend).await;
    let manager = app.token().await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(2);
    let body = app
        .post(
            "/api/tokens",
            Some(&manager),
            json!({"name": "short-lived", "expires_in_minutes": 30}),
        )
        .await
        .expect(201);
    let after = chrono::Utc::now() + chrono::Duration::seconds(2);
    let expires_at = timestamp(&body["expires_at"]);
    let thirty = chrono::Duration::minutes(30);
    assert!(
        expires_at >= before + thirty && expires_at <= after + thirty,
        "{expires_at}"
    );
    let token = body["token"].as_str().expect("token");
    app.get_auth("/api/user", token).await.expect(200);
    let list = app.get_auth("/api/tokens", &manager).await.expect(200);
    assert_eq!(list["data"][1]["expires_at"], body["expires_at"]);

    // As a string, as forms send it, and through login as well.
    let body = app
        .post(
            "/api/tokens",
            Some(&manager),
            json!({"name": "form-ish", "expires_in_minutes": "90"}),
        )
        .await
        .expect(201);
    let ninety = timestamp(&body["expires_at"]) - chrono::Utc::now();
    assert!((chrono::Duration::minutes(89)..=chrono::Duration::minutes(91)).contains(&ninety));
    let login = app
        .login_reply(json!({"email": EMAIL, "password": PASSWORD, "expires_in_minutes": 5}))
        .await
        .expect(200);
    let five = timestamp(&login["expires_at"]) - chrono::Utc::now();
    assert!((chrono::Duration::minutes(4)..=chrono::Duration::minutes(6)).contains(&five));
}

async fn a_token_past_its_expires_at_is_a_401(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.token_cache_ttl = std::time::Duration::ZERO;
    })
    .await;
    let manager = app.token().await;
    let created = app
        .post(
            "/api/tokens",
            Some(&manager),
            json!({"name": "expiring", "expires_in_minutes": 60}),
        )
        .await
        .expect(201);
    let token = created["token"].as_str().expect("token").to_owned();
    app.get_auth("/api/user", &token).await.expect(200);

    app.execute(&format!(
        "UPDATE personal_access_tokens SET expires_at = '2020-01-01 00:00:00' WHERE id = {}",
        token_id(&token)
    ))
    .await;
    app.get_auth("/api/user", &token)
        .await
        .expect_unauthenticated(true);
    app.get_auth("/api/user", secret_of(&token))
        .await
        .expect_unauthenticated(true);
    // The manager's token is not affected; it still lists the expired one.
    let list = app.get_auth("/api/tokens", &manager).await.expect(200);
    assert_eq!(list["data"][1]["expires_at"], "2020-01-01T00:00:00.000000Z");

    // One second in the past is enough; one minute ahead still works.
    let ahead = app.token().await;
    let soon = (chrono::Utc::now() + chrono::Duration::minutes(1))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S");
    app.execute(&format!(
        "UPDATE personal_access_tokens SET expires_at = '{soon}' WHERE id = {}",
        token_id(&ahead)
    ))
    .await;
    app.get_auth("/api/user", &ahead).await.expect(200);
    let just_gone = (chrono::Utc::now() - chrono::Duration::seconds(1))
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S");
    app.execute(&format!(
        "UPDATE personal_access_tokens SET expires_at = '{just_gone}' WHERE id = {}",
        token_id(&ahead)
    ))
    .await;
    app.get_auth("/api/user", &ahead)
        .await
        .expect_unauthenticated(true);
}

async fn token_expiration_minutes_limits_every_token(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        c.token_expiration_minutes = Some(60);
        c.token_cache_ttl = std::time::Duration::ZERO;
    })
    .await;
    let login = app
        .login_reply(json!({"email": EMAIL, "password": PASSWORD}))
        .await
        .expect(200);
    let in_an_hour = timestamp(&login["expires_at"]) - chrono::Utc::now();
    assert!(
        (chrono::Duration::minutes(59)..=chrono::Duration::minutes(61)).contains(&in_an_hour),
        "{login}"
    );
    let token = login["token"].as_str().expect("token").to_owned();
    // A longer expires_in_minutes does not outlive TOKEN_EXPIRATION_MINUTES.
    let long = app
        .post(
            "/api/tokens",
            Some(&token),
            json!({"name": "long", "expires_in_minutes": 600}),
        )
        .await
        .expect(201);
    assert_eq!(
        timestamp(&long["expires_at"]).timestamp() / 60,
        timestamp(&login["expires_at"]).timestamp() / 60
    );
    let list = app.get_auth("/api/tokens", &token).await.expect(200);
    assert_eq!(list["data"][0]["expires_at"], login["expires_at"]);

    // Created 61 minutes ago: no longer valid, though expires_at is NULL.
    app.execute(&format!(
        "UPDATE personal_access_tokens SET created_at = '{}' WHERE id = {}",
        (chrono::Utc::now() - chrono::Duration::minutes(61))
            .naive_utc()
            .format("%Y-%m-%d %H:%M:%S"),
        token_id(&token)
    ))
    .await;
    app.get_auth("/api/user", &token)
        .await
        .expect_unauthenticated(true);
}
