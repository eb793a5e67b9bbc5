-- Tables as Laravel's `users` and Sanctum's `personal_access_tokens` migrations create
-- them, so a Laravel application can share this database. IF NOT EXISTS adopts the
-- tables of a Laravel application that migrated first.
CREATE TABLE IF NOT EXISTS users (
    id bigserial PRIMARY KEY,
    name varchar(255) NOT NULL,
    email varchar(255) NOT NULL CONSTRAINT users_email_unique UNIQUE,
    email_verified_at timestamp(0) without time zone NULL,
    password varchar(255) NOT NULL,
    remember_token varchar(100) NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL
);
-- Logins look e-mail addresses up case-insensitively.
CREATE INDEX IF NOT EXISTS users_email_lower_index ON users (lower(email));

CREATE TABLE IF NOT EXISTS personal_access_tokens (
    id bigserial PRIMARY KEY,
    tokenable_type varchar(255) NOT NULL,
    tokenable_id bigint NOT NULL,
    name text NOT NULL,
    token varchar(64) NOT NULL CONSTRAINT personal_access_tokens_token_unique UNIQUE,
    abilities text NULL,
    last_used_at timestamp(0) without time zone NULL,
    expires_at timestamp(0) without time zone NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL
);
CREATE INDEX IF NOT EXISTS personal_access_tokens_tokenable_type_tokenable_id_index
    ON personal_access_tokens (tokenable_type, tokenable_id);
CREATE INDEX IF NOT EXISTS personal_access_tokens_expires_at_index
    ON personal_access_tokens (expires_at);

CREATE TABLE planets (
    id bigserial PRIMARY KEY,
    name varchar(100) NOT NULL,
    description text NULL,
    diameter_km bigint NULL,
    is_habitable boolean NOT NULL DEFAULT false,
    created_by bigint NULL REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL
);
-- Names are unique regardless of case, enforced by the database so that
-- concurrent creates cannot both win.
CREATE UNIQUE INDEX planets_name_lower_unique ON planets (lower(name));

-- Failed logins per (email, client IP); in the database so that every instance
-- sharing it enforces one limit.
CREATE TABLE login_attempts (
    throttle_key varchar(400) PRIMARY KEY,
    attempts integer NOT NULL,
    available_at timestamp(0) without time zone NOT NULL
);
