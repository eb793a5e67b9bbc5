//! Login throttling per (email, client IP), with the counters in the database so
//! that every instance sharing it enforces one limit.
//!
//! As Laravel's `RateLimiter`: a failure counts within a one-minute window that
//! starts at the first failure; once `LOGIN_MAX_ATTEMPTS` failures are counted,
//! every attempt (even with the right password) is a 429 until the window ends;
//! a success clears the counter. Unlike Laravel, an attempt is counted before its
//! password is checked ([`reserve`]), so parallel guesses cannot overshoot.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text, Timestamp};

use crate::db::schema::login_attempts;
use crate::db::DbConnection;

/// How long a window lasts.
pub const DECAY_SECONDS: i64 = 60;

/// Laravel's throttle key: the lower-cased e-mail and the client IP.
pub fn key(email: &str, ip: &str) -> String {
    format!("{}|{ip}", email.trim().to_lowercase())
}

/// `Some(seconds until the window ends)` when the key is locked out.
pub fn locked_for(
    conn: &mut DbConnection,
    key: &str,
    max_attempts: u32,
    now: NaiveDateTime,
) -> QueryResult<Option<u64>> {
    let row: Option<(i32, NaiveDateTime)> = login_attempts::table
        .filter(login_attempts::throttle_key.eq(key))
        .select((login_attempts::attempts, login_attempts::available_at))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(attempts, available_at)| {
        (available_at > now && attempts >= max_attempts as i32)
            .then(|| (available_at - now).num_seconds().max(1) as u64)
    }))
}

/// Takes one attempt for `key` before the password is checked: `Some(seconds
/// until the window ends)` when the key is locked out, else `None` with the
/// attempt already counted (a success then clears it).
///
/// Counting first is what keeps a burst of simultaneous guesses to the limit:
/// checking the lock and counting only after a failed bcrypt check would let
/// every request of the burst pass the check before the first one is counted.
pub fn reserve(
    conn: &mut DbConnection,
    key: &str,
    max_attempts: u32,
    now: NaiveDateTime,
) -> QueryResult<Option<u64>> {
    if let Some(seconds) = locked_for(conn, key, max_attempts, now)? {
        return Ok(Some(seconds));
    }
    let attempts = hit(conn, key, now)?;
    if i64::from(attempts) <= i64::from(max_attempts) {
        return Ok(None);
    }
    // Others took the last attempts between the check and the count.
    Ok(Some(
        locked_for(conn, key, max_attempts, now)?.unwrap_or(DECAY_SECONDS as u64),
    ))
}

/// Counts a failure, atomically (a single upsert), and returns the count.
pub fn hit(conn: &mut DbConnection, key: &str, now: NaiveDateTime) -> QueryResult<i32> {
    let window_end = now + chrono::Duration::seconds(DECAY_SECONDS);
    // The same statement on both backends, apart from the placeholders.
    const SQL: &str = "INSERT INTO login_attempts (throttle_key, attempts, available_at) VALUES (?1, 1, ?2) \
        ON CONFLICT (throttle_key) DO UPDATE SET \
        attempts = CASE WHEN login_attempts.available_at <= ?3 THEN 1 ELSE login_attempts.attempts + 1 END, \
        available_at = CASE WHEN login_attempts.available_at <= ?3 THEN excluded.available_at ELSE login_attempts.available_at END \
        RETURNING attempts";
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = Integer)]
        attempts: i32,
    }
    let count: Count = match conn {
        DbConnection::Postgresql(c) => diesel::sql_query(SQL.replace('?', "$"))
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(window_end)
            .bind::<Timestamp, _>(now)
            .get_result(c)?,
        DbConnection::Sqlite(c) => diesel::sql_query(SQL)
            .bind::<Text, _>(key)
            .bind::<Timestamp, _>(window_end)
            .bind::<Timestamp, _>(now)
            .get_result(c)?,
    };
    Ok(count.attempts)
}

/// Clears the key after a successful login.
pub fn clear(conn: &mut DbConnection, key: &str) -> QueryResult<usize> {
    diesel::delete(login_attempts::table.filter(login_attempts::throttle_key.eq(key))).execute(conn)
}
