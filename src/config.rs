//! Configuration from the environment (and an optional `.env`, loaded by `main`).
//!
//! Every setting of the contract lives here, with its default. A bad value is a
//! [`ConfigError`] whose one-line message names the variable, so start-up can stop
//! with something a person can act on.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::Duration;

use ipnet::IpNet;

/// Which origins may call the API from a browser.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsOrigins {
    /// No CORS headers at all (the default).
    None,
    /// `CORS_ALLOWED_ORIGINS=*`.
    Any,
    /// An explicit list of origins such as `http://localhost:3000`.
    List(Vec<String>),
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: SocketAddr,
    pub token_prefix: String,
    pub token_expiration_minutes: Option<i64>,
    pub bcrypt_cost: u32,
    pub db_pool_size: u32,
    pub db_timeout: Duration,
    pub login_max_attempts: u32,
    pub registration_enabled: bool,
    pub cors_allowed_origins: CorsOrigins,
    pub token_cache_ttl: Duration,
    pub shutdown_grace: Duration,
    pub trusted_proxies: Vec<IpNet>,
    /// HTTP worker threads (`WORKERS`; default: one per core).
    pub workers: usize,
    /// Threads that hash passwords (`BCRYPT_THREADS`; default: one per core).
    pub bcrypt_threads: usize,
}

/// A configuration value that cannot be used; `Display` is the one line to print.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can build a configuration without
    /// touching the process environment. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());

        let database_url =
            get("DATABASE_URL").unwrap_or_else(|| "sqlite://mission-control.db".into());
        if !(database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://")
            || database_url.starts_with("sqlite://"))
        {
            return Err(err(
                "DATABASE_URL",
                "must start with postgres:// or sqlite://",
            ));
        }

        let token_prefix =
            lookup("TOKEN_PREFIX").map_or_else(|| "mc_".to_owned(), |v| v.trim().to_owned());
        if token_prefix.len() > 32
            || !token_prefix
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(err(
                "TOKEN_PREFIX",
                "must be at most 32 characters of A-Z, a-z, 0-9, '_' or '-'",
            ));
        }

        let cors_allowed_origins = match get("CORS_ALLOWED_ORIGINS") {
            None => CorsOrigins::None,
            Some(v) if v == "*" => CorsOrigins::Any,
            Some(v) => {
                let list: Vec<String> = v
                    .split(',')
                    .map(|o| o.trim().trim_end_matches('/').to_owned())
                    .filter(|o| !o.is_empty())
                    .collect();
                if let Some(bad) = list.iter().find(|o| {
                    !(o.starts_with("http://") || o.starts_with("https://")) || o.contains(' ')
                }) {
                    return Err(err(
                        "CORS_ALLOWED_ORIGINS",
                        format!("{bad:?} is not an origin like http://localhost:3000"),
                    ));
                }
                CorsOrigins::List(list)
            }
        };

        let trusted_proxies = match get("TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(v) => v
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    IpNet::from_str(p)
                        .or_else(|_| IpAddr::from_str(p).map(IpNet::from))
                        .map_err(|_| {
                            err(
                                "TRUSTED_PROXIES",
                                format!("{p:?} is not an IP address or CIDR range"),
                            )
                        })
                })
                .collect::<Result<_, _>>()?,
        };

        Ok(Self {
            database_url,
            bind_addr: parse(&get, "BIND_ADDR", "an address like 127.0.0.1:8001")?
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8001))),
            token_prefix,
            token_expiration_minutes: ranged(&get, "TOKEN_EXPIRATION_MINUTES", 1, 10_000_000)?,
            bcrypt_cost: ranged(&get, "BCRYPT_COST", 4, 31)?.unwrap_or(12) as u32,
            db_pool_size: ranged(&get, "DB_POOL_SIZE", 1, 1000)?.unwrap_or(10) as u32,
            db_timeout: Duration::from_secs(
                ranged(&get, "DB_TIMEOUT_SECONDS", 1, 600)?.unwrap_or(3) as u64,
            ),
            login_max_attempts: ranged(&get, "LOGIN_MAX_ATTEMPTS", 1, 1_000_000)?.unwrap_or(5)
                as u32,
            registration_enabled: boolean(&get, "REGISTRATION_ENABLED")?.unwrap_or(true),
            cors_allowed_origins,
            token_cache_ttl: Duration::from_secs(
                ranged(&get, "TOKEN_CACHE_TTL_SECONDS", 0, 3600)?.unwrap_or(1) as u64,
            ),
            shutdown_grace: Duration::from_secs(
                ranged(&get, "SHUTDOWN_GRACE_SECONDS", 0, 3600)?.unwrap_or(30) as u64,
            ),
            trusted_proxies,
            workers: ranged(&get, "WORKERS", 1, 256)?.map_or(cores, |n| n as usize),
            bcrypt_threads: ranged(&get, "BCRYPT_THREADS", 1, 256)?.map_or(cores, |n| n as usize),
        })
    }

    /// True when the database is SQLite.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite://")
    }
}

