//! Migrations for both backends, embedded in the binary and run at start-up.

use diesel::{sql_query, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use super::DbConnection;

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// An arbitrary constant: instances starting together on one PostgreSQL take this
/// advisory lock so that only one of them migrates at a time.
const MIGRATION_LOCK: i64 = 0x006d_6973_7369_6f6e;

/// Runs every pending migration; returns how many ran.
pub fn run_pending(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let ran = match conn {
        DbConnection::Postgresql(pg) => {
            sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(pg)?;
            let result = pg.run_pending_migrations(POSTGRES).map(|v| v.len());
            sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(pg)?;
            result
        }
        DbConnection::Sqlite(sqlite) => sqlite.run_pending_migrations(SQLITE).map(|v| v.len()),
    };
    ran.map_err(|e| anyhow::anyhow!("running migrations: {e}"))
}
