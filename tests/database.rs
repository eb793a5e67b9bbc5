//! What the database looks like: Laravel's tables and columns, SQLite's
//! per-connection settings, and adopting tables a Laravel app created first.

mod common;

use common::{spawn_app, Backend, TestApp, TestDb};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use mission_control::db::{Db, DbConnection};

backend_tests!(
    tables_have_laravels_columns,
    migrations_adopt_tables_laravel_created
);

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    name: String,
}

fn columns(conn: &mut DbConnection, table: &str) -> QueryResult<Vec<String>> {
    let sql = match conn {
        DbConnection::Postgresql(_) => format!(
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_name = '{table}' AND table_schema = 'public' ORDER BY ordinal_position"
        ),
        DbConnection::Sqlite(_) => {
            format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
        }
    };
    Ok(diesel::sql_query(sql)
        .load::<Column>(conn)?
        .into_iter()
        .map(|c| c.name)
        .collect())
}

async fn tables_have_laravels_columns(backend: Backend) {
    let app = spawn_app(backend).await;
    let (users, tokens, planets) = app
        .with_db(|c| {
            Ok((
                columns(c, "users")?,
                columns(c, "personal_access_tokens")?,
                columns(c, "planets")?,
            ))
        })
        .await;
    assert_eq!(
        users,
        [
            "id",
            "name",
            "email",
            "email_verified_at",
            "password",
            "remember_token",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(
        tokens,
        [
            "id",
            "tokenable_type",
            "tokenable_id",
            "name",
            "token",
            "abilities",
            "last_used_at",
            "expires_at",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(
        planets,
        [
            "id",
            "name",
            "description",
            "diameter_km",
            "is_habitable",
            "created_by",
            "created_at",
            "updated_at"
        ]
    );
    // Timestamps are stored as Laravel writes them: to the second, without zone.
    app.token().await;
    #[derive(QueryableByName)]
    struct Stamp {
        #[diesel(sql_type = Text)]
        t: String,
    }
    let stamp: Stamp = app
        .with_db(|c| {
            let sql = match c {
                DbConnection::Postgresql(_) => {
                    "SELECT created_at::text AS t FROM personal_access_tokens"
                }
                DbConnection::Sqlite(_) => "SELECT created_at AS t FROM personal_access_tokens",
            };
            diesel::sql_query(sql).get_result(c)
        })
        .await;
    assert_eq!(stamp.t.len(), "2026-12-04 19:30:00".len(), "{}", stamp.t);
    assert_eq!(&stamp.t[10..11], " ");
}

/// A Laravel app migrated first: its tables (and rows) are kept as they are.
async fn migrations_adopt_tables_laravel_created(backend: Backend) {
    let db = TestDb::create(backend);
    let pool = Db::connect(db.url(), 1, std::time::Duration::from_secs(5)).expect("pool");
    pool.run_blocking(|c| {
        let (users, tokens) = match c {
            DbConnection::Postgresql(_) => (
                "CREATE TABLE users (id bigserial primary key, name varchar(255) not null, email varchar(255) not null unique, \
                 email_verified_at timestamp(0) null, password varchar(255) not null, remember_token varchar(100) null, \
                 created_at timestamp(0) null, updated_at timestamp(0) null)",
                "CREATE TABLE personal_access_tokens (id bigserial primary key, tokenable_type varchar(255) not null, \
                 tokenable_id bigint not null, name text not null, token varchar(64) not null unique, abilities text null, \
                 last_used_at timestamp(0) null, expires_at timestamp(0) null, created_at timestamp(0) null, updated_at timestamp(0) null)",
            ),
            DbConnection::Sqlite(_) => (
                "CREATE TABLE users (id integer primary key autoincrement not null, name varchar not null, email varchar not null, \
                 email_verified_at datetime, password varchar not null, remember_token varchar, created_at datetime, updated_at datetime)",
                "CREATE TABLE personal_access_tokens (id integer primary key autoincrement not null, tokenable_type varchar not null, \
                 tokenable_id integer not null, name text not null, token varchar not null, abilities text, last_used_at datetime, \
                 expires_at datetime, created_at datetime, updated_at datetime)",
            ),
        };
        diesel::sql_query(users).execute(c)?;
        diesel::sql_query(tokens).execute(c)?;
        diesel::sql_query(
            "INSERT INTO users (name, email, password, created_at, updated_at) VALUES \
             ('Laravel User', 'laravel@example.com', 'x', '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        )
        .execute(c)?;
        Ok(())
    })
    .expect("Laravel's tables");
    let app: TestApp = common::spawn_on(std::sync::Arc::new(db), |_| {}).await;
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let count: Count = app
        .with_db(|c| {
            diesel::sql_query("SELECT COUNT(*) AS n FROM users WHERE email = 'laravel@example.com'")
                .get_result(c)
        })
        .await;
    assert_eq!(count.n, 1, "Laravel's rows are kept");
    app.token().await;
}

#[actix_web::test]
async fn sqlite_connections_get_wal_busy_timeout_and_foreign_keys() {
    let app = spawn_app(Backend::Sqlite).await;
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    #[derive(QueryableByName)]
    struct Timeout {
        #[diesel(sql_type = BigInt)]
        timeout: i64,
    }
    #[derive(QueryableByName)]
    struct Keys {
        #[diesel(sql_type = BigInt)]
        foreign_keys: i64,
    }
    #[derive(QueryableByName)]
    struct Sync {
        #[diesel(sql_type = BigInt)]
        synchronous: i64,
    }
    // Several connections: each is set up when the pool opens it.
    for _ in 0..3 {
        let (mode, timeout, keys, sync) = app
            .with_db(|c| {
                Ok((
                    diesel::sql_query("PRAGMA journal_mode")
                        .get_result::<Mode>(c)?
                        .journal_mode,
                    diesel::sql_query("PRAGMA busy_timeout")
                        .get_result::<Timeout>(c)?
                        .timeout,
                    diesel::sql_query("PRAGMA foreign_keys")
                        .get_result::<Keys>(c)?
                        .foreign_keys,
                    diesel::sql_query("PRAGMA synchronous")
                        .get_result::<Sync>(c)?
                        .synchronous,
                ))
            })
            .await;
        assert_eq!(mode, "wal");
        assert!(timeout >= 1000, "busy_timeout {timeout}");
        assert_eq!(keys, 1);
        assert_eq!(sync, 1, "NORMAL");
    }
}
