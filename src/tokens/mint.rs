//! Minting a token: the one place that creates a plain text and stores its hash.

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::model::{NewAccessToken, NewTokenJson, TOKENABLE_TYPE};
use super::queries;
use crate::auth::{Abilities, TokenSecret};
use crate::db::DbConnection;

/// What a new token is for.
pub struct TokenRequest {
    pub user_id: i64,
    pub name: String,
    pub abilities: Abilities,
    /// The token's own `expires_at`.
    pub expires_at: Option<NaiveDateTime>,
    /// When it stops working, `TOKEN_EXPIRATION_MINUTES` included (for the response).
    pub effective_expiry: Option<NaiveDateTime>,
}

/// Stores a new token and returns the response carrying its plain text, the
/// only time the plain text exists outside the client.
pub fn mint(
    conn: &mut DbConnection,
    prefix: &str,
    request: &TokenRequest,
    now: NaiveDateTime,
) -> QueryResult<NewTokenJson> {
    let secret = TokenSecret::generate(prefix);
    let hash = secret.hash();
    let id = queries::insert(
        conn,
        &NewAccessToken {
            tokenable_type: TOKENABLE_TYPE,
            tokenable_id: request.user_id,
            name: &request.name,
            token: hash.as_str(),
            abilities: Some(request.abilities.to_column()),
            expires_at: request.expires_at,
            created_at: now,
            updated_at: now,
        },
    )?;
    Ok(NewTokenJson::new(
        secret.plain_text(id),
        &request.abilities,
        request.effective_expiry,
    ))
}
