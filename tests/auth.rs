//! Login, logout, the current user, the token format and what is stored, the
//! bearer extractor, abilities, expiry and `last_used_at`, on both backends.

mod common;

use common::{spawn_app, spawn_app_with, Backend, TestApp, EMAIL, PASSWORD};
use diesel::prelude::*;
use mission_control::db::schema::{personal_access_tokens as pat, users};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

backend_tests!(
    login_returns_a_sanctum_token_and_stores_only_its_hash,
    login_accepts_the_oauth2_password_form,
    login_validation_and_wrong_credentials,
    wrong_email_and_wrong_password_are_indistinguishable,
    logout_deletes_exactly_the_presented_token,
    user_route_never_shows_the_password,
    both_token_forms_authenticate,
    tampered_and_malformed_tokens_are_401,
    authorization_header_parsing,
    abilities_are_stored_and_enforced,
    unknown_abilities_are_422,
    expiry_by_expires_at_and_by_configuration,
    last_used_at_is_written_at_most_once_a_minute,
    plain_text_never_reaches_the_database,
    token_name_defaults_to_api_token,
);

fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

async fn stored_tokens(app: &TestApp) -> Vec<(i64, String, String, Option<String>)> {
    app.with_db(|c| {
        pat::table
            .order(pat::id.asc())
            .select((pat::id, pat::name, pat::token, pat::abilities))
            .load::<(i64, String, String, Option<String>)>(c)
    })
    .await
}

async fn login_returns_a_sanctum_token_and_stores_only_its_hash(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .login_reply(json!({"email": EMAIL, "password": PASSWORD}))
        .await;
    let body = reply.expect(200);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert_eq!(reply.header("pragma"), Some("no-cache"));
    let token = body["token"].as_str().expect("token");
    assert_eq!(body["access_token"], token);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["abilities"], json!(["*"]));
    assert_eq!(body["expires_at"], Value::Null);
    assert_eq!(body.as_object().map(|o| o.len()), Some(5), "{body}");

    // <id>|mc_<40 alnum><crc32b of the 40, 8 lowercase hex>
    let (id, secret) = token.split_once('|').expect("id|secret");
    let random = secret.strip_prefix("mc_").expect("prefix");
    assert_eq!(random.len(), 48);
    let (random, checksum) = random.split_at(40);
    assert!(random.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(
        checksum,
        format!("{:08x}", crc32fast::hash(random.as_bytes()))
    );

    let rows = stored_tokens(&app).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0.to_string(), id);
    assert_eq!(
        rows[0].2,
        sha256_hex(secret),
        "stores sha256 of the part after |"
    );
    let morph: String = app
        .with_db(|c| pat::table.select(pat::tokenable_type).first(c))
        .await;
    assert_eq!(morph, "App\\Models\\User");

    // Two logins give two different tokens.
    let other = app.token().await;
    assert_ne!(other, token);
    app.get_auth("/api/user", token).await.expect(200);
    app.get_auth("/api/v1/user", &other).await.expect(200);
}

