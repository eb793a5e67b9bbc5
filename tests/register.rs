//! `POST /register`, on both backends.

mod common;

use common::{spawn_app, spawn_app_with, Backend, EMAIL};
use serde_json::{json, Value};

backend_tests!(
    register_returns_201_with_the_user_and_a_working_token,
    a_taken_email_is_a_422_whatever_its_case,
    password_rules_are_laravels,
    missing_fields_are_422s_with_laravels_summary,
    registration_can_be_turned_off,
    concurrent_registrations_of_one_email_give_one_201,
);

fn registration(email: &str) -> Value {
    json!({
        "name": "Ellen Ripley",
        "email": email,
        "password": "nostromo-180",
        "password_confirmation": "nostromo-180",
        "device_name": "ripley-phone",
    })
}

async fn register_returns_201_with_the_user_and_a_working_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app
        .post("/api/register", None, registration("ripley@example.com"))
        .await;
    let body = reply.expect(201);
    assert_eq!(reply.header("cache-control"), Some("no-store"));

    let keys = common::keys(&body);
    assert_eq!(
        keys,
        [
            "user",
            "token",
            "access_token",
            "token_type",
            "abilities",
            "expires_at"
        ]
    );
    let user = &body["user"];
    let user_keys = common::keys(user);
    assert_eq!(
        user_keys,
        [
            "id",
            "name",
            "email",
            "email_verified_at",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(user["name"], "Ellen Ripley");
    assert_eq!(user["email"], "ripley@example.com");
    assert_eq!(user["email_verified_at"], Value::Null);
    assert!(!reply.text.contains("$2y$"), "a password hash leaked");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["token"], body["access_token"]);
    assert_eq!(body["abilities"], json!(["*"]));
    assert_eq!(body["expires_at"], Value::Null);

    // The token works and belongs to the new user, under the name asked for.
    let token = body["token"].as_str().expect("token");
    let me = app.get_auth("/api/user", token).await.expect(200);
    assert_eq!(&me, user);
    let tokens = app.get_auth("/api/tokens", token).await.expect(200);
    assert_eq!(tokens["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(tokens["data"][0]["name"], "ripley-phone");
    assert_eq!(tokens["data"][0]["abilities"], json!(["*"]));
    assert_eq!(tokens["data"][0]["current"], true);
    assert!(
        token.starts_with(&format!("{}|mc_", tokens["data"][0]["id"])),
        "{token}"
    );

    // The password was stored hashed, and logging in with it works.
    let login = app
        .login_as("ripley@example.com", "nostromo-180", json!({}))
        .await;
    assert_eq!(app.get_auth("/api/user", &login).await.expect(200), *user);

    // Without device_name the token is called api-token, as at login.
    let other = app
        .post(
            "/api/v1/register",
            None,
            json!({"name": "Dallas", "email": "dallas@example.com",
                   "password": "captain-123", "password_confirmation": "captain-123"}),
        )
        .await
        .expect(201);
    let dallas = other["token"].as_str().expect("token");
    let list = app.get_auth("/api/tokens", dallas).await.expect(200);
    assert_eq!(list["data"][0]["name"], "api-token");
    assert_ne!(other["user"]["id"], user["id"]);
}

async fn a_taken_email_is_a_422_whatever_its_case(backend: Backend) {
    let app = spawn_app(backend).await;
    for email in [
        EMAIL.to_owned(),
        EMAIL.to_uppercase(),
        "Test@Example.COM".into(),
    ] {
        let reply = app.post("/api/register", None, registration(&email)).await;
        let body = reply.expect_invalid("email", "The email has already been taken.");
        assert_eq!(
            body,
            json!({
                "message": "The email has already been taken.",
                "errors": {"email": ["The email has already been taken."]}
            }),
            "{email}"
        );
    }
    // A first registration wins; the same address again is taken.
    app.post("/api/register", None, registration("new@example.com"))
        .await
        .expect(201);
    app.post("/api/register", None, registration("NEW@example.com"))
        .await
        .expect_invalid("email", "The email has already been taken.");
    // Exactly one user row per address.
    let count: i64 = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use mission_control::db::schema::users;
            users::table
                .filter(mission_control::db::schema::lower(users::email).eq("new@example.com"))
                .count()
                .get_result(conn)
        })
        .await;
    assert_eq!(count, 1);
}

