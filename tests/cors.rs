//! CORS for browser clients on other origins (`CORS_ALLOWED_ORIGINS`), on both
//! backends: preflights are answered before authentication, allowed origins get
//! `Access-Control-Allow-Origin`, other origins do not (and are not blocked:
//! the browser enforces CORS), and without the setting there are no CORS
//! headers at all.

mod common;

use common::{spawn_app_with, Backend, Reply, TestApp};
use mission_control::config::Config;
use serde_json::json;

backend_tests!(
    preflights_from_an_allowed_origin_succeed_before_authentication,
    requests_from_an_allowed_origin_can_read_the_answer_and_its_headers,
    other_origins_get_no_allow_origin_and_are_not_blocked,
    a_list_of_origins_allows_each_of_them,
    a_wildcard_allows_any_origin,
    without_the_setting_there_are_no_cors_headers,
);

const ORIGIN: &str = "http://localhost:3000";

/// An app whose `CORS_ALLOWED_ORIGINS` is `value` (parsed as from the environment).
async fn app_with_cors(backend: Backend, value: Option<&str>) -> TestApp {
    let parsed = Config::from_lookup(|name| {
        (name == "CORS_ALLOWED_ORIGINS")
            .then(|| value.map(str::to_owned))
            .flatten()
    })
    .expect("config")
    .cors_allowed_origins;
    spawn_app_with(backend, move |config| config.cors_allowed_origins = parsed).await
}

async fn preflight(app: &TestApp, path: &str, origin: &str, method: &str) -> Reply {
    app.send_raw(
        app.client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            ),
    )
    .await
}

async fn get_from(app: &TestApp, path: &str, origin: &str) -> Reply {
    app.send_raw(app.client.get(app.url(path)).header("Origin", origin))
        .await
}

fn lower_list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or("")
        .split(',')
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect()
}

fn cors_headers(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .filter(|k| k.starts_with("access-control-"))
        .collect()
}

#[track_caller]
fn assert_preflight_allowed(reply: &Reply, origin: &str, method: &str) {
    assert!(
        reply.status.is_success(),
        "preflight {method} answered {}: {}",
        reply.status,
        reply.text
    );
    assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
    let methods = lower_list(reply.header("access-control-allow-methods"));
    assert!(
        methods.contains(&method.to_ascii_lowercase()),
        "allow-methods {methods:?} lacks {method}"
    );
    let headers = lower_list(reply.header("access-control-allow-headers"));
    for h in ["authorization", "content-type"] {
        assert!(
            headers.iter().any(|x| x == h || x == "*"),
            "allow-headers {headers:?} lacks {h}"
        );
    }
    assert!(reply.header("access-control-allow-credentials").is_none());
}

