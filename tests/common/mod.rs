//! The test harness: every test starts the real app (as `serve` does, on port 0)
//! against a fresh database of the backend it asks for, and talks HTTP to it.
//!
//! SQLite tests use a temporary file. PostgreSQL tests create a uniquely named
//! database on `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432`)
//! and drop it afterwards; without a reachable server they are skipped with a
//! message, unless `CI=true`, where that is a failure.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use diesel::{Connection, RunQueryDsl};
use mission_control::config::Config;
use mission_control::db::{self, Db, DbConnection};
use mission_control::startup::{AppState, Application};
use serde_json::{json, Value};

pub use reqwest::StatusCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates, for each `async fn name(backend: Backend)`, a module `name` with
/// one test per backend.
#[macro_export]
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    super::$name($crate::common::Backend::Sqlite).await
                }

                #[actix_web::test]
                async fn postgres() {
                    if $crate::common::postgres_available(concat!(module_path!(), "::postgres")) {
                        super::$name($crate::common::Backend::Postgres).await
                    }
                }
            }
        )*
    };
}

pub fn postgres_base_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// The URL of database `name` on the test server. Tests talk to the local server
/// without TLS: a test binary exits while the app's threads still hold
/// connections, and OpenSSL's exit-time clean-up racing with them can crash the
/// process after every test has passed.
pub fn postgres_url(name: &str) -> String {
    format!("{}/{name}?sslmode=disable", postgres_base_url())
}

/// True when PostgreSQL answers. Otherwise prints that the test is skipped, or
/// panics under `CI=true`.
pub fn postgres_available(test: &str) -> bool {
    static AVAILABLE: OnceLock<Result<(), String>> = OnceLock::new();
    let probe = AVAILABLE.get_or_init(|| {
        diesel::PgConnection::establish(&postgres_url("postgres"))
            .map(|_| ())
            .map_err(|e| e.to_string())
    });
    match probe {
        Ok(()) => true,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "CI=true and PostgreSQL at {} is not reachable: {e}",
                postgres_base_url()
            )
        }
        Err(e) => {
            // Straight to stderr: libtest would swallow eprintln! of a passing test.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: PostgreSQL at {} is not reachable ({e})",
                postgres_base_url()
            );
            false
        }
    }
}

/// A database that exists for one test.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub fn create(backend: Backend) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("test.db").display());
                Self {
                    backend,
                    url,
                    name: String::new(),
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let name = format!("mc_test_{}_{}_{}", std::process::id(), n, rand_suffix());
                let mut admin = diesel::PgConnection::establish(&postgres_url("postgres"))
                    .expect("connect to PostgreSQL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create database");
                let url = postgres_url(&name);
                Self {
                    backend,
                    url,
                    name,
                    _dir: None,
                }
            }
        }
    }

    /// Another handle on the same database (for a second instance).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The PostgreSQL database's name (empty for SQLite).
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.backend == Backend::Postgres {
            if let Ok(mut admin) = diesel::PgConnection::establish(&postgres_url("postgres")) {
                let _ = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut admin);
            }
        }
    }
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:x}")
}

/// The configuration tests start from: port 0, a cheap bcrypt cost, one worker.
pub fn test_config(url: &str) -> Config {
    let mut config = Config::from_lookup(|_| None).expect("default config");
    config.database_url = url.to_owned();
    config.bind_addr = "127.0.0.1:0".parse().expect("address");
    config.bcrypt_cost = 4;
    config.workers = 1;
    config.bcrypt_threads = 1;
    config.db_pool_size = 4;
    config.shutdown_grace = Duration::from_secs(1);
    config
}

/// A running app, a client, and a handle on its database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub config: Config,
    handle: actix_web::dev::ServerHandle,
    // Dropped last: the server and pool must be gone before the database.
    pub test_db: std::sync::Arc<TestDb>,
}

pub const EMAIL: &str = "test@example.com";
pub const PASSWORD: &str = "password";

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, customize: impl FnOnce(&mut Config)) -> TestApp {
    let test_db = std::sync::Arc::new(TestDb::create(backend));
    spawn_on(test_db, customize).await
}

/// Starts an app on an existing test database (a second instance).
pub async fn spawn_on(
    test_db: std::sync::Arc<TestDb>,
    customize: impl FnOnce(&mut Config),
) -> TestApp {
    let mut config = test_config(test_db.url());
    customize(&mut config);
    let app = Application::build(config.clone()).expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    actix_web::rt::spawn(app.run());
    let db = Db::connect(&config.database_url, 2, Duration::from_secs(5)).expect("pool");
    let app = TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        db,
        config,
        handle,
        test_db,
    };
    app.seed_user(EMAIL, PASSWORD).await;
    app
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting: `stop` sends the command at once; the returned future
        // only reports completion, which nobody needs to wait for here. The
        // database is dropped when the last TestApp on it goes.
        drop(self.handle.stop(false));
    }
}

