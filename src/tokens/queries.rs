//! Every diesel query on `personal_access_tokens`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{AccessToken, NewAccessToken, TOKENABLE_TYPE};
use crate::db::schema::{personal_access_tokens as pat, users};
use crate::db::DbConnection;
use crate::users::User;
use crate::with_backend;

/// The token with this id and its user.
pub fn find_with_user_by_id(
    conn: &mut DbConnection,
    id: i64,
) -> QueryResult<Option<(AccessToken, User)>> {
    pat::table
        .inner_join(users::table.on(users::id.eq(pat::tokenable_id)))
        .filter(pat::id.eq(id))
        .filter(pat::tokenable_type.eq(TOKENABLE_TYPE))
        .select((AccessToken::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

/// The token with this hash and its user.
pub fn find_with_user_by_hash(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<(AccessToken, User)>> {
    pat::table
        .inner_join(users::table.on(users::id.eq(pat::tokenable_id)))
        .filter(pat::token.eq(hash))
        .filter(pat::tokenable_type.eq(TOKENABLE_TYPE))
        .select((AccessToken::as_select(), User::as_select()))
        .first(conn)
        .optional()
}

/// Records a use, unless one was recorded less than `stale_before` ago (the
/// condition is in SQL so concurrent requests write at most once).
pub fn touch_last_used(
    conn: &mut DbConnection,
    id: i64,
    now: NaiveDateTime,
    stale_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(pat::table)
        .filter(pat::id.eq(id))
        .filter(
            pat::last_used_at
                .is_null()
                .or(pat::last_used_at.lt(stale_before)),
        )
        .set((pat::last_used_at.eq(now), pat::updated_at.eq(now)))
        .execute(conn)
}

/// Inserts a token and returns its id.
pub fn insert(conn: &mut DbConnection, token: &NewAccessToken<'_>) -> QueryResult<i64> {
    with_backend!(conn, |c| diesel::insert_into(pat::table)
        .values(token)
        .returning(pat::id)
        .get_result(c))
}

/// The user's tokens, oldest first.
pub fn list_for_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<AccessToken>> {
    pat::table
        .filter(pat::tokenable_type.eq(TOKENABLE_TYPE))
        .filter(pat::tokenable_id.eq(user_id))
        .order(pat::id.asc())
        .select(AccessToken::as_select())
        .load(conn)
}

/// Deletes one token; returns how many rows went (0 or 1).
pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(pat::table.filter(pat::id.eq(id))).execute(conn)
}

/// Deletes the token if it belongs to the user; returns its hash if it did.
pub fn delete_owned(conn: &mut DbConnection, user_id: i64, id: i64) -> QueryResult<Option<String>> {
    with_backend!(conn, |c| diesel::delete(
        pat::table
            .filter(pat::id.eq(id))
            .filter(pat::tokenable_type.eq(TOKENABLE_TYPE))
            .filter(pat::tokenable_id.eq(user_id))
    )
    .returning(pat::token)
    .get_result(c)
    .optional())
}

/// Deletes every token of the user; returns their hashes.
pub fn delete_all_for_user(conn: &mut DbConnection, user_id: i64) -> QueryResult<Vec<String>> {
    with_backend!(conn, |c| diesel::delete(
        pat::table
            .filter(pat::tokenable_type.eq(TOKENABLE_TYPE))
            .filter(pat::tokenable_id.eq(user_id))
    )
    .returning(pat::token)
    .get_results(c))
}

/// Deletes the token with this hash; returns its id if there was one.
pub fn delete_by_hash(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<i64>> {
    with_backend!(conn, |c| diesel::delete(
        pat::table.filter(pat::token.eq(hash))
    )
    .returning(pat::id)
    .get_result(c)
    .optional())
}

/// `prune-expired`: deletes tokens whose `expires_at` is before `expired_before`
/// and, when given, those created before `created_before`.
pub fn prune(
    conn: &mut DbConnection,
    expired_before: NaiveDateTime,
    created_before: Option<NaiveDateTime>,
) -> QueryResult<usize> {
    let by_expiry =
        diesel::delete(pat::table.filter(pat::expires_at.lt(expired_before))).execute(conn)?;
    let by_age = match created_before {
        Some(cutoff) => {
            diesel::delete(pat::table.filter(pat::created_at.lt(cutoff))).execute(conn)?
        }
        None => 0,
    };
    Ok(by_expiry + by_age)
}
