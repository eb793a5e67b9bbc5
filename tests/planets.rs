//! The planets resource through HTTP, on both backends.

mod common;

use common::{spawn_app, Backend};
use serde_json::{json, Value};

backend_tests!(
    anyone_can_list_and_read,
    create_needs_a_token_and_the_ability,
    create_returns_201_with_location_and_trimmed_name,
    every_validation_rule_is_a_422_with_laravels_wording,
    names_are_unique_ignoring_case,
    concurrent_creates_of_one_name_give_one_201_and_422s,
    put_and_patch_are_partial_updates,
    update_and_delete_need_their_abilities,
    delete_gives_204_then_404,
    unknown_and_non_numeric_ids_are_404,
    pagination_follows_the_contract,
    both_prefixes_serve_the_same_resource,
);

fn timestamp_like_laravel(v: &Value) -> bool {
    let s = v.as_str().unwrap_or("");
    // 2026-12-04T19:30:00.000000Z
    s.len() == 27 && s.ends_with('Z') && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.'
}

async fn anyone_can_list_and_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let created = app
        .create_planet(&token, json!({"name": "Earth", "description": "Home", "diameter_km": 12742, "is_habitable": true}))
        .await;
    let list = app.get("/api/planets").await.expect(200);
    assert_eq!(list["data"][0], created);
    let one = app
        .get(&format!("/api/planets/{}", created["id"]))
        .await
        .expect(200);
    assert_eq!(one, created);
    let keys = common::keys(&one);
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "description",
            "diameter_km",
            "is_habitable",
            "created_by",
            "created_at",
            "updated_at"
        ]
    );
    assert!(
        timestamp_like_laravel(&one["created_at"]),
        "{}",
        one["created_at"]
    );
    assert!(timestamp_like_laravel(&one["updated_at"]));
    assert_eq!(one["is_habitable"], true);
}

async fn create_needs_a_token_and_the_ability(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = json!({"name": "Vulcan"});
    app.post("/api/planets", None, body.clone())
        .await
        .expect_unauthenticated(false);
    app.post("/api/planets", Some("1|nonsense"), body.clone())
        .await
        .expect_unauthenticated(true);
    let read_only = app.token_with(&["planets:update"]).await;
    app.post("/api/planets", Some(&read_only), body.clone())
        .await
        .expect_forbidden();
    // Nothing was written by the refused requests.
    assert_eq!(
        app.get("/api/planets").await.expect(200)["meta"]["total"],
        0
    );
    let creator = app.token_with(&["planets:create"]).await;
    app.post("/api/planets", Some(&creator), body)
        .await
        .expect(201);
}

async fn create_returns_201_with_location_and_trimmed_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let reply = app
        .post(
            "/api/planets",
            Some(&token),
            json!({"name": "  Kepler-22b  ", "unknown_field": [1, 2]}),
        )
        .await;
    let planet = reply.expect(201);
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/planets/{}", planet["id"]).as_str())
    );
    assert_eq!(planet["name"], "Kepler-22b");
    assert_eq!(planet["description"], Value::Null);
    assert_eq!(planet["diameter_km"], Value::Null);
    assert_eq!(planet["is_habitable"], false);
    let user = app.get_auth("/api/user", &token).await.expect(200);
    assert_eq!(planet["created_by"], user["id"]);
    // The Location points at the planet.
    let location = reply.header("location").expect("location").to_owned();
    assert_eq!(app.get(&location).await.expect(200), planet);
}

