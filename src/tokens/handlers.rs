//! Login, logout, token management and the OAuth2 revoke/introspect endpoints.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{web, HttpRequest, HttpResponse, HttpResponseBuilder};
use serde_json::json;

use super::input::{self, TokenOptions};
use super::mint::{mint, TokenRequest};
use super::model::TokenJson;
use super::queries;
use crate::auth::{throttle, Abilities, Ability, Authenticated};
use crate::db;
use crate::errors::ApiError;
use crate::http::client_ip::client_ip;
use crate::http::InputBody;
use crate::planets::handlers::parse_id;
use crate::startup::AppState;
use crate::users::queries as users;

/// Responses that carry or describe a token must never be cached (RFC 6749 §5.1).
pub fn no_store(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .insert_header((header::PRAGMA, "no-cache"));
    builder
}

fn credentials_do_not_match() -> ApiError {
    ApiError::invalid("email", "The credentials do not match.")
}

/// A token request for `user_id`, its expiry worked out.
pub fn token_request(state: &AppState, user_id: i64, options: TokenOptions) -> TokenRequest {
    let (expires_at, effective_expiry) = state
        .verifier
        .expiry_for_new(db::now(), options.expires_in_minutes);
    TokenRequest {
        user_id,
        name: options.name,
        abilities: options.abilities,
        expires_at,
        effective_expiry,
    }
}

