//! `GET /openapi.json` (OpenAPI 3.1, generated from the handlers'
//! `#[utoipa::path]` attributes) and `GET /docs` (Swagger UI, embedded in the
//! binary by utoipa-swagger-ui's `vendored` feature: nothing is fetched from
//! another host, at build time or at run time).
//!
//! The handlers document their `/api/...` paths once; [`api_doc`] copies each of
//! them to `/api/v1/...`, where the same handlers are mounted.

pub mod schemas;

use std::sync::{Arc, OnceLock};

use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpResponse};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::SecurityScheme;
use utoipa::openapi::security::{Flow, HttpAuthScheme, HttpBuilder, OAuth2, Password, Scopes};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::errors::ApiError;
use crate::http::fallback::resource;

pub use schemas::*;

/// The bearer scheme's name in `components.securitySchemes`.
pub const BEARER: &str = "bearer";
/// The OAuth2 password flow's name in `components.securitySchemes`.
pub const OAUTH2: &str = "oauth2";
/// Where the OAuth2 password flow gets its token (our login accepts the form).
pub const TOKEN_URL: &str = "/api/v1/login";
/// Where the spec is served.
pub const SPEC_PATH: &str = "/openapi.json";
/// Where Swagger UI is served.
pub const DOCS_PATH: &str = "/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "mission-control",
        description = "Sanctum-style opaque bearer tokens for any API, with a demo planets catalogue.\n\n\
            Every `/api/...` route is also served, identically, under `/api/v1/...`. \
            Send the token as `Authorization: Bearer <token>`; in Swagger UI, use *Authorize* \
            with the OAuth2 password flow (your email as the username) or paste a token as the bearer value."
    ),
    paths(
        crate::tokens::handlers::login,
        crate::users::handlers::register,
        crate::tokens::handlers::logout,
        crate::users::handlers::show,
        crate::tokens::handlers::list,
        crate::tokens::handlers::create,
        crate::tokens::handlers::delete_all,
        crate::tokens::handlers::delete,
        crate::planets::handlers::list,
        crate::planets::handlers::create,
        crate::planets::handlers::show,
        crate::planets::handlers::update,
        crate::planets::handlers::delete,
        crate::tokens::handlers::revoke,
        crate::tokens::handlers::introspect,
        crate::health::health,
    ),
    components(
        schemas(AbilityName, Message, ValidationErrors),
        responses(
            BadRequest,
            Unauthenticated,
            Forbidden,
            NotFound,
            MethodNotAllowed,
            PayloadTooLarge,
            ValidationFailed,
            TooManyAttempts,
            ServiceUnavailable,
            ServerError
        )
    ),
    tags(
        (name = "auth", description = "Log in (JSON or the OAuth2 password form), register, log out, the current user"),
        (name = "tokens", description = "The caller's own tokens (ability `tokens:manage`)"),
        (name = "planets", description = "The demo resource: public reads, writes with the matching ability"),
        (name = "oauth", description = "RFC 7009 revocation and RFC 7662 introspection, for other services"),
        (name = "health", description = "Liveness and database reachability"),
    ),
    modifiers(&SecuritySchemes, &UniqueOperationIds, &VersionedCopies)
)]
struct ApiDoc;

/// The OpenAPI document of the whole service.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The bearer token, and the OAuth2 password flow whose token URL is our login.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("Sanctum token: <id>|<prefix><40 characters><crc32>")
                    .description(Some(
                        "A token from `POST /api/login` (`token` or `access_token`).",
                    ))
                    .build(),
            ),
        );
        let scopes = Scopes::from_iter([
            ("planets:create", "Create planets"),
            ("planets:update", "Change planets"),
            ("planets:delete", "Delete planets"),
            ("tokens:manage", "List, create and revoke your tokens"),
            ("tokens:introspect", "Introspect other tokens (RFC 7662)"),
        ]);
        components.add_security_scheme(
            OAUTH2,
            SecurityScheme::OAuth2(OAuth2::with_description(
                [Flow::Password(Password::new(TOKEN_URL, scopes))],
                "The OAuth2 password flow: `username` is the email address; no scope selected means \
                 every ability.",
            )),
        );
    }
}

/// Copies every `/api/...` path to `/api/v1/...` (with its own operation ids),
/// since the same routes are served under both prefixes.
struct VersionedCopies;

