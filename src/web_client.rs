//! The single-page client at `GET /`, embedded in the binary (files in `web/`).
//!
//! Its Content-Security-Policy allows only same-origin scripts, styles and
//! connections: no inline script, nothing from another host.

use actix_web::http::header::{self, ContentType};
use actix_web::{web, HttpResponse};

use crate::http::fallback::resource;

const INDEX: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const APP_CSS: &str = include_str!("../web/app.css");

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(body)
}

async fn index() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ContentType::html())
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(INDEX)
}

async fn app_js() -> HttpResponse {
    asset("text/javascript; charset=utf-8", APP_JS)
}

async fn app_css() -> HttpResponse {
    asset("text/css; charset=utf-8", APP_CSS)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/", &["GET"])
            .route(web::get().to(index))
            .route(web::head().to(index)),
    )
    .service(resource("/assets/app.js", &["GET"]).route(web::get().to(app_js)))
    .service(resource("/assets/app.css", &["GET"]).route(web::get().to(app_css)));
}