async fn every_validation_rule_is_a_422_with_laravels_wording(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({}), "name", "The name field is required."),
        (json!({"name": null}), "name", "The name field is required."),
        (
            json!({"name": "   "}),
            "name",
            "The name field is required.",
        ),
        (
            json!({"name": 42}),
            "name",
            "The name field must be a string.",
        ),
        (
            json!({"name": ["a"]}),
            "name",
            "The name field must be a string.",
        ),
        (
            json!({"name": "x".repeat(101)}),
            "name",
            "The name field must not be greater than 100 characters.",
        ),
        (
            json!({"name": "a", "description": 5}),
            "description",
            "The description field must be a string.",
        ),
        (
            json!({"name": "a", "description": "d".repeat(2001)}),
            "description",
            "The description field must not be greater than 2000 characters.",
        ),
        (
            json!({"name": "a", "diameter_km": "big"}),
            "diameter_km",
            "The diameter km field must be an integer.",
        ),
        (
            json!({"name": "a", "diameter_km": 1.5}),
            "diameter_km",
            "The diameter km field must be an integer.",
        ),
        (
            json!({"name": "a", "diameter_km": true}),
            "diameter_km",
            "The diameter km field must be an integer.",
        ),
        (
            json!({"name": "a", "diameter_km": 0}),
            "diameter_km",
            "The diameter km field must be between 1 and 1000000000.",
        ),
        (
            json!({"name": "a", "diameter_km": 1_000_000_001}),
            "diameter_km",
            "The diameter km field must be between 1 and 1000000000.",
        ),
        (
            json!({"name": "a", "is_habitable": "maybe"}),
            "is_habitable",
            "The is habitable field must be true or false.",
        ),
        (
            json!({"name": "a", "is_habitable": 2}),
            "is_habitable",
            "The is habitable field must be true or false.",
        ),
    ];
    for (body, field, message) in cases {
        let reply = app.post("/api/planets", Some(&token), body.clone()).await;
        let json = reply.expect_invalid(field, message);
        assert_eq!(json["message"], message, "for {body}");
    }
    // Limits are inclusive and count characters, not bytes.
    let name = "é".repeat(100);
    let planet = app
        .create_planet(
            &token,
            json!({"name": name, "description": "d".repeat(2000), "diameter_km": 1_000_000_000}),
        )
        .await;
    assert_eq!(planet["name"], name);
    // Several errors: Laravel's summary.
    let reply = app
        .post(
            "/api/planets",
            Some(&token),
            json!({"name": "", "description": 42, "diameter_km": "huge", "is_habitable": "yes"}),
        )
        .await;
    let body = reply.expect(422);
    assert_eq!(
        body["message"],
        "The name field is required. (and 3 more errors)"
    );
    assert_eq!(body["errors"].as_object().map(|o| o.len()), Some(4));
    let reply = app
        .post("/api/planets", Some(&token), json!({"diameter_km": 0}))
        .await;
    assert_eq!(
        reply.expect(422)["message"],
        "The name field is required. (and 1 more error)"
    );
}

async fn names_are_unique_ignoring_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let first = app.create_planet(&token, json!({"name": "Tatooine"})).await;
    for name in ["Tatooine", "TATOOINE", " tatooine "] {
        let reply = app
            .post("/api/planets", Some(&token), json!({"name": name}))
            .await;
        let body = reply.expect_invalid("name", "The name has already been taken.");
        assert_eq!(
            body,
            json!({"message": "The name has already been taken.", "errors": {"name": ["The name has already been taken."]}})
        );
    }
    let other = app.create_planet(&token, json!({"name": "Hoth"})).await;
    let reply = app
        .send(
            "PATCH",
            &format!("/api/planets/{}", other["id"]),
            Some(&token),
            Some(&json!({"name": "tatooine"})),
        )
        .await;
    reply.expect_invalid("name", "The name has already been taken.");
    // Renaming a planet to its own name in another case is fine.
    let reply = app
        .send(
            "PATCH",
            &format!("/api/planets/{}", first["id"]),
            Some(&token),
            Some(&json!({"name": "TATOOINE"})),
        )
        .await;
    assert_eq!(reply.expect(200)["name"], "TATOOINE");
}

async fn concurrent_creates_of_one_name_give_one_201_and_422s(backend: Backend) {
    let app = spawn_app_with_workers(backend).await;
    let token = app.token().await;
    let replies = futures_join(&app, &token, 12).await;
    let created = replies.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "{replies:?}");
    for (status, body) in &replies {
        if *status != 201 {
            assert_eq!(*status, 422, "{body}");
            assert_eq!(
                body["errors"]["name"][0],
                "The name has already been taken."
            );
        }
    }
    assert_eq!(
        app.get("/api/planets").await.expect(200)["meta"]["total"],
        1
    );
}

async fn spawn_app_with_workers(backend: Backend) -> common::TestApp {
    common::spawn_app_with(backend, |c| {
        c.workers = 4;
        c.db_pool_size = 8;
    })
    .await
}

