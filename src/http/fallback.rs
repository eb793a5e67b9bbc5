//! JSON answers for unknown routes (404) and wrong methods (405).

use actix_web::{web, HttpRequest, HttpResponse, Resource};

use crate::errors::ApiError;

/// The app's default service: an unknown route.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound(format!(
        "The route {} could not be found.",
        req.path().trim_start_matches('/')
    )))
}

/// A resource at `path` whose unmatched methods get a JSON 405 with `Allow`.
/// `methods` names the routes added to it; GET routes also answer HEAD.
pub fn resource(path: &str, methods: &'static [&'static str]) -> Resource {
    web::resource(path).default_service(web::to(move |req: HttpRequest| async move {
        let mut allowed: Vec<&str> = Vec::new();
        for m in methods {
            allowed.push(m);
            if *m == "GET" {
                allowed.push("HEAD");
            }
        }
        Err::<HttpResponse, _>(ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            path: req.path().trim_start_matches('/').to_owned(),
            allowed: allowed.join(", "),
        })
    }))
}
