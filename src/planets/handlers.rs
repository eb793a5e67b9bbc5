//! The planets resource: public reads, writes with the matching ability.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use super::model::PlanetJson;
use super::queries::{self, WriteError};
use super::validation;
use crate::auth::{Ability, Authenticated};
use crate::db;
use crate::errors::ApiError;
use crate::http::InputBody;
use crate::startup::AppState;
use crate::validation::{Presence, Validator};

pub const PER_PAGE_DEFAULT: i64 = 15;
pub const PER_PAGE_MAX: i64 = 100;

/// A path id: anything but a positive integer is simply not found.
pub fn parse_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(ApiError::not_found)
}

fn planet_not_found() -> ApiError {
    ApiError::NotFound("Planet not found.".into())
}

fn write_error(e: WriteError) -> ApiError {
    match e {
        WriteError::NameTaken => ApiError::invalid("name", "The name has already been taken."),
        WriteError::NotFound => planet_not_found(),
        WriteError::Db(e) => e.into(),
    }
}

/// `GET /planets?page=&per_page=`
#[utoipa::path(
    get,
    path = "/api/planets",
    operation_id = "listPlanets",
    tag = "planets",
    summary = "List planets, a page at a time, ordered by id",
    params(
        ("page" = Option<i64>, Query, minimum = 1, description = "The page (default 1)"),
        ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "Planets per page (default 15)"),
    ),
    responses(
        (status = 200, description = "One page of planets", body = crate::openapi::PlanetPage),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let query: serde_json::Map<String, serde_json::Value> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect();
    let mut v = Validator::new(&query);
    let page = match v.integer("page", 1, i64::from(i32::MAX)) {
        Presence::Value(p) => p,
        _ => 1,
    };
    let per_page = match v.integer("per_page", 1, PER_PAGE_MAX) {
        Presence::Value(n) => n,
        _ => PER_PAGE_DEFAULT,
    };
    v.errors.into_result()?;

    let (rows, total) = state
        .db
        .run(move |conn| Ok(queries::page(conn, page, per_page)?))
        .await?;
    let last_page = ((total + per_page - 1) / per_page).max(1);
    let info = req.connection_info();
    let base = format!("{}://{}{}", info.scheme(), info.host(), req.path());
    let link = |p: i64| {
        if per_page == PER_PAGE_DEFAULT {
            format!("{base}?page={p}")
        } else {
            format!("{base}?page={p}&per_page={per_page}")
        }
    };
    let count = rows.len() as i64;
    let from = (count > 0).then(|| (page - 1) * per_page + 1);
    let to = from.map(|f| f + count - 1);
    let links = PageLinks {
        first: link(1),
        last: link(last_page),
        prev: (page > 1).then(|| link((page - 1).min(last_page))),
        next: (page < last_page).then(|| link(page + 1)),
    };
    Ok(HttpResponse::Ok().json(PlanetPage {
        data: rows.into_iter().map(PlanetJson::from).collect(),
        meta: PageMeta {
            current_page: page,
            from,
            last_page,
            path: base,
            per_page,
            to,
            total,
        },
        links,
    }))
}

/// The body of `GET /planets`, serialised straight from these structs (field
/// order as declared) rather than through a `serde_json::Value`.
#[derive(Serialize)]
struct PlanetPage {
    data: Vec<PlanetJson>,
    meta: PageMeta,
    links: PageLinks,
}

#[derive(Serialize)]
struct PageMeta {
    current_page: i64,
    from: Option<i64>,
    last_page: i64,
    path: String,
    per_page: i64,
    to: Option<i64>,
    total: i64,
}

#[derive(Serialize)]
struct PageLinks {
    first: String,
    last: String,
    prev: Option<String>,
    next: Option<String>,
}

/// `GET /planets/{id}`
#[utoipa::path(
    get,
    path = "/api/planets/{id}",
    operation_id = "showPlanet",
    tag = "planets",
    summary = "One planet",
    params(("id" = i64, Path, description = "The planet's id")),
    responses(
        (status = 200, description = "The planet", body = PlanetJson),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn show(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let planet = state
        .db
        .run(move |conn| Ok(queries::find(conn, id)?))
        .await?
        .ok_or_else(planet_not_found)?;
    Ok(HttpResponse::Ok().json(PlanetJson::from(planet)))
}

/// `POST /planets` (ability `planets:create`)
#[utoipa::path(
    post,
    path = "/api/planets",
    operation_id = "createPlanet",
    tag = "planets",
    summary = "Create a planet (ability planets:create)",
    request_body(content = crate::openapi::NewPlanetRequest, content_type = "application/json"),
    security(("bearer" = []), ("oauth2" = ["planets:create"])),
    responses(
        (status = 201, description = "The new planet", body = PlanetJson,
            headers(("Location" = String, description = "`/api/planets/{id}`"))),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn create(
    auth: Authenticated,
    state: web::Data<AppState>,
    body: InputBody,
) -> Result<HttpResponse, ApiError> {
    auth.require(Ability::PlanetsCreate)?;
    let planet =
        validation::new_planet(&body.0, auth.user.id, db::now()).map_err(ApiError::Validation)?;
    let planet = state
        .db
        .run(move |conn| queries::insert(conn, &planet).map_err(write_error))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/planets/{}", planet.id)))
        .json(PlanetJson::from(planet)))
}

/// `PUT` and `PATCH /planets/{id}` (ability `planets:update`): both partial.
#[utoipa::path(
    method(put, patch),
    path = "/api/planets/{id}",
    operation_id = "updatePlanet",
    tag = "planets",
    summary = "Change a planet (ability planets:update); fields not sent stay as they were",
    params(("id" = i64, Path, description = "The planet's id")),
    request_body(content = crate::openapi::PlanetChangesRequest, content_type = "application/json"),
    security(("bearer" = []), ("oauth2" = ["planets:update"])),
    responses(
        (status = 200, description = "The changed planet", body = PlanetJson),
        (status = 400, response = crate::openapi::BadRequest),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 413, response = crate::openapi::PayloadTooLarge),
        (status = 422, response = crate::openapi::ValidationFailed),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn update(
    auth: Authenticated,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: InputBody,
) -> Result<HttpResponse, ApiError> {
    auth.require(Ability::PlanetsUpdate)?;
    let id = parse_id(&id)?;
    let changes = validation::changes(&body.0, db::now()).map_err(ApiError::Validation)?;
    let planet = state
        .db
        .run(move |conn| queries::update(conn, id, &changes).map_err(write_error))
        .await?;
    Ok(HttpResponse::Ok().json(PlanetJson::from(planet)))
}

/// `DELETE /planets/{id}` (ability `planets:delete`)
#[utoipa::path(
    delete,
    path = "/api/planets/{id}",
    operation_id = "deletePlanet",
    tag = "planets",
    summary = "Delete a planet (ability planets:delete)",
    params(("id" = i64, Path, description = "The planet's id")),
    security(("bearer" = []), ("oauth2" = ["planets:delete"])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = crate::openapi::Unauthenticated),
        (status = 403, response = crate::openapi::Forbidden),
        (status = 404, response = crate::openapi::NotFound),
        (status = 503, response = crate::openapi::ServiceUnavailable),
    )
)]
pub async fn delete(
    auth: Authenticated,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    auth.require(Ability::PlanetsDelete)?;
    let id = parse_id(&id)?;
    match state
        .db
        .run(move |conn| Ok(queries::delete(conn, id)?))
        .await?
    {
        0 => Err(planet_not_found()),
        _ => Ok(HttpResponse::NoContent().finish()),
    }
}