async fn futures_join(app: &common::TestApp, token: &str, n: usize) -> Vec<(u16, Value)> {
    let mut handles = Vec::new();
    for i in 0..n {
        let client = app.client.clone();
        let url = app.url("/api/planets");
        let token = token.to_owned();
        let name = if i % 2 == 0 { "Dagobah" } else { "DAGOBAH" };
        handles.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .header("Authorization", format!("Bearer {token}"))
                .json(&json!({"name": name}))
                .send()
                .await
                .expect("sent");
            let status = resp.status().as_u16();
            (status, resp.json::<Value>().await.expect("json"))
        }));
    }
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("task"));
    }
    out
}

async fn put_and_patch_are_partial_updates(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let planet = app
        .create_planet(&token, json!({"name": "Arrakis", "description": "Desert", "diameter_km": 10000, "is_habitable": true}))
        .await;
    let path = format!("/api/planets/{}", planet["id"]);
    for method in ["PATCH", "PUT"] {
        let updated = app
            .send(
                method,
                &path,
                Some(&token),
                Some(&json!({"diameter_km": 11000})),
            )
            .await
            .expect(200);
        assert_eq!(updated["diameter_km"], 11000);
        assert_eq!(updated["name"], "Arrakis");
        assert_eq!(updated["description"], "Desert");
        assert_eq!(updated["is_habitable"], true);
        assert_eq!(updated["created_at"], planet["created_at"]);
    }
    let updated = app
        .send(
            "PUT",
            &path,
            Some(&token),
            Some(&json!({"description": null, "is_habitable": false, "name": " Dune "})),
        )
        .await
        .expect(200);
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["is_habitable"], false);
    assert_eq!(updated["name"], "Dune");
    assert_eq!(app.get(&path).await.expect(200), updated);
    // An empty body changes nothing and is fine.
    assert_eq!(
        app.send("PATCH", &path, Some(&token), Some(&json!({})))
            .await
            .expect(200)["name"],
        "Dune"
    );
    // Invalid values are 422s and change nothing.
    app.send("PATCH", &path, Some(&token), Some(&json!({"name": ""})))
        .await
        .expect_invalid("name", "The name field is required.");
    app.send(
        "PATCH",
        &path,
        Some(&token),
        Some(&json!({"diameter_km": -1})),
    )
    .await
    .expect_invalid(
        "diameter_km",
        "The diameter km field must be between 1 and 1000000000.",
    );
    assert_eq!(app.get(&path).await.expect(200)["name"], "Dune");
    // Unknown planet.
    let reply = app
        .send(
            "PATCH",
            "/api/planets/999999",
            Some(&token),
            Some(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(reply.expect(404)["message"], "Planet not found.");
}

async fn update_and_delete_need_their_abilities(backend: Backend) {
    let app = spawn_app(backend).await;
    let all = app.token().await;
    let planet = app.create_planet(&all, json!({"name": "Endor"})).await;
    let path = format!("/api/planets/{}", planet["id"]);
    let creator = app.token_with(&["planets:create", "planets:delete"]).await;
    app.send("PATCH", &path, Some(&creator), Some(&json!({"name": "x"})))
        .await
        .expect_forbidden();
    app.send("PUT", &path, Some(&creator), Some(&json!({"name": "x"})))
        .await
        .expect_forbidden();
    app.send("PATCH", &path, None, Some(&json!({"name": "x"})))
        .await
        .expect_unauthenticated(false);
    let updater = app.token_with(&["planets:update"]).await;
    app.send("DELETE", &path, Some(&updater), None)
        .await
        .expect_forbidden();
    app.send("DELETE", &path, None, None)
        .await
        .expect_unauthenticated(false);
    assert_eq!(app.get(&path).await.expect(200)["name"], "Endor");
    app.send(
        "PATCH",
        &path,
        Some(&updater),
        Some(&json!({"name": "Endor II"})),
    )
    .await
    .expect(200);
    app.send("DELETE", &path, Some(&creator), None)
        .await
        .expect(204);
}

async fn delete_gives_204_then_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let planet = app.create_planet(&token, json!({"name": "Alderaan"})).await;
    let path = format!("/api/planets/{}", planet["id"]);
    app.send("DELETE", &path, Some(&token), None)
        .await
        .expect(204);
    assert_eq!(
        app.get(&path).await.expect(404)["message"],
        "Planet not found."
    );
    assert_eq!(
        app.send("DELETE", &path, Some(&token), None)
            .await
            .expect(404)["message"],
        "Planet not found."
    );
    // The name is free again.
    app.create_planet(&token, json!({"name": "Alderaan"})).await;
}

