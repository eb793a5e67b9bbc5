//! The contract's error table for every kind of route: JSON bodies for 400, 404,
//! 405, 413 and the health check, on both backends.

mod common;

use common::{spawn_app, Backend};
use serde_json::{json, Value};

backend_tests!(
    unknown_routes_are_json_404s,
    wrong_methods_are_json_405s_with_allow,
    malformed_json_and_wrong_content_types_are_400s,
    bodies_over_64_kib_are_413s,
    non_object_json_is_a_validation_error,
    health_reports_the_database,
    head_answers_like_get,
);

async fn unknown_routes_are_json_404s(backend: Backend) {
    let app = spawn_app(backend).await;
    for (method, path) in [
        ("GET", "/api/nothing"),
        ("POST", "/api/v2/planets"),
        ("GET", "/api/planets/1/moons"),
        ("DELETE", "/nothing/at/all"),
        ("GET", "/api"),
        ("GET", "/oauth/token"),
    ] {
        let reply = app.send(method, path, None, None).await;
        let body = reply.expect(404);
        assert_eq!(
            body,
            json!({"message": format!("The route {} could not be found.", &path[1..])})
        );
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    }
}

async fn wrong_methods_are_json_405s_with_allow(backend: Backend) {
    let app = spawn_app(backend).await;
    for (method, path, allow) in [
        ("GET", "/api/login", "POST"),
        ("DELETE", "/api/v1/login", "POST"),
        ("GET", "/api/logout", "POST"),
        ("POST", "/api/user", "GET, HEAD"),
        ("DELETE", "/api/planets", "GET, HEAD, POST"),
        ("POST", "/api/planets/1", "GET, HEAD, PUT, PATCH, DELETE"),
        ("POST", "/health", "GET, HEAD"),
        ("GET", "/oauth/revoke", "POST"),
    ] {
        let reply = app.send(method, path, None, None).await;
        let body = reply.expect(405);
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
        assert_eq!(
            body["message"],
            format!(
                "The {method} method is not supported for route {}. Supported methods: {allow}.",
                &path[1..]
            )
        );
    }
}

async fn malformed_json_and_wrong_content_types_are_400s(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let bodies: [(&str, &[u8]); 6] = [
        ("application/json", b"{\"name\": "),
        ("application/json", b"{name: 'x'}"),
        ("application/json", b"{\"name\": \"x\"} trailing"),
        ("application/json", b"\xff\xfe{}"),
        ("text/plain", b"{\"name\": \"x\"}"),
        ("application/xml", b"<planet/>"),
    ];
    for path in ["/api/planets", "/api/login", "/api/v1/login"] {
        for (content_type, body) in bodies {
            let req = app
                .client
                .post(app.url(path))
                .header("Authorization", format!("Bearer {token}"))
                .header("Content-Type", content_type)
                .body(body.to_vec());
            let reply = app.send_raw(req).await;
            let json = reply.expect(400);
            assert!(
                json["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{json}"
            );
            assert_eq!(json.as_object().map(|o| o.len()), Some(1));
        }
    }
    // A body without a content type.
    let req = app
        .client
        .post(app.url("/api/planets"))
        .header("Authorization", format!("Bearer {token}"))
        .body("{\"name\":\"x\"}");
    app.send_raw(req).await.expect(400);
    // The error does not echo the input.
    let req = app
        .client
        .post(app.url("/api/login"))
        .header("Content-Type", "application/json")
        .body("{\"email\":\"test@example.com\",\"password\":\"hunter2-secret\"");
    let reply = app.send_raw(req).await;
    reply.expect(400);
    assert!(!reply.text.contains("hunter2"));
}

async fn bodies_over_64_kib_are_413s(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let big = json!({"name": "Big", "description": "x".repeat(70 * 1024)});
    let reply = app.post("/api/planets", Some(&token), big).await;
    assert!(reply.expect(413)["message"]
        .as_str()
        .is_some_and(|m| m.contains("64 KiB")));
    let reply = app
        .login_reply(json!({"email": "a@b.c", "password": "p".repeat(65 * 1024)}))
        .await;
    reply.expect(413);
    // Just under the limit is read (and then validated).
    let near = json!({"name": "Near", "description": "x".repeat(60 * 1024)});
    app.post("/api/planets", Some(&token), near)
        .await
        .expect_invalid(
            "description",
            "The description field must not be greater than 2000 characters.",
        );
}

async fn non_object_json_is_a_validation_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    for body in [
        json!([]),
        json!("name"),
        json!(42),
        json!(null),
        json!([{"name": "x"}]),
    ] {
        app.post("/api/planets", Some(&token), body)
            .await
            .expect_invalid("name", "The name field is required.");
    }
    // An empty JSON body too.
    let req = app
        .client
        .post(app.url("/api/planets"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json");
    app.send_raw(req)
        .await
        .expect_invalid("name", "The name field is required.");
}

async fn health_reports_the_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.get("/health").await;
    assert_eq!(reply.expect(200), json!({"status": "ok", "database": "ok"}));
}

async fn head_answers_like_get(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/health", "/api/planets", "/"] {
        let reply = app.send("HEAD", path, None, None).await;
        assert_eq!(reply.status.as_u16(), 200, "HEAD {path}");
        assert_eq!(reply.text, "");
    }
    let _: Value = app.get("/api/planets").await.expect(200);
}
