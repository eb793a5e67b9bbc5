//! `GET /health`: is the process up, and can it reach its database?
//!
//! `GET /health?database=skip` answers without touching the database (liveness
//! only: `{"status": "ok", "database": "skipped"}`), for probes that must not
//! take a pool connection and as the benchmark's ceiling (`scripts/bench.sh`).

use actix_web::http::header::ContentType;
use actix_web::{web, HttpRequest, HttpResponse};
use diesel::RunQueryDsl;
use serde_json::json;

use crate::startup::AppState;

#[utoipa::path(
    get,
    path = "/health",
    operation_id = "health",
    tag = "health",
    summary = "Is the process up, and can it reach its database?",
    params(("database" = Option<String>, Query,
        description = "`skip`: answer without checking the database (liveness only; `\"database\": \"skipped\"`)")),
    responses(
        (status = 200, description = "Up, and the database answers", body = crate::openapi::Health),
        (status = 503, description = "The database is unreachable", body = crate::openapi::Health,
            example = json!({"status": "unavailable", "database": "unavailable", "message": "Service Unavailable."})),
    )
)]
pub async fn health(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if req.query_string() == "database=skip" {
        return HttpResponse::Ok()
            .content_type(ContentType::json())
            .body(r#"{"status":"ok","database":"skipped"}"#);
    }
    let probe = state
        .db
        .run(|conn| Ok(diesel::sql_query("SELECT 1").execute(conn)?))
        .await;
    match probe {
        Ok(_) => HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok" })),
        Err(e) => {
            log::warn!("health check: database unavailable ({e})");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Retry-After", "5"))
                .json(json!({
                    "status": "unavailable",
                    "database": "unavailable",
                    "message": "Service Unavailable.",
                }))
        }
    }
}
