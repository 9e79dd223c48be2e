//! How `cutline serve` takes connections, so that slow or many clients cost little.
//!
//! - HTTP/1.1 by hyper with a header read timeout, which also bounds a kept-alive connection
//!   waiting for its next request; request heads are capped (URI, header count and size) and
//!   refused in the protocol's envelope by [`check_head`].
//! - Request bodies must keep coming ([`TimedBody`]): the whole body within the body timeout
//!   plus one second per [`MIN_BODY_RATE`] bytes it brought, and never a gap longer than the
//!   timeout. A large upload on a slow line goes through; a body dribbled a byte at a time
//!   is cut after the timeout.
//! - At most `max_connections_per_client` open connections per client address; the next one
//!   is answered 429 and closed. A trusted reverse proxy's own connections are not counted
//!   (its clients are told apart by the `X-Forwarded-For` it adds, [`client_address`]), so
//!   limit connections at the proxy.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

use crate::error::ApiError;
use crate::AppState;

/// The slowest a request body may arrive on average once its grace time is spent, in bytes
/// per second (64 kbit/s: any real upload link is faster, a dribbling attacker is not).
pub const MIN_BODY_RATE: u64 = 8 * 1024;

/// The longest request target; longer ones are 414.
const MAX_URI_BYTES: usize = 8 * 1024;
/// The most headers, and their most bytes, a request may carry; more is 431.
const MAX_HEADERS: usize = 100;
const MAX_HEADER_BYTES: usize = 32 * 1024;
/// hyper's read buffer: a head larger than this is refused by hyper itself (431, no body).
const READ_BUFFER: usize = 64 * 1024;

/// The connection rules, from the configuration.
#[derive(Clone, Debug)]
pub struct ConnectionRules {
    pub header_timeout: Duration,
    pub max_per_client: usize,
    pub trusted_proxies: Vec<IpAddr>,
}

/// Open connections per client address.
#[derive(Default)]
struct OpenConnections {
    counts: Mutex<HashMap<IpAddr, usize>>,
}

/// One counted connection; uncounted when dropped.
struct Counted {
    open: Arc<OpenConnections>,
    address: IpAddr,
}

impl OpenConnections {
    /// Counts a new connection from `address`, unless it already has `max` open.
    fn take(self: &Arc<Self>, address: IpAddr, max: usize) -> Option<Counted> {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(address).or_default();
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(Counted {
            open: Arc::clone(self),
            address,
        })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let mut counts = self.open.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = counts.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then waits up to `grace` for the
/// connections under way (a chat stream ends with its turn) before dropping them.
pub async fn run(
    listener: TcpListener,
    router: Router,
    rules: ConnectionRules,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let open = Arc::new(OpenConnections::default());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(rules.header_timeout)
        .max_buf_size(READ_BUFFER)
        .max_headers(MAX_HEADERS * 2);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: the next accept may succeed.
                    eprintln!("accepting a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let counted = if rules.trusted_proxies.contains(&peer.ip()) {
            None
        } else {
            match open.take(peer.ip(), rules.max_per_client) {
                Some(counted) => Some(counted),
                None => {
                    tokio::spawn(refuse_connection(stream));
                    continue;
                }
            }
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request.map(Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // Errors here are the client's (gone, too slow, malformed): nothing to report.
            let _ = connection.await;
            drop(counted);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
    Ok(())
}

/// Answers a connection over the cap with 429 and closes it, reading what the client sent
/// for a moment first so the answer is not lost to a reset.
async fn refuse_connection(mut stream: TcpStream) {
    let error = ApiError::RateLimited {
        retry_after_secs: 1,
    };
    let (code, _) = error.code_and_status();
    let body = serde_json::json!({"code": code, "success": false, "message":
        "too many open connections from your address; close some and retry", "data": null})
    .to_string();
    let head = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 1\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(format!("{head}{body}").as_bytes()).await;
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
    })
    .await;
}

/// The address of the client a request is from: the connection's peer, or, when the peer is
/// a trusted proxy, the last address in `X-Forwarded-For` that is not one of the trusted
/// proxies (the one the proxy itself added; earlier ones are the client's word).
pub fn client_address(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    forwarded_for
        .into_iter()
        .flat_map(|list| list.rsplit(','))
        .map(|item| item.trim().parse::<IpAddr>())
        .take_while(Result::is_ok)
        .flatten()
        .find(|address| !trusted.contains(address))
        .unwrap_or(peer)
}

/// The client's address, for rate limits and the request log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// Refuses request heads over the caps (in the envelope), notes the client's address, and
/// times the body.
pub async fn check_head(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Some(refusal) = oversized_head(request.uri().to_string().len(), request.headers()) {
        return refusal;
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let client = client_address(peer, forwarded, &state.config.trusted_proxies);
    request.extensions_mut().insert(ClientAddr(client));
    let grace = state.config.body_timeout;
    let request = request.map(|body| Body::new(TimedBody::new(body, grace)));
    next.run(request).await
}

/// 414 or 431 for a request head over the caps.
fn oversized_head(uri_bytes: usize, headers: &HeaderMap) -> Option<Response> {
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    let (status, message) = if uri_bytes > MAX_URI_BYTES {
        (
            StatusCode::URI_TOO_LONG,
            format!("the request target is longer than {MAX_URI_BYTES} bytes"),
        )
    } else if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!(
                "the request has more than {MAX_HEADERS} headers or {} KB of them",
                MAX_HEADER_BYTES / 1024
            ),
        )
    } else {
        return None;
    };
    Some(ApiError::Status { status, message }.into_response())
}

/// Gives an error answer that is not in the protocol's envelope (axum's own: 405, a path or
/// query that does not parse, a body over its limit) the envelope, `code` = the HTTP status.
pub async fn envelope_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let text = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .ok()
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .filter(|t| !t.trim().is_empty() && !t.chars().any(char::is_control));
    let message = match (status, text) {
        (StatusCode::METHOD_NOT_ALLOWED, _) => format!(
            "this endpoint does not take {}",
            allow
                .as_ref()
                .map_or("this method".to_string(), |a| format!(
                    "this method (it takes {})",
                    a.to_str().unwrap_or_default()
                ))
        ),
        (StatusCode::PAYLOAD_TOO_LARGE, _) => ApiError::BodyTooLarge.to_string(),
        (_, Some(text)) => text,
        (_, None) => status
            .canonical_reason()
            .unwrap_or("the request was refused")
            .to_lowercase(),
    };
    let mut enveloped = ApiError::Status { status, message }.into_response();
    if let Some(allow) = allow {
        enveloped.headers_mut().insert(header::ALLOW, allow);
    }
    enveloped
}

