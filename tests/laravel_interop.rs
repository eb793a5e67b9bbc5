//! Sharing a database with Laravel, proven with real PHP (`php-cli`): bcrypt
//! hashes cross both ways, and tokens written the way Sanctum writes them
//! authenticate here, as ours do in Sanctum.
//!
//! Without `php` on the PATH every test here prints "SKIPPED ... php not
//! installed" and passes, unless `CI=true`, where that is a failure
//! (`scripts/test.sh` installs `php-cli`).

mod common;

use std::io::Write;
use std::process::Command;

use common::{spawn_app, Backend, TestApp, EMAIL, PASSWORD};
use serde_json::{json, Value};

backend_tests!(
    a_password_hashed_by_php_logs_in_here,
    a_password_hashed_here_verifies_in_php,
    sanctum_tokens_authenticate_with_and_without_their_id,
    sanctum_4_tokens_with_a_prefix_authenticate,
    expired_and_revoked_sanctum_tokens_are_refused,
    a_token_minted_here_is_found_by_sanctums_lookup,
);

/// True when `php` runs. Otherwise prints that the test is skipped, or panics
/// under `CI=true`.
fn php_available(test: &str) -> bool {
    let runs = Command::new("php")
        .arg("-v")
        .output()
        .is_ok_and(|o| o.status.success());
    if runs {
        return true;
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("CI=true and php is not installed (apt-get install php-cli)");
    }
    // Straight to the process's stderr: the test harness would capture `eprintln!`
    // of a passing test, and scripts/test.sh counts these lines.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED laravel_interop::{test}: php not installed"
    );
    false
}

/// Runs `php -r <code> -- <args>`; returns stdout (trimmed).
fn php(code: &str, args: &[&str]) -> String {
    let output = Command::new("php")
        .arg("-n") // no php.ini: the same behaviour everywhere
        .arg("-r")
        .arg(code)
        .arg("--")
        .args(args)
        .output()
        .expect("php runs");
    assert!(
        output.status.success(),
        "php failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stdout)
        .expect("UTF-8")
        .trim()
        .to_owned()
}

/// Laravel's `Str::random()`, verbatim apart from the closure plumbing.
const STR_RANDOM: &str = r#"
function str_random($length) {
    $string = '';
    while (($len = strlen($string)) < $length) {
        $size = $length - $len;
        $bytesSize = (int) ceil($size / 3) * 3;
        $bytes = random_bytes($bytesSize);
        $string .= substr(str_replace(['/', '+', '='], '', base64_encode($bytes)), 0, $size);
    }
    return $string;
}
"#;

/// A token row as Sanctum's `HasApiTokens::createToken()` writes it, made by PHP.
/// `kind`: `sanctum2` (`Str::random(80)`), `sanctum3` (`Str::random(40)`), or
/// `sanctum4:<prefix>` (`prefix . Str::random(40) . hash('crc32b', …)`).
/// `expires`: seconds from now for `expires_at`, or empty for NULL.
fn sanctum_token(kind: &str, expires: &str) -> Value {
    let code = format!(
        r#"{STR_RANDOM}
[$kind, $expires] = [$argv[1], $argv[2]];
if ($kind === 'sanctum2') {{
    $plain = str_random(80);
}} elseif ($kind === 'sanctum3') {{
    $plain = str_random(40);
}} else {{
    $prefix = substr($kind, strlen('sanctum4:'));
    $entropy = str_random(40);
    $plain = sprintf('%s%s%s', $prefix, $entropy, hash('crc32b', $entropy));
}}
$now = gmdate('Y-m-d H:i:s');
echo json_encode([
    'plain' => $plain,
    'token' => hash('sha256', $plain),
    'tokenable_type' => 'App\\Models\\User',
    'abilities' => json_encode(['*']),
    'expires_at' => $expires === '' ? null : gmdate('Y-m-d H:i:s', time() + (int) $expires),
    'created_at' => $now,
    'updated_at' => $now,
]);
"#
    );
    serde_json::from_str(&php(&code, &[kind, expires])).expect("JSON from PHP")
}

fn sql_text(v: &Value) -> String {
    match v.as_str() {
        Some(s) => format!("'{}'", s.replace('\'', "''")),
        None => "NULL".into(),
    }
}

/// Inserts the row PHP made for the default user; returns its id.
async fn insert_sanctum_row(app: &TestApp, row: &Value, name: &str) -> i64 {
    let user_id = app.seed_user(EMAIL, PASSWORD).await;
    app.execute(&format!(
        "INSERT INTO personal_access_tokens \
         (tokenable_type, tokenable_id, name, token, abilities, last_used_at, expires_at, created_at, updated_at) \
         VALUES ({}, {user_id}, '{name}', {}, {}, NULL, {}, {}, {})",
        sql_text(&row["tokenable_type"]),
        sql_text(&row["token"]),
        sql_text(&row["abilities"]),
        sql_text(&row["expires_at"]),
        sql_text(&row["created_at"]),
        sql_text(&row["updated_at"]),
    ))
    .await;
    let hash = row["token"].as_str().expect("hash").to_owned();
    app.with_db(move |conn| {
        use diesel::prelude::*;
        use mission_control::db::schema::personal_access_tokens as pat;
        pat::table
            .filter(pat::token.eq(hash))
            .select(pat::id)
            .first::<i64>(conn)
    })
    .await
}

async fn stored_column<T: Send + 'static>(
    app: &TestApp,
    f: impl FnOnce(&mut mission_control::db::DbConnection) -> diesel::QueryResult<T> + Send + 'static,
) -> T {
    app.with_db(f).await
}