async fn preflights_from_an_allowed_origin_succeed_before_authentication(backend: Backend) {
    let app = app_with_cors(backend, Some(ORIGIN)).await;
    for (path, method) in [
        ("/api/planets", "POST"),
        ("/api/v1/planets", "POST"),
        ("/api/planets/1", "PUT"),
        ("/api/planets/1", "PATCH"),
        ("/api/v1/planets/1", "DELETE"),
        ("/api/user", "GET"),
        ("/api/logout", "POST"),
        ("/api/tokens", "DELETE"),
        ("/api/login", "POST"),
        ("/oauth/introspect", "POST"),
    ] {
        let reply = preflight(&app, path, ORIGIN, method).await;
        assert_ne!(reply.status.as_u16(), 401, "{method} {path}");
        assert_preflight_allowed(&reply, ORIGIN, method);
    }
    // Header names in any case and order, with spaces.
    let reply = app
        .send_raw(
            app.client
                .request(reqwest::Method::OPTIONS, app.url("/api/planets"))
                .header("Origin", ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header(
                    "Access-Control-Request-Headers",
                    "Content-Type, Authorization",
                ),
        )
        .await;
    assert_preflight_allowed(&reply, ORIGIN, "POST");
}

async fn requests_from_an_allowed_origin_can_read_the_answer_and_its_headers(backend: Backend) {
    let app = app_with_cors(backend, Some(ORIGIN)).await;
    let reply = get_from(&app, "/api/planets", ORIGIN).await;
    reply.expect(200);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(lower_list(reply.header("vary")).contains(&"origin".to_owned()));
    // Without Origin: no CORS headers, but caches are told the answer depends on it.
    let reply = app.get("/api/planets").await;
    reply.expect(200);
    assert!(cors_headers(&reply).is_empty(), "{:?}", reply.headers);
    assert!(lower_list(reply.header("vary")).contains(&"origin".to_owned()));

    // Errors too, and the headers a client needs are exposed.
    let reply = app
        .send_raw(
            app.client
                .post(app.url("/api/planets"))
                .header("Origin", ORIGIN)
                .json(&json!({"name": "Nowhere"})),
        )
        .await;
    reply.expect_unauthenticated(false);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    let exposed = lower_list(reply.header("access-control-expose-headers"));
    for h in [
        "location",
        "www-authenticate",
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
    ] {
        assert!(exposed.contains(&h.to_owned()), "{exposed:?} lacks {h}");
    }

    let token = app.token().await;
    let reply = app
        .send_raw(
            app.client
                .post(app.url("/api/v1/planets"))
                .header("Origin", ORIGIN)
                .bearer_auth(&token)
                .json(&json!({"name": "Vulcan"})),
        )
        .await;
    reply.expect(201);
    assert_eq!(reply.header("access-control-allow-origin"), Some(ORIGIN));
    assert!(reply.header("location").is_some());
}

async fn other_origins_get_no_allow_origin_and_are_not_blocked(backend: Backend) {
    let app = app_with_cors(backend, Some(ORIGIN)).await;
    for origin in [
        "http://evil.example",
        "http://localhost:3001",
        "https://localhost:3000",
    ] {
        let reply = preflight(&app, "/api/planets", origin, "POST").await;
        assert_ne!(reply.status.as_u16(), 401, "{origin}");
        assert!(
            reply.header("access-control-allow-origin").is_none(),
            "{origin} allowed: {:?}",
            reply.headers
        );
        if !reply.text.is_empty() {
            // Every error body is JSON.
            reply.json();
        }

        // Not blocked: the server answers, the browser withholds the answer.
        let reply = get_from(&app, "/api/planets", origin).await;
        reply.expect(200);
        assert!(reply.header("access-control-allow-origin").is_none());
    }

    // The client served at GET / posts with its own Origin (same origin): not a
    // CORS request for the browser, and the server must not refuse it.
    let own = app.address.clone();
    let reply = app
        .send_raw(
            app.client
                .post(app.url("/api/login"))
                .header("Origin", own)
                .json(&json!({"email": common::EMAIL, "password": common::PASSWORD})),
        )
        .await;
    reply.expect(200);
}

async fn a_list_of_origins_allows_each_of_them(backend: Backend) {
    let app = app_with_cors(
        backend,
        Some("http://localhost:3000, https://app.example.com/"),
    )
    .await;
    for origin in ["http://localhost:3000", "https://app.example.com"] {
        let reply = preflight(&app, "/api/planets", origin, "POST").await;
        assert_preflight_allowed(&reply, origin, "POST");
        let reply = get_from(&app, "/api/planets", origin).await;
        assert_eq!(reply.header("access-control-allow-origin"), Some(origin));
    }
    let reply = get_from(&app, "/api/planets", "https://other.example.com").await;
    assert!(reply.header("access-control-allow-origin").is_none());
}

async fn a_wildcard_allows_any_origin(backend: Backend) {
    let app = app_with_cors(backend, Some("*")).await;
    for origin in [ORIGIN, "https://anything.example"] {
        let reply = preflight(&app, "/api/planets/1", origin, "DELETE").await;
        assert!(reply.status.is_success(), "{}", reply.status);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
        let reply = get_from(&app, "/api/planets", origin).await;
        reply.expect(200);
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    }
}

async fn without_the_setting_there_are_no_cors_headers(backend: Backend) {
    let app = app_with_cors(backend, None).await;
    let reply = preflight(&app, "/api/planets", ORIGIN, "POST").await;
    assert!(cors_headers(&reply).is_empty(), "{:?}", reply.headers);
    let reply = get_from(&app, "/api/planets", ORIGIN).await;
    reply.expect(200);
    assert!(cors_headers(&reply).is_empty(), "{:?}", reply.headers);
}
