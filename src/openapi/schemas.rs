//! Shapes that exist only to be documented: request bodies (the handlers read
//! them as [`crate::http::InputBody`] and validate field by field, so that a
//! wrong type is a 422 rather than a deserialisation error), the JSON built with
//! `json!` in handlers, and the contract's error bodies and responses.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::{ToResponse, ToSchema};

use crate::planets::PlanetJson;
use crate::tokens::model::TokenJson;
use crate::tokens::NewTokenJson;
use crate::users::UserJson;

/// An ability a token may hold; `*` grants all of them.
#[derive(Serialize, ToSchema)]
pub enum AbilityName {
    #[serde(rename = "*")]
    All,
    #[serde(rename = "planets:create")]
    PlanetsCreate,
    #[serde(rename = "planets:update")]
    PlanetsUpdate,
    #[serde(rename = "planets:delete")]
    PlanetsDelete,
    #[serde(rename = "tokens:manage")]
    TokensManage,
    #[serde(rename = "tokens:introspect")]
    TokensIntrospect,
}

/// Every error body but the 422's.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"message": "Unauthenticated."}))]
pub struct Message {
    pub message: String,
}

/// A 422 in Laravel's shape: the first message (with " (and N more errors)"),
/// and every message per field.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({
    "message": "The name field is required. (and 1 more error)",
    "errors": {
        "name": ["The name field is required."],
        "diameter_km": ["The diameter km field must be an integer."]
    }
}))]
pub struct ValidationErrors {
    pub message: String,
    pub errors: BTreeMap<String, Vec<String>>,
}

/// JSON login (Laravel Sanctum's mobile-app login).
#[derive(Serialize, ToSchema)]
pub struct LoginRequest {
    #[schema(format = Email, example = "test@example.com")]
    pub email: String,
    #[schema(example = "password")]
    pub password: String,
    /// The token's name (default `api-token`).
    #[schema(min_length = 1, max_length = 255)]
    pub device_name: Option<String>,
    /// The token's abilities (default `["*"]`).
    pub abilities: Option<Vec<AbilityName>>,
    /// Lifetime of the token in minutes (default: no expiry, or
    /// `TOKEN_EXPIRATION_MINUTES`).
    #[schema(minimum = 1, maximum = 5256000)]
    pub expires_in_minutes: Option<i64>,
}

/// The OAuth2 password form (RFC 6749 §4.3), as FastAPI's
/// `OAuth2PasswordRequestForm`.
#[derive(Serialize, ToSchema)]
pub struct OAuth2PasswordForm {
    /// The email address.
    #[schema(example = "test@example.com")]
    pub username: String,
    #[schema(example = "password")]
    pub password: String,
    /// Space-separated abilities (default: every ability).
    #[schema(example = "planets:create planets:update")]
    pub scope: Option<String>,
    /// Only `password` is accepted.
    #[schema(pattern = "^password$")]
    pub grant_type: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegisterRequest {
    #[schema(min_length = 1, max_length = 255)]
    pub name: String,
    #[schema(format = Email, max_length = 255)]
    pub email: String,
    #[schema(min_length = 8, max_length = 255)]
    pub password: String,
    /// Must equal `password`.
    pub password_confirmation: String,
    /// The token's name (default `api-token`).
    #[schema(min_length = 1, max_length = 255)]
    pub device_name: Option<String>,
}

/// The new user and a token with every ability.
#[derive(Serialize, ToSchema)]
pub struct RegisterResponse {
    pub user: UserJson,
    #[serde(flatten)]
    pub token: NewTokenJson,
}

/// `POST /planets`. Unknown fields are ignored.
#[derive(Serialize, ToSchema)]
pub struct NewPlanetRequest {
    /// Trimmed; unique, ignoring case.
    #[schema(min_length = 1, max_length = 100, example = "Kepler-22b")]
    pub name: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(minimum = 1, maximum = 1000000000)]
    pub diameter_km: Option<i64>,
    /// Default `false`.
    pub is_habitable: Option<bool>,
}

