//! `cutline serve [--addr 127.0.0.1:8080] [--data ./cutline-data]`: the protocol server, with
//! its database and media under `--data`; stops gracefully on Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use media::process::CancelToken;
use server::{AppState, Config};

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CUTLINE_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Folder for the database and media (created if missing).
    #[arg(long, env = "CUTLINE_DATA", default_value = "cutline-data")]
    data: PathBuf,
}

pub fn run(args: &ServeArgs, cancel: &CancelToken) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server's runtime: {e}"))?;
    runtime.block_on(async {
        let state = AppState::open(Config::with_data_dir(args.data.clone())).await?;
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
        eprintln!(
            "cutline serve: listening on http://{} (data in {})",
            args.addr,
            args.data.display()
        );
        // Ctrl-C and SIGTERM cancel the token (see main); requests under way finish first.
        let cancel = cancel.clone();
        let stopped = async move {
            while !cancel.is_cancelled() {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        server::serve(listener, state, stopped)
            .await
            .map_err(|e| format!("the server stopped: {e}"))?;
        eprintln!("cutline serve: stopped");
        Ok(())
    })
}
