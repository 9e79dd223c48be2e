//! `cutline worker [--data ./cutline-data] [--workers 2]`: renders the exports of a server
//! sharing its data folder (and the parts of long ones), and serves nothing; as many as
//! wanted, beside a `cutline serve --workers 0`. Stops on Ctrl-C or SIGTERM, putting what it
//! was rendering back in the queue. The settings are `cutline serve`'s (file, environment,
//! flags); the ones about exports apply.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use media::process::CancelToken;
use server::AppState;

use crate::commands::serve::{config, Settings};

#[derive(Args)]
pub struct WorkerArgs {
    /// The server's folder for the database and media.
    #[arg(long, env = "CUTLINE_DATA", default_value = "cutline-data")]
    data: PathBuf,
    /// A TOML file of settings, as `cutline serve` reads.
    #[arg(long, env = "CUTLINE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: Settings,
}

pub fn run(args: &WorkerArgs, cancel: &CancelToken) -> Result<(), String> {
    let mut config = config(&args.data, args.config.as_deref(), args.settings.clone())?;
    if args.settings.workers.is_none() {
        // A worker process is for rendering: one general worker unless told.
        config.workers = config.workers.max(1);
    }
    if config.workers == 0 {
        return Err("a worker process with --workers 0 would render nothing".into());
    }
    // A server's folder: its database (SQLite), or the media folder it made (Postgres).
    let made_by_a_server = match config.database {
        None => config.data_dir.join("cutline.db").exists(),
        Some(_) => config.media_dir().is_dir(),
    };
    if !made_by_a_server {
        return Err(format!(
            "{} holds no cutline server's data (start `cutline serve --data {}` first)",
            config.data_dir.display(),
            config.data_dir.display()
        ));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the worker's runtime: {e}"))?;
    runtime.block_on(async {
        let workers = config.workers;
        let state = AppState::open_worker(config).await?;
        eprintln!(
            "cutline worker: {workers} worker{} rendering the exports of {}",
            if workers == 1 { "" } else { "s" },
            args.data.display()
        );
        let cancel = cancel.clone();
        let stopped = async move {
            while !cancel.is_cancelled() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        server::work(state, stopped).await;
        eprintln!("cutline worker: stopped");
        Ok(())
    })
}