async fn login_accepts_the_oauth2_password_form(backend: Backend) {
    let app = spawn_app(backend).await;
    let form = [
        ("username", EMAIL),
        ("password", PASSWORD),
        ("scope", "planets:create planets:update"),
        ("grant_type", "password"),
    ];
    let reply = app
        .send_raw(app.client.post(app.url("/api/v1/login")).form(&form))
        .await;
    let body = reply.expect(200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(
        body["abilities"],
        json!(["planets:create", "planets:update"])
    );
    let token = body["access_token"].as_str().expect("access_token");
    app.post("/api/planets", Some(token), json!({"name": "Form"}))
        .await
        .expect(201);
    app.send("DELETE", "/api/planets/1", Some(token), None)
        .await
        .expect_forbidden();

    let wrong = [("username", EMAIL), ("password", "nope")];
    let reply = app
        .send_raw(app.client.post(app.url("/api/v1/login")).form(&wrong))
        .await;
    reply.expect_invalid("email", "The credentials do not match.");
    let reply = app
        .send_raw(
            app.client
                .post(app.url("/api/login"))
                .form(&[("password", PASSWORD)]),
        )
        .await;
    reply.expect_invalid("email", "The email field is required.");
    let bad_grant = [
        ("username", EMAIL),
        ("password", PASSWORD),
        ("grant_type", "client_credentials"),
    ];
    let reply = app
        .send_raw(app.client.post(app.url("/api/login")).form(&bad_grant))
        .await;
    reply.expect_invalid("grant_type", "The selected grant type is invalid.");
    let bad_scope = [
        ("username", EMAIL),
        ("password", PASSWORD),
        ("scope", "planets:destroy"),
    ];
    let reply = app
        .send_raw(app.client.post(app.url("/api/login")).form(&bad_scope))
        .await;
    reply.expect_invalid("scope", "The selected scope is invalid.");
}

async fn login_validation_and_wrong_credentials(backend: Backend) {
    let app = spawn_app(backend).await;
    let cases = [
        (json!({}), "email", "The email field is required."),
        (
            json!({"password": PASSWORD}),
            "email",
            "The email field is required.",
        ),
        (
            json!({"email": "not-an-email", "password": PASSWORD}),
            "email",
            "The email field must be a valid email address.",
        ),
        (
            json!({"email": 42, "password": PASSWORD}),
            "email",
            "The email field must be a string.",
        ),
        (
            json!({"email": EMAIL}),
            "password",
            "The password field is required.",
        ),
        (
            json!({"email": EMAIL, "password": ["x"]}),
            "password",
            "The password field must be a string.",
        ),
        (
            json!({"email": EMAIL, "password": PASSWORD, "expires_in_minutes": 0}),
            "expires_in_minutes",
            "The expires in minutes field must be between 1 and 5256000.",
        ),
        (
            json!({"email": EMAIL, "password": PASSWORD, "abilities": "planets:create"}),
            "abilities",
            "The abilities field must be an array.",
        ),
    ];
    for (body, field, message) in cases {
        app.login_reply(body).await.expect_invalid(field, message);
    }
    let reply = app.login_reply(json!({})).await;
    assert_eq!(
        reply.expect(422)["message"],
        "The email field is required. (and 1 more error)"
    );
    // Emails are matched ignoring case and surrounding spaces.
    app.login_reply(json!({"email": " TEST@Example.com ", "password": PASSWORD}))
        .await
        .expect(200);
    // Passwords are not trimmed.
    app.login_reply(json!({"email": EMAIL, "password": " password "}))
        .await
        .expect(422);
}

async fn wrong_email_and_wrong_password_are_indistinguishable(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong_password = app
        .login_reply(json!({"email": EMAIL, "password": "wrong-password"}))
        .await;
    let wrong_email = app
        .login_reply(json!({"email": "nobody@example.com", "password": PASSWORD}))
        .await;
    let expected = json!({"message": "The credentials do not match.", "errors": {"email": ["The credentials do not match."]}});
    assert_eq!(wrong_password.expect(422), expected);
    assert_eq!(wrong_email.expect(422), expected);
    assert_eq!(wrong_password.text, wrong_email.text);
    assert_eq!(
        wrong_password.header("content-length"),
        wrong_email.header("content-length")
    );
}

async fn logout_deletes_exactly_the_presented_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.token().await;
    let second = app.token().await;
    let third = app.token().await;
    let other_user = {
        app.seed_user("other@example.com", "other-password").await;
        app.login_as("other@example.com", "other-password", json!({}))
            .await
    };
    app.get_auth("/api/user", &second).await.expect(200); // cached now
    let reply = app.post("/api/logout", Some(&second), json!({})).await;
    assert_eq!(
        reply.expect(200),
        json!({"message": "You have been successfully logged out"})
    );
    app.get_auth("/api/user", &second)
        .await
        .expect_unauthenticated(true);
    app.post("/api/v1/logout", Some(&second), json!({}))
        .await
        .expect_unauthenticated(true);
    for token in [&first, &third, &other_user] {
        app.get_auth("/api/user", token).await.expect(200);
    }
    assert_eq!(stored_tokens(&app).await.len(), 3);
    app.post("/api/logout", None, json!({}))
        .await
        .expect_unauthenticated(false);
    // The course's check, on /api/v1.
    app.post("/api/v1/planets", None, json!({"name": "Course"}))
        .await
        .expect_unauthenticated(false);
    app.post("/api/v1/planets", Some(&first), json!({"name": "Course"}))
        .await
        .expect(201);
    app.post("/api/v1/logout", Some(&first), json!({}))
        .await
        .expect(200);
    app.post("/api/v1/planets", Some(&first), json!({"name": "Course 2"}))
        .await
        .expect_unauthenticated(true);
}