async fn a_password_hashed_by_php_logs_in_here(backend: Backend) {
    if !php_available("a_password_hashed_by_php_logs_in_here") {
        return;
    }
    let app = spawn_app(backend).await;
    let hash = php(
        "echo password_hash($argv[1], PASSWORD_BCRYPT);",
        &["secret-pw"],
    );
    assert!(hash.starts_with("$2y$10$"), "{hash}");
    app.execute(&format!(
        "INSERT INTO users (name, email, password, created_at, updated_at) \
         VALUES ('From Laravel', 'laravel@example.com', '{hash}', '2026-01-02 03:04:05', '2026-01-02 03:04:05')"
    ))
    .await;
    let token = app
        .login_as("laravel@example.com", "secret-pw", json!({}))
        .await;
    let me = app.get_auth("/api/user", &token).await.expect(200);
    assert_eq!(me["email"], "laravel@example.com");
    assert_eq!(me["name"], "From Laravel");
    assert_eq!(me["created_at"], "2026-01-02T03:04:05.000000Z");
    app.login_reply(json!({"email": "laravel@example.com", "password": "secret-pw!"}))
        .await
        .expect_invalid("email", "The credentials do not match.");
    // The stored hash was left as PHP wrote it.
    let stored: String = stored_column(&app, |conn| {
        use diesel::prelude::*;
        use mission_control::db::schema::users;
        users::table
            .filter(users::email.eq("laravel@example.com"))
            .select(users::password)
            .first(conn)
    })
    .await;
    assert_eq!(stored, hash);
}

async fn a_password_hashed_here_verifies_in_php(backend: Backend) {
    if !php_available("a_password_hashed_here_verifies_in_php") {
        return;
    }
    let app = spawn_app(backend).await;
    app.post(
        "/api/register",
        None,
        json!({"name": "Rusty", "email": "rusty@example.com",
               "password": "hashed-in-rust", "password_confirmation": "hashed-in-rust"}),
    )
    .await
    .expect(201);
    let stored: String = stored_column(&app, |conn| {
        use diesel::prelude::*;
        use mission_control::db::schema::users;
        users::table
            .filter(users::email.eq("rusty@example.com"))
            .select(users::password)
            .first(conn)
    })
    .await;
    assert!(stored.starts_with("$2y$"), "{stored}");
    let check = r#"
        $info = password_get_info($argv[2]);
        echo $info['algoName'], ' ', password_verify($argv[1], $argv[2]) ? 'match' : 'mismatch';
    "#;
    assert_eq!(php(check, &["hashed-in-rust", &stored]), "bcrypt match");
    assert_eq!(php(check, &["hashed-in-rust?", &stored]), "bcrypt mismatch");
    // The seeded user's hash (written by the same code) verifies too.
    let seeded: String = stored_column(&app, |conn| {
        use diesel::prelude::*;
        use mission_control::db::schema::users;
        users::table
            .filter(users::email.eq(EMAIL))
            .select(users::password)
            .first(conn)
    })
    .await;
    assert_eq!(php(check, &[PASSWORD, &seeded]), "bcrypt match");
}

