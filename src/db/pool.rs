//! The r2d2 pool, with per-connection setup for SQLite.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};

use super::{Backend, DbConnection};

pub type ConnectionPool = Pool<ConnectionManager<DbConnection>>;

/// Builds the pool. `timeout` is how long a request waits for a connection before
/// it gets a 503. Connections are opened lazily, so the service starts (and
/// answers 503) even while the database is down.
pub fn build(backend: Backend, url: &str, size: u32, timeout: Duration) -> ConnectionPool {
    let manager = ConnectionManager::<DbConnection>::new(url);
    // SQLite has one writer at a time; a few connections cover concurrent
    // readers (WAL) without piling writers onto the lock.
    let size = match backend {
        Backend::Postgres => size,
        Backend::Sqlite => size.min(8),
    };
    Pool::builder()
        .max_size(size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        .test_on_check_out(false)
        .idle_timeout(Some(Duration::from_secs(300)))
        .connection_customizer(Box::new(ConnectionSetup))
        .build_unchecked(manager)
}

#[derive(Debug)]
struct ConnectionSetup;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for ConnectionSetup {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        let setup = match conn {
            DbConnection::Sqlite(c) => c.batch_execute(
                "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                 PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            ),
            DbConnection::Postgresql(c) => c.batch_execute("SET TIME ZONE 'UTC'"),
        };
        setup.map_err(diesel::r2d2::Error::QueryError)
    }
}
