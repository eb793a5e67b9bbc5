//! Tokens: login and logout, token management, and OAuth2 revocation and
//! introspection for other services.

pub mod handlers;
pub mod input;
pub mod mint;
pub mod model;
pub mod queries;

use actix_web::web;

use crate::http::fallback::resource;

pub use model::{AccessToken, NewTokenJson, TOKENABLE_TYPE};

/// Routes under `/api` and `/api/v1`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/login", &["POST"]).route(web::post().to(handlers::login)))
        .service(resource("/logout", &["POST"]).route(web::post().to(handlers::logout)))
        .service(
            resource("/tokens", &["GET", "POST", "DELETE"])
                .route(web::get().to(handlers::list))
                .route(web::head().to(handlers::list))
                .route(web::post().to(handlers::create))
                .route(web::delete().to(handlers::delete_all)),
        )
        .service(resource("/tokens/{id}", &["DELETE"]).route(web::delete().to(handlers::delete)));
}

/// Routes under `/oauth`.
pub fn configure_oauth(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/revoke", &["POST"]).route(web::post().to(handlers::revoke)))
        .service(resource("/introspect", &["POST"]).route(web::post().to(handlers::introspect)));
}
