//! Every diesel query on `users`.

use diesel::prelude::*;

use super::model::{NewUser, User};
use crate::db::schema::{lower, users};
use crate::db::DbConnection;
use crate::with_backend;

/// The user with this e-mail address, ignoring case.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(lower(users::email).eq(email.to_lowercase()))
        .order(users::id.asc())
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn email_taken(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    Ok(find_by_email(conn, email)?.is_some())
}

/// Inserts a user and returns the stored row.
pub fn insert(conn: &mut DbConnection, user: &NewUser<'_>) -> QueryResult<User> {
    with_backend!(conn, |c| diesel::insert_into(users::table)
        .values(user)
        .returning(User::as_returning())
        .get_result(c))
}
