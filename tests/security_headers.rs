//! Security headers on both backends: responses that carry a token are never
//! cached, every response (errors included) says `nosniff`, and the web client's
//! Content-Security-Policy allows same-origin scripts only.

mod common;

use common::{spawn_app, Backend, Reply, TestApp};
use serde_json::json;

backend_tests!(
    token_responses_are_not_cacheable,
    every_response_says_nosniff,
    the_web_client_allows_same_origin_scripts_only,
);

#[track_caller]
fn assert_no_store(reply: &Reply, what: &str) {
    let cache = reply.header("cache-control").unwrap_or("");
    assert!(
        cache
            .split(',')
            .any(|d| d.trim().eq_ignore_ascii_case("no-store")),
        "{what}: Cache-Control {cache:?}"
    );
    assert_eq!(reply.header("pragma"), Some("no-cache"), "{what}");
}

#[track_caller]
fn assert_nosniff(reply: &Reply, what: &str) {
    assert_eq!(
        reply.header("x-content-type-options"),
        Some("nosniff"),
        "{what} ({}): {:?}",
        reply.status,
        reply.headers
    );
}

async fn token_responses_are_not_cacheable(backend: Backend) {
    let app = spawn_app(backend).await;
    let login = app
        .login_reply(json!({"email": common::EMAIL, "password": common::PASSWORD}))
        .await;
    let token = login.expect(200)["token"]
        .as_str()
        .expect("token")
        .to_owned();
    assert_no_store(&login, "POST /api/login");

    let form = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/login"))
                .form(&[("username", common::EMAIL), ("password", common::PASSWORD)]),
        )
        .await;
    form.expect(200);
    assert_no_store(&form, "POST /api/v1/login (OAuth2 form)");

    let register = app
        .post(
            "/api/register",
            None,
            json!({"name": "Cache", "email": "cache@example.com",
                   "password": "password1", "password_confirmation": "password1"}),
        )
        .await;
    register.expect(201);
    assert_no_store(&register, "POST /api/register");

    let created = app
        .post("/api/tokens", Some(&token), json!({"name": "second"}))
        .await;
    created.expect(201);
    assert_no_store(&created, "POST /api/tokens");
}

async fn every_response_says_nosniff(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let read_only = app.token_with(&["planets:update"]).await;
    let checks: Vec<(&str, Reply)> = vec![
        ("GET /", app.get("/").await),
        ("GET /health", app.get("/health").await),
        ("GET /api/planets", app.get("/api/planets").await),
        ("404 unknown route", app.get("/no/such/route").await),
        ("404 unknown id", app.get("/api/planets/999999").await),
        (
            "405 wrong method",
            app.send("DELETE", "/api/planets", None, None).await,
        ),
        ("401 no token", app.get("/api/user").await),
        (
            "401 bad token",
            app.get_auth("/api/user", "1|not-a-token").await,
        ),
        (
            "403 missing ability",
            app.post("/api/planets", Some(&read_only), json!({"name": "X"}))
                .await,
        ),
        (
            "422 validation",
            app.post("/api/planets", Some(&token), json!({})).await,
        ),
        (
            "400 malformed JSON",
            app.send_raw(
                app.client
                    .post(app.url("/api/login"))
                    .header("Content-Type", "application/json")
                    .body("{"),
            )
            .await,
        ),
        (
            "413 body too large",
            app.send_raw(
                app.client
                    .post(app.url("/api/login"))
                    .header("Content-Type", "application/json")
                    .body(vec![b' '; 70_000]),
            )
            .await,
        ),
    ];
    let expected = [200, 200, 200, 404, 404, 405, 401, 401, 403, 422, 400, 413];
    for ((what, reply), status) in checks.iter().zip(expected) {
        assert_eq!(reply.status.as_u16(), status, "{what}: {}", reply.text);
        assert_nosniff(reply, what);
    }
    // A 500: the planets table is gone.
    drop_planets(&app).await;
    let broken = app.get("/api/planets").await;
    assert_eq!(broken.expect(500), json!({"message": "Server Error."}));
    assert_nosniff(&broken, "500");
}

async fn drop_planets(app: &TestApp) {
    app.execute("DROP TABLE planets").await;
}

async fn the_web_client_allows_same_origin_scripts_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.get("/").await;
    assert_eq!(page.status.as_u16(), 200);
    let csp = page
        .header("content-security-policy")
        .expect("Content-Security-Policy on GET /");
    let directives: Vec<&str> = csp.split(';').map(str::trim).collect();
    let script_src = directives
        .iter()
        .find(|d| d.starts_with("script-src "))
        .or_else(|| directives.iter().find(|d| d.starts_with("default-src ")))
        .expect("script-src or default-src");
    assert_eq!(*script_src, "script-src 'self'", "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert!(!csp.contains('*'), "{csp}");
    // The page loads no inline script for the policy to block.
    assert!(!page.text.contains("<script>"), "inline script in GET /");
    assert_nosniff(&page, "GET /");
}
