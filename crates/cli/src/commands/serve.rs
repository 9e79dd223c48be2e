//! `cutline serve [--addr 127.0.0.1:8080] [--data ./cutline-data]`: the protocol server, with
//! its database and media under `--data`; stops gracefully on Ctrl-C or SIGTERM.
//!
//! Configuration is layered: API.md's defaults, then a TOML file (`--config`), then the
//! environment (`CUTLINE_*`), then flags. `--print-config` shows the result and exits.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use media::process::CancelToken;
use serde::Deserialize;
use server::{AppState, Config};

use crate::planner::PlannerArgs;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Attribution {
    /// Exports without the X-Skill-* headers get 402.
    Required,
    /// The headers are recorded when sent, never required.
    Optional,
}

/// The settings a file, the environment or a flag can give (each unset one falls through).
#[derive(Args, Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The PostgreSQL database to keep users, sessions, credits and jobs in
    /// (postgres://USER:PASSWORD@HOST/DB); unset: SQLite in the data folder.
    #[arg(long, env = "CUTLINE_DATABASE", value_name = "URL")]
    pub database: Option<String>,
    /// Credits a new anonymous user gets.
    #[arg(long, env = "CUTLINE_FREE_CREDITS")]
    pub free_credits: Option<i64>,
    /// New anonymous users per client address per hour.
    #[arg(long, env = "CUTLINE_ANONYMOUS_PER_HOUR")]
    pub anonymous_per_hour: Option<u32>,
    /// The largest upload, in MB.
    #[arg(long, env = "CUTLINE_MAX_UPLOAD_MB")]
    pub max_upload_mb: Option<u64>,
    /// The most one upload request may bring, all its files together, in MB.
    #[arg(long, env = "CUTLINE_MAX_REQUEST_MB")]
    pub max_request_mb: Option<u64>,
    /// Credits for a chat turn that changes the timeline.
    #[arg(long, env = "CUTLINE_PRICE_TURN")]
    pub price_turn: Option<i64>,
    /// Credits per started minute of speech a turn transcribes.
    #[arg(long, env = "CUTLINE_PRICE_MINUTE")]
    pub price_minute: Option<i64>,
    /// Credits for an export.
    #[arg(long, env = "CUTLINE_PRICE_EXPORT")]
    pub price_export: Option<i64>,
    /// The longest side an export may have (the plan's limit).
    #[arg(long, env = "CUTLINE_MAX_EXPORT_SIDE")]
    pub max_export_side: Option<u32>,
    /// Whether exports need the X-Skill-* attribution headers.
    #[arg(long, env = "CUTLINE_ATTRIBUTION", value_enum)]
    pub attribution: Option<Attribution>,
    /// Let uploads by URL reach loopback and private addresses (off by default).
    #[arg(long, env = "CUTLINE_ALLOW_PRIVATE_URLS")]
    pub allow_private_urls: Option<bool>,
    /// Private address:port pairs uploads by URL may reach anyway (comma-separated).
    #[arg(
        long,
        env = "CUTLINE_ALLOWED_PRIVATE",
        value_delimiter = ',',
        value_name = "ADDR:PORT"
    )]
    pub allowed_private: Option<Vec<SocketAddr>>,
    /// Seconds an upload by URL may take in all (redirects and slow sources included).
    #[arg(long, env = "CUTLINE_URL_TIMEOUT_SECS")]
    pub url_timeout_secs: Option<u64>,
    /// Uploads by URL one user may have running at once (more get 429).
    #[arg(long, env = "CUTLINE_URL_FETCHES_PER_USER")]
    pub url_fetches_per_user: Option<usize>,
    /// Uploads by URL running at once in all (more get 429).
    #[arg(long, env = "CUTLINE_URL_FETCHES_TOTAL")]
    pub url_fetches_total: Option<usize>,
    /// Export workers in this process (0: none; `cutline worker` processes render).
    #[arg(long, env = "CUTLINE_WORKERS")]
    pub workers: Option<usize>,
    /// Seconds of timeline a part of a long MP4 export is meant to be (default 60; exports up
    /// to one and a half times this are one job); 0 makes every export one job.
    #[arg(long, env = "CUTLINE_PART_SECS")]
    pub part_secs: Option<u64>,
    /// Seconds a claimed export stays claimed without its worker's heartbeat.
    #[arg(long, env = "CUTLINE_LEASE_SECS")]
    pub lease_secs: Option<u64>,
    /// Seconds between heartbeats of a chat stream with nothing else to say.
    #[arg(long, env = "CUTLINE_HEARTBEAT_SECS")]
    pub heartbeat_secs: Option<u64>,
    /// The longest export, in seconds of timeline (its media may allow less).
    #[arg(long, env = "CUTLINE_MAX_EXPORT_SECS")]
    pub max_export_secs: Option<u64>,
    /// Exports of one user rendering at once.
    #[arg(long, env = "CUTLINE_EXPORTS_PER_USER")]
    pub exports_per_user: Option<u32>,
    /// Exports at most this many seconds long have a worker of their own (0: no short lane).
    #[arg(long, env = "CUTLINE_SHORT_EXPORT_SECS")]
    pub short_export_secs: Option<u64>,
    /// Speech model for captions and filler words (see `cutline models list`).
    #[arg(long, env = "CUTLINE_MODEL")]
    pub model: Option<String>,
    /// The base of the links the server hands out (https://cutline.example.com); default: the
    /// address it listens on.
    #[arg(long, env = "CUTLINE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Seconds a client may take to send a request's head (and a kept-alive connection may
    /// wait for its next request).
    #[arg(long, env = "CUTLINE_HEADER_TIMEOUT_SECS")]
    pub header_timeout_secs: Option<u64>,
    /// Seconds a request body may pause (and its grace time before it must average 8 KB/s).
    #[arg(long, env = "CUTLINE_BODY_TIMEOUT_SECS")]
    pub body_timeout_secs: Option<u64>,
    /// Open connections one client address may have.
    #[arg(long, env = "CUTLINE_MAX_CONNECTIONS_PER_CLIENT")]
    pub max_connections_per_client: Option<usize>,
    /// Reverse proxies (comma-separated addresses) whose X-Forwarded-For names the client.
    #[arg(
        long,
        env = "CUTLINE_TRUSTED_PROXY",
        value_delimiter = ',',
        value_name = "ADDR"
    )]
    pub trusted_proxy: Option<Vec<std::net::IpAddr>>,
}