async fn password_rules_are_laravels(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut short = registration("short@example.com");
    short["password"] = json!("seven77");
    short["password_confirmation"] = json!("seven77");
    app.post("/api/register", None, short).await.expect_invalid(
        "password",
        "The password field must be at least 8 characters.",
    );

    let mut mismatch = registration("mismatch@example.com");
    mismatch["password_confirmation"] = json!("something-else");
    let body = app
        .post("/api/register", None, mismatch)
        .await
        .expect_invalid(
            "password",
            "The password field confirmation does not match.",
        );
    assert_eq!(
        body["message"],
        "The password field confirmation does not match."
    );

    let mut unconfirmed = registration("unconfirmed@example.com");
    unconfirmed
        .as_object_mut()
        .expect("object")
        .remove("password_confirmation");
    app.post("/api/register", None, unconfirmed)
        .await
        .expect_invalid(
            "password",
            "The password field confirmation does not match.",
        );

    let mut not_a_string = registration("number@example.com");
    not_a_string["password"] = json!(12345678);
    app.post("/api/register", None, not_a_string)
        .await
        .expect_invalid("password", "The password field must be a string.");

    // Exactly eight characters is enough.
    let mut eight = registration("eight@example.com");
    eight["password"] = json!("12345678");
    eight["password_confirmation"] = json!("12345678");
    app.post("/api/register", None, eight).await.expect(201);

    // None of the refused registrations created a user.
    for email in [
        "short@example.com",
        "mismatch@example.com",
        "unconfirmed@example.com",
        "number@example.com",
    ] {
        app.login_reply(json!({"email": email, "password": "nostromo-180"}))
            .await
            .expect_invalid("email", "The credentials do not match.");
    }
}

async fn missing_fields_are_422s_with_laravels_summary(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = app.post("/api/register", None, json!({})).await.expect(422);
    assert_eq!(
        body,
        json!({
            "message": "The name field is required. (and 2 more errors)",
            "errors": {
                "name": ["The name field is required."],
                "email": ["The email field is required."],
                "password": ["The password field is required."],
            }
        })
    );
    let mut bad_email = registration("not-an-email");
    bad_email["name"] = json!("   ");
    let body = app.post("/api/register", None, bad_email).await.expect(422);
    assert_eq!(
        body["errors"],
        json!({
            "name": ["The name field is required."],
            "email": ["The email field must be a valid email address."],
        })
    );
    assert_eq!(
        body["message"],
        "The name field is required. (and 1 more error)"
    );
}

async fn registration_can_be_turned_off(backend: Backend) {
    let app = spawn_app_with(backend, |c| c.registration_enabled = false).await;
    for path in ["/api/register", "/api/v1/register"] {
        let reply = app
            .post(path, None, registration("closed@example.com"))
            .await;
        let body = reply.expect(404);
        let route = path.trim_start_matches('/');
        assert_eq!(
            body,
            json!({"message": format!("The route {route} could not be found.")})
        );
    }
    // Every method and any body: the route simply is not there.
    for method in ["GET", "PUT", "DELETE"] {
        app.send(method, "/api/register", None, None)
            .await
            .expect(404);
    }
    let malformed = app
        .client
        .post(app.url("/api/register"))
        .header("Content-Type", "application/json")
        .body("{not json");
    app.send_raw(malformed).await.expect(404);
    // Nothing was created; logging in still works for existing users.
    app.login_reply(json!({"email": "closed@example.com", "password": "nostromo-180"}))
        .await
        .expect_invalid("email", "The credentials do not match.");
    app.token().await;
}

async fn concurrent_registrations_of_one_email_give_one_201(backend: Backend) {
    let app = common::spawn_app_with(backend, |c| {
        c.workers = 4;
        c.db_pool_size = 8;
        c.bcrypt_threads = 4;
    })
    .await;
    let mut handles = Vec::new();
    for _ in 0..8 {
        let request = app
            .client
            .post(app.url("/api/register"))
            .json(&registration("race@example.com"));
        handles.push(tokio::spawn(async move {
            let resp = request.send().await.expect("sent");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.expect("json"))
        }));
    }
    let mut replies = Vec::new();
    for h in handles {
        replies.push(h.await.expect("task"));
    }
    let created = replies.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "{replies:?}");
    for (status, body) in replies.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(*status, 422, "{body}");
        assert_eq!(
            body["errors"]["email"],
            json!(["The email has already been taken."])
        );
    }
    // One user, holding exactly one token.
    let (users, tokens): (i64, i64) = app
        .with_db(|conn| {
            use diesel::prelude::*;
            use mission_control::db::schema::{personal_access_tokens as pat, users};
            let id: i64 = users::table
                .filter(users::email.eq("race@example.com"))
                .select(users::id)
                .first(conn)?;
            let users = users::table
                .filter(users::email.eq("race@example.com"))
                .count()
                .get_result(conn)?;
            let tokens = pat::table
                .filter(pat::tokenable_id.eq(id))
                .count()
                .get_result(conn)?;
            Ok((users, tokens))
        })
        .await;
    assert_eq!((users, tokens), (1, 1));
}
