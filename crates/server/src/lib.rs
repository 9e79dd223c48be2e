//! `cutline serve`: the protocol of `../shared/API.md` over HTTP.
//!
//! - [`app`] builds the router from an [`AppState`]; [`serve`] runs it on a listener until a
//!   shutdown future resolves (tests run it on loopback the same way).
//! - [`routes`]: thin handlers, one module per group of endpoints.
//! - [`auth`]: the caller from `Authorization: Bearer`; [`tokens`]: random tokens, stored hashed.
//! - [`store`]: users, tokens, the credits ledger and sessions in SQLite (sqlx, migrations).
//! - [`error`]: the one mapping from errors to protocol codes and the reply envelope.
//!
//! Built so far: anonymous tokens, sessions, session state, the credits balance, multipart
//! uploads. Upload by URL, chat turns over SSE, exports and credit holds come next.

pub mod auth;
pub mod config;
pub mod error;
pub mod routes;
pub mod store;
pub mod tokens;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;

pub use config::Config;
use error::ApiError;
pub use store::Store;

/// What every handler can reach.
#[derive(Clone, Debug)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
}

impl AppState {
    pub async fn open(config: Config) -> Result<Self, String> {
        let store = Store::open(&config.data_dir).await?;
        Ok(Self {
            store,
            config: Arc::new(config),
        })
    }
}

pub fn app(state: AppState) -> Router {
    Router::new()
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
        .route(
            "/api/upload-video/nemo_agent/{user}/{session_id}",
            // The size limit is the configured one, enforced while the file streams in.
            post(routes::upload::upload).layer(DefaultBodyLimit::disable()),
        )
        .fallback(|| async { ApiError::BadRequest("no such endpoint".into()).into_response() })
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// One line per request: method, path, status, time taken.
async fn log_request(request: Request, next: Next) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let started = Instant::now();
    let response = next.run(request).await;
    eprintln!(
        "{method} {path} {} {} ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

/// Serves `state` on `listener` until `shutdown` resolves; requests under way finish first.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
