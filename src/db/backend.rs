//! The two backends, chosen once from `DATABASE_URL`, behind one connection type.

use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;

/// Which database a `DATABASE_URL` points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// Reads the scheme of `DATABASE_URL` and returns the backend with the string
    /// diesel connects with (`sqlite://path` becomes `path`).
    pub fn from_url(url: &str) -> Result<(Backend, String), String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok((Backend::Postgres, url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(
                    "DATABASE_URL: sqlite:// needs a file path, e.g. sqlite://mission-control.db"
                        .into(),
                );
            }
            Ok((Backend::Sqlite, path.to_owned()))
        } else {
            Err("DATABASE_URL: must start with postgres:// or sqlite://".into())
        }
    }
}

/// One connection of either backend. Most queries are written once against this
/// type; where SQL differs (`RETURNING`, upserts) [`with_backend!`] dispatches.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs the same diesel code against the concrete connection inside a
/// [`DbConnection`], for queries that `MultiConnection` cannot express.
#[macro_export]
macro_rules! with_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgresql($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
