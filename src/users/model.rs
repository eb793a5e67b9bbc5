//! Users: the row (which holds the password hash) and the JSON a client sees
//! (which never does).

use std::fmt;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::users;

#[derive(Queryable, Selectable, Identifiable, Clone)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub email_verified_at: Option<NaiveDateTime>,
    pub password: String,
    pub remember_token: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// `GET /user` and the `user` of `/register`.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct UserJson {
    pub id: i64,
    pub name: String,
    pub email: String,
    #[serde(serialize_with = "crate::timestamps::optional")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub email_verified_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::optional")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::optional")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<NaiveDateTime>,
}

impl From<&User> for UserJson {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            name: u.name.clone(),
            email: u.email.clone(),
            email_verified_at: u.email_verified_at,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}
