//! What an operator can change: the free grant, prices, limits, rate limits, the attribution
//! check, the export workers. The defaults are API.md's; `cutline serve` layers a file, the
//! environment (`CUTLINE_*`) and flags over them.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    /// Where the media, the renders and the analysis cache live, and the database unless
    /// `database` says where it is.
    pub data_dir: PathBuf,
    /// The PostgreSQL database (`postgres://…`) the store is in; unset: SQLite in `data_dir`.
    pub database: Option<DatabaseUrl>,
    /// A worker process's own name (`cutline worker`): its render work folders are kept
    /// apart from the server's, which a server's start empties.
    pub worker_name: Option<String>,
    /// Credits a new anonymous user gets.
    pub free_credits: i64,
    /// How long a token (and the free grant) lasts.
    pub token_lifetime: Duration,
    /// New anonymous users per client address per hour.
    pub anonymous_per_hour: u32,
    /// The largest upload, enforced while it streams in.
    pub max_upload_bytes: u64,
    /// The most one upload request may bring, all its files together (at most 20 files).
    pub max_request_bytes: u64,
    pub prices: Prices,
    /// The longest side an export may have on the free plan.
    pub max_export_long_side: u32,
    /// Whether an export without the `X-Skill-*` headers is refused (402).
    pub attribution_required: bool,
    /// Let uploads by URL reach loopback and private addresses (off: only public ones).
    pub allow_private_urls: bool,
    /// Private `address:port`s uploads by URL may reach even so (a NAS, a test's server).
    pub allowed_private: Vec<std::net::SocketAddr>,
    /// The longest an upload by URL may take, all of it: redirects, waits for a byte.
    pub url_timeout: Duration,
    /// Uploads by URL one user may have running at once (more get 429).
    pub url_fetches_per_user: usize,
    /// Uploads by URL running at once in all (more get 429).
    pub url_fetches_total: usize,
    pub speech: agent::SpeechOptions,
    /// How often a chat stream says it is still working when nothing else happened.
    pub heartbeat: Duration,
    /// The longest a chat turn may take.
    pub turn_limit: Duration,
    /// Export workers in this process (0: none, another process renders: `cutline worker`).
    pub workers: usize,
    /// How long a part of a long MP4 export is meant to be (`timeline::parts`): 60 s;
    /// exports up to one and a half times this are one job. Zero: every export is one job.
    pub part_length: Duration,
    /// How long a claimed export stays claimed without a heartbeat from its worker.
    pub lease: Duration,
    /// How long a signed `outputUrl` works.
    pub signed_url_lifetime: Duration,
    /// The base of the links the server hands out (`https://cutline.example.com`); unset, the
    /// address it listens on. Never taken from a request's `Host`.
    pub public_url: Option<String>,
    /// How long a client may take to send a request's head (also the longest a kept-alive
    /// connection waits for its next request).
    pub header_timeout: Duration,
    /// How long a request body may pause, and its grace time before it must average
    /// `listen::MIN_BODY_RATE`.
    pub body_timeout: Duration,
    /// Open connections one client address may have.
    pub max_connections_per_client: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client (and whose own connections
    /// are not capped).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The longest timeline an export may have (its media may allow less, see
    /// `export_length`).
    pub max_export: Duration,
    /// Exports of one user rendering at once, at most; the others wait their turn.
    pub exports_per_user: u32,
    /// Exports at most this long also have a worker of their own (the short lane), so they
    /// never wait behind long ones; zero turns the lane off.
    pub short_export: Duration,
}

/// What work costs, in credits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prices {
    /// A chat turn that changes the timeline.
    pub turn: i64,
    /// Each started minute of speech a turn transcribes.
    pub transcribed_minute: i64,
    /// An export.
    pub export: i64,
}

impl Default for Prices {
    fn default() -> Self {
        Self {
            turn: 1,
            transcribed_minute: 1,
            export: 0,
        }
    }
}

/// How the work folders of worker processes start (a server's start leaves them alone).
pub const WORKER_FOLDERS: &str = "worker-";

/// A database URL; its password is never printed (`--print-config`, logs).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                write!(f, "{:?}", url.as_str())
            }
            Ok(_) => write!(f, "{:?}", self.0),
            Err(_) => f.write_str("\"(not a URL)\""),
        }
    }
}

impl Config {
    /// API.md's defaults: 100 credits valid 7 days, 5 new anonymous users per address an hour,
    /// uploads of 500 MB a file and 2 GB a request, exports up to 1920 pixels on the long side
    /// and 3 hours, attribution required; one export rendering per user, and a short lane for
    /// exports up to 5 minutes.
    pub fn with_data_dir(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            database: None,
            worker_name: None,
            free_credits: 100,
            token_lifetime: Duration::from_secs(7 * 24 * 3600),
            anonymous_per_hour: 5,
            max_upload_bytes: 500 * 1024 * 1024,
            max_request_bytes: 2 * 1024 * 1024 * 1024,
            prices: Prices::default(),
            max_export_long_side: 1920,
            attribution_required: true,
            allow_private_urls: false,
            allowed_private: Vec::new(),
            url_timeout: Duration::from_secs(300),
            url_fetches_per_user: 4,
            url_fetches_total: 32,
            speech: agent::SpeechOptions::default(),
            heartbeat: Duration::from_secs(10),
            turn_limit: Duration::from_secs(15 * 60),
            workers: 1,
            part_length: Duration::from_secs(60),
            lease: Duration::from_secs(30),
            signed_url_lifetime: Duration::from_secs(24 * 3600),
            public_url: None,
            header_timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(30),
            max_connections_per_client: 256,
            trusted_proxies: Vec::new(),
            max_export: Duration::from_secs(3 * 3600),
            exports_per_user: 1,
            short_export: Duration::from_secs(5 * 60),
        }
    }

    /// The base of the links handed out (`serve` sets it to the listening address when the
    /// operator did not).
    pub fn public_url(&self) -> &str {
        self.public_url
            .as_deref()
            .map_or("http://127.0.0.1", |url| url.trim_end_matches('/'))
    }

    /// The `--database` URL, if one is set.
    pub fn database(&self) -> Option<&str> {
        self.database.as_ref().map(|url| url.0.as_str())
    }

    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    pub fn renders_dir(&self) -> PathBuf {
        self.data_dir.join("renders")
    }

    /// The work folders of renders under way (emptied at each start: what is in it is a
    /// killed render's); a worker process's own folder inside it ([`WORKER_FOLDERS`]).
    pub fn tmp_dir(&self) -> PathBuf {
        let tmp = self.data_dir.join("tmp");
        match &self.worker_name {
            Some(name) => tmp.join(format!("{WORKER_FOLDERS}{name}")),
            None => tmp,
        }
    }

    /// Low-resolution, all-intra copies of the uploaded videos the studio's previews are made
    /// from (`preview`).
    pub fn proxies_dir(&self) -> PathBuf {
        self.data_dir.join("proxies")
    }

    /// The studio's previews, named by what they show (`preview::key`).
    pub fn previews_dir(&self) -> PathBuf {
        self.data_dir.join("previews")
    }

    /// The analysis cache (pause maps, transcripts) of the uploaded media.
    pub fn cache_dir(&self) -> PathBuf {
        self.data_dir.join("cache")
    }
}