fn err(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

fn parse<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    expected: &str,
) -> Result<Option<T>, ConfigError> {
    get(name)
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| err(name, format!("expected {expected}, got {v:?}")))
        })
        .transpose()
}

fn ranged(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, ConfigError> {
    let expected = format!("an integer from {min} to {max}");
    match parse::<i64>(get, name, &expected)? {
        Some(n) if !(min..=max).contains(&n) => {
            Err(err(name, format!("expected {expected}, got {n}")))
        }
        other => Ok(other),
    }
}

fn boolean(
    get: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<Option<bool>, ConfigError> {
    get(name)
        .map(|v| match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(err(name, format!("expected true or false, got {v:?}"))),
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn defaults_follow_the_contract() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.database_url, "sqlite://mission-control.db");
        assert_eq!(c.bind_addr.to_string(), "127.0.0.1:8001");
        assert_eq!(c.token_prefix, "mc_");
        assert_eq!(c.token_expiration_minutes, None);
        assert_eq!(c.bcrypt_cost, 12);
        assert_eq!(c.db_timeout, Duration::from_secs(3));
        assert_eq!(c.login_max_attempts, 5);
        assert!(c.registration_enabled);
        assert_eq!(c.cors_allowed_origins, CorsOrigins::None);
        assert_eq!(c.token_cache_ttl, Duration::from_secs(1));
        assert_eq!(c.shutdown_grace, Duration::from_secs(30));
        assert!(c.trusted_proxies.is_empty());
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (name, value) in [
            ("BCRYPT_COST", "abc"),
            ("BCRYPT_COST", "3"),
            ("BIND_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("REGISTRATION_ENABLED", "maybe"),
            ("TRUSTED_PROXIES", "10.0.0.0/99"),
            ("CORS_ALLOWED_ORIGINS", "localhost:3000"),
            ("TOKEN_PREFIX", "a|b"),
            ("TOKEN_CACHE_TTL_SECONDS", "-1"),
        ] {
            let e = config(&[(name, value)]).expect_err(name);
            assert_eq!(e.variable, name);
            assert!(e.to_string().contains(name), "{e}");
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn lists_are_parsed() {
        let c = config(&[
            (
                "CORS_ALLOWED_ORIGINS",
                "http://localhost:3000, https://app.example/",
            ),
            ("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
        ])
        .expect("valid");
        assert_eq!(
            c.cors_allowed_origins,
            CorsOrigins::List(vec![
                "http://localhost:3000".into(),
                "https://app.example".into()
            ])
        );
        assert_eq!(c.trusted_proxies.len(), 2);
        assert_eq!(
            config(&[("CORS_ALLOWED_ORIGINS", "*")])
                .expect("valid")
                .cors_allowed_origins,
            CorsOrigins::Any
        );
    }
}
