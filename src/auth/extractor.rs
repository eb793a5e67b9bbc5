//! `Authenticated`: the extractor that yields the current user and token.
//!
//! A handler that takes it needs a valid `Authorization: Bearer <token>` (scheme
//! case-insensitive, white space around the token ignored). Its first line states
//! the ability it needs: `auth.require(Ability::PlanetsCreate)?`. Tokens in query
//! strings or cookies are never looked at.

use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::{ready, Either, LocalBoxFuture, Ready};

use super::abilities::Ability;
use super::verifier::AuthContext;
use crate::errors::ApiError;
use crate::startup::AppState;

/// The current user and token; holding one means the token was valid.
#[derive(Debug, Clone)]
pub struct Authenticated(Arc<AuthContext>);

impl Authenticated {
    /// A 403 unless the token holds `ability` (or `*`).
    pub fn require(&self, ability: Ability) -> Result<(), ApiError> {
        if self.0.abilities.can(ability) {
            Ok(())
        } else {
            Err(ApiError::MissingAbility)
        }
    }
}

impl Deref for Authenticated {
    type Target = AuthContext;

    fn deref(&self) -> &AuthContext {
        &self.0
    }
}

/// The token text of an `Authorization: Bearer` header. `Ok(None)`: no bearer
/// token was sent (no header, another scheme, nothing after `Bearer`).
pub fn bearer_token(req: &HttpRequest) -> Result<Option<&str>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    // Non-ASCII bytes cannot be part of any token we minted.
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthenticated(true))?
        .trim();
    let (scheme, rest) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = rest.trim();
    Ok((!token.is_empty()).then_some(token))
}

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future =
        Either<Ready<Result<Self, ApiError>>, LocalBoxFuture<'static, Result<Self, ApiError>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let parsed = AppState::from_request_ref(req).and_then(|state| {
            let raw = bearer_token(req)?.ok_or(ApiError::unauthenticated(false))?;
            Ok((&state.verifier, state.verifier.parse(raw)?))
        });
        let (verifier, presented) = match parsed {
            Ok(parsed) => parsed,
            Err(e) => return Either::Left(ready(Err(e))),
        };
        // A token verified less than the TTL ago: answered here, no future to box.
        if let Some(hit) = verifier.cached(&presented) {
            return Either::Left(ready(Ok(Authenticated(hit))));
        }
        let verifier = verifier.clone();
        Either::Right(Box::pin(async move {
            verifier.verify(presented).await.map(Authenticated)
        }))
    }
}