/// A request body that must keep coming (see the module's docs).
pub struct TimedBody {
    inner: Body,
    grace: Duration,
    started: Instant,
    received: u64,
    timer: Pin<Box<Sleep>>,
}

impl TimedBody {
    pub fn new(inner: Body, grace: Duration) -> Self {
        let started = Instant::now();
        Self {
            inner,
            grace,
            started,
            received: 0,
            timer: Box::pin(tokio::time::sleep_until(started + grace)),
        }
    }

    /// The next frame is due by then: within the grace time of the last one, and on average
    /// no slower than [`MIN_BODY_RATE`] after the first grace time.
    fn due(&self, now: Instant) -> Instant {
        let earned = Duration::from_secs_f64(self.received as f64 / MIN_BODY_RATE as f64);
        (now + self.grace).min(self.started + self.grace + earned)
    }
}

impl HttpBody for TimedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    self.received += data.len() as u64;
                }
                let due = self.due(Instant::now());
                self.timer.as_mut().reset(due);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Pending => match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "the request body came too slowly",
                ))))),
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_behind_a_trusted_proxy_is_the_address_it_added() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let client: IpAddr = "198.51.100.7".parse().unwrap();
        let trusted = [proxy];
        for (from, forwarded, expected) in [
            // Not from the proxy: the header is anyone's word.
            (peer, Some("198.51.100.7"), peer),
            (peer, None, peer),
            // From the proxy: the address it appended, not what the client claimed before it.
            (proxy, Some("198.51.100.7"), client),
            (proxy, Some("1.2.3.4, 198.51.100.7"), client),
            (proxy, Some(" 1.2.3.4 ,198.51.100.7 "), client),
            (proxy, Some("198.51.100.7, 10.0.0.2"), client),
            // Nothing usable: the proxy itself.
            (proxy, None, proxy),
            (proxy, Some("garbage"), proxy),
            (proxy, Some("1.2.3.4, unknown"), proxy),
        ] {
            assert_eq!(
                client_address(from, forwarded, &trusted),
                expected,
                "{from} {forwarded:?}"
            );
        }
    }

    #[test]
    fn connections_are_counted_per_address_and_uncounted_when_closed() {
        let open = Arc::new(OpenConnections::default());
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let first = open.take(a, 2).expect("first");
        let second = open.take(a, 2).expect("second");
        assert!(open.take(a, 2).is_none(), "a third from the same address");
        assert!(
            open.take(b, 2).is_some(),
            "another address has its own count"
        );
        drop(first);
        let third = open.take(a, 2).expect("a place was freed");
        drop((second, third));
        assert!(open.counts.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_body_is_due_within_its_grace_and_earns_time_by_what_it_brings() {
        let grace = Duration::from_secs(30);
        let mut body = TimedBody::new(Body::empty(), grace);
        let start = body.started;
        // Nothing yet: due at the end of the grace time, even if a frame just came.
        assert_eq!(body.due(start + Duration::from_secs(10)), start + grace);
        // 80 KiB earned 10 s more; a frame at 5 s is due 30 s later, capped by that.
        body.received = 80 * 1024;
        assert_eq!(
            body.due(start + Duration::from_secs(5)),
            start + Duration::from_secs(35)
        );
        // A large upload: the gap since the last frame is what bounds it.
        body.received = 100 * 1024 * 1024;
        assert_eq!(
            body.due(start + Duration::from_secs(60)),
            start + Duration::from_secs(90)
        );
    }
}
