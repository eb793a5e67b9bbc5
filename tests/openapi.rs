//! `GET /openapi.json` and `GET /docs`: the document is OpenAPI 3.1, matches the
//! routes the server really serves (checked both ways), states the contract's
//! errors, and Swagger UI is served from this host only.
//!
//! The document is also written to `target/openapi.json` for
//! `scripts/openapi-validate.sh`.

mod common;

use std::collections::BTreeSet;

use common::{spawn_app, Backend, TestApp};
use serde_json::Value;

/// Every route of the contract (/work/shared/API.md), under `/api`; each is
/// also served under `/api/v1`.
const API_ROUTES: &[(&str, &str)] = &[
    ("post", "/login"),
    ("post", "/register"),
    ("post", "/logout"),
    ("get", "/user"),
    ("get", "/tokens"),
    ("post", "/tokens"),
    ("delete", "/tokens"),
    ("delete", "/tokens/{id}"),
    ("get", "/planets"),
    ("post", "/planets"),
    ("get", "/planets/{id}"),
    ("put", "/planets/{id}"),
    ("patch", "/planets/{id}"),
    ("delete", "/planets/{id}"),
];

/// The contract's routes outside `/api`.
const OTHER_ROUTES: &[(&str, &str)] = &[
    ("post", "/oauth/revoke"),
    ("post", "/oauth/introspect"),
    ("get", "/health"),
];

/// Served, but pages rather than API operations, so deliberately not in the document.
const NOT_DOCUMENTED: &[&str] = &[
    "/",
    "/assets/app.js",
    "/assets/app.css",
    "/openapi.json",
    "/docs",
];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Methods a probe tries on every documented path (HEAD and OPTIONS are implied
/// by GET and by CORS, and not documented).
const PROBED: &[&str] = &["get", "post", "put", "patch", "delete"];

async fn spec(app: &TestApp) -> Value {
    let reply = app.get("/openapi.json").await;
    let spec = reply.expect(200);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/openapi.json");
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(&path, &reply.text).expect("write target/openapi.json");
    spec
}

/// (method, path) of every operation in the document.
fn operations(spec: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if METHODS.contains(&method.as_str()) {
                ops.insert((method.clone(), path.clone()));
            }
        }
    }
    ops
}

/// True when the server answered as it does for a route it does not have: the
/// fallback's 404 ("The route ... could not be found.") or a 405.
fn route_missing(reply: &common::Reply) -> bool {
    match reply.status.as_u16() {
        405 => true,
        404 => {
            let message = reply.json()["message"].as_str().unwrap_or("").to_owned();
            message.starts_with("The route ") && message.ends_with(" could not be found.")
        }
        _ => false,
    }
}

async fn probe(app: &TestApp, method: &str, path: &str) -> common::Reply {
    let concrete = path.replace("{id}", "1");
    app.send(&method.to_ascii_uppercase(), &concrete, None, None)
        .await
}

#[actix_web::test]
async fn the_document_is_openapi_3_1_with_bearer_and_oauth2_password_schemes() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec = spec(&app).await;
    assert_eq!(spec["openapi"], "3.1.0");
    assert_eq!(spec["info"]["title"], "mission-control");

    let schemes = &spec["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["oauth2"]["type"], "oauth2");
    let password = &schemes["oauth2"]["flows"]["password"];
    assert_eq!(password["tokenUrl"], "/api/v1/login");
    let scopes: BTreeSet<&str> = password["scopes"]
        .as_object()
        .expect("scopes")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        scopes,
        BTreeSet::from([
            "planets:create",
            "planets:update",
            "planets:delete",
            "tokens:manage",
            "tokens:introspect"
        ])
    );

    // Operation ids are unique (the /api/v1 copies get their own).
    let mut ids = BTreeSet::new();
    for (method, path) in operations(&spec) {
        let id = spec["paths"][&path][&method]["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"))
            .to_owned();
        assert!(ids.insert(id.clone()), "operationId {id} twice");
    }
}