impl Settings {
    /// `self` where set, else `under`.
    fn over(self, under: Settings) -> Settings {
        Settings {
            database: self.database.or(under.database),
            free_credits: self.free_credits.or(under.free_credits),
            anonymous_per_hour: self.anonymous_per_hour.or(under.anonymous_per_hour),
            max_upload_mb: self.max_upload_mb.or(under.max_upload_mb),
            max_request_mb: self.max_request_mb.or(under.max_request_mb),
            price_turn: self.price_turn.or(under.price_turn),
            price_minute: self.price_minute.or(under.price_minute),
            price_export: self.price_export.or(under.price_export),
            max_export_side: self.max_export_side.or(under.max_export_side),
            attribution: self.attribution.or(under.attribution),
            allow_private_urls: self.allow_private_urls.or(under.allow_private_urls),
            allowed_private: self.allowed_private.or(under.allowed_private),
            url_timeout_secs: self.url_timeout_secs.or(under.url_timeout_secs),
            url_fetches_per_user: self.url_fetches_per_user.or(under.url_fetches_per_user),
            url_fetches_total: self.url_fetches_total.or(under.url_fetches_total),
            workers: self.workers.or(under.workers),
            part_secs: self.part_secs.or(under.part_secs),
            lease_secs: self.lease_secs.or(under.lease_secs),
            max_export_secs: self.max_export_secs.or(under.max_export_secs),
            exports_per_user: self.exports_per_user.or(under.exports_per_user),
            short_export_secs: self.short_export_secs.or(under.short_export_secs),
            heartbeat_secs: self.heartbeat_secs.or(under.heartbeat_secs),
            model: self.model.or(under.model),
            public_url: self.public_url.or(under.public_url),
            header_timeout_secs: self.header_timeout_secs.or(under.header_timeout_secs),
            body_timeout_secs: self.body_timeout_secs.or(under.body_timeout_secs),
            max_connections_per_client: self
                .max_connections_per_client
                .or(under.max_connections_per_client),
            trusted_proxy: self.trusted_proxy.or(under.trusted_proxy),
        }
    }

