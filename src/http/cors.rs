//! CORS for browser clients on other origins (`CORS_ALLOWED_ORIGINS`), as
//! Laravel's `HandleCors` does it:
//!
//! - unset: no CORS headers at all;
//! - a preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`)
//!   is answered here, before routing and authentication, with a 204: allowed
//!   origins get `Access-Control-Allow-Origin` and the methods and headers they
//!   may use (any requested header, as Laravel's `allowed_headers => ['*']`);
//!   other origins get no CORS headers, so the browser refuses;
//! - other requests are served as usual, whatever their origin (the browser
//!   enforces CORS, and a same-origin POST also carries `Origin`); allowed
//!   origins get `Access-Control-Allow-Origin` and the headers they may read.
//!
//! `*` answers `Access-Control-Allow-Origin: *`. Credentials (cookies) are never
//! allowed: tokens travel in the `Authorization` header.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpResponse};

use crate::config::CorsOrigins;
use crate::startup::AppState;

/// The methods a preflight allows.
pub const ALLOWED_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
/// The headers a preflight allows when it names none.
pub const ALLOWED_HEADERS: &str = "Authorization, Content-Type, Accept";
/// The response headers a script on another origin may read.
pub const EXPOSED_HEADERS: &str = "Location, Retry-After, WWW-Authenticate, \
     X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset";
/// How long a browser may cache a preflight, in seconds.
pub const MAX_AGE_SECONDS: &str = "3600";

/// What `Access-Control-Allow-Origin` should say to `origin`, if anything.
pub fn allow_origin(origins: &CorsOrigins, origin: &HeaderValue) -> Option<HeaderValue> {
    match origins {
        CorsOrigins::None => None,
        CorsOrigins::Any => Some(HeaderValue::from_static("*")),
        CorsOrigins::List(list) => {
            let origin_str = origin.to_str().ok()?;
            list.iter()
                .any(|allowed| allowed == origin_str)
                .then(|| origin.clone())
        }
    }
}

fn add_vary(headers: &mut HeaderMap, value: &'static str) {
    headers.append(header::VARY, HeaderValue::from_static(value));
}

/// The middleware (`App::wrap(from_fn(cors))`).
pub async fn cors<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let origins = &state.config.cors_allowed_origins;
    if *origins == CorsOrigins::None {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    // Not a cross-origin request; the answer still depends on Origin for caches.
    let Some(origin) = req.headers().get(header::ORIGIN).cloned() else {
        let mut response = next.call(req).await?;
        add_vary(response.headers_mut(), "Origin");
        return Ok(response.map_into_left_body());
    };
    let allowed = allow_origin(origins, &origin);

    let is_preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if is_preflight {
        let mut response = HttpResponse::NoContent();
        if let Some(allowed) = allowed {
            let requested_headers = req
                .headers()
                .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .cloned()
                .unwrap_or(HeaderValue::from_static(ALLOWED_HEADERS));
            response
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, requested_headers))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS));
        }
        let mut response = response.finish();
        add_vary(response.headers_mut(), "Origin");
        add_vary(response.headers_mut(), "Access-Control-Request-Method");
        add_vary(response.headers_mut(), "Access-Control-Request-Headers");
        return Ok(req.into_response(response).map_into_right_body());
    }

    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    add_vary(headers, "Origin");
    if let Some(allowed) = allowed {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
    }
    Ok(response.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_origins_are_allowed_and_the_wildcard_says_star() {
        let origin = HeaderValue::from_static("http://localhost:3000");
        let list = CorsOrigins::List(vec!["http://localhost:3000".into()]);
        assert_eq!(allow_origin(&list, &origin), Some(origin.clone()));
        let other = HeaderValue::from_static("http://localhost:3001");
        assert_eq!(allow_origin(&list, &other), None);
        assert_eq!(allow_origin(&CorsOrigins::None, &origin), None);
        assert_eq!(
            allow_origin(&CorsOrigins::Any, &other),
            Some(HeaderValue::from_static("*"))
        );
    }
}
