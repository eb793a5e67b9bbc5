//! The command line: one binary, one subcommand per task (`serve` by default).

mod create_user;
mod prune_expired;
mod seed;
mod serve;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::db::Db;

#[derive(Parser, Debug)]
#[command(
    name = "mission-control",
    version,
    about = "Sanctum-style bearer tokens and a planets API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (the default); migrations run first.
    Serve(serve::Args),
    /// Run pending database migrations and exit.
    Migrate,
    /// Add the demo user (test@example.com / password) and the eight planets; idempotent.
    Seed,
    /// Create a user; prompts for the password when --password is omitted.
    CreateUser(create_user::Args),
    /// Delete tokens that expired more than --hours ago.
    PruneExpired(prune_expired::Args),
}

/// Runs the command.
pub fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli
        .command
        .unwrap_or(Command::Serve(serve::Args::default()))
    {
        Command::Serve(args) => serve::run(args, config),
        Command::Migrate => {
            let ran = connect(&config)?.migrate()?;
            println!("Ran {ran} migration(s); the database is up to date.");
            Ok(())
        }
        Command::Seed => {
            let db = connect(&config)?;
            db.migrate()?;
            seed::run(&db, config.bcrypt_cost)?.print();
            Ok(())
        }
        Command::CreateUser(args) => create_user::run(args, &config),
        Command::PruneExpired(args) => prune_expired::run(args, &config),
    }
}

fn connect(config: &Config) -> anyhow::Result<Db> {
    Db::connect(&config.database_url, 2, config.db_timeout)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
