use crate::config::Config;
use crate::db;
use crate::tokens::queries;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Delete tokens that expired more than this many hours ago.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(0..=876_000))]
    pub hours: u32,
}

/// As `sanctum:prune-expired`: tokens whose `expires_at` is more than N hours
/// past and, with `TOKEN_EXPIRATION_MINUTES`, those created more than that many
/// minutes plus N hours ago.
pub fn run(args: Args, config: &Config) -> anyhow::Result<()> {
    let db = super::connect(config)?;
    db.migrate()?;
    let cutoff = db::now() - chrono::Duration::hours(i64::from(args.hours));
    let created_before = config
        .token_expiration_minutes
        .map(|m| cutoff - chrono::Duration::minutes(m));
    let deleted = db
        .run_blocking(|conn| Ok(queries::prune(conn, cutoff, created_before)?))
        .map_err(anyhow::Error::msg)?;
    println!(
        "Pruned {deleted} token(s) that expired more than {} hour(s) ago.",
        args.hours
    );
    Ok(())
}