async fn unknown_and_non_numeric_ids_are_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    for id in [
        "999999",
        "abc",
        "0",
        "-1",
        "1.5",
        "99999999999999999999999",
        "%00",
    ] {
        let path = format!("/api/planets/{id}");
        let body = app.get(&path).await.expect(404);
        assert!(body["message"].is_string());
        app.send("DELETE", &path, Some(&token), None)
            .await
            .expect(404);
        app.send("PATCH", &path, Some(&token), Some(&json!({"name": "n"})))
            .await
            .expect(404);
    }
}

async fn pagination_follows_the_contract(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    for i in 1..=23 {
        app.create_planet(&token, json!({"name": format!("P{i:02}")}))
            .await;
    }
    let page1 = app.get("/api/planets").await.expect(200);
    assert_eq!(page1["data"].as_array().map(Vec::len), Some(15));
    assert_eq!(page1["meta"]["current_page"], 1);
    assert_eq!(page1["meta"]["per_page"], 15);
    assert_eq!(page1["meta"]["total"], 23);
    assert_eq!(page1["meta"]["last_page"], 2);
    assert_eq!(page1["links"]["prev"], Value::Null);
    assert!(page1["links"]["next"]
        .as_str()
        .expect("next")
        .ends_with("/api/planets?page=2"));
    assert!(page1["links"]["first"]
        .as_str()
        .expect("first")
        .ends_with("/api/planets?page=1"));
    assert!(page1["links"]["last"]
        .as_str()
        .expect("last")
        .ends_with("/api/planets?page=2"));
    let ids: Vec<i64> = page1["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|p| p["id"].as_i64().expect("id"))
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "ordered by id");

    let page = app.get("/api/planets?page=3&per_page=10").await.expect(200);
    assert_eq!(page["data"].as_array().map(Vec::len), Some(3));
    assert_eq!(page["data"][0]["name"], "P21");
    assert_eq!(page["meta"]["last_page"], 3);
    assert_eq!(page["links"]["next"], Value::Null);
    assert!(page["links"]["prev"]
        .as_str()
        .expect("prev")
        .contains("page=2"));
    // Past the end: an empty page, not an error.
    let page = app.get("/api/planets?page=9").await.expect(200);
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["meta"]["total"], 23);
    assert_eq!(
        app.get("/api/planets?per_page=100").await.expect(200)["data"]
            .as_array()
            .map(Vec::len),
        Some(23)
    );
    assert_eq!(
        app.get("/api/planets?per_page=1").await.expect(200)["meta"]["last_page"],
        23
    );

    for (query, field, message) in [
        (
            "per_page=0",
            "per_page",
            "The per page field must be between 1 and 100.",
        ),
        (
            "per_page=101",
            "per_page",
            "The per page field must be between 1 and 100.",
        ),
        (
            "per_page=abc",
            "per_page",
            "The per page field must be an integer.",
        ),
        (
            "page=0",
            "page",
            "The page field must be between 1 and 2147483647.",
        ),
        ("page=x", "page", "The page field must be an integer."),
    ] {
        app.get(&format!("/api/planets?{query}"))
            .await
            .expect_invalid(field, message);
    }
}

async fn both_prefixes_serve_the_same_resource(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.token().await;
    let planet = app
        .post(
            "/api/v1/planets",
            Some(&token),
            json!({"name": "Gallifrey"}),
        )
        .await
        .expect(201);
    assert_eq!(
        app.get(&format!("/api/v1/planets/{}", planet["id"]))
            .await
            .expect(200),
        planet
    );
    assert_eq!(
        app.get(&format!("/api/planets/{}", planet["id"]))
            .await
            .expect(200),
        planet
    );
    let v1 = app.get("/api/v1/planets").await.expect(200);
    assert!(v1["links"]["first"]
        .as_str()
        .expect("first")
        .contains("/api/v1/planets"));
    assert_eq!(
        v1["data"],
        app.get("/api/planets").await.expect(200)["data"]
    );
}
