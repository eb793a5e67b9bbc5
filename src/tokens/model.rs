//! Tokens: the row, the row to insert, and the JSON shapes. Only the response to
//! a creation carries a plain-text token; nothing here serialises a hash.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::auth::Abilities;
use crate::db::schema::personal_access_tokens;

/// Sanctum's morph type for tokens that belong to a user.
pub const TOKENABLE_TYPE: &str = "App\\Models\\User";

#[derive(Queryable, Selectable, Identifiable, Clone, Debug)]
#[diesel(table_name = personal_access_tokens)]
pub struct AccessToken {
    pub id: i64,
    pub tokenable_type: String,
    pub tokenable_id: i64,
    pub name: String,
    /// sha256 hex of the secret (never the secret itself).
    pub token: String,
    pub abilities: Option<String>,
    pub last_used_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl AccessToken {
    /// When the token stops working: its own `expires_at` or, with
    /// `TOKEN_EXPIRATION_MINUTES`, its creation plus that, whichever is first.
    pub fn effective_expiry(&self, expiration_minutes: Option<i64>) -> Option<NaiveDateTime> {
        let by_config = expiration_minutes
            .zip(self.created_at)
            .map(|(minutes, created)| created + chrono::Duration::minutes(minutes));
        match (self.expires_at, by_config) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn is_expired(&self, expiration_minutes: Option<i64>, now: NaiveDateTime) -> bool {
        self.effective_expiry(expiration_minutes)
            .is_some_and(|at| at <= now)
    }
}

#[derive(Insertable)]
#[diesel(table_name = personal_access_tokens)]
pub struct NewAccessToken<'a> {
    pub tokenable_type: &'a str,
    pub tokenable_id: i64,
    pub name: &'a str,
    pub token: &'a str,
    pub abilities: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The body of a token creation (login, register, `POST /tokens`).
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct NewTokenJson {
    /// For Laravel clients.
    pub token: String,
    /// The same value, for OAuth2 clients.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    pub abilities: Vec<String>,
    #[serde(serialize_with = "crate::timestamps::optional")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<NaiveDateTime>,
}

impl NewTokenJson {
    pub fn new(
        plain_text: String,
        abilities: &Abilities,
        expires_at: Option<NaiveDateTime>,
    ) -> Self {
        Self {
            token: plain_text.clone(),
            access_token: plain_text,
            token_type: "Bearer",
            abilities: abilities.names().to_vec(),
            expires_at,
        }
    }
}

/// One entry of `GET /tokens`.
#[derive(Serialize, Debug, utoipa::ToSchema)]
pub struct TokenJson {
    pub id: i64,
    pub name: String,
    pub abilities: Vec<String>,
    #[serde(serialize_with = "crate::timestamps::optional")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::optional")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "crate::timestamps::optional")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<NaiveDateTime>,
    /// True for the token that made this request.
    pub current: bool,
}
