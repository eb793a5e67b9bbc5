-- Tables as Laravel's `users` and Sanctum's `personal_access_tokens` migrations create
-- them on SQLite, so a Laravel application can share this database file.
CREATE TABLE IF NOT EXISTS users (
    id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    name varchar NOT NULL,
    email varchar NOT NULL,
    email_verified_at datetime NULL,
    password varchar NOT NULL,
    remember_token varchar NULL,
    created_at datetime NULL,
    updated_at datetime NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS users_email_unique ON users (email);
CREATE INDEX IF NOT EXISTS users_email_lower_index ON users (lower(email));

CREATE TABLE IF NOT EXISTS personal_access_tokens (
    id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    tokenable_type varchar NOT NULL,
    tokenable_id integer NOT NULL,
    name text NOT NULL,
    token varchar NOT NULL,
    abilities text NULL,
    last_used_at datetime NULL,
    expires_at datetime NULL,
    created_at datetime NULL,
    updated_at datetime NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS personal_access_tokens_token_unique ON personal_access_tokens (token);
CREATE INDEX IF NOT EXISTS personal_access_tokens_tokenable_type_tokenable_id_index
    ON personal_access_tokens (tokenable_type, tokenable_id);
CREATE INDEX IF NOT EXISTS personal_access_tokens_expires_at_index ON personal_access_tokens (expires_at);

CREATE TABLE planets (
    id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
    name varchar NOT NULL,
    description text NULL,
    diameter_km integer NULL,
    is_habitable tinyint(1) NOT NULL DEFAULT 0,
    created_by integer NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at datetime NULL,
    updated_at datetime NULL
);
CREATE UNIQUE INDEX planets_name_lower_unique ON planets (lower(name));

CREATE TABLE login_attempts (
    throttle_key varchar NOT NULL PRIMARY KEY,
    attempts integer NOT NULL,
    available_at datetime NOT NULL
);
