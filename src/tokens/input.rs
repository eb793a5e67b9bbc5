//! Parsing the inputs that create tokens (login, `POST /tokens`).

use serde_json::{Map, Value};

use crate::auth::{Abilities, Ability};
use crate::errors::FieldErrors;
use crate::validation::{Presence, Validator};

/// Longest lifetime a client may ask for: ten years.
pub const MAX_LIFETIME_MINUTES: i64 = 5_256_000;
/// A login password longer than this is not worth hashing.
const MAX_LOGIN_PASSWORD: usize = 4096;

pub struct Credentials {
    pub email: String,
    pub password: String,
}

pub struct TokenOptions {
    pub name: String,
    pub abilities: Abilities,
    pub expires_in_minutes: Option<i64>,
}

/// `abilities` (a list) or OAuth2's `scope` (space-separated); default `["*"]`.
fn abilities(v: &mut Validator<'_>, input: &Map<String, Value>) -> Abilities {
    if let Some(Value::String(scope)) = input.get("scope") {
        let names: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
        if names.is_empty() {
            return Abilities::all();
        }
        if names.iter().any(|n| !Ability::is_known(n)) {
            v.errors.add("scope", "The selected scope is invalid.");
        }
        return Abilities::new(names);
    }
    match v.string_list("abilities", Ability::is_known) {
        // An explicit empty list is a token with no abilities, as in Sanctum.
        Presence::Value(names) => Abilities::new(names),
        _ => Abilities::all(),
    }
}

fn lifetime(v: &mut Validator<'_>) -> Option<i64> {
    v.integer("expires_in_minutes", 1, MAX_LIFETIME_MINUTES)
        .value()
}

/// `POST /login`, JSON or the OAuth2 password form (`username`, `password`,
/// `scope`, `grant_type=password`).
pub fn login(input: &Map<String, Value>) -> Result<(Credentials, TokenOptions), FieldErrors> {
    let mut v = Validator::new(input);
    let email_field = if !input.contains_key("email") && input.contains_key("username") {
        "username"
    } else {
        "email"
    };
    let email = v.email(email_field);
    let password = v.required_string("password", false, 1, MAX_LOGIN_PASSWORD);
    if let Some(grant) = input.get("grant_type") {
        if grant.as_str() != Some("password") {
            v.errors
                .add("grant_type", "The selected grant type is invalid.");
        }
    }
    let name = v
        .string("device_name", true, 1, 255)
        .value()
        .unwrap_or_else(|| "api-token".into());
    let abilities = abilities(&mut v, input);
    let expires_in_minutes = lifetime(&mut v);
    match (email, password) {
        (Some(email), Some(password)) if v.errors.is_empty() => Ok((
            Credentials { email, password },
            TokenOptions {
                name,
                abilities,
                expires_in_minutes,
            },
        )),
        _ => Err(v.errors),
    }
}

/// `POST /tokens`: `name` required.
pub fn new_token(input: &Map<String, Value>) -> Result<TokenOptions, FieldErrors> {
    let mut v = Validator::new(input);
    let name = v.required_string("name", true, 1, 255);
    let abilities = abilities(&mut v, input);
    let expires_in_minutes = lifetime(&mut v);
    match name {
        Some(name) if v.errors.is_empty() => Ok(TokenOptions {
            name,
            abilities,
            expires_in_minutes,
        }),
        _ => Err(v.errors),
    }
}

/// The `token` parameter of `/oauth/revoke` and `/oauth/introspect`.
pub fn token_parameter(input: &Map<String, Value>) -> Option<&str> {
    input
        .get("token")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}
