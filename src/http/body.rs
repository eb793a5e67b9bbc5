//! `InputBody`: a request body as JSON, whatever the client sent.
//!
//! JSON (`application/json`, `*+json`) and HTML/OAuth2 forms
//! (`application/x-www-form-urlencoded`) are read up to 64 KiB. Malformed JSON and
//! other content types are 400s, larger bodies 413s, each with a JSON message.
//! Field types are checked by the handlers' validation, so a wrong type is a 422.
//!
//! Hostile input stops here: the whole body must arrive within
//! [`BODY_READ_TIMEOUT`] (else 408, so a client trickling bytes cannot hold a
//! connection forever), nesting deeper than serde_json's limit of 128 is a 400,
//! and a string holding U+0000 (which PostgreSQL cannot store in text) is a 422
//! on its field instead of a database error.

use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use futures_util::StreamExt;
use serde_json::{Map, Value};

use crate::errors::{ApiError, FieldErrors};

/// The largest body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;

/// How long the whole body may take to arrive once the headers are in (the
/// headers themselves are bounded by the server's client request timeout).
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed body; anything but a JSON object reads as an empty object, as PHP
/// would see it, so the validation reports the missing fields.
#[derive(Debug, Clone)]
pub struct InputBody(pub Map<String, Value>);

enum Kind {
    Json,
    Form,
}

fn kind(req: &HttpRequest) -> Result<Option<Kind>, ApiError> {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return Ok(None);
    };
    let value = value.to_str().unwrap_or("").to_ascii_lowercase();
    let essence = value.split(';').next().unwrap_or("").trim();
    if essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
    {
        Ok(Some(Kind::Json))
    } else if essence == "application/x-www-form-urlencoded" {
        Ok(Some(Kind::Form))
    } else {
        Err(ApiError::BadRequest(
            "Unsupported content type: send application/json (or an application/x-www-form-urlencoded form).".into(),
        ))
    }
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge {
        limit_kib: BODY_LIMIT / 1024,
    }
}

impl FromRequest for InputBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let kind = kind(req);
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if declared.is_some_and(|n| n > BODY_LIMIT) {
                return Err(too_large());
            }
            let read = async {
                let mut body = Vec::new();
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(|e| {
                        ApiError::BadRequest(format!("Could not read the request body: {e}"))
                    })?;
                    if body.len() + chunk.len() > BODY_LIMIT {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(body)
            };
            let body = actix_web::rt::time::timeout(BODY_READ_TIMEOUT, read)
                .await
                .map_err(|_| ApiError::RequestTimeout)??;
            let value = match kind? {
                // No content type: an empty body is an empty input; anything else
                // must say what it is.
                None if body.iter().all(u8::is_ascii_whitespace) => return Ok(InputBody(Map::new())),
                None => {
                    return Err(ApiError::BadRequest(
                        "Missing Content-Type: send application/json (or an application/x-www-form-urlencoded form).".into(),
                    ))
                }
                Some(Kind::Json) if body.iter().all(u8::is_ascii_whitespace) => return Ok(InputBody(Map::new())),
                Some(Kind::Json) => serde_json::from_slice::<Value>(&body)
                    .map_err(|e| ApiError::BadRequest(format!("Malformed JSON: {e}.")))?,
                Some(Kind::Form) => {
                    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
                        .map_err(|_| ApiError::BadRequest("Malformed form body.".into()))?;
                    Value::Object(pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
                }
            };
            let map = match value {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            reject_nul(&map)?;
            Ok(InputBody(map))
        })
    }
}

/// A 422 naming each top-level field whose value (or name) holds U+0000.
fn reject_nul(map: &Map<String, Value>) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    for (key, value) in map {
        if key.contains('\0') || contains_nul(value) {
            let field = key.replace('\0', "");
            let message = format!(
                "The {} field must not contain null characters.",
                field.replace('_', " ")
            );
            errors.add(field, message);
        }
    }
    errors.into_result()
}

/// Recursion is bounded: serde_json refuses nesting deeper than 128.
fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(contains_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || contains_nul(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nul_anywhere_in_a_field_is_a_422_on_that_field() {
        let body = json!({"name": "ok", "description": ["a", {"b\0": 1}], "email": "x\0"});
        let Value::Object(map) = body else {
            unreachable!()
        };
        match reject_nul(&map) {
            Err(ApiError::Validation(errors)) => {
                assert!(errors.has("description") && errors.has("email") && !errors.has("name"));
                assert_eq!(
                    errors.summary(),
                    "The description field must not contain null characters. (and 1 more error)"
                );
            }
            other => panic!("expected a 422, got {other:?}"),
        }
    }
}
