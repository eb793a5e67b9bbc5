//! `ApiError`: the one place that turns failures into the contract's JSON bodies.
//!
//! Handlers return `Result<_, ApiError>`; queries return diesel's `QueryResult`,
//! and the `From` impls below turn a lost database into a 503 and anything
//! unexpected into a 500 whose cause goes to the log only.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::json;

/// Validation errors per field, in the order the rules ran (as Laravel reports them).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FieldErrors(Vec<(String, Vec<String>)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a message for `field`.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        let field = field.into();
        match self.0.iter_mut().find(|(f, _)| *f == field) {
            Some((_, messages)) => messages.push(message.into()),
            None => self.0.push((field, vec![message.into()])),
        }
    }

    /// A single error for a single field.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|(f, _)| f == field)
    }

    /// `Ok(())` when there are no errors, else the 422.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self))
        }
    }

    /// Laravel's summary: the first message, plus "(and N more error[s])".
    pub fn summary(&self) -> String {
        let mut all = self.0.iter().flat_map(|(_, m)| m.iter());
        let first = all
            .next()
            .cloned()
            .unwrap_or_else(|| "The given data was invalid.".into());
        match all.count() {
            0 => first,
            1 => format!("{first} (and 1 more error)"),
            n => format!("{first} (and {n} more errors)"),
        }
    }
}

impl Serialize for FieldErrors {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (field, messages) in &self.0 {
            map.serialize_entry(field, messages)?;
        }
        map.end()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed JSON, a body of the wrong content type.
    #[error("{0}")]
    BadRequest(String),
    /// 401. `token_presented` decides the `WWW-Authenticate` challenge.
    #[error("Unauthenticated.")]
    Unauthenticated { token_presented: bool },
    /// 403: the token lacks the route's ability.
    #[error("Invalid ability provided.")]
    MissingAbility,
    /// 404 with the message to show.
    #[error("{0}")]
    NotFound(String),
    /// 405 for a known path; `allowed` lists its methods.
    #[error(
        "The {method} method is not supported for route {path}. Supported methods: {allowed}."
    )]
    MethodNotAllowed {
        method: String,
        path: String,
        allowed: String,
    },
    /// 408: the body did not arrive in time (a slow or stalled client).
    #[error("Request Timeout.")]
    RequestTimeout,
    /// 413: the body is over the limit.
    #[error("The request body must not be larger than {limit_kib} KiB.")]
    PayloadTooLarge { limit_kib: usize },
    /// 422 in Laravel's shape.
    #[error("{}", .0.summary())]
    Validation(FieldErrors),
    /// 429 from the login throttle.
    #[error("Too Many Attempts.")]
    TooManyAttempts { retry_after: u64, limit: u32 },
    /// 503: the database is unreachable. The detail goes to the log only.
    #[error("Service Unavailable.")]
    Unavailable(String),
    /// 500: a bug. The cause goes to the log only.
    #[error("Server Error.")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn not_found() -> Self {
        ApiError::NotFound("Not Found.".into())
    }

    pub fn unauthenticated(token_presented: bool) -> Self {
        ApiError::Unauthenticated { token_presented }
    }

    /// A 422 on one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::Validation(FieldErrors::single(field, message))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            ApiError::MissingAbility => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthenticated { token_presented } => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    if *token_presented {
                        r#"Bearer error="invalid_token""#
                    } else {
                        "Bearer"
                    },
                ));
            }
            ApiError::MissingAbility => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    r#"Bearer error="insufficient_scope""#,
                ));
            }
            ApiError::MethodNotAllowed { allowed, .. } => {
                response.insert_header((header::ALLOW, allowed.as_str()));
            }
            ApiError::TooManyAttempts { retry_after, limit } => {
                let reset = chrono::Utc::now().timestamp() + *retry_after as i64;
                response
                    .insert_header((header::RETRY_AFTER, retry_after.to_string()))
                    .insert_header(("X-RateLimit-Limit", limit.to_string()))
                    .insert_header(("X-RateLimit-Remaining", "0"))
                    .insert_header(("X-RateLimit-Reset", reset.to_string()));
            }
            ApiError::Unavailable(detail) => {
                log::warn!("database unavailable: {detail}");
                response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            ApiError::RequestTimeout => {
                response.insert_header((header::CONNECTION, HeaderValue::from_static("close")));
            }
            ApiError::Internal(cause) => log::error!("internal error: {cause:#}"),
            _ => {}
        }
        match self {
            ApiError::Validation(errors) => {
                response.json(json!({ "message": errors.summary(), "errors": errors }))
            }
            other => response.json(json!({ "message": other.to_string() })),
        }
    }
}

impl From<DieselError> for ApiError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => ApiError::not_found(),
            DieselError::DatabaseError(
                DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
                info,
            ) => ApiError::Unavailable(info.message().to_owned()),
            // libpq reports a dropped server as an unknown error whose message
            // says so; treat it as the outage it is.
            DieselError::DatabaseError(_, ref info) if is_connection_loss(info.message()) => {
                ApiError::Unavailable(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::Unknown, ref info)
                if info.message().contains("database is locked") =>
            {
                ApiError::Unavailable(info.message().to_owned())
            }
            // Text PostgreSQL cannot store (U+0000): the client's input, not a bug.
            // Request bodies are checked before this; it is the backstop.
            DieselError::DatabaseError(_, ref info)
                if info
                    .message()
                    .contains("invalid byte sequence for encoding") =>
            {
                ApiError::BadRequest(
                    "The request contains characters that cannot be stored.".into(),
                )
            }
            other => ApiError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

fn is_connection_loss(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "server closed the connection",
        "terminating connection",
        "connection to server",
        "no connection to the server",
        "could not receive data",
        "could not send data",
        "ssl syscall",
        "connection refused",
        "the database system is shutting down",
        "the database system is starting up",
    ]
    .iter()
    .any(|needle| m.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts_the_other_messages_like_laravel() {
        let mut e = FieldErrors::new();
        e.add("name", "The name field is required.");
        assert_eq!(e.summary(), "The name field is required.");
        e.add("diameter_km", "The diameter km field must be an integer.");
        assert_eq!(
            e.summary(),
            "The name field is required. (and 1 more error)"
        );
        e.add("diameter_km", "x");
        assert_eq!(
            e.summary(),
            "The name field is required. (and 2 more errors)"
        );
        let json = serde_json::to_string(&e).expect("serializes");
        assert!(json.starts_with(r#"{"name":"#), "{json}");
    }
}
