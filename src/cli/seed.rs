//! The demo data: user `test@example.com` / `password` and the eight planets.

use crate::auth::password;
use crate::db::{self, Db};
use crate::planets::{queries as planets, seed::solar_system};
use crate::users::{queries as users, NewUser};

pub const DEMO_EMAIL: &str = "test@example.com";
pub const DEMO_PASSWORD: &str = "password";

pub struct Seeded {
    pub user_created: bool,
    pub planets_added: usize,
}

impl Seeded {
    fn message(&self) -> String {
        format!(
            "Seeded: demo user {DEMO_EMAIL} {}; {} planet(s) added.",
            if self.user_created {
                "created"
            } else {
                "already present"
            },
            self.planets_added
        )
    }

    pub fn print(&self) {
        println!("{}", self.message());
    }

    pub fn log(&self) {
        log::info!("{}", self.message());
    }
}

/// Adds whatever is missing; running it twice changes nothing.
pub fn run(db: &Db, bcrypt_cost: u32) -> anyhow::Result<Seeded> {
    let existing = db
        .run_blocking(|conn| Ok(users::find_by_email(conn, DEMO_EMAIL)?))
        .map_err(anyhow::Error::msg)?;
    let (user_id, user_created) = match existing {
        Some(user) => (user.id, false),
        None => {
            let hash = password::hash(DEMO_PASSWORD, bcrypt_cost)?;
            let now = db::now();
            let user = db
                .run_blocking(|conn| {
                    Ok(users::insert(
                        conn,
                        &NewUser {
                            name: "Test User",
                            email: DEMO_EMAIL,
                            password: &hash,
                            created_at: now,
                            updated_at: now,
                        },
                    )?)
                })
                .map_err(anyhow::Error::msg)?;
            (user.id, true)
        }
    };
    let planets_added = db
        .run_blocking(|conn| {
            Ok(planets::insert_missing(
                conn,
                &solar_system(Some(user_id), db::now()),
            )?)
        })
        .map_err(anyhow::Error::msg)?;
    Ok(Seeded {
        user_created,
        planets_added,
    })
}