async fn user_route_never_shows_the_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    for prefix in ["/api", "/api/v1"] {
        let user = app
            .get_auth(&format!("{prefix}/user"), &token)
            .await
            .expect(200);
        let keys = common::keys(&user);
        assert_eq!(
            keys,
            [
                "id",
                "name",
                "email",
                "email_verified_at",
                "created_at",
                "updated_at"
            ]
        );
        assert_eq!(user["email"], EMAIL);
        assert_eq!(user["email_verified_at"], Value::Null);
        assert!(user["created_at"]
            .as_str()
            .is_some_and(|s| s.ends_with(".000000Z")));
    }
    app.get("/api/user").await.expect_unauthenticated(false);
    let hash: String = app
        .with_db(|c| users::table.select(users::password).first(c))
        .await;
    let reply = app.get_auth("/api/user", &token).await;
    assert!(!reply.text.contains(&hash));
    assert!(!reply.text.contains("password"));
}

async fn both_token_forms_authenticate(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.token_cache_ttl = std::time::Duration::ZERO).await;
    let token = app.token().await;
    let (id, secret) = token.split_once('|').expect("id|secret");
    app.get_auth("/api/user", secret).await.expect(200);
    app.get_auth("/api/user", &token).await.expect(200);
    // The right secret with another row's id does not authenticate.
    let other = app.token().await;
    let other_id = other.split_once('|').expect("id").0;
    assert_ne!(other_id, id);
    app.get_auth("/api/user", &format!("{other_id}|{secret}"))
        .await
        .expect_unauthenticated(true);
    app.get_auth("/api/user", &format!("999999|{secret}"))
        .await
        .expect_unauthenticated(true);
}

async fn tampered_and_malformed_tokens_are_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let (id, secret) = token.split_once('|').expect("id|secret");
    let mut flipped = secret.to_owned();
    let c = flipped.remove(10);
    flipped.insert(10, if c == 'a' { 'b' } else { 'a' });
    let cases = vec![
        format!("{id}|{flipped}"), // checksum no longer matches
        format!("{id}|{}", &secret[..secret.len() - 1]), // truncated
        format!("{id}|{secret}x"), // extended
        format!("abc|{secret}"),   // non-numeric id
        format!("|{secret}"),      // empty id
        format!("{id}|"),          // empty secret
        format!("-{id}|{secret}"),
        format!("{id}.0|{secret}"),
        "99999999999999999999999|x".to_owned(),
        "1|mc_".to_owned(),
        "' OR 1=1 --".to_owned(),
        "x".repeat(5000),
        sha256_hex(secret), // the stored hash is not a token
    ];
    for bad in cases {
        app.get_auth("/api/user", &bad)
            .await
            .expect_unauthenticated(true);
        app.post("/api/planets", Some(&bad), json!({"name": "x"}))
            .await
            .expect_unauthenticated(true);
    }
    app.get_auth("/api/user", &token).await.expect(200);
}

async fn authorization_header_parsing(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let get = |value: String| {
        let req = app
            .client
            .get(app.url("/api/user"))
            .header("Authorization", value);
        app.send_raw(req)
    };
    for ok in [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("BEARER   {token}  "),
        format!("  Bearer\t{token}"),
    ] {
        get(ok).await.expect(200);
    }
    // No bearer token at all: the plain challenge.
    for none in [
        "Basic dXNlcjpwYXNz".to_owned(),
        "Bearer".to_owned(),
        "Bearer    ".to_owned(),
        String::new(),
        token.clone(),
    ] {
        get(none).await.expect_unauthenticated(false);
    }
    // Tokens in query strings or cookies are not accepted.
    let query = format!("/api/user?token={}&access_token={}", token, token);
    app.get(&query).await.expect_unauthenticated(false);
    let with_cookie = app
        .client
        .get(app.url("/api/user"))
        .header("Cookie", format!("token={token}"));
    app.send_raw(with_cookie)
        .await
        .expect_unauthenticated(false);
}