/// `PUT` or `PATCH /planets/{id}`: fields not sent stay as they were.
#[derive(Serialize, ToSchema)]
pub struct PlanetChangesRequest {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[schema(minimum = 1, maximum = 1000000000)]
    pub diameter_km: Option<i64>,
    pub is_habitable: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct PageMeta {
    pub current_page: i64,
    pub from: Option<i64>,
    pub last_page: i64,
    pub path: String,
    pub per_page: i64,
    pub to: Option<i64>,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PageLinks {
    pub first: String,
    pub last: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// One page of planets, ordered by id, in Laravel's paginator shape.
#[derive(Serialize, ToSchema)]
pub struct PlanetPage {
    pub data: Vec<PlanetJson>,
    pub meta: PageMeta,
    pub links: PageLinks,
}

/// `POST /tokens`.
#[derive(Serialize, ToSchema)]
pub struct NewTokenRequest {
    #[schema(min_length = 1, max_length = 255)]
    pub name: String,
    /// Default `["*"]`; only abilities the calling token holds.
    pub abilities: Option<Vec<AbilityName>>,
    #[schema(minimum = 1, maximum = 5256000)]
    pub expires_in_minutes: Option<i64>,
}

/// The caller's own tokens; never a hash or a plain text.
#[derive(Serialize, ToSchema)]
pub struct TokenList {
    pub data: Vec<TokenJson>,
}

#[derive(Serialize, ToSchema)]
pub struct TokensRevoked {
    pub message: String,
    pub revoked: u64,
}

/// The `token` parameter of RFC 7009 and RFC 7662 (form or JSON).
#[derive(Serialize, ToSchema)]
pub struct TokenParameter {
    pub token: String,
    /// Accepted and ignored.
    pub token_type_hint: Option<String>,
}

/// Always `{}` (RFC 7009).
#[derive(Serialize, ToSchema)]
pub struct EmptyObject {}

/// RFC 7662: exactly `{"active": false}` for an unknown, revoked or expired token.
#[derive(Serialize, ToSchema)]
pub struct Introspection {
    pub active: bool,
    /// The token's abilities, space-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// The user id, as a string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// The user's email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Issued at (Unix time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// Expires at (Unix time); absent when the token does not expire.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

/// `GET /health`.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ok", "database": "ok"}))]
pub struct Health {
    /// `ok`, or `unavailable` with a 503.
    pub status: String,
    /// `ok`, or `unavailable` with a 503.
    pub database: String,
    /// `Service Unavailable.` with a 503.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

// The contract's error responses, shared by every operation.

/// Malformed JSON, or a body that is neither JSON nor a form.
#[derive(ToResponse)]
#[response(example = json!({"message": "Malformed JSON: expected value at line 1 column 1."}))]
pub struct BadRequest(pub Message);

/// No token, or an unknown, revoked or expired one, or a malformed `Authorization` header.
#[derive(ToResponse)]
#[response(
    example = json!({"message": "Unauthenticated."}),
    headers(("WWW-Authenticate" = String, description = "`Bearer`, or `Bearer error=\"invalid_token\"` when a token was presented (RFC 6750)"))
)]
pub struct Unauthenticated(pub Message);

/// The token lacks the route's ability.
#[derive(ToResponse)]
#[response(
    example = json!({"message": "Invalid ability provided."}),
    headers(("WWW-Authenticate" = String, description = "`Bearer error=\"insufficient_scope\"`"))
)]
pub struct Forbidden(pub Message);

/// An unknown (or non-numeric) id.
#[derive(ToResponse)]
#[response(example = json!({"message": "Planet not found."}))]
pub struct NotFound(pub Message);

/// A method the route does not serve.
#[derive(ToResponse)]
#[response(
    example = json!({"message": "The PUT method is not supported for route api/login. Supported methods: POST."}),
    headers(("Allow" = String, description = "The methods the route serves"))
)]
pub struct MethodNotAllowed(pub Message);

/// The body is over 64 KiB.
#[derive(ToResponse)]
#[response(example = json!({"message": "The request body must not be larger than 64 KiB."}))]
pub struct PayloadTooLarge(pub Message);

/// Validation failed (Laravel's shape).
#[derive(ToResponse)]
pub struct ValidationFailed(pub ValidationErrors);

/// Too many failed logins for this email from this address.
#[derive(ToResponse)]
#[response(
    example = json!({"message": "Too Many Attempts."}),
    headers(
        ("Retry-After" = u64, description = "Seconds until the next attempt is allowed"),
        ("X-RateLimit-Limit" = u32, description = "Failed attempts allowed per minute"),
        ("X-RateLimit-Remaining" = u32, description = "Always 0"),
        ("X-RateLimit-Reset" = i64, description = "Unix time when attempts are allowed again")
    )
)]
pub struct TooManyAttempts(pub Message);

/// The database is unreachable; the service recovers by itself.
#[derive(ToResponse)]
#[response(
    example = json!({"message": "Service Unavailable."}),
    headers(("Retry-After" = u64, description = "Seconds to wait before retrying"))
)]
pub struct ServiceUnavailable(pub Message);

/// A bug; the details are in the server's log only.
#[derive(ToResponse)]
#[response(example = json!({"message": "Server Error."}))]
pub struct ServerError(pub Message);