async fn sanctum_tokens_authenticate_with_and_without_their_id(backend: Backend) {
    if !php_available("sanctum_tokens_authenticate_with_and_without_their_id") {
        return;
    }
    let app = spawn_app(backend).await;
    for kind in ["sanctum3", "sanctum2"] {
        let row = sanctum_token(kind, "");
        let secret = row["plain"].as_str().expect("plain").to_owned();
        let expected_len = if kind == "sanctum2" { 80 } else { 40 };
        assert_eq!(secret.len(), expected_len, "{secret}");
        assert!(
            secret.bytes().all(|b| b.is_ascii_alphanumeric()),
            "{secret}"
        );
        // PHP's hash('sha256') is ours.
        assert_eq!(
            row["token"].as_str(),
            Some(mission_control::auth::TokenHash::of(&secret).as_str())
        );
        let id = insert_sanctum_row(&app, &row, kind).await;
        let with_id = format!("{id}|{secret}");
        for presented in [with_id.as_str(), secret.as_str()] {
            let me = app.get_auth("/api/user", presented).await.expect(200);
            assert_eq!(me["email"], EMAIL, "{kind}");
        }
        // `*` from Laravel grants everything here too.
        let list = app.get_auth("/api/tokens", &with_id).await.expect(200);
        let own = list["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|t| t["id"] == id)
            .cloned()
            .expect("listed");
        assert_eq!(own["name"], kind);
        assert_eq!(own["abilities"], json!(["*"]));
        assert_eq!(own["current"], true);
        assert!(
            own["last_used_at"].is_string(),
            "last_used_at written: {own}"
        );
        // The right secret with someone else's id is refused.
        let wrong_id = format!("{}|{secret}", id + 1000);
        app.get_auth("/api/user", &wrong_id)
            .await
            .expect_unauthenticated(true);
    }
}

async fn sanctum_4_tokens_with_a_prefix_authenticate(backend: Backend) {
    if !php_available("sanctum_4_tokens_with_a_prefix_authenticate") {
        return;
    }
    let app = spawn_app(backend).await;
    // Laravel's default (no prefix), another application's prefix, and ours:
    // with our prefix, PHP's crc32b must pass our checksum check.
    for kind in ["sanctum4:", "sanctum4:laravel_", "sanctum4:mc_"] {
        let row = sanctum_token(kind, "3600");
        let secret = row["plain"].as_str().expect("plain").to_owned();
        let id = insert_sanctum_row(&app, &row, kind).await;
        for presented in [format!("{id}|{secret}"), secret.clone()] {
            let me = app.get_auth("/api/user", &presented).await;
            assert_eq!(me.expect(200)["email"], EMAIL, "{kind}: {presented}");
        }
        if kind == "sanctum4:mc_" {
            let entropy = &secret[3..43];
            assert_eq!(
                &secret[43..],
                format!("{:08x}", crc32fast::hash(entropy.as_bytes()))
            );
            // A tampered checksum is refused before any lookup.
            let mut tampered = format!("{id}|{secret}");
            let last = tampered.pop().expect("non-empty");
            tampered.push(if last == '0' { '1' } else { '0' });
            app.get_auth("/api/user", &tampered)
                .await
                .expect_unauthenticated(true);
        }
    }
}

async fn expired_and_revoked_sanctum_tokens_are_refused(backend: Backend) {
    if !php_available("expired_and_revoked_sanctum_tokens_are_refused") {
        return;
    }
    let app = spawn_app(backend).await;
    let expired = sanctum_token("sanctum4:", "-60");
    let id = insert_sanctum_row(&app, &expired, "expired").await;
    let plain = format!("{id}|{}", expired["plain"].as_str().expect("plain"));
    app.get_auth("/api/user", &plain)
        .await
        .expect_unauthenticated(true);

    // Revoked the way Laravel revokes: the row is deleted.
    let live = sanctum_token("sanctum3", "");
    let id = insert_sanctum_row(&app, &live, "live").await;
    let plain = format!("{id}|{}", live["plain"].as_str().expect("plain"));
    app.get_auth("/api/user", &plain).await.expect(200);
    app.execute(&format!(
        "DELETE FROM personal_access_tokens WHERE id = {id}"
    ))
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    app.get_auth("/api/user", &plain)
        .await
        .expect_unauthenticated(true);
}

async fn a_token_minted_here_is_found_by_sanctums_lookup(backend: Backend) {
    if !php_available("a_token_minted_here_is_found_by_sanctums_lookup") {
        return;
    }
    let app = spawn_app(backend).await;
    let plain = app.token().await;
    let (id, secret) = plain.split_once('|').expect("<id>|<secret>");
    let id: i64 = id.parse().expect("id");
    let (stored, tokenable_type, abilities): (String, String, Option<String>) =
        stored_column(&app, move |conn| {
            use diesel::prelude::*;
            use mission_control::db::schema::personal_access_tokens as pat;
            pat::table
                .find(id)
                .select((pat::token, pat::tokenable_type, pat::abilities))
                .first(conn)
        })
        .await;
    assert_eq!(php("echo hash('sha256', $argv[1]);", &[secret]), stored);
    assert_eq!(tokenable_type, "App\\Models\\User");
    assert_eq!(
        php(
            "echo json_encode(json_decode($argv[1]));",
            &[abilities.as_deref().unwrap_or("")]
        ),
        r#"["*"]"#
    );
    // PersonalAccessToken::findToken(), as Sanctum 4 has it, against our row.
    let find_token = r#"
        [$token, $storedId, $storedHash] = [$argv[1], $argv[2], $argv[3]];
        if (strpos($token, '|') === false) {
            echo hash_equals($storedHash, hash('sha256', $token)) ? 'found' : 'missing';
            exit;
        }
        [$id, $token] = explode('|', $token, 2);
        echo ($id === $storedId && hash_equals($storedHash, hash('sha256', $token))) ? 'found' : 'missing';
    "#;
    let id_text = id.to_string();
    assert_eq!(php(find_token, &[&plain, &id_text, &stored]), "found");
    assert_eq!(php(find_token, &[secret, &id_text, &stored]), "found");
    assert_eq!(
        php(find_token, &[&format!("{plain}x"), &id_text, &stored]),
        "missing"
    );
    // Sanctum 4's checksum, computed by PHP, matches ours.
    let entropy = &secret[3..43];
    assert_eq!(
        php("echo hash('crc32b', $argv[1]);", &[entropy]),
        &secret[43..]
    );
}
