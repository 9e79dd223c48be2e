//! Servers on loopback that uploads by URL are pointed at. Each counts the connections it gets
//! (the SSRF matrix fails on any that reaches a forbidden one) and answers each on a thread of
//! its own: plain text, a chain of redirects, or a body dribbled a byte at a time.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a listener does with a request for `path` on `stream`.
type Answer = dyn Fn(&str, &mut TcpStream) + Send + Sync;

/// A listener that counts its connections.
pub struct Listener {
    pub address: SocketAddr,
    connections: Arc<AtomicUsize>,
}

impl Listener {
    /// Answers every connection to `address` with `answer`, counting each as it is accepted
    /// (before its request is read, so a client's reply never comes before the count).
    pub fn start(
        address: impl ToSocketAddrs,
        answer: impl Fn(&str, &mut TcpStream) + Send + Sync + 'static,
    ) -> std::io::Result<Listener> {
        let listener = TcpListener::bind(address)?;
        let address = listener.local_addr()?;
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        let answer: Arc<Answer> = Arc::new(answer);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counted.fetch_add(1, Ordering::SeqCst);
                let answer = Arc::clone(&answer);
                std::thread::spawn(move || {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                    if let Some(path) = request_path(&stream) {
                        answer(&path, &mut stream);
                    }
                });
            }
        });
        Ok(Listener {
            address,
            connections,
        })
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// The path of the request on `stream`, its head read to the blank line.
fn request_path(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? <= 2 {
            break;
        }
    }
    Some(request_line.split(' ').nth(1).unwrap_or("/").to_string())
}

fn reply(stream: &mut TcpStream, head: &str, body: &[u8]) {
    let mut bytes = format!(
        "HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    let _ = stream.write_all(&bytes);
}

/// Answers everything with a little text (not a video: an upload of it is 4001).
pub fn text(stream: &mut TcpStream) {
    reply(stream, "200 OK", b"just some words, not a video\n");
}

/// `/chain/N?to=URL` redirects to `/chain/N-1?to=URL` (a relative `Location`), and
/// `/chain/1?to=URL` to the URL (percent-encoded in the query); anything else is text.
pub fn redirector(path: &str, stream: &mut TcpStream) {
    let Some((hops, to)) = path
        .strip_prefix("/chain/")
        .and_then(|rest| rest.split_once("?to="))
    else {
        return text(stream);
    };
    let hops: usize = hops.parse().unwrap_or(1);
    let location = if hops > 1 {
        format!("/chain/{}?to={to}", hops - 1)
    } else {
        url::form_urlencoded::parse(format!("to={to}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    reply(stream, &format!("302 Found\r\nLocation: {location}"), b"");
}

/// `/chain/N?to=…` on the redirector at `base` that ends at `to`.
pub fn chain(base: &str, hops: usize, to: &str) -> String {
    let to: String = url::form_urlencoded::byte_serialize(to.as_bytes()).collect();
    format!("{base}/chain/{hops}?to={to}")
}

/// `/slow` promises 10 MB and sends a byte every `every` until the client goes (or `stop` is
/// set, or a minute passes); anything else is text at once.
pub fn dribbler(
    every: Duration,
    stop: Arc<AtomicBool>,
) -> impl Fn(&str, &mut TcpStream) + Send + Sync + 'static {
    move |path, stream| {
        if path != "/slow" {
            return text(stream);
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 10485760\r\n\r\n";
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        let started = Instant::now();
        while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(60) {
            if stream.write_all(&[0]).is_err() {
                return;
            }
            std::thread::sleep(every);
        }
    }
}

/// Waits for `done` (checked every 20 ms) up to `limit`; panics saying `what` when it is not.
pub fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
