//! Tokens and passwords never reach the log, even at `RUST_LOG=trace`, nor come
//! back in URLs, headers or error bodies. Runs the real binary through a full
//! flow (login, authenticated requests, token create, introspection, revocation,
//! logout, failed logins, register) and searches everything it printed.

mod common;

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use serde_json::{json, Value};

/// Everything a response showed the client, to search for secrets.
fn visible(status: reqwest::StatusCode, headers: &HeaderMap, body: &str) -> String {
    let mut all = format!("{status}\n");
    for (name, value) in headers {
        all.push_str(&format!(
            "{name}: {}\n",
            String::from_utf8_lossy(value.as_bytes())
        ));
    }
    all.push_str(body);
    all
}

struct Flow {
    client: reqwest::Client,
    base: String,
    /// Every response except the ones that hand out a token.
    shown: Vec<(String, String)>,
}

impl Flow {
    async fn call(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        expect: u16,
    ) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request");
        let (status, headers) = (resp.status(), resp.headers().clone());
        let text = resp.text().await.expect("body");
        assert_eq!(status.as_u16(), expect, "{method} {path}: {text}");
        if let Some(location) = headers.get("location") {
            assert!(
                !location.to_str().unwrap_or("").contains('|'),
                "{location:?}"
            );
        }
        let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if parsed.get("token").is_none() {
            self.shown
                .push((format!("{method} {path}"), visible(status, &headers, &text)));
        }
        parsed
    }
}

fn secret_part(token: &str) -> &str {
    token.split_once('|').map_or(token, |(_, s)| s)
}

#[tokio::test]
async fn no_token_or_password_reaches_the_log_or_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let log_path = dir.path().join("server.log");
    let out = std::fs::File::create(&log_path).expect("log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mission-control"))
        .arg("serve")
        .arg("--seed")
        .current_dir(dir.path())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("secrets.db").display()),
        )
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("BCRYPT_COST", "4")
        .env("RUST_LOG", "trace")
        .env("SHUTDOWN_GRACE_SECONDS", "2")
        .stdin(Stdio::null())
        .stdout(out.try_clone().expect("log"))
        .stderr(out)
        .spawn()
        .expect("start the binary");

    let mut flow = Flow {
        client: reqwest::Client::new(),
        base: format!("http://127.0.0.1:{port}"),
        shown: Vec::new(),
    };
    let up = Instant::now();
    while flow
        .client
        .get(format!("{}/health", flow.base))
        .send()
        .await
        .map_or(true, |r| r.status() != 200)
    {
        assert!(
            up.elapsed() < Duration::from_secs(60),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let wrong_password = "Wrong-Secret-Password-1";
    let new_password = "Register-Secret-Password-2";
    let login = flow
        .call(
            "POST",
            "/api/login",
            None,
            Some(
                json!({"email": "test@example.com", "password": "password", "device_name": "cli"}),
            ),
            200,
        )
        .await;
    let first = login["token"].as_str().expect("token").to_owned();
    flow.call("GET", "/api/user", Some(&first), None, 200).await;
    flow.call("GET", "/api/tokens", Some(&first), None, 200)
        .await;
    flow.call(
        "POST",
        "/api/planets",
        Some(&first),
        Some(json!({"name": "Secretless"})),
        201,
    )
    .await;
    let created = flow
        .call(
            "POST",
            "/api/tokens",
            Some(&first),
            Some(json!({"name": "second", "abilities": ["planets:create"]})),
            201,
        )
        .await;
    let second = created["token"].as_str().expect("token").to_owned();
    flow.call("GET", "/api/user", Some(&second), None, 200)
        .await;
    flow.call(
        "POST",
        "/oauth/introspect",
        Some(&first),
        Some(json!({"token": second})),
        200,
    )
    .await;
    flow.call(
        "POST",
        "/oauth/revoke",
        None,
        Some(json!({"token": second})),
        200,
    )
    .await;
    // The revoked token, a forged one, a token in the query string, a token
    // with the wrong scheme: 401s that do not echo what was sent.
    flow.call("GET", "/api/user", Some(&second), None, 401)
        .await;
    let forged = format!("{}|{}", 999_999, secret_part(&first));
    flow.call("GET", "/api/user", Some(&forged), None, 401)
        .await;
    flow.call("GET", &format!("/api/user?token={first}"), None, None, 401)
        .await;
    flow.call(
        "POST",
        "/oauth/introspect",
        Some(&second),
        Some(json!({"token": first})),
        401,
    )
    .await;
    // Failed logins and a register.
    flow.call(
        "POST",
        "/api/login",
        None,
        Some(json!({"email": "test@example.com", "password": wrong_password})),
        422,
    )
    .await;
    flow.call(
        "POST",
        "/api/login",
        None,
        Some(json!({"email": "nobody@example.com", "password": wrong_password})),
        422,
    )
    .await;
    let registered = flow
        .call(
            "POST",
            "/api/register",
            None,
            Some(json!({
                "name": "New", "email": "new@example.com",
                "password": new_password, "password_confirmation": new_password,
            })),
            201,
        )
        .await;
    let third = registered["token"].as_str().expect("token").to_owned();
    flow.call(
        "POST",
        "/api/register",
        None,
        Some(json!({
            "name": "Again", "email": "new@example.com",
            "password": new_password, "password_confirmation": "mismatch-secret",
        })),
        422,
    )
    .await;
    let form = flow
        .client
        .post(format!("{}/api/login", flow.base))
        .form(&[("username", "new@example.com"), ("password", new_password)])
        .send()
        .await
        .expect("form login");
    assert_eq!(form.status().as_u16(), 200);
    let fourth = form.json::<Value>().await.expect("body")["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    flow.call("POST", "/api/logout", Some(&third), None, 200)
        .await;
    flow.call("POST", "/api/logout", Some(&first), None, 200)
        .await;
    flow.call("GET", "/api/user", Some(&first), None, 401).await;

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let stopped = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if stopped.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = std::fs::read_to_string(&log_path).expect("log");

    // The log is the trace-level one, and the flow is in it.
    assert!(log.contains("TRACE"), "not a trace log:\n{log}");
    assert!(log.contains("/api/login"), "{log}");

    let mut secrets = vec![
        ("a password", wrong_password.to_owned()),
        ("a password", new_password.to_owned()),
        ("a password", "mismatch-secret".to_owned()),
        ("a bcrypt hash", "$2y$".to_owned()),
        ("a bcrypt hash", "$2b$".to_owned()),
    ];
    for token in [&first, &second, &third, &fourth] {
        secrets.push(("a token", token.clone()));
        secrets.push(("a token's secret", secret_part(token).to_owned()));
        // Any 16 characters of the secret, so a truncated copy is caught too.
        let secret = secret_part(token);
        secrets.push(("part of a token", secret[3..19].to_owned()));
    }
    for (what, secret) in &secrets {
        if let Some(at) = log.find(secret.as_str()) {
            let line_start = log[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = log[at..].find('\n').map_or(log.len(), |i| at + i);
            panic!("{what} is in the log: {}", &log[line_start..line_end]);
        }
        for (request, shown) in &flow.shown {
            assert!(
                !shown.contains(secret.as_str()),
                "{what} came back from {request}: {shown}"
            );
        }
    }
    eprintln!(
        "secrets: {} log lines at trace level, {} responses searched, none holds a token or password",
        log.lines().count(),
        flow.shown.len()
    );
}
