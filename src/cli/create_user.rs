use std::io::{BufRead, IsTerminal};

use crate::auth::password;
use crate::config::Config;
use crate::db;
use crate::users::{queries, NewUser};
use crate::validation::is_email;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub email: String,
    /// Omit it to be prompted (or to pipe it on standard input).
    #[arg(long)]
    pub password: Option<String>,
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        Ok(rpassword::prompt_password("Password: ")?)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

pub fn run(args: Args, config: &Config) -> anyhow::Result<()> {
    let name = args.name.trim();
    let email = args.email.trim();
    anyhow::ensure!(
        !name.is_empty() && name.chars().count() <= 255,
        "--name must be 1 to 255 characters"
    );
    anyhow::ensure!(
        is_email(email) && email.len() <= 255,
        "--email must be a valid email address"
    );
    let password = match args.password {
        Some(p) => p,
        None => read_password()?,
    };
    anyhow::ensure!(
        password.chars().count() >= 8,
        "the password must be at least 8 characters"
    );
    anyhow::ensure!(
        password.len() <= password::MAX_PASSWORD_BYTES,
        "the password must be at most 72 bytes"
    );

    let db = super::connect(config)?;
    db.migrate()?;
    let hash = password::hash(&password, config.bcrypt_cost)?;
    let user = db
        .run_blocking(|conn| {
            if queries::email_taken(conn, email)? {
                return Ok(None);
            }
            let now = db::now();
            Ok(Some(queries::insert(
                conn,
                &NewUser {
                    name,
                    email,
                    password: &hash,
                    created_at: now,
                    updated_at: now,
                },
            )?))
        })
        .map_err(anyhow::Error::msg)?;
    match user {
        Some(user) => {
            println!(
                "Created user {} <{}> with id {}.",
                user.name, user.email, user.id
            );
            Ok(())
        }
        None => anyhow::bail!("a user with the email {email} already exists"),
    }
}