#[actix_web::test]
async fn the_token_url_of_the_password_flow_accepts_the_oauth2_form() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec = spec(&app).await;
    let token_url = spec["components"]["securitySchemes"]["oauth2"]["flows"]["password"]
        ["tokenUrl"]
        .as_str()
        .expect("tokenUrl")
        .to_owned();
    // What Swagger UI's Authorize button sends.
    let reply = app
        .send_raw(
            app.client
                .post(app.url(&token_url))
                .header("Authorization", "Basic Og==")
                .form(&[
                    ("grant_type", "password"),
                    ("username", common::EMAIL),
                    ("password", common::PASSWORD),
                    ("scope", "planets:create"),
                ]),
        )
        .await;
    let body = reply.expect(200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["abilities"], serde_json::json!(["planets:create"]));
    let token = body["access_token"].as_str().expect("access_token");
    app.get_auth("/api/v1/user", token).await.expect(200);
}

#[actix_web::test]
async fn every_route_of_the_contract_is_in_the_document_under_both_prefixes() {
    let app = spawn_app(Backend::Sqlite).await;
    let documented = operations(&spec(&app).await);
    let mut expected = BTreeSet::new();
    for (method, path) in API_ROUTES {
        for prefix in ["/api", "/api/v1"] {
            expected.insert((method.to_string(), format!("{prefix}{path}")));
        }
    }
    for (method, path) in OTHER_ROUTES {
        expected.insert((method.to_string(), path.to_string()));
    }
    let missing: Vec<_> = expected.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes missing from /openapi.json: {missing:?}"
    );
    let extra: Vec<_> = documented.difference(&expected).collect();
    assert!(
        extra.is_empty(),
        "operations not in the contract: {extra:?}"
    );
    for path in NOT_DOCUMENTED {
        assert!(
            !documented.iter().any(|(_, p)| p == path),
            "{path} is a page, not an API operation"
        );
    }
}

#[actix_web::test]
async fn the_server_serves_every_documented_operation_and_no_undocumented_method() {
    let app = spawn_app(Backend::Sqlite).await;
    let documented = operations(&spec(&app).await);

    // The probe tells a missing route from a missing record.
    assert!(route_missing(&app.get("/api/v1/nowhere").await));
    assert!(route_missing(
        &app.send("PUT", "/api/login", None, None).await
    ));
    assert!(!route_missing(&app.get("/api/planets/999999").await));

    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in PROBED {
            let reply = probe(&app, method, path).await;
            let listed = documented.contains(&(method.to_string(), path.clone()));
            if listed {
                assert!(
                    !route_missing(&reply),
                    "the document lists {method} {path}, but the server does not serve it: {} {}",
                    reply.status,
                    reply.text
                );
            } else {
                assert!(
                    route_missing(&reply),
                    "the server serves {method} {path} ({} {}), but the document does not list it",
                    reply.status,
                    reply.text
                );
            }
        }
    }
    // The pages outside the document are served.
    for path in NOT_DOCUMENTED {
        let reply = app.get(path).await;
        assert_eq!(reply.status.as_u16(), 200, "GET {path}: {}", reply.text);
    }
}