/// The operations of a path item, with their methods' names.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("Get", &mut item.get),
        ("Put", &mut item.put),
        ("Post", &mut item.post),
        ("Delete", &mut item.delete),
        ("Options", &mut item.options),
        ("Head", &mut item.head),
        ("Patch", &mut item.patch),
        ("Trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
}

/// One handler serving several methods (`PUT` and `PATCH`) yields one operation
/// id per method; the later ones get the method's name appended, since
/// operation ids must be unique.
struct UniqueOperationIds;

impl Modify for UniqueOperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut seen = std::collections::HashSet::new();
        for item in openapi.paths.paths.values_mut() {
            for (method, operation) in operations_mut(item) {
                if let Some(id) = &mut operation.operation_id {
                    if !seen.insert(id.clone()) {
                        id.push_str(method);
                        seen.insert(id.clone());
                    }
                }
            }
        }
    }
}

impl Modify for VersionedCopies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let copies: Vec<(String, PathItem)> = openapi
            .paths
            .paths
            .iter()
            .filter_map(|(path, item)| {
                let rest = path.strip_prefix("/api/")?;
                let mut item = item.clone();
                for (_, operation) in operations_mut(&mut item) {
                    if let Some(id) = &mut operation.operation_id {
                        id.push_str("V1");
                    }
                }
                Some((format!("/api/v1/{rest}"), item))
            })
            .collect();
        openapi.paths.paths.extend(copies);
    }
}

/// The document as served, built once.
fn spec_json() -> Result<&'static str, ApiError> {
    static SPEC: OnceLock<String> = OnceLock::new();
    if let Some(spec) = SPEC.get() {
        return Ok(spec);
    }
    let json = serde_json::to_string(&api_doc()).map_err(|e| {
        ApiError::Internal(anyhow::Error::new(e).context("serializing the OpenAPI document"))
    })?;
    Ok(SPEC.get_or_init(|| json))
}

async fn openapi_json() -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(spec_json()?))
}

/// Swagger UI's settings: our spec, no call to the online validator, and the
/// authorization kept across reloads.
fn swagger_config() -> Config<'static> {
    Config::new([SPEC_PATH])
        .validator_url("none")
        .persist_authorization(true)
        .try_it_out_enabled(true)
        .display_request_duration(true)
}

/// `GET /docs`: Swagger UI's page, with its asset links made absolute so that
/// it works without the trailing slash (`/docs/` serves the same page).
async fn docs_index() -> Result<HttpResponse, ApiError> {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = match PAGE.get() {
        Some(page) => page,
        None => {
            let file = utoipa_swagger_ui::serve("index.html", Arc::new(swagger_config()))
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("Swagger UI: {e}")))?
                .ok_or_else(|| {
                    ApiError::Internal(anyhow::anyhow!("Swagger UI has no index.html"))
                })?;
            let html = String::from_utf8_lossy(&file.bytes)
                .replace("href=\"./", "href=\"/docs/")
                .replace("src=\"./", "src=\"/docs/")
                .replace("href=\"index.css\"", "href=\"/docs/index.css\"");
            PAGE.get_or_init(|| html)
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(page.as_str()))
}

/// `/openapi.json`, `/docs` and Swagger UI's files under `/docs/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource(SPEC_PATH, &["GET"])
            .route(web::get().to(openapi_json))
            .route(web::head().to(openapi_json)),
    )
    .service(
        resource(DOCS_PATH, &["GET"])
            .route(web::get().to(docs_index))
            .route(web::head().to(docs_index)),
    )
    .service(SwaggerUi::new("/docs/{_:.*}").config(swagger_config()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_api_path_has_a_v1_copy_with_its_own_operation_ids() {
        let doc = api_doc();
        let paths = &doc.paths.paths;
        let mut ids = std::collections::HashSet::new();
        for (path, item) in paths {
            if let Some(rest) = path.strip_prefix("/api/") {
                if !rest.starts_with("v1/") {
                    assert!(paths.contains_key(&format!("/api/v1/{rest}")), "{path}");
                }
            }
            let mut item = item.clone();
            for (_, op) in operations_mut(&mut item) {
                let id = op.operation_id.clone().unwrap_or_default();
                assert!(ids.insert(id.clone()), "duplicate operationId {id}");
            }
        }
    }
}
