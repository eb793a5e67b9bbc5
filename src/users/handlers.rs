//! `GET /user` and `POST /register`.

use actix_web::{web, HttpResponse};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;
use serde_json::json;

use super::model::{NewUser, UserJson};
use super::queries;
use crate::auth::password::MAX_PASSWORD_BYTES;
use crate::auth::{Abilities, Authenticated};
use crate::db;
use crate::errors::ApiError;
use crate::http::InputBody;
use crate::startup::AppState;
use crate::tokens::handlers::{no_store, token_request};
use crate::tokens::input::TokenOptions;
use crate::tokens::mint::mint;
use crate::validation::Validator;

/// `GET /user`
#[utoipa::path(
    get,
    path = "/api/user",
    operation_id = "currentUser",
    tag = "auth",
    summary = "The user the token belongs to",
    security(("bearer" = []), ("oauth2" = [])),
    responses(
        (status = 200, description = "The user (never the password hash)", body = UserJson),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn show(auth: Authenticated) -> HttpResponse {
    HttpResponse::Ok().json(UserJson::from(&auth.user))
}

fn email_taken() -> ApiError {
    ApiError::invalid("email", "The email has already been taken.")
}

/// `POST /register` (404 when `REGISTRATION_ENABLED=false`).
#[utoipa::path(
    post,
    path = "/api/register",
    operation_id = "register",
    tag = "auth",
    summary = "Create a user and a token with every ability",
    request_body(content = crate::openapi::RegisterRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The user and its first token", body = crate::openapi::RegisterResponse),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 404, description = "Registration is turned off (`REGISTRATION_ENABLED=false`)", body = crate::openapi::Message),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn register(
    state: web::Data<AppState>,
    body: InputBody,
) -> Result<HttpResponse, ApiError> {
    let input = &body.0;
    let mut v = Validator::new(input);
    let name = v.required_string("name", true, 1, 255);
    let email = v.email("email");
    let password = v.required_string("password", false, 8, 255);
    if let Some(p) = &password {
        if p.len() > MAX_PASSWORD_BYTES {
            v.errors.add(
                "password",
                format!("The password field must not be greater than {MAX_PASSWORD_BYTES} bytes."),
            );
        } else if input.get("password_confirmation").and_then(|c| c.as_str()) != Some(p.as_str()) {
            v.errors.add(
                "password",
                "The password field confirmation does not match.",
            );
        }
    }
    let device_name = v
        .string("device_name", true, 1, 255)
        .value()
        .unwrap_or_else(|| "api-token".into());
    let (Some(name), Some(email), Some(password)) = (name, email, password) else {
        return Err(ApiError::Validation(v.errors));
    };
    v.errors.into_result()?;

    let taken = state.db.run({
        let email = email.clone();
        move |conn| Ok(queries::email_taken(conn, &email)?)
    });
    if taken.await? {
        return Err(email_taken());
    }
    let hash = state.hasher.hash(password).await?;
    let prefix = state.config.token_prefix.clone();
    let options = TokenOptions {
        name: device_name,
        abilities: Abilities::all(),
        expires_in_minutes: None,
    };
    let request = token_request(&state, 0, options);
    let (user, issued) = state
        .db
        .run(move |conn| {
            // One transaction: a user never exists without the token it was promised.
            conn.transaction::<_, ApiError, _>(|conn| {
                let now = db::now();
                let user = queries::insert(
                    conn,
                    &NewUser {
                        name: &name,
                        email: &email,
                        password: &hash,
                        created_at: now,
                        updated_at: now,
                    },
                )
                .map_err(|e| match e {
                    DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                        email_taken()
                    }
                    other => other.into(),
                })?;
                let request = crate::tokens::mint::TokenRequest {
                    user_id: user.id,
                    ..request
                };
                let issued = mint(conn, &prefix, &request, now)?;
                Ok((user, issued))
            })
        })
        .await?;
    log::info!("register: new user {}", user.id);
    let mut body = json!({ "user": UserJson::from(&user) });
    if let (Some(target), Ok(serde_json::Value::Object(token))) =
        (body.as_object_mut(), serde_json::to_value(&issued))
    {
        target.extend(token);
    }
    Ok(no_store(HttpResponse::Created()).json(body))
}
