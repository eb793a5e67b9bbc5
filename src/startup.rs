//! Builds the application: state, middleware and every route. `serve` and the
//! tests both start the service through [`Application::build`].

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{from_fn, DefaultHeaders, Logger};
use actix_web::{web, App, HttpRequest, HttpServer};

use crate::auth::{PasswordHasher, TokenVerifier};
use crate::config::Config;
use crate::db::Db;
use crate::errors::ApiError;
use crate::http::fallback::{self, resource};
use crate::{health, planets, tokens, users, web_client};

/// What every handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub verifier: TokenVerifier,
    pub hasher: PasswordHasher,
}

impl AppState {
    /// Builds the state: the pool (connections open lazily) and the hashing threads.
    pub fn new(config: Config) -> anyhow::Result<Self> {
        let db = Db::connect(&config.database_url, config.db_pool_size, config.db_timeout)?;
        let verifier = TokenVerifier::new(
            db.clone(),
            config.token_prefix.clone(),
            config.token_expiration_minutes,
            config.token_cache_ttl,
        );
        let hasher = PasswordHasher::start(config.bcrypt_threads, config.bcrypt_cost);
        Ok(Self {
            config: Arc::new(config),
            db,
            verifier,
            hasher,
        })
    }

    /// The state of the app serving `req`.
    pub fn from_request_ref(req: &HttpRequest) -> Result<&AppState, ApiError> {
        req.app_data::<web::Data<AppState>>()
            .map(|data| data.get_ref())
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState is not registered")))
    }
}

/// Every route of the service, for [`App::configure`].
pub fn routes(cfg: &mut web::ServiceConfig) {
    let api = |cfg: &mut web::ServiceConfig| {
        tokens::configure(cfg);
        users::configure(cfg);
        planets::configure(cfg);
    };
    cfg.service(web::scope("/api/v1").configure(api))
        .service(web::scope("/api").configure(api))
        .service(web::scope("/oauth").configure(tokens::configure_oauth))
        .configure(web_client::configure)
        .configure(crate::openapi::configure)
        .service(
            resource("/health", &["GET"])
                .route(web::get().to(health::health))
                .route(web::head().to(health::health)),
        );
}

/// How long a client has to send the request line and headers (from the first
/// byte of a request); past it the server answers 408 and closes the connection.
pub const CLIENT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a closing connection may linger for the client to read the answer.
pub const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long an idle keep-alive connection stays open.
pub const KEEP_ALIVE: Duration = Duration::from_secs(30);

/// A running server and the port it listens on.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Migrates the database, binds `config.bind_addr` (port 0: any free port)
    /// and prepares the server; [`Application::run`] serves.
    pub fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.bind_addr)
            .map_err(|e| anyhow::anyhow!("binding {}: {e}", config.bind_addr))?;
        let state = AppState::new(config)?;
        let migrated = state.db.migrate()?;
        if migrated > 0 {
            log::info!("ran {migrated} migration(s)");
        }
        Self::with_listener(state, listener)
    }

    /// Serves `state` on an already bound listener.
    pub fn with_listener(state: AppState, listener: TcpListener) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        let config = Arc::clone(&state.config);
        let (workers, grace) = (config.workers, config.shutdown_grace.as_secs());
        let data = web::Data::new(state);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .configure(routes)
                .default_service(web::to(fallback::not_found))
                // Preflights are answered here, before routing and authentication.
                .wrap(from_fn(crate::http::cors::cors))
                .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
                // The path only: a client that puts a token in a query string must not
                // get it written to the log.
                .wrap(
                    Logger::new(r#"%a "%{METHOD}xi %U" %s %b %Dms"#)
                        .custom_request_replace("METHOD", |req| req.method().to_string()),
                )
        })
        .workers(workers)
        .shutdown_timeout(grace)
        .client_request_timeout(CLIENT_REQUEST_TIMEOUT)
        .client_disconnect_timeout(CLIENT_DISCONNECT_TIMEOUT)
        .keep_alive(KEEP_ALIVE)
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server (tests, signals).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until the server stops (SIGTERM/SIGINT: graceful shutdown within
    /// `SHUTDOWN_GRACE_SECONDS`).
    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}