#[actix_web::test]
async fn operations_state_the_contract_bodies_and_errors() {
    let app = spawn_app(Backend::Sqlite).await;
    let spec = spec(&app).await;
    let responses = &spec["components"]["responses"];
    let schemas = &spec["components"]["schemas"];

    // The error bodies.
    let message_ref = serde_json::json!({"$ref": "#/components/schemas/Message"});
    for name in [
        "BadRequest",
        "Unauthenticated",
        "Forbidden",
        "NotFound",
        "PayloadTooLarge",
        "TooManyAttempts",
        "ServiceUnavailable",
    ] {
        assert_eq!(
            responses[name]["content"]["application/json"]["schema"], message_ref,
            "{name}"
        );
    }
    assert_eq!(
        responses["ValidationFailed"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ValidationErrors"
    );
    let validation = &schemas["ValidationErrors"];
    assert_eq!(
        validation["required"],
        serde_json::json!(["message", "errors"])
    );
    assert_eq!(
        validation["properties"]["errors"]["additionalProperties"]["items"]["type"],
        "string"
    );
    for header in [
        "Retry-After",
        "X-RateLimit-Limit",
        "X-RateLimit-Remaining",
        "X-RateLimit-Reset",
    ] {
        assert!(
            responses["TooManyAttempts"]["headers"][header].is_object(),
            "429 without {header}"
        );
    }
    assert!(responses["Unauthenticated"]["headers"]["WWW-Authenticate"].is_object());
    assert!(responses["Forbidden"]["headers"]["WWW-Authenticate"].is_object());

    let response_ref = |op: &Value, status: &str| -> String {
        op["responses"][status]["$ref"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    for (method, path) in operations(&spec) {
        let op = &spec["paths"][&path][&method];
        let what = format!("{method} {path}");
        assert!(
            op["responses"]
                .as_object()
                .is_some_and(|r| r.keys().any(|s| s.starts_with('2'))),
            "{what}: no success response"
        );
        if path != "/health" {
            assert_eq!(
                response_ref(op, "503"),
                "#/components/responses/ServiceUnavailable",
                "{what}"
            );
        }
        // Authenticated operations: bearer or the password flow, 401, and 403 when
        // an ability is needed.
        if let Some(security) = op["security"].as_array() {
            assert_eq!(security[0], serde_json::json!({"bearer": []}), "{what}");
            assert!(security[1]["oauth2"].is_array(), "{what}");
            assert_eq!(
                response_ref(op, "401"),
                "#/components/responses/Unauthenticated",
                "{what}"
            );
            if security[1]["oauth2"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
            {
                assert_eq!(
                    response_ref(op, "403"),
                    "#/components/responses/Forbidden",
                    "{what}"
                );
            }
        }
        // Operations with a body: 400 (malformed), 413 (too large), 422 unless
        // the contract makes it always 200 (RFC 7009/7662).
        if op["requestBody"].is_object() {
            assert_eq!(
                response_ref(op, "400"),
                "#/components/responses/BadRequest",
                "{what}"
            );
            assert_eq!(
                response_ref(op, "413"),
                "#/components/responses/PayloadTooLarge",
                "{what}"
            );
            if !path.starts_with("/oauth/") {
                assert_eq!(
                    response_ref(op, "422"),
                    "#/components/responses/ValidationFailed",
                    "{what}"
                );
            }
        }
        if path.contains("{id}") {
            assert_eq!(op["parameters"][0]["name"], "id", "{what}");
            assert_eq!(op["parameters"][0]["in"], "path", "{what}");
            assert_eq!(
                response_ref(op, "404"),
                "#/components/responses/NotFound",
                "{what}"
            );
        }
    }

    for prefix in ["/api", "/api/v1"] {
        let login = &spec["paths"][format!("{prefix}/login")]["post"];
        let content = &login["requestBody"]["content"];
        assert_eq!(
            content["application/json"]["schema"]["$ref"],
            "#/components/schemas/LoginRequest"
        );
        assert_eq!(
            content["application/x-www-form-urlencoded"]["schema"]["$ref"],
            "#/components/schemas/OAuth2PasswordForm"
        );
        assert_eq!(
            login["responses"]["429"]["$ref"],
            "#/components/responses/TooManyAttempts"
        );
        assert_eq!(
            login["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/NewTokenJson"
        );
        for (method, path, schema) in [
            ("post", "/register", "RegisterRequest"),
            ("post", "/planets", "NewPlanetRequest"),
            ("put", "/planets/{id}", "PlanetChangesRequest"),
            ("patch", "/planets/{id}", "PlanetChangesRequest"),
            ("post", "/tokens", "NewTokenRequest"),
        ] {
            assert_eq!(
                spec["paths"][format!("{prefix}{path}")][method]["requestBody"]["content"]
                    ["application/json"]["schema"]["$ref"],
                format!("#/components/schemas/{schema}"),
                "{method} {prefix}{path}"
            );
        }
        let create = &spec["paths"][format!("{prefix}/planets")]["post"];
        assert!(create["responses"]["201"]["headers"]["Location"].is_object());
        assert_eq!(
            create["security"][1]["oauth2"],
            serde_json::json!(["planets:create"])
        );
    }
    for path in ["/oauth/revoke", "/oauth/introspect"] {
        let content = &spec["paths"][path]["post"]["requestBody"]["content"];
        for ty in ["application/json", "application/x-www-form-urlencoded"] {
            assert_eq!(
                content[ty]["schema"]["$ref"], "#/components/schemas/TokenParameter",
                "{path} {ty}"
            );
        }
    }
    let form = &schemas["OAuth2PasswordForm"];
    assert_eq!(
        form["required"],
        serde_json::json!(["username", "password"])
    );
    assert!(form["properties"]["scope"].is_object());
    assert!(form["properties"]["grant_type"].is_object());
    let token = &schemas["NewTokenJson"]["properties"];
    for key in [
        "token",
        "access_token",
        "token_type",
        "abilities",
        "expires_at",
    ] {
        assert!(token[key].is_object(), "NewTokenJson.{key}");
    }
    let planet = schemas["PlanetJson"]["properties"]
        .as_object()
        .expect("PlanetJson");
    assert_eq!(planet.len(), 8);
}

/// `src` and `href` attribute values of an HTML page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
    }
    out
}

#[actix_web::test]
async fn docs_serve_swagger_ui_from_this_host_only() {
    let app = spawn_app(Backend::Sqlite).await;
    for page in ["/docs", "/docs/"] {
        let reply = app.get(page).await;
        assert_eq!(reply.status.as_u16(), 200, "GET {page}: {}", reply.text);
        let ct = reply.header("content-type").unwrap_or("");
        assert!(ct.starts_with("text/html"), "GET {page}: {ct}");
        assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
        assert!(reply.text.contains("swagger-ui"), "{}", reply.text);
        assert!(
            !reply.text.contains("http://") && !reply.text.contains("https://"),
            "GET {page} names another host: {}",
            reply.text
        );
        let assets = links(&reply.text);
        assert!(
            assets.iter().any(|a| a.ends_with("swagger-ui-bundle.js")),
            "{assets:?}"
        );
        for asset in assets {
            assert!(!asset.starts_with("//"), "{asset}");
            // Relative links resolve under /docs/.
            let url = if asset.starts_with('/') {
                asset.clone()
            } else {
                format!("/docs/{}", asset.trim_start_matches("./"))
            };
            let reply = app.get(&url).await;
            assert_eq!(reply.status.as_u16(), 200, "GET {url} (from {page})");
            // nosniff: scripts and styles must say what they are.
            let ct = reply.header("content-type").unwrap_or("").to_owned();
            if url.ends_with(".js") {
                assert!(ct.contains("javascript"), "{url}: {ct}");
            } else if url.ends_with(".css") {
                assert!(ct.starts_with("text/css"), "{url}: {ct}");
            }
        }
    }
    // The initializer points at our document and at no other host (no online validator).
    let init = app.get("/docs/swagger-initializer.js").await;
    assert_eq!(init.status.as_u16(), 200);
    assert!(
        init.text.contains("\"url\": \"/openapi.json\""),
        "{}",
        init.text
    );
    assert!(
        init.text.contains("\"validatorUrl\": \"none\""),
        "{}",
        init.text
    );
    assert!(
        !init.text.contains("http://") && !init.text.contains("https://"),
        "{}",
        init.text
    );
    // The styles load nothing from elsewhere either.
    for css in ["/docs/swagger-ui.css", "/docs/index.css"] {
        let reply = app.get(css).await;
        assert!(
            !reply.text.contains("url(http"),
            "{css} loads from another host"
        );
        assert!(!reply.text.contains("@import"), "{css} imports");
    }
}
