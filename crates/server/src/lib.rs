//! `cutline serve`: the protocol of `../shared/API.md` over HTTP.
//!
//! - [`app`] builds the router from an [`AppState`]; [`serve`] runs it on a listener until a
//!   shutdown future resolves (tests run it on loopback the same way).
//! - [`routes`]: thin handlers, one module per group of endpoints.
//! - [`auth`]: the caller from `Authorization: Bearer`; [`tokens`]: random tokens, stored hashed.
//! - [`store`]: users, tokens, sessions, assets, the credits ledger and holds, the export
//!   queue, in SQLite (sqlx, migrations).
//! - [`turns`]: chat turns (the agent applying Plans to the session's Draft); [`events`]: the
//!   numbered events they stream.
//! - [`fetch`]: uploads by URL, refused for private addresses, capped in time and number.
//! - [`exports`]: export requests and jobs as the protocol sees them ([`export_length`]: how
//!   long one may be); [`worker`]: the export workers that render them (fairly);
//!   [`signing`]: signed output links; [`files`]: where files live.
//! - [`recovery`]: what a start clears of a killed run (turn holds, work folders, orphans);
//!   [`presence`]: which processes share the data folder, so a start spares their work.
//! - [`error`]: the one mapping from errors to protocol codes and the reply envelope.
//! - [`listen`]: how connections are taken (timeouts, caps, the client's address).
//! - [`studio`]: the web page served at `/` (static files compiled in); [`preview`]: its
//!   previews, from proxies made at upload; [`transcript`]: a piece's words in timeline time.

pub mod auth;
pub mod config;
pub mod error;
pub mod events;
pub mod export_length;
pub mod exports;
pub mod fetch;
pub mod files;
pub mod listen;
pub mod presence;
pub mod preview;
pub mod recovery;
pub mod routes;
pub mod signing;
pub mod store;
pub mod studio;
pub mod tokens;
pub mod transcript;
pub mod turns;
pub mod worker;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

pub use config::{Config, DatabaseUrl};
use error::ApiError;
pub use store::Store;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    /// Understands chat turns: the built-in rules, or an LLM planner.
    pub planner: Arc<dyn agent::Understand + Send + Sync>,
    pub turns: Arc<events::Turns>,
    pub histories: Arc<turns::Histories>,
    /// Plans asked back ("go ahead with the rest?"), waiting for the next message.
    pub pending: Arc<turns::Pending>,
    /// The language model that translates captions, when one is configured (`--llm-url`).
    pub llm: Option<Arc<agent::LlmConfig>>,
    pub signer: Arc<signing::Signer>,
    /// Woken when an export is queued, so an idle worker starts at once.
    pub work_queued: Arc<tokio::sync::Notify>,
    /// Uploads by URL running now, capped per user and in all.
    pub url_fetches: Arc<fetch::FetchSlots>,
    /// Proxies and previews being made (the studio's preview waits for one under way).
    pub preview_locks: Arc<preview::Locks>,
    /// This process's locks in the data folder, held while it runs (`presence`).
    pub presence: Arc<presence::Presence>,
}

impl AppState {
    /// Opens the data folder (database, media, key) with the built-in planner.
    pub async fn open(config: Config) -> Result<Self, String> {
        Self::open_with(config, Arc::new(agent::RulePlanner)).await
    }

    pub async fn open_with(
        config: Config,
        planner: Arc<dyn agent::Understand + Send + Sync>,
    ) -> Result<Self, String> {
        let store = Store::connect(config.database(), &config.data_dir).await?;
        files::settle_uploads(&config, &store).await?;
        let folders = |e: std::io::Error| {
            format!(
                "cannot prepare the folders in {}: {e}",
                config.data_dir.display()
            )
        };
        files::prepare(&config).map_err(folders)?;
        let (presence, arrival) =
            presence::enter(&config, || files::remove_partials(&config).map_err(folders))?;
        if !arrival.alone {
            eprintln!(
                "cutline serve: workers are using {}; their files in progress are left alone",
                config.data_dir.display()
            );
        }
        store
            .renew_instance(config.lease.as_millis() as i64)
            .await
            .map_err(|e| format!("cannot record this process in the database: {e}"))?;
        // SQLite in a data folder has one server at a time (workers take no chat turns); a
        // Postgres database may have others, on other machines.
        let company = recovery::Company {
            alone_with_the_database: store.engine() == store::Engine::Sqlite,
            alone_in_the_folder: arrival.alone,
        };
        let recovered = recovery::recover(&store, &config, company).await?;
        if recovered != recovery::Recovered::default() {
            eprintln!("cutline serve: cleared what the last run left: {recovered:?}");
        }
        let signer = signer(&config, &store).await?;
        Self::assemble(config, store, planner, presence, signer)
    }