/// The keys of a JSON object, in the order the server wrote them.
pub fn keys(v: &Value) -> Vec<&str> {
    v.as_object()
        .expect("a JSON object")
        .keys()
        .map(String::as_str)
        .collect()
}

/// The id part of a plain-text token `<id>|<secret>`.
pub fn token_id(plain: &str) -> i64 {
    plain
        .split_once('|')
        .expect("<id>|<secret>")
        .0
        .parse()
        .expect("numeric id")
}

/// A response read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status and that the body is JSON; returns the body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            self.text
        );
        if status == 204 {
            assert!(self.text.is_empty(), "204 with a body: {}", self.text);
            return Value::Null;
        }
        let ct = self.header("content-type").unwrap_or("");
        assert!(
            ct.starts_with("application/json"),
            "content-type {ct:?} for {}",
            self.text
        );
        self.json()
    }

    /// Asserts a 422 whose `errors.<field>` holds `message`.
    #[track_caller]
    pub fn expect_invalid(&self, field: &str, message: &str) -> Value {
        let body = self.expect(422);
        let messages = body["errors"][field]
            .as_array()
            .unwrap_or_else(|| panic!("no errors.{field} in {body}"));
        assert!(
            messages.iter().any(|m| m == message),
            "errors.{field} = {messages:?}, wanted {message:?}"
        );
        body
    }

    /// Asserts the 401 of the contract.
    #[track_caller]
    pub fn expect_unauthenticated(&self, token_presented: bool) {
        let body = self.expect(401);
        assert_eq!(body, json!({"message": "Unauthenticated."}));
        let challenge = self.header("www-authenticate").expect("WWW-Authenticate");
        if token_presented {
            assert_eq!(challenge, r#"Bearer error="invalid_token""#);
        } else {
            assert_eq!(challenge, "Bearer");
        }
    }

    /// Asserts the 403 of the contract.
    #[track_caller]
    pub fn expect_forbidden(&self) {
        let body = self.expect(403);
        assert_eq!(body, json!({"message": "Invalid ability provided."}));
        assert_eq!(
            self.header("www-authenticate"),
            Some(r#"Bearer error="insufficient_scope""#)
        );
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Sends a request; `token` goes into `Authorization: Bearer`.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, self.url(path));
        if let Some(token) = token {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        read(req.send().await.expect("request sent")).await
    }

    /// Sends a prepared request.
    pub async fn send_raw(&self, req: reqwest::RequestBuilder) -> Reply {
        read(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, None).await
    }

    pub async fn get_auth(&self, path: &str, token: &str) -> Reply {
        self.send("GET", path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send("POST", path, token, Some(&body)).await
    }

    pub async fn login_reply(&self, body: Value) -> Reply {
        self.post("/api/login", None, body).await
    }

    /// Logs in as `email`/`password` with extra fields; returns the plain token.
    pub async fn login_as(&self, email: &str, password: &str, extra: Value) -> String {
        let mut body = json!({"email": email, "password": password});
        if let (Some(b), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(extra.clone());
        }
        let reply = self.login_reply(body).await;
        reply.expect(200)["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// A token of the default user with every ability.
    pub async fn token(&self) -> String {
        self.login_as(EMAIL, PASSWORD, json!({})).await
    }

    /// A token of the default user with just these abilities.
    pub async fn token_with(&self, abilities: &[&str]) -> String {
        self.login_as(EMAIL, PASSWORD, json!({"abilities": abilities}))
            .await
    }

    /// Creates a user straight in the database; returns its id.
    pub async fn seed_user(&self, email: &str, password: &str) -> i64 {
        let hash = mission_control::auth::password::hash(password, 4).expect("hash");
        let email = email.to_owned();
        self.db
            .run(move |conn| {
                let now = db::now();
                if let Some(u) = mission_control::users::queries::find_by_email(conn, &email)? {
                    return Ok(u.id);
                }
                let user = mission_control::users::queries::insert(
                    conn,
                    &mission_control::users::NewUser {
                        name: "Test User",
                        email: &email,
                        password: &hash,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
                Ok(user.id)
            })
            .await
            .expect("seed user")
    }

    /// Creates a planet through the API; returns its JSON.
    pub async fn create_planet(&self, token: &str, body: Value) -> Value {
        self.post("/api/planets", Some(token), body)
            .await
            .expect(201)
    }

    /// Runs raw SQL returning nothing.
    pub async fn execute(&self, sql: &str) {
        let sql = sql.to_owned();
        self.db
            .run(move |conn| Ok(diesel::sql_query(sql).execute(conn)?))
            .await
            .expect("sql");
    }

    /// Runs `f` on a database connection.
    pub async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T> + Send + 'static,
    ) -> T {
        self.db
            .run(move |conn| Ok(f(conn)?))
            .await
            .expect("database")
    }

    /// The app's state, for tests that need its internals.
    pub fn state(&self) -> AppState {
        AppState::new(self.config.clone()).expect("state")
    }
}

async fn read(resp: reqwest::Response) -> Reply {
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    Reply {
        status,
        headers,
        text,
    }
}
