//! Users: registration and the current user.

pub mod handlers;
pub mod model;
pub mod queries;

use actix_web::web;

use crate::http::fallback::resource;

pub use model::{NewUser, User, UserJson};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/user", &["GET"])
            .route(web::get().to(handlers::show))
            .route(web::head().to(handlers::show)),
    )
    .service(resource("/register", &["POST"]).route(web::post().to(handlers::register)));
}