    /// The state around an open `store`, nothing running yet.
    fn assemble(
        config: Config,
        store: Store,
        planner: Arc<dyn agent::Understand + Send + Sync>,
        presence: presence::Presence,
        signer: signing::Signer,
    ) -> Result<Self, String> {
        let url_fetches =
            fetch::FetchSlots::new(config.url_fetches_per_user, config.url_fetches_total);
        Ok(Self {
            store,
            url_fetches: Arc::new(url_fetches),
            config: Arc::new(config),
            planner,
            turns: Arc::default(),
            histories: Arc::default(),
            pending: Arc::default(),
            llm: None,
            signer: Arc::new(signer),
            work_queued: Arc::default(),
            preview_locks: Arc::default(),
            presence: Arc::new(presence),
        })
    }

    /// Opens the data folder for a worker process (`cutline worker`): the shared database
    /// and media, nothing cleared that a running server or another worker may be using.
    pub async fn open_worker(mut config: Config) -> Result<Self, String> {
        let name = format!("{}-{}", std::process::id(), tokens::random_hex(4));
        config.worker_name = Some(name);
        let store = Store::connect(config.database(), &config.data_dir).await?;
        let folders = |e: std::io::Error| {
            format!(
                "cannot prepare the folders in {}: {e}",
                config.data_dir.display()
            )
        };
        files::prepare(&config).map_err(folders)?;
        let (presence, _) =
            presence::enter(&config, || files::remove_partials(&config).map_err(folders))?;
        let signer = signer(&config, &store).await?;
        Self::assemble(
            config,
            store,
            Arc::new(agent::RulePlanner),
            presence,
            signer,
        )
    }
}

/// The key links are signed with (made at the first start): in the data folder with SQLite,
/// in the database with Postgres, where every server sharing it must sign alike.
async fn signer(config: &Config, store: &Store) -> Result<signing::Signer, String> {
    if store.engine() == store::Engine::Postgres {
        let key = store
            .shared_secret("signing", &signing::Signer::new_key())
            .await
            .map_err(|e| format!("cannot keep the signing key in the database: {e}"))?;
        return Ok(signing::Signer::with_key(key.into_bytes()));
    }
    signing::Signer::open(&config.data_dir.join("secret.key")).map_err(|e| {
        format!(
            "cannot keep the signing key in {}: {e}",
            config.data_dir.display()
        )
    })
}

/// Runs `state`'s export workers, and nothing else, until `shutdown` resolves; then stops
/// their renders and puts the jobs back in the queue (`cutline worker`).
pub async fn work(state: AppState, shutdown: impl Future<Output = ()>) {
    let stop = media::process::CancelToken::new();
    let workers = worker::spawn(&state, &stop);
    shutdown.await;
    stop.cancel();
    for worker in workers {
        let _ = worker.await;
    }
    let _ = std::fs::remove_dir_all(state.config.tmp_dir());
}

pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/", get(studio::index))
        .route("/studio/{version}/{file}", get(studio::asset))
        .route(
            "/api/auth/anonymous-token",
            post(routes::token::anonymous_token),
        )
        .route(
            "/api/tasks/me/with-session/nemo_agent",
            post(routes::sessions::create),
        )
        .route(
            "/api/state/nemo_agent/{user}/{session_id}/latest",
            get(routes::sessions::latest_state),
        )
        .route("/api/credits/balance/simple", get(routes::credits::balance))
        .route("/run_sse", post(routes::chat::run_sse))
        .route(
            "/api/render/proxy/lambda",
            post(routes::render::create).layer(DefaultBodyLimit::max(error::DRAFT_JSON_LIMIT)),
        )
        .route("/api/render/proxy/lambda/{id}", get(routes::render::status))
        .route(
            "/api/render/proxy/lambda/{id}/cancel",
            post(routes::render::cancel),
        )
        .route(
            "/api/render/proxy/{id}/download",
            get(routes::render::download),
        )
        .route("/api/assets/{id}", get(routes::assets::download))
        .route("/api/studio/sessions", get(routes::studio_api::sessions))
        .route(
            "/api/studio/{session_id}/preview",
            get(routes::studio_api::preview),
        )
        .route(
            "/api/studio/{session_id}/transcript",
            get(routes::studio_api::transcript),
        )
        .route(
            "/api/studio/{session_id}/quote",
            post(routes::studio_api::quote),
        )
        .route("/api/studio/media/{key}", get(routes::studio_api::media))
        .route(
            "/api/upload-video/nemo_agent/{user}/{session_id}",
            // The size limit is the configured one, enforced while the file streams in.
            post(routes::upload::upload).layer(DefaultBodyLimit::disable()),
        )
        .fallback(|| async { ApiError::BadRequest("no such endpoint".into()).into_response() })
        .layer(DefaultBodyLimit::max(error::JSON_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            listen::check_head,
        ))
        .layer(middleware::from_fn(listen::envelope_errors))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// One line per request: method, path, status, time to the reply's head, and the
/// attribution (`X-Skill-Source`/`-Version`/`-Platform`) for the operator's statistics.
async fn log_request(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let skill = ["x-skill-source", "x-skill-version", "x-skill-platform"]
        .map(|name| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(40)
                .collect::<String>()
        })
        .join("/");
    let started = Instant::now();
    let response = next.run(request).await;
    eprintln!(
        "{method} {path} {} {} ms skill={skill}",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

/// How long a stopping server waits for chat turns under way to end.
const TURNS_GRACE: Duration = Duration::from_secs(30);

/// Serves `state` on `listener` with its export workers until `shutdown` resolves. Then it
/// takes no new requests, stops running renders and puts them back in the queue for the next
/// start, and lets chat turns under way end (each commits all or nothing, so one cut short
/// changes nothing; its held credits are released at the next start, or when the hold expires).
pub async fn serve(
    listener: TcpListener,
    mut state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if state.config.public_url.is_none() {
        let mut config = (*state.config).clone();
        config.public_url = Some(listening_url(listener.local_addr()?));
        state.config = Arc::new(config);
    }
    let stop_workers = media::process::CancelToken::new();
    let workers = worker::spawn(&state, &stop_workers);
    let sweeper = tokio::spawn(keep_holds_honest(state.clone()));
    let rules = listen::ConnectionRules {
        header_timeout: state.config.header_timeout,
        max_per_client: state.config.max_connections_per_client,
        trusted_proxies: state.config.trusted_proxies.clone(),
    };
    let served = listen::run(listener, app(state.clone()), rules, shutdown, TURNS_GRACE).await;
    stop_workers.cancel();
    state.preview_locks.stop();
    for worker in workers {
        let _ = worker.await;
    }
    // The lease is renewed until the last turn ends: another server must not take it for
    // stopped and release its hold meanwhile.
    let waiting = Instant::now();
    while state.turns.any_running() && waiting.elapsed() < TURNS_GRACE {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sweeper.abort();
    served
}

/// The base of the links a server started on `address` hands out when no public URL is
/// configured: the address itself, or loopback when it listens on every address.
fn listening_url(address: SocketAddr) -> String {
    let host = match address.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_string(),
        std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        ip => ip.to_string(),
    };
    format!("http://{host}:{}", address.port())
}

/// Renews this process's lease three times a lease, and each time gives back the credits
/// held by work whose process died: holds past their lifetime, and the chat turns' holds of
/// processes whose lease ran out (another server on the same database).
async fn keep_holds_honest(state: AppState) {
    let lease = state.config.lease;
    loop {
        if let Err(e) = state.store.renew_instance(lease.as_millis() as i64).await {
            eprintln!("renewing this server's lease: {e}");
        }
        match state.store.release_expired_holds().await {
            Ok(0) => {}
            Ok(n) => eprintln!("released {n} expired credit holds"),
            Err(e) => eprintln!("releasing expired holds: {e}"),
        }
        match state.store.release_holds_of_gone_processes(false).await {
            Ok(0) => {}
            Ok(n) => eprintln!("released {n} credit holds of stopped servers' turns"),
            Err(e) => eprintln!("releasing the holds of stopped servers: {e}"),
        }
        tokio::time::sleep(lease / 3).await;
    }
}
