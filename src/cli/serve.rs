use crate::config::Config;
use crate::startup::Application;

#[derive(clap::Args, Debug, Default)]
pub struct Args {
    /// Add the demo data before serving.
    #[arg(long)]
    pub seed: bool,
}

pub fn run(args: Args, config: Config) -> anyhow::Result<()> {
    let bcrypt_cost = config.bcrypt_cost;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(config.clone())?;
        if args.seed {
            let db = crate::db::Db::connect(&config.database_url, 1, config.db_timeout)?;
            actix_web::web::block(move || super::seed::run(&db, bcrypt_cost))
                .await
                .map_err(|e| anyhow::anyhow!("seeding: {e}"))??
                .log();
        }
        log::info!(
            "mission-control listening on http://{}:{}",
            config.bind_addr.ip(),
            app.port()
        );
        app.run().await?;
        log::info!("mission-control stopped");
        Ok(())
    })
}
