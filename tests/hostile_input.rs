//! Hostile input on both backends: invalid UTF-8, NUL characters, deep nesting,
//! oversized bodies and headers, and clients that trickle their request. Every
//! answer is a 4xx (JSON wherever the app, not the HTTP parser, answers), never
//! a 5xx, and a slow client holds no worker.

mod common;

use std::time::{Duration, Instant};

use common::{spawn_app, Backend, TestApp};
use mission_control::http::body::BODY_READ_TIMEOUT;
use mission_control::startup::{CLIENT_DISCONNECT_TIMEOUT, CLIENT_REQUEST_TIMEOUT};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

backend_tests!(
    invalid_utf8_in_json_strings_is_a_400,
    invalid_utf8_in_headers_and_paths_is_a_4xx,
    nul_characters_are_422s_not_database_errors,
    deep_nesting_is_a_400_or_413,
    a_megabyte_body_is_a_413_in_json,
    oversized_headers_are_4xx,
    a_client_trickling_its_headers_is_cut_off_and_holds_no_worker,
    a_client_trickling_its_body_gets_a_408,
);

/// An answer read off a raw socket.
#[derive(Debug)]
struct RawReply {
    status: u16,
    head: String,
    body: String,
}

impl RawReply {
    #[track_caller]
    fn expect_json_4xx(&self, status: u16) -> serde_json::Value {
        assert_eq!(self.status, status, "{}{}", self.head, self.body);
        assert!(
            self.head
                .to_ascii_lowercase()
                .contains("content-type: application/json"),
            "{}",
            self.head
        );
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn port(app: &TestApp) -> u16 {
    app.address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port")
}

/// Sends raw bytes as one request on a new connection and reads the answer until
/// the server closes the connection (`Connection: close` is added).
async fn raw(app: &TestApp, request: &[u8]) -> RawReply {
    let mut stream = TcpStream::connect(("127.0.0.1", port(app)))
        .await
        .expect("connect");
    stream.write_all(request).await.expect("write request");
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the server answers within 10 s")
        .ok();
    parse_reply(&answer)
}

fn parse_reply(answer: &[u8]) -> RawReply {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    RawReply {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// `method path` with extra header lines and a body, as bytes.
fn request(method: &str, path: &[u8], headers: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(method.as_bytes());
    r.push(b' ');
    r.extend_from_slice(path);
    r.extend_from_slice(b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for h in headers {
        r.extend_from_slice(h);
        r.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        r.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    r.extend_from_slice(b"\r\n");
    r.extend_from_slice(body);
    r
}

fn bearer(token: &str) -> Vec<u8> {
    format!("Authorization: Bearer {token}").into_bytes()
}

const JSON: &[u8] = b"Content-Type: application/json";

async fn invalid_utf8_in_json_strings_is_a_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let auth = bearer(&token);
    for (path, body, headers) in [
        (
            &b"/api/login"[..],
            &b"{\"email\": \"\xff\xfe@example.com\", \"password\": \"x\"}"[..],
            vec![JSON],
        ),
        (
            b"/api/planets",
            b"{\"name\": \"Mars \xc3\x28\"}",
            vec![JSON, &auth[..]],
        ),
        (
            b"/api/register",
            b"{\"name\": \"\xed\xa0\x80\", \"email\": \"a@b.co\", \"password\": \"password1\", \"password_confirmation\": \"password1\"}",
            vec![JSON],
        ),
    ] {
        let reply = raw(&app, &request("POST", path, &headers, body)).await;
        let json = reply.expect_json_4xx(400);
        assert!(json["message"].as_str().is_some(), "{json}");
    }
    // Invalid UTF-8 in a form body: a 4xx too.
    let reply = raw(
        &app,
        &request(
            "POST",
            b"/api/login",
            &[b"Content-Type: application/x-www-form-urlencoded"],
            b"username=%FF%FE&password=%C3%28",
        ),
    )
    .await;
    assert!((400..500).contains(&reply.status), "{reply:?}");
    reply.expect_json_4xx(reply.status);
}

async fn invalid_utf8_in_headers_and_paths_is_a_4xx(backend: Backend) {
    let app = spawn_app(backend).await;
    // A token that is not UTF-8 is no token of ours: the contract's 401.
    let reply = raw(
        &app,
        &request(
            "GET",
            b"/api/user",
            &[b"Authorization: Bearer 1|mc_\xff\xfe\xfd"],
            b"",
        ),
    )
    .await;
    let body = reply.expect_json_4xx(401);
    assert_eq!(body, json!({"message": "Unauthenticated."}));
    assert!(
        reply.head.contains("error=\"invalid_token\""),
        "{}",
        reply.head
    );
    // A content type that is not UTF-8: a 400 naming the problem.
    let reply = raw(
        &app,
        &request(
            "POST",
            b"/api/login",
            &[b"Content-Type: application/\xffjson"],
            b"{}",
        ),
    )
    .await;
    reply.expect_json_4xx(400);
    // Proxy headers full of garbage are ignored (no trusted proxies).
    let reply = raw(
        &app,
        &request(
            "POST",
            b"/api/login",
            &[JSON, b"X-Forwarded-For: \xff\xfe, 1.2.3.4"],
            br#"{"email": "nobody@example.com", "password": "x"}"#,
        ),
    )
    .await;
    reply.expect_json_4xx(422);
    // Percent-encoded invalid UTF-8 in a path: not found.
    for path in [
        &b"/api/planets/%FF%FE"[..],
        b"/api/%C3%28",
        b"/api/planets/1%00",
    ] {
        let reply = raw(&app, &request("GET", path, &[], b"")).await;
        reply.expect_json_4xx(404);
    }
    // Raw non-ASCII bytes in the request line: the HTTP parser's 400.
    let reply = raw(&app, &request("GET", b"/api/planets/\xff", &[], b"")).await;
    assert!((400..500).contains(&reply.status), "{reply:?}");
    // And in a query string the app reads.
    let reply = raw(
        &app,
        &request("GET", b"/api/planets?page=%FF&per_page=%00", &[], b""),
    )
    .await;
    assert!((200..500).contains(&reply.status), "{reply:?}");
}

async fn nul_characters_are_422s_not_database_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let planet = app.create_planet(&token, json!({"name": "Clean"})).await;
    let id = planet["id"].as_i64().expect("id");
    let cases = [
        (
            "POST",
            "/api/planets".to_owned(),
            json!({"name": "Ma\u{0}rs"}),
            "name",
        ),
        (
            "POST",
            "/api/planets".to_owned(),
            json!({"name": "Venus", "description": "hot\u{0}"}),
            "description",
        ),
        (
            "PATCH",
            format!("/api/planets/{id}"),
            json!({"description": "\u{0}"}),
            "description",
        ),
        (
            "PUT",
            format!("/api/planets/{id}"),
            json!({"name": "\u{0}x"}),
            "name",
        ),
        (
            "POST",
            "/api/login".to_owned(),
            json!({"email": "test@example.com\u{0}", "password": "password"}),
            "email",
        ),
        (
            "POST",
            "/api/login".to_owned(),
            json!({"email": "test@example.com", "password": "pass\u{0}word", "device_name": "d\u{0}"}),
            "password",
        ),
        (
            "POST",
            "/api/register".to_owned(),
            json!({"name": "N\u{0}", "email": "nul@example.com", "password": "password1", "password_confirmation": "password1"}),
            "name",
        ),
        (
            "POST",
            "/api/tokens".to_owned(),
            json!({"name": "t\u{0}"}),
            "name",
        ),
        (
            "POST",
            "/oauth/revoke".to_owned(),
            json!({"token": "1|\u{0}"}),
            "token",
        ),
    ];
    for (method, path, body, field) in cases {
        let reply = app.send(method, &path, Some(&token), Some(&body)).await;
        assert!(
            reply.status.is_client_error(),
            "{method} {path}: {} {}",
            reply.status,
            reply.text
        );
        let json = reply.expect(422);
        assert!(json["errors"][field].is_array(), "{method} {path}: {json}");
    }
    // An OAuth2 form with %00.
    let reply = app
        .send_raw(
            app.client
                .post(app.url("/api/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("username=test%40example.com%00&password=password"),
        )
        .await;
    reply.expect(422);
    // Nothing was stored, and the app is fine.
    let list = app.get("/api/planets").await.expect(200);
    assert_eq!(list["meta"]["total"], 1);
    app.get("/health").await.expect(200);
}

async fn deep_nesting_is_a_400_or_413(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let post = |body: String| {
        app.client
            .post(app.url("/api/planets"))
            .bearer_auth(&token)
            .header("Content-Type", "application/json")
            .body(body)
    };
    // Within 64 KiB: serde_json stops at depth 128.
    for body in [
        "[".repeat(60_000),
        format!("{}{}", "[".repeat(30_000), "]".repeat(30_000)),
        format!(
            "{{\"name\": {}1{}}}",
            "{\"a\":".repeat(10_000),
            "}".repeat(10_000)
        ),
    ] {
        let started = Instant::now();
        let body = app.send_raw(post(body)).await.expect(400);
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Malformed JSON")),
            "{body}"
        );
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // Past it: 413 before any parsing.
    app.send_raw(post("[".repeat(100_000))).await.expect(413);
}

async fn a_megabyte_body_is_a_413_in_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let megabyte = format!("{{\"name\": \"{}\"}}", "x".repeat(1 << 20));
    for path in [
        "/api/planets",
        "/api/login",
        "/api/register",
        "/oauth/introspect",
    ] {
        let body = app
            .send_raw(
                app.client
                    .post(app.url(path))
                    .bearer_auth(&token)
                    .header("Content-Type", "application/json")
                    .body(megabyte.clone()),
            )
            .await
            .expect(413);
        assert_eq!(
            body,
            json!({"message": "The request body must not be larger than 64 KiB."})
        );
    }
    // Chunked, with no Content-Length: cut off at the limit as it streams in.
    let mut stream = TcpStream::connect(("127.0.0.1", port(&app)))
        .await
        .expect("connect");
    let head = format!(
        "POST /api/planets HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let chunk = format!("10000\r\n{}\r\n", " ".repeat(0x10000));
    for _ in 0..16 {
        if stream.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = vec![0; 4096];
    let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut answer))
        .await
        .expect("an answer within 10 s")
        .expect("read");
    let reply = parse_reply(&answer[..n]);
    reply.expect_json_4xx(413);
    // The app is fine afterwards.
    app.get("/api/planets").await.expect(200);
}

async fn oversized_headers_are_4xx(backend: Backend) {
    let app = spawn_app(backend).await;
    // 100 KB of Authorization: under the HTTP parser's 128 KiB head limit, so
    // the app answers, with the contract's 401.
    let huge = format!("1|mc_{}", "a".repeat(100_000));
    let reply = app.get_auth("/api/user", &huge).await;
    reply.expect_unauthenticated(true);
    assert!(!reply.text.contains("aaaa"), "the token is not echoed");
    let reply = app.get_auth("/api/user", &"b".repeat(100_000)).await;
    reply.expect_unauthenticated(true);
    // Past 128 KiB of headers, or more than 96 of them: actix-http's own 431 /
    // 400, with an empty body, and the connection closed.
    let over = format!("Authorization: Bearer {}", "c".repeat(200_000));
    let reply = raw(&app, &request("GET", b"/api/user", &[over.as_bytes()], b"")).await;
    assert_eq!(reply.status, 431, "{}", reply.head);
    let many: Vec<Vec<u8>> = (0..120)
        .map(|i| format!("X-H{i}: v").into_bytes())
        .collect();
    let many: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
    let reply = raw(&app, &request("GET", b"/health", &many, b"")).await;
    assert!((400..500).contains(&reply.status), "{}", reply.head);
    // The server is fine afterwards.
    app.get("/health").await.expect(200);
}

async fn a_client_trickling_its_headers_is_cut_off_and_holds_no_worker(backend: Backend) {
    // One worker: if the slow client held it, nothing else would be served.
    let app = spawn_app(backend).await;
    assert_eq!(app.config.workers, 1);
    let stream = TcpStream::connect(("127.0.0.1", port(&app)))
        .await
        .expect("connect");
    let (mut read, mut write) = stream.into_split();
    let started = Instant::now();
    let trickle = actix_web::rt::spawn(async move {
        let head = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
        for byte in head.iter().chain(std::iter::repeat(&b'z')) {
            if write.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            if started.elapsed() > Duration::from_secs(30) {
                break;
            }
        }
    });
    // Meanwhile others are served promptly.
    for _ in 0..10 {
        let t = Instant::now();
        app.get("/health").await.expect(200);
        app.get("/api/planets").await.expect(200);
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut answer = Vec::new();
    let limit = CLIENT_REQUEST_TIMEOUT + CLIENT_DISCONNECT_TIMEOUT + Duration::from_secs(2);
    tokio::time::timeout(limit, read.read_to_end(&mut answer))
        .await
        .unwrap_or_else(|_| panic!("the connection is still open after {limit:?}"))
        .ok();
    let took = started.elapsed();
    trickle.abort();
    let text = String::from_utf8_lossy(&answer);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text:?}"
    );
    eprintln!(
        "slow headers: connection ended after {took:?} with {:?}",
        text.lines().next().unwrap_or("no answer")
    );
}

async fn a_client_trickling_its_body_gets_a_408(backend: Backend) {
    let app = spawn_app(backend).await;
    let stream = TcpStream::connect(("127.0.0.1", port(&app)))
        .await
        .expect("connect");
    let (mut read, mut write) = stream.into_split();
    write
        .write_all(
            b"POST /api/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"email\": \"",
        )
        .await
        .expect("head");
    let started = Instant::now();
    let trickle = actix_web::rt::spawn(async move {
        for _ in 0..1000 {
            if write.write_all(b"a").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    });
    for _ in 0..5 {
        app.get("/health").await.expect(200);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut answer = Vec::new();
    let limit = BODY_READ_TIMEOUT + Duration::from_secs(3);
    tokio::time::timeout(limit, read.read_to_end(&mut answer))
        .await
        .unwrap_or_else(|_| panic!("no answer after {limit:?}"))
        .ok();
    let took = started.elapsed();
    trickle.abort();
    let reply = parse_reply(&answer);
    let body = reply.expect_json_4xx(408);
    assert_eq!(body, json!({"message": "Request Timeout."}));
    assert!(
        took >= BODY_READ_TIMEOUT - Duration::from_millis(500),
        "{took:?}"
    );
    eprintln!("slow body: 408 after {took:?}");
}
