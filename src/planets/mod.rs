//! The demo resource: a catalogue of planets. Anyone may read; creating,
//! changing and deleting need a token with the matching ability.

pub mod handlers;
pub mod model;
pub mod queries;
pub mod seed;
pub mod validation;

use actix_web::web;

use crate::http::fallback::resource;

pub use model::{Planet, PlanetJson};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/planets", &["GET", "POST"])
            .route(web::get().to(handlers::list))
            .route(web::head().to(handlers::list))
            .route(web::post().to(handlers::create)),
    )
    .service(
        resource("/planets/{id}", &["GET", "PUT", "PATCH", "DELETE"])
            .route(web::get().to(handlers::show))
            .route(web::head().to(handlers::show))
            .route(web::put().to(handlers::update))
            .route(web::patch().to(handlers::update))
            .route(web::delete().to(handlers::delete)),
    );
}
