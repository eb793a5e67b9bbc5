use clap::Parser;

use mission_control::cli::{self, Cli};
use mission_control::Config;

fn main() {
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("invalid configuration: .env: {e}");
            std::process::exit(2);
        }
    }
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    if let Err(e) = cli::run(cli, config) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
