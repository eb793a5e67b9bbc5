//! mission-control: Sanctum-style opaque bearer tokens for any API, with a demo
//! planets catalogue. The library builds the app ([`startup::Application`]); the
//! binary only parses the command line and starts it.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod errors;
pub mod health;
pub mod http;
pub mod openapi;
pub mod planets;
pub mod startup;
pub mod timestamps;
pub mod tokens;
pub mod users;
pub mod validation;
pub mod web_client;

pub use config::Config;
pub use startup::{AppState, Application};
