//! Database access: the backend choice, the pool, the schema and the migrations.
//!
//! Handlers never touch a connection on an async worker: [`Db::run`] moves the
//! closure to actix's blocking thread pool and maps pool and diesel errors onto the
//! contract's statuses (a lost database is a 503). At most as many closures as
//! the pool has connections are handed to that thread pool at once; the rest wait
//! for a permit on the async side, so a burst of requests queues as cheap futures
//! instead of as blocked threads contending for the pool's lock (fewer context
//! switches: `GET /planets` on PostgreSQL got faster with it).

mod backend;
pub mod migrations;
mod pool;
pub mod schema;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use backend::{Backend, DbConnection};
use chrono::{NaiveDateTime, SubsecRound, Utc};
pub use pool::ConnectionPool;

use crate::errors::ApiError;

/// The pool plus the backend it talks to; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: ConnectionPool,
    backend: Backend,
    /// One permit per pooled connection.
    permits: Arc<tokio::sync::Semaphore>,
}

impl Db {
    pub fn connect(database_url: &str, size: u32, timeout: Duration) -> anyhow::Result<Self> {
        let (backend, url) = Backend::from_url(database_url).map_err(anyhow::Error::msg)?;
        let pool = pool::build(backend, &url, size, timeout);
        let permits = Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize));
        Ok(Self {
            pool,
            backend,
            permits,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs `f` with a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        // The pool's connection timeout bounds the whole wait, permit included.
        let timeout = self.pool.connection_timeout();
        let deadline = Instant::now() + timeout;
        let permit = tokio::time::timeout(timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Unavailable("timed out waiting for a connection".into()))?
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("connection permits closed: {e}")))?;
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let _permit = permit;
            let left = deadline.saturating_duration_since(Instant::now());
            let mut conn = pool
                .get_timeout(left.max(Duration::from_millis(1)))
                .map_err(|e| ApiError::Unavailable(e.to_string()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
    }

    pub fn run_blocking<T>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        f(&mut conn)
    }

    /// Runs the embedded migrations.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self
            .pool
            .get()
            .map_err(|e| anyhow::anyhow!("connecting to the database: {e}"))?;
        migrations::run_pending(&mut conn)
    }
}

/// Now, in UTC, to the second: Laravel writes `Y-m-d H:i:s`, and both backends
/// then store the same text.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(0)
}
