//! Users: registration and the current user.

pub mod handlers;
pub mod model;
pub mod queries;

use actix_web::{guard, web};

use crate::http::fallback::resource;
use crate::startup::AppState;

pub use model::{NewUser, User, UserJson};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/user", &["GET"])
            .route(web::get().to(handlers::show))
            .route(web::head().to(handlers::show)),
    )
    .service(
        // With REGISTRATION_ENABLED=false the route does not exist: every method
        // and body gets the unknown-route 404.
        resource("/register", &["POST"])
            .guard(guard::fn_guard(|ctx| {
                ctx.app_data::<web::Data<AppState>>()
                    .is_none_or(|state| state.config.registration_enabled)
            }))
            .route(web::post().to(handlers::register)),
    );
}