async fn abilities_are_stored_and_enforced(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .login_reply(json!({"email": EMAIL, "password": PASSWORD, "abilities": ["planets:create", "planets:delete"], "device_name": "phone"}))
        .await;
    let body = reply.expect(200);
    assert_eq!(
        body["abilities"],
        json!(["planets:create", "planets:delete"])
    );
    let token = body["token"].as_str().expect("token");
    let rows = stored_tokens(&app).await;
    assert_eq!(rows[0].1, "phone");
    assert_eq!(
        rows[0].3.as_deref(),
        Some(r#"["planets:create","planets:delete"]"#)
    );
    let planet = app.create_planet(token, json!({"name": "Abilities"})).await;
    let path = format!("/api/planets/{}", planet["id"]);
    app.send("PATCH", &path, Some(token), Some(&json!({"name": "y"})))
        .await
        .expect_forbidden();
    app.send("DELETE", &path, Some(token), None)
        .await
        .expect(204);
    // GET /user needs no ability.
    app.get_auth("/api/user", token).await.expect(200);
    // A NULL abilities column grants nothing (Sanctum); ["*"] everything.
    let none = app.token().await;
    let none_id: i64 = none
        .split_once('|')
        .expect("id")
        .0
        .parse()
        .expect("numeric id");
    app.with_db(move |c| {
        diesel::update(pat::table.find(none_id))
            .set(pat::abilities.eq(None::<String>))
            .execute(c)
    })
    .await;
    let fresh = common::spawn_on(app.test_db.clone(), |_| {}).await; // no cached copy there
    fresh
        .post("/api/planets", Some(&none), json!({"name": "Null"}))
        .await
        .expect_forbidden();
}

async fn unknown_abilities_are_422(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .login_reply(json!({"email": EMAIL, "password": PASSWORD, "abilities": ["planets:create", "planets:destroy", 5]}))
        .await;
    let body = reply.expect_invalid("abilities.1", "The selected abilities.1 is invalid.");
    assert_eq!(
        body["errors"]["abilities.2"][0],
        "The selected abilities.2 is invalid."
    );
    assert_eq!(stored_tokens(&app).await.len(), 0);
}

async fn expiry_by_expires_at_and_by_configuration(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .login_reply(json!({"email": EMAIL, "password": PASSWORD, "expires_in_minutes": 60}))
        .await;
    let body = reply.expect(200);
    let expires_at = body["expires_at"].as_str().expect("expires_at");
    let parsed = chrono::DateTime::parse_from_rfc3339(expires_at).expect("rfc3339");
    let delta = parsed.timestamp() - chrono::Utc::now().timestamp();
    assert!((3590..=3600).contains(&delta), "{delta}");
    let token = body["token"].as_str().expect("token").to_owned();
    app.get_auth("/api/user", &token).await.expect(200);
    // Move its expiry into the past: refused (the cache checks expiry too).
    app.execute(&format!(
        "UPDATE personal_access_tokens SET expires_at = '2020-01-01 00:00:00' WHERE id = {}",
        token.split_once('|').expect("id").0
    ))
    .await;
    let fresh = common::spawn_on(app.test_db.clone(), |c| {
        c.token_cache_ttl = std::time::Duration::ZERO
    })
    .await;
    fresh
        .get_auth("/api/user", &token)
        .await
        .expect_unauthenticated(true);

    // TOKEN_EXPIRATION_MINUTES counts from created_at.
    let limited = common::spawn_on(app.test_db.clone(), |c| {
        c.token_expiration_minutes = Some(30);
        c.token_cache_ttl = std::time::Duration::ZERO;
    })
    .await;
    let body = limited
        .login_reply(json!({"email": EMAIL, "password": PASSWORD}))
        .await
        .expect(200);
    assert!(
        body["expires_at"].is_string(),
        "effective expiry is reported: {body}"
    );
    let young = body["token"].as_str().expect("token").to_owned();
    limited.get_auth("/api/user", &young).await.expect(200);
    limited
        .execute(&format!(
            "UPDATE personal_access_tokens SET created_at = '2020-01-01 00:00:00' WHERE id = {}",
            young.split_once('|').expect("id").0
        ))
        .await;
    limited
        .get_auth("/api/user", &young)
        .await
        .expect_unauthenticated(true);
    // The instance without the setting still accepts it.
    fresh.get_auth("/api/user", &young).await.expect(200);
}

async fn last_used(app: &TestApp, id: i64) -> Option<chrono::NaiveDateTime> {
    app.with_db(move |c| pat::table.find(id).select(pat::last_used_at).first(c))
        .await
}

async fn last_used_at_is_written_at_most_once_a_minute(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.token_cache_ttl = std::time::Duration::ZERO).await;
    let token = app.token().await;
    let id: i64 = token
        .split_once('|')
        .expect("id")
        .0
        .parse()
        .expect("numeric");
    assert_eq!(last_used(&app, id).await, None, "not written by login");
    // A wrong secret with the right id does not touch it.
    app.get_auth("/api/user", &format!("{id}|{}", "A".repeat(40)))
        .await
        .expect_unauthenticated(true);
    assert_eq!(last_used(&app, id).await, None);
    app.get_auth("/api/user", &token).await.expect(200);
    let first = last_used(&app, id).await.expect("written on first use");
    // Within the minute: unchanged, however many requests.
    let recent = first - chrono::Duration::seconds(30);
    let recent_text = recent.format("%Y-%m-%d %H:%M:%S").to_string();
    app.execute(&format!(
        "UPDATE personal_access_tokens SET last_used_at = '{recent_text}' WHERE id = {id}"
    ))
    .await;
    for _ in 0..5 {
        app.get_auth("/api/user", &token).await.expect(200);
    }
    assert_eq!(last_used(&app, id).await, Some(recent));
    // Older than a minute: written again.
    app.execute(&format!(
        "UPDATE personal_access_tokens SET last_used_at = '2020-01-01 00:00:00' WHERE id = {id}"
    ))
    .await;
    app.get_auth("/api/user", &token).await.expect(200);
    let again = last_used(&app, id).await.expect("written");
    assert!(again >= first, "{again} >= {first}");
}