    /// The defaults with these settings applied.
    fn apply(self, config: &mut Config) {
        let c = config;
        c.database = self.database.map(server::DatabaseUrl).or(c.database.take());
        let set = |target: &mut i64, value: Option<i64>| *target = value.unwrap_or(*target);
        set(&mut c.free_credits, self.free_credits);
        set(&mut c.prices.turn, self.price_turn);
        set(&mut c.prices.transcribed_minute, self.price_minute);
        set(&mut c.prices.export, self.price_export);
        c.anonymous_per_hour = self.anonymous_per_hour.unwrap_or(c.anonymous_per_hour);
        if let Some(mb) = self.max_upload_mb {
            c.max_upload_bytes = mb * 1024 * 1024;
        }
        if let Some(mb) = self.max_request_mb {
            c.max_request_bytes = mb * 1024 * 1024;
        }
        c.max_export_long_side = self.max_export_side.unwrap_or(c.max_export_long_side);
        if let Some(attribution) = self.attribution {
            c.attribution_required = attribution == Attribution::Required;
        }
        c.allow_private_urls = self.allow_private_urls.unwrap_or(c.allow_private_urls);
        if let Some(list) = self.allowed_private {
            c.allowed_private = list;
        }
        if let Some(secs) = self.url_timeout_secs {
            c.url_timeout = Duration::from_secs(secs.max(1));
        }
        let per_user = self.url_fetches_per_user.unwrap_or(c.url_fetches_per_user);
        c.url_fetches_per_user = per_user.max(1);
        c.url_fetches_total = self.url_fetches_total.unwrap_or(c.url_fetches_total).max(1);
        c.workers = self.workers.unwrap_or(c.workers);
        if let Some(secs) = self.part_secs {
            c.part_length = Duration::from_secs(secs);
        }
        if let Some(secs) = self.lease_secs {
            c.lease = Duration::from_secs(secs.max(1));
        }
        if let Some(secs) = self.heartbeat_secs {
            c.heartbeat = Duration::from_secs(secs.max(1));
        }
        if let Some(secs) = self.max_export_secs {
            c.max_export = Duration::from_secs(secs.max(1));
        }
        c.exports_per_user = self.exports_per_user.unwrap_or(c.exports_per_user).max(1);
        if let Some(secs) = self.short_export_secs {
            c.short_export = Duration::from_secs(secs);
        }
        if let Some(model) = self.model {
            c.speech.model = model;
        }
        c.public_url = self.public_url.or(c.public_url.take());
        if let Some(secs) = self.header_timeout_secs {
            c.header_timeout = Duration::from_secs(secs.max(1));
        }
        if let Some(secs) = self.body_timeout_secs {
            c.body_timeout = Duration::from_secs(secs.max(1));
        }
        c.max_connections_per_client = self
            .max_connections_per_client
            .unwrap_or(c.max_connections_per_client)
            .max(1);
        if let Some(list) = self.trusted_proxy {
            c.trusted_proxies = list;
        }
    }
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CUTLINE_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Folder for the database and media (created if missing).
    #[arg(long, env = "CUTLINE_DATA", default_value = "cutline-data")]
    data: PathBuf,
    /// A TOML file of settings (the flags' names with underscores: free_credits = 50).
    #[arg(long, env = "CUTLINE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the configuration in effect and exit.
    #[arg(long)]
    print_config: bool,
    #[command(flatten)]
    settings: Settings,
    #[command(flatten)]
    planner: PlannerArgs,
}

/// The configuration of `cutline serve`: defaults, file, environment and flags.
pub fn config(data: &Path, file: Option<&Path>, settings: Settings) -> Result<Config, String> {
    let from_file = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            toml::from_str::<Settings>(&text)
                .map_err(|e| format!("{}: {}", path.display(), e.message()))?
        }
        None => Settings::default(),
    };
    let mut config = Config::with_data_dir(data.to_path_buf());
    settings.over(from_file).apply(&mut config);
    Ok(config)
}

pub fn run(args: &ServeArgs, cancel: &CancelToken) -> Result<(), String> {
    let config = config(&args.data, args.config.as_deref(), args.settings.clone())?;
    if let Some(url) = &config.public_url {
        let parsed = url::Url::parse(url).map_err(|e| format!("--public-url {url}: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(format!("--public-url {url}: an http(s) URL with a host"));
        }
    }
    if args.print_config {
        println!("{config:#?}");
        return Ok(());
    }
    let public_url_set = config.public_url.is_some();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server's runtime: {e}"))?;
    let planner: Arc<dyn agent::Understand + Send + Sync> = Arc::from(args.planner.planner());
    runtime.block_on(async {
        let mut state = AppState::open_with(config, planner).await?;
        state.llm = args.planner.config().map(Arc::new);
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
        eprintln!(
            "cutline serve: listening on http://{} (data in {})",
            listener.local_addr().unwrap_or(args.addr),
            args.data.display()
        );
        eprintln!(
            "cutline serve: the studio (a web page) is at http://{}/",
            listener.local_addr().unwrap_or(args.addr)
        );
        if args.addr.ip().is_unspecified() && !public_url_set {
            eprintln!(
                "cutline serve: links to downloads will name 127.0.0.1; set --public-url to \
                 the address clients reach this server at"
            );
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_environment_win_over_the_file_which_wins_over_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cutline.toml");
        std::fs::write(
            &file,
            "free_credits = 50\nprice_turn = 3\nattribution = \"optional\"\n",
        )
        .unwrap();
        let flags = Settings {
            price_turn: Some(2),
            ..Settings::default()
        };
        let config = config(dir.path(), Some(&file), flags).unwrap();
        assert_eq!(config.free_credits, 50, "from the file");
        assert_eq!(config.prices.turn, 2, "the flag wins");
        assert!(!config.attribution_required);
        assert_eq!(config.max_export_long_side, 1920, "a default");

        std::fs::write(&file, "free_credit = 5\n").unwrap();
        let error = super::config(dir.path(), Some(&file), Settings::default()).unwrap_err();
        assert!(error.contains("free_credit"), "{error}");
    }
}