/// `POST /login`
#[utoipa::path(
    post,
    path = "/api/login",
    operation_id = "login",
    tag = "auth",
    summary = "Log in: a new token (JSON, or the OAuth2 password form)",
    description = "Wrong email and wrong password give the same 422 (`errors.email`), taking the same time. \
        Failed attempts are throttled per email and client address: a 429 after `LOGIN_MAX_ATTEMPTS` within a minute.",
    request_body(content(
        (crate::openapi::LoginRequest = "application/json"),
        (crate::openapi::OAuth2PasswordForm = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "The plain-text token, shown once (`token` and `access_token` hold the same value)",
            body = crate::tokens::NewTokenJson, headers(("Cache-Control" = String, description = "`no-store`"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 429, response = crate::openapi::TooManyAttempts),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: InputBody,
) -> Result<HttpResponse, ApiError> {
    let (credentials, options) = input::login(&body.0).map_err(ApiError::Validation)?;
    let key = throttle::key(
        &credentials.email,
        &client_ip(&req, &state.config.trusted_proxies),
    );
    let max_attempts = state.config.login_max_attempts;

    let (locked, user) = state
        .db
        .run({
            let (key, email) = (key.clone(), credentials.email.clone());
            move |conn| {
                if let Some(seconds) = throttle::reserve(conn, &key, max_attempts, db::now())? {
                    return Ok((Some(seconds), None));
                }
                Ok((None, users::find_by_email(conn, &email)?))
            }
        })
        .await?;
    if let Some(retry_after) = locked {
        return Err(ApiError::TooManyAttempts {
            retry_after,
            limit: max_attempts,
        });
    }

    // Unknown users are checked against a dummy hash: both failures cost the same.
    let stored = user.as_ref().map(|u| u.password.clone());
    let valid = state.hasher.verify(credentials.password, stored).await?;
    // The attempt is already counted; a failure leaves it so.
    let Some(user) = user.filter(|_| valid) else {
        return Err(credentials_do_not_match());
    };

    let request = token_request(&state, user.id, options);
    let prefix = state.config.token_prefix.clone();
    let issued = state
        .db
        .run(move |conn| {
            throttle::clear(conn, &key)?;
            Ok(mint(conn, &prefix, &request, db::now())?)
        })
        .await?;
    log::info!("login: user {} received a new token", user.id);
    Ok(no_store(HttpResponse::Ok()).json(issued))
}

/// `POST /logout`: deletes exactly the token that made the request.
#[utoipa::path(
    post,
    path = "/api/logout",
    operation_id = "logout",
    tag = "auth",
    summary = "Log out: revoke the token that made this request (the others keep working)",
    security(("bearer" = []), ("oauth2" = [])),
    responses(
        (status = 200, description = "`You have been successfully logged out`", body = crate::openapi::Message,
            example = json!({"message": "You have been successfully logged out"})),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn logout(
    auth: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = auth.token.id;
    state
        .db
        .run(move |conn| Ok(queries::delete(conn, id)?))
        .await?;
    state.verifier.forget_hashes([auth.token.token.as_str()]);
    Ok(no_store(HttpResponse::Ok())
        .json(json!({ "message": "You have been successfully logged out" })))
}

/// `GET /tokens` (ability `tokens:manage`): the caller's own tokens.
#[utoipa::path(
    get,
    path = "/api/tokens",
    operation_id = "listTokens",
    tag = "tokens",
    summary = "The caller's own tokens (ability tokens:manage)",
    security(("bearer" = []), ("oauth2" = ["tokens:manage"])),
    responses(
        (status = 200, description = "Every token of the caller; `current` marks the one in use", body = crate::openapi::TokenList),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn list(
    auth: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Ability::TokensManage)?;
    let (user_id, current) = (auth.user.id, auth.token.id);
    let expiration = state.verifier.expiration_minutes();
    let tokens = state
        .db
        .run(move |conn| Ok(queries::list_for_user(conn, user_id)?))
        .await?;
    let data: Vec<TokenJson> = tokens
        .into_iter()
        .map(|t| TokenJson {
            id: t.id,
            abilities: Abilities::from_column(t.abilities.as_deref())
                .names()
                .to_vec(),
            last_used_at: t.last_used_at,
            expires_at: t.effective_expiry(expiration),
            created_at: t.created_at,
            current: t.id == current,
            name: t.name,
        })
        .collect();
    Ok(no_store(HttpResponse::Ok()).json(json!({ "data": data })))
}

/// `POST /tokens` (ability `tokens:manage`): a token can grant only what it holds.
#[utoipa::path(
    post,
    path = "/api/tokens",
    operation_id = "createToken",
    tag = "tokens",
    summary = "Create a token (ability tokens:manage; only abilities the calling token holds)",
    request_body(content = crate::openapi::NewTokenRequest, content_type = "application/json"),
    security(("bearer" = []), ("oauth2" = ["tokens:manage"])),
    responses(
        (status = 201, description = "The plain-text token, shown once", body = crate::tokens::NewTokenJson),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn create(
    auth: Authenticated,
    state: web::Data<AppState>,
    body: InputBody,
) -> Result<HttpResponse, ApiError> {
    auth.require(Ability::TokensManage)?;
    let options = input::new_token(&body.0).map_err(ApiError::Validation)?;
    if !auth.abilities.can_grant(&options.abilities) {
        return Err(ApiError::MissingAbility);
    }
    let request = token_request(&state, auth.user.id, options);
    let prefix = state.config.token_prefix.clone();
    let issued = state
        .db
        .run(move |conn| Ok(mint(conn, &prefix, &request, db::now())?))
        .await?;
    Ok(no_store(HttpResponse::Created()).json(issued))
}

/// `DELETE /tokens/{id}` (ability `tokens:manage`): someone else's id is a 404.
#[utoipa::path(
    delete,
    path = "/api/tokens/{id}",
    operation_id = "deleteToken",
    tag = "tokens",
    summary = "Revoke one of the caller's tokens (ability tokens:manage)",
    params(("id" = i64, Path, description = "The token's id (the part before `|`)")),
    security(("bearer" = []), ("oauth2" = ["tokens:manage"])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn delete(
    auth: Authenticated,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Ability::TokensManage)?;
    let id = parse_id(&id)?;
    let user_id = auth.user.id;
    let hash = state
        .db
        .run(move |conn| Ok(queries::delete_owned(conn, user_id, id)?))
        .await?;
    let hash = hash.ok_or_else(|| ApiError::NotFound("Token not found.".into()))?;
    state.verifier.forget_hashes([hash.as_str()]);
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /tokens` (ability `tokens:manage`): every token of the caller.
#[utoipa::path(
    delete,
    path = "/api/tokens",
    operation_id = "deleteAllTokens",
    tag = "tokens",
    summary = "Revoke every token of the caller, this one included (ability tokens:manage)",
    security(("bearer" = []), ("oauth2" = ["tokens:manage"])),
    responses(
        (status = 200, description = "How many tokens were revoked", body = crate::openapi::TokensRevoked),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn delete_all(
    auth: Authenticated,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Ability::TokensManage)?;
    let user_id = auth.user.id;
    let hashes = state
        .db
        .run(move |conn| Ok(queries::delete_all_for_user(conn, user_id)?))
        .await?;
    state
        .verifier
        .forget_hashes(hashes.iter().map(String::as_str));
    Ok(no_store(HttpResponse::Ok()).json(json!({
        "message": "All tokens have been revoked.",
        "revoked": hashes.len(),
    })))
}

/// `POST /oauth/revoke` (RFC 7009): always 200 `{}`.
#[utoipa::path(
    post,
    path = "/oauth/revoke",
    operation_id = "revokeToken",
    tag = "oauth",
    summary = "Revoke a token (RFC 7009); 200 whether or not it was valid",
    request_body(content(
        (crate::openapi::TokenParameter = "application/x-www-form-urlencoded"),
        (crate::openapi::TokenParameter = "application/json"),
    )),
    responses(
        (status = 200, description = "Always an empty object", body = crate::openapi::EmptyObject),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn revoke(state: web::Data<AppState>, body: InputBody) -> Result<HttpResponse, ApiError> {
    if let Some(presented) =
        input::token_parameter(&body.0).and_then(|t| state.verifier.parse(t).ok())
    {
        let revoked = state
            .db
            .run(move |conn| {
                let found = match presented.id {
                    Some(id) => queries::find_with_user_by_id(conn, id)?,
                    None => queries::find_with_user_by_hash(conn, presented.hash.as_str())?,
                };
                match found {
                    Some((token, _)) if presented.hash.matches(&token.token) => {
                        queries::delete(conn, token.id)?;
                        Ok(Some(token.token))
                    }
                    _ => Ok(None),
                }
            })
            .await?;
        if let Some(hash) = revoked {
            state.verifier.forget_hashes([hash.as_str()]);
        }
    }
    Ok(no_store(HttpResponse::Ok()).json(json!({})))
}

/// `POST /oauth/introspect` (RFC 7662; ability `tokens:introspect`).
#[utoipa::path(
    post,
    path = "/oauth/introspect",
    operation_id = "introspectToken",
    tag = "oauth",
    summary = "Describe a token (RFC 7662); the caller's own token needs tokens:introspect",
    request_body(content(
        (crate::openapi::TokenParameter = "application/x-www-form-urlencoded"),
        (crate::openapi::TokenParameter = "application/json"),
    )),
    security(("bearer" = []), ("oauth2" = ["tokens:introspect"])),
    responses(
        (status = 200, description = "The token's details, or exactly `{\"active\": false}`", body = crate::openapi::Introspection),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn introspect(
    auth: Authenticated,
    state: web::Data<AppState>,
    body: InputBody,
) -> Result<HttpResponse, ApiError> {
    auth.require(Ability::TokensIntrospect)?;
    let inactive = || Ok(no_store(HttpResponse::Ok()).json(json!({ "active": false })));
    let Some(presented) =
        input::token_parameter(&body.0).and_then(|t| state.verifier.parse(t).ok())
    else {
        return inactive();
    };
    let Some(context) = state.verifier.lookup(presented).await? else {
        return inactive();
    };
    let token = &context.token;
    let mut answer = json!({
        "active": true,
        "scope": context.abilities.names().join(" "),
        "token_type": "Bearer",
        "sub": context.user.id.to_string(),
        "username": context.user.email,
        "iat": token.created_at.map(|t| t.and_utc().timestamp()),
    });
    if let Some(exp) = token.effective_expiry(state.verifier.expiration_minutes()) {
        answer["exp"] = json!(exp.and_utc().timestamp());
    }
    Ok(no_store(HttpResponse::Ok()).json(answer))
}