async fn plain_text_never_reaches_the_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let secret = token.split_once('|').expect("id").1.to_owned();
    app.post("/api/logout", Some(&app.token().await), json!({}))
        .await
        .expect(200);
    app.create_planet(&token, json!({"name": "Secretless"}))
        .await;
    // Every text column of every table, as the database holds it.
    let dump: Vec<String> = app
        .with_db(|c| {
            #[derive(QueryableByName)]
            struct Row {
                #[diesel(sql_type = diesel::sql_types::Text)]
                v: String,
            }
            let mut all = Vec::new();
            for sql in [
                "SELECT COALESCE(name,'') || ' ' || email || ' ' || password || ' ' || COALESCE(remember_token,'') AS v FROM users",
                "SELECT tokenable_type || ' ' || name || ' ' || token || ' ' || COALESCE(abilities,'') AS v FROM personal_access_tokens",
                "SELECT name || ' ' || COALESCE(description,'') AS v FROM planets",
                "SELECT throttle_key AS v FROM login_attempts",
            ] {
                all.extend(diesel::sql_query(sql).load::<Row>(c)?.into_iter().map(|r| r.v));
            }
            Ok(all)
        })
        .await;
    let joined = dump.join("\n");
    assert!(!joined.contains(&secret), "secret stored in plain text");
    assert!(!joined.contains(&secret[3..43]), "random part stored");
    // The only columns holding "password" would be a plain-text password.
    assert!(
        !joined.split_whitespace().any(|w| w == PASSWORD),
        "plain-text password stored"
    );
    assert!(joined.contains(&sha256_hex(&secret)));
    let hash: String = app
        .with_db(|c| users::table.select(users::password).first(c))
        .await;
    assert!(hash.starts_with("$2y$"), "{hash}");
}

async fn token_name_defaults_to_api_token(backend: Backend) {
    let app = spawn_app(backend).await;
    app.token().await;
    app.login_as(EMAIL, PASSWORD, json!({"device_name": "  Pixel 9  "}))
        .await;
    let rows = stored_tokens(&app).await;
    assert_eq!(rows[0].1, "api-token");
    assert_eq!(rows[1].1, "Pixel 9");
    app.login_reply(json!({"email": EMAIL, "password": PASSWORD, "device_name": "x".repeat(256)}))
        .await
        .expect_invalid(
            "device_name",
            "The device name field must not be greater than 255 characters.",
        );
}

/// Not a speed check: without the dummy hash an unknown email would answer in
/// about a millisecond while a wrong password costs a whole bcrypt hash, so
/// even a loose ratio tells the two paths apart.
#[actix_web::test]
async fn an_unknown_email_costs_a_bcrypt_hash_too() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.bcrypt_cost = 10;
        c.login_max_attempts = 1000;
    })
    .await;
    let timed = |body: Value| {
        let app = &app;
        async move {
            let mut total = std::time::Duration::ZERO;
            for _ in 0..4 {
                let start = std::time::Instant::now();
                app.login_reply(body.clone()).await.expect(422);
                total += start.elapsed();
            }
            total
        }
    };
    // The seeded user's hash has cost 4; give it the configured cost.
    let hash = mission_control::auth::password::hash(PASSWORD, 10).expect("hash");
    app.with_db(move |c| {
        diesel::update(users::table)
            .set(users::password.eq(hash))
            .execute(c)
    })
    .await;
    let wrong_password = timed(json!({"email": EMAIL, "password": "wrong-password"})).await;
    let wrong_email =
        timed(json!({"email": "nobody@example.com", "password": "wrong-password"})).await;
    let ratio = wrong_email.as_secs_f64() / wrong_password.as_secs_f64();
    assert!(
        ratio > 0.3,
        "unknown email {wrong_email:?} vs wrong password {wrong_password:?}"
    );
}
