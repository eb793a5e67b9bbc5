//! The schema, written by hand with portable types so one definition serves
//! PostgreSQL and SQLite (`Timestamp` is a column without time zone holding UTC).

diesel::table! {
    users (id) {
        id -> BigInt,
        name -> Text,
        email -> Text,
        email_verified_at -> Nullable<Timestamp>,
        password -> Text,
        remember_token -> Nullable<Text>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    personal_access_tokens (id) {
        id -> BigInt,
        tokenable_type -> Text,
        tokenable_id -> BigInt,
        name -> Text,
        token -> Text,
        abilities -> Nullable<Text>,
        last_used_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    planets (id) {
        id -> BigInt,
        name -> Text,
        description -> Nullable<Text>,
        diameter_km -> Nullable<BigInt>,
        is_habitable -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Nullable<Timestamp>,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_attempts (throttle_key) {
        throttle_key -> Text,
        attempts -> Integer,
        available_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(users, personal_access_tokens, planets);

diesel::define_sql_function! {
    /// SQL `lower()`, for case-insensitive names and e-mail addresses.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}
