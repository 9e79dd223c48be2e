//! Uploads by URL, fetched so that a URL cannot reach inside the server's network, nor hold
//! the server hostage.
//!
//! - Where: http(s) only, a host, no user name or password in it. Every address a host name
//!   resolves to is checked by the resolver of the HTTP client itself ([`private_kind`]: no
//!   loopback, private, link-local, CGNAT, multicast, unspecified, documentation, nor an IPv6
//!   form that embeds or reaches IPv4), so the connection goes to an address that was checked.
//!   Redirects are followed here, not by the client: each hop is checked the same way, at most
//!   [`MAX_REDIRECTS`] of them, relative `Location`s read against the URL that gave them.
//! - How long and how much: one deadline for the whole fetch (redirects, a source that
//!   dribbles a byte every few seconds), and a size limit counted as the body arrives.
//! - How many: a fetch holds a thread and a connection until its deadline, so [`FetchSlots`]
//!   caps them per user and in all; a fetch over a cap is refused at once, never queued.
//!
//! The address rule is a pair of tables; spellings such as `0x7f000001` or
//! `[::ffff:127.0.0.1]` reach it already read as the addresses they are.

use std::collections::HashMap;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

/// Redirects one fetch follows (API.md's maximum).
pub const MAX_REDIRECTS: usize = 3;

/// Which private addresses a fetch may reach anyway.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PrivateAccess {
    /// None (the default).
    #[default]
    Refused,
    /// These `address:port`s only (a test's own server, a NAS on the LAN).
    Only(Vec<SocketAddr>),
    /// All of them.
    Allowed,
}

impl PrivateAccess {
    fn permits(&self, address: &SocketAddr) -> bool {
        match self {
            PrivateAccess::Allowed => true,
            PrivateAccess::Only(list) => list.contains(address),
            PrivateAccess::Refused => false,
        }
    }
}

/// Why a URL is not fetched (the message goes to the client).
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("\"{0}\" is not an http or https URL")]
    NotHttp(String),
    #[error("\"{url}\" is not a URL cutline can fetch ({why})")]
    NotAUrl { url: String, why: String },
    #[error(
        "a URL with a user name or password in it is not fetched; give a link that needs none"
    )]
    Credentials,
    #[error("{host} is {why} ({address}); only public addresses are fetched")]
    Private {
        host: String,
        address: IpAddr,
        why: &'static str,
    },
    #[error("the URL redirected more than {MAX_REDIRECTS} times; give the address it ends at")]
    TooManyRedirects,
    #[error("the download took longer than the limit of {limit_secs} s")]
    TooSlow { limit_secs: u64 },
    #[error("{0}")]
    Failed(String),
    #[error("the file at the URL is larger than the limit of {limit_mb} MB")]
    TooLarge { limit_mb: u64 },
}

/// IPv4 ranges that are not public: (first address, prefix length, why). First match wins.
const V4_REFUSED: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "unspecified"),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "a private address"),
    (
        Ipv4Addr::new(100, 64, 0, 0),
        10,
        "a carrier-grade NAT address",
    ),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "a private address"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "an IETF protocol address"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "a documentation address"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "a 6to4 relay address"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "a private address"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "a benchmarking address"),
    (
        Ipv4Addr::new(198, 51, 100, 0),
        24,
        "a documentation address",
    ),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "a documentation address"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved or broadcast"),
];

/// What an IPv6 range is to a fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum V6Rule {
    /// Never fetched.
    Refused(&'static str),
    /// Reaches the IPv4 address in its last 32 bits: refused (saying this) when that is not
    /// public, fetched like it when it is.
    Embeds(&'static str),
}

/// IPv6 ranges that are not plainly public: (first address, prefix length, rule). First match
/// wins. The transition forms (SIIT, IPv4-compatible, local NAT64, 6to4, Teredo) reach IPv4
/// through a translator or relay this server cannot see and no public server needs them, so
/// they are refused whole; IPv4-mapped and well-known NAT64 (DNS64 networks) are judged by the
/// address they carry.
const V6_RULES: &[(Ipv6Addr, u8, V6Rule)] = {
    use V6Rule::{Embeds, Refused};
    &[
        (Ipv6Addr::UNSPECIFIED, 128, Refused("unspecified")),
        (Ipv6Addr::LOCALHOST, 128, Refused("loopback")),
        (
            Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0),
            96,
            Embeds("an IPv4-mapped form of a non-public address"),
        ),
        (
            Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0),
            96,
            Refused("an IPv4-translated (SIIT) address"),
        ),
        (
            Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0),
            96,
            Refused("an IPv4-compatible address"),
        ),
        (
            Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0),
            96,
            Embeds("a NAT64 form of a non-public address"),
        ),
        (
            Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
            48,
            Refused("a local NAT64 address"),
        ),
        (
            Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0),
            64,
            Refused("a discard-only address"),
        ),
        (
            Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
            32,
            Refused("a Teredo address"),
        ),
        (
            Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0),
            48,
            Refused("a benchmarking address"),
        ),
        (
            Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
            32,
            Refused("a documentation address"),
        ),
        (
            Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0),
            16,
            Refused("a 6to4 address"),
        ),
        (
            Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
            7,
            Refused("a unique local (private) address"),
        ),
        (
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
            10,
            Refused("link-local"),
        ),
        (
            Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0),
            10,
            Refused("a site-local (private) address"),
        ),
        (
            Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0),
            8,
            Refused("multicast"),
        ),
    ]
};

/// Whether the first `length` bits of `address` are those of `prefix`.
fn within(address: u128, prefix: u128, length: u8, width: u32) -> bool {
    let shift = width - u32::from(length);
    address.checked_shr(shift) == prefix.checked_shr(shift)
}

/// Why an address is not public, or `None` when it is.
pub fn private_kind(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let (_, _, rule) = V6_RULES
                .iter()
                .find(|(prefix, length, _)| within(bits, u128::from(*prefix), *length, 128))?;
            match rule {
                V6Rule::Refused(why) => Some(why),
                V6Rule::Embeds(why) => private_v4(Ipv4Addr::from(bits as u32)).map(|_| *why),
            }
        }
    }
}

fn private_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let bits = u128::from(u32::from(v4));
    V4_REFUSED
        .iter()
        .find(|(prefix, length, _)| within(bits, u128::from(u32::from(*prefix)), *length, 32))
        .map(|(_, _, why)| *why)
}

/// Whether a fetch may connect to `address`.
pub fn is_public(address: IpAddr) -> bool {
    private_kind(address).is_none()
}

/// `text` as a URL a fetch may start from or be redirected to: http(s), a host, no
/// credentials. Its addresses are checked when it is connected to.
pub fn checked_url(text: &str) -> Result<Url, FetchError> {
    let url = Url::parse(text).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => FetchError::NotHttp(text.into()),
        other => FetchError::NotAUrl {
            url: text.into(),
            why: other.to_string(),
        },
    })?;
    check(url)
}

fn check(url: Url) -> Result<Url, FetchError> {
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(FetchError::NotHttp(url.into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::Credentials);
    }
    Ok(url)
}

/// Where a reply of `status` with this `Location` sends the fetch of `current`: `None` when
/// it is not a redirect (its body is the file, or its status the failure).
fn next_hop(current: &Url, status: u16, location: Option<&str>) -> Result<Option<Url>, FetchError> {
    match status {
        301 | 302 | 303 | 307 | 308 => {
            let location = location.ok_or_else(|| {
                FetchError::Failed(format!("the URL answered HTTP {status} without a Location"))
            })?;
            let next = current.join(location).map_err(|e| FetchError::NotAUrl {
                url: location.into(),
                why: e.to_string(),
            })?;
            check(next).map(Some)
        }
        300..=399 => Err(FetchError::Failed(format!(
            "the URL answered HTTP {status}"
        ))),
        _ => Ok(None),
    }
}

/// The file name a URL gives, or "download".
fn file_name(url: &Url) -> String {
    url.path_segments()
        .and_then(|mut segments| segments.next_back())
        .filter(|name| !name.is_empty())
        .unwrap_or("download")
        .to_string()
}

/// The resolver the HTTP client connects through: every address is checked.
struct CheckingResolver {
    access: PrivateAccess,
}

impl ureq::Resolver for CheckingResolver {
    fn resolve(&self, netloc: &str) -> std::io::Result<Vec<SocketAddr>> {
        let addresses: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
        for address in &addresses {
            if let Some(why) = private_kind(address.ip()) {
                if !self.access.permits(address) {
                    let refusal = FetchError::Private {
                        host: netloc
                            .rsplit_once(':')
                            .map_or(netloc, |(h, _)| h)
                            .to_string(),
                        address: address.ip(),
                        why,
                    };
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        refusal,
                    ));
                }
            }
        }
        Ok(addresses)
    }
}

/// How a fetch is bounded.
#[derive(Clone, Debug)]
pub struct FetchRules {
    pub access: PrivateAccess,
    pub max_bytes: u64,
    /// For the whole fetch: every redirect, every wait for a byte.
    pub timeout: Duration,
}

impl FetchRules {
    fn too_slow(&self) -> FetchError {
        FetchError::TooSlow {
            limit_secs: self.timeout.as_secs().max(1),
        }
    }
}

/// Fetches `url`, handing its body to `sink` piece by piece on this thread; the file name
/// the URL gives. Blocking: the caller gives it a thread of its own and lets `sink` write.
pub fn fetch(
    url: &str,
    rules: &FetchRules,
    mut sink: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<String, FetchError> {
    let deadline = Instant::now() + rules.timeout;
    let mut current = checked_url(url)?;
    let agent = ureq::AgentBuilder::new()
        .resolver(CheckingResolver {
            access: rules.access.clone(),
        })
        .redirects(0)
        .build();
    let mut redirects = 0;
    let response = loop {
        let remaining = deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(|| rules.too_slow())?;
        let response = agent
            .request_url("GET", &current)
            .timeout(remaining)
            .call()
            .map_err(|e| refusal_in(&e).unwrap_or_else(|| failure(e, deadline, rules)))?;
        match next_hop(&current, response.status(), response.header("location"))? {
            None => break response,
            Some(_) if redirects == MAX_REDIRECTS => return Err(FetchError::TooManyRedirects),
            Some(next) => {
                redirects += 1;
                current = next;
            }
        }
    };
    let mut reader = response.into_reader();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = reader.read(&mut buffer).map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut || Instant::now() >= deadline {
                rules.too_slow()
            } else {
                FetchError::Failed(format!("the download broke off: {}", e.kind()))
            }
        })?;
        if n == 0 {
            break;
        }
        if Instant::now() >= deadline {
            return Err(rules.too_slow());
        }
        total += n as u64;
        if total > rules.max_bytes {
            return Err(FetchError::TooLarge {
                limit_mb: rules.max_bytes / (1024 * 1024),
            });
        }
        sink(&buffer[..n]).map_err(FetchError::Failed)?;
    }
    Ok(file_name(&current))
}

/// The resolver's refusal inside a client error, if that is what stopped it.
fn refusal_in(error: &ureq::Error) -> Option<FetchError> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            if let Some(refusal) = io.get_ref().and_then(|e| e.downcast_ref::<FetchError>()) {
                return Some(refusal.clone());
            }
        }
        source = current.source();
    }
    None
}

/// Any other failure, said without the client's internals.
fn failure(error: ureq::Error, deadline: Instant, rules: &FetchRules) -> FetchError {
    match error {
        ureq::Error::Status(code, _) => FetchError::Failed(format!("the URL answered HTTP {code}")),
        ureq::Error::Transport(_) if Instant::now() >= deadline => rules.too_slow(),
        ureq::Error::Transport(t) => {
            FetchError::Failed(format!("the URL could not be fetched ({})", t.kind()))
        }
    }
}

/// URL fetches running now, capped per user and in all.
#[derive(Debug)]
pub struct FetchSlots {
    per_user: usize,
    total: usize,
    running: Mutex<HashMap<String, usize>>,
}

/// One running fetch's place; given back when dropped.
#[derive(Debug)]
pub struct FetchSlot {
    slots: Arc<FetchSlots>,
    user: String,
}

impl FetchSlots {
    pub fn new(per_user: usize, total: usize) -> Self {
        Self {
            per_user,
            total,
            running: Mutex::default(),
        }
    }

    /// A place for one more fetch of `user`'s, or `None` when that would pass a cap.
    pub fn take(self: &Arc<Self>, user: &str) -> Option<FetchSlot> {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        let in_all: usize = running.values().sum();
        let mine = running.get(user).copied().unwrap_or(0);
        if in_all >= self.total || mine >= self.per_user {
            return None;
        }
        running.insert(user.to_string(), mine + 1);
        Some(FetchSlot {
            slots: Arc::clone(self),
            user: user.to_string(),
        })
    }

    /// Fetches running now, in all.
    pub fn running(&self) -> usize {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.values().sum()
    }
}

impl Drop for FetchSlot {
    fn drop(&mut self) {
        let mut running = self.slots.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = running.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                running.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_address_is_refused_for_what_it_is() {
        let table: &[(&str, Option<&str>)] = &[
            ("127.0.0.1", Some("loopback")),
            ("127.255.0.9", Some("loopback")),
            ("10.1.2.3", Some("a private address")),
            ("172.16.0.1", Some("a private address")),
            ("172.31.255.255", Some("a private address")),
            ("192.168.1.1", Some("a private address")),
            ("169.254.169.254", Some("link-local")),
            ("100.64.0.1", Some("a carrier-grade NAT address")),
            ("100.127.255.254", Some("a carrier-grade NAT address")),
            ("0.0.0.0", Some("unspecified")),
            ("0.1.2.3", Some("unspecified")),
            ("224.0.0.1", Some("multicast")),
            ("239.255.255.250", Some("multicast")),
            ("255.255.255.255", Some("reserved or broadcast")),
            ("240.0.0.1", Some("reserved or broadcast")),
            ("192.0.2.5", Some("a documentation address")),
            ("198.51.100.7", Some("a documentation address")),
            ("203.0.113.9", Some("a documentation address")),
            ("198.18.0.1", Some("a benchmarking address")),
            ("198.19.255.255", Some("a benchmarking address")),
            ("192.0.0.8", Some("an IETF protocol address")),
            ("192.88.99.1", Some("a 6to4 relay address")),
            ("::1", Some("loopback")),
            ("::", Some("unspecified")),
            (
                "::ffff:127.0.0.1",
                Some("an IPv4-mapped form of a non-public address"),
            ),
            (
                "::ffff:10.0.0.1",
                Some("an IPv4-mapped form of a non-public address"),
            ),
            (
                "::ffff:169.254.169.254",
                Some("an IPv4-mapped form of a non-public address"),
            ),
            ("::ffff:0:7f00:1", Some("an IPv4-translated (SIIT) address")),
            (
                "::ffff:0:808:808",
                Some("an IPv4-translated (SIIT) address"),
            ),
            ("::127.0.0.1", Some("an IPv4-compatible address")),
            ("::808:808", Some("an IPv4-compatible address")),
            ("::2", Some("an IPv4-compatible address")),
            (
                "64:ff9b::7f00:1",
                Some("a NAT64 form of a non-public address"),
            ),
            (
                "64:ff9b::a00:1",
                Some("a NAT64 form of a non-public address"),
            ),
            ("64:ff9b:1::7f00:1", Some("a local NAT64 address")),
            ("64:ff9b:1:ffff::1", Some("a local NAT64 address")),
            ("2002:7f00:1::1", Some("a 6to4 address")),
            ("2002:808:808::1", Some("a 6to4 address")),
            (
                "2001:0:4136:e378:8000:63bf:80ff:fffe",
                Some("a Teredo address"),
            ),
            ("2001::1", Some("a Teredo address")),
            ("2001:2::1", Some("a benchmarking address")),
            ("2001:db8::1", Some("a documentation address")),
            ("100::1", Some("a discard-only address")),
            ("fc00::1", Some("a unique local (private) address")),
            ("fd12:3456::1", Some("a unique local (private) address")),
            ("fe80::1", Some("link-local")),
            ("febf::1", Some("link-local")),
            ("fec0::1", Some("a site-local (private) address")),
            ("ff02::1", Some("multicast")),
            ("ff0e::1", Some("multicast")),
            // Public, in every spelling.
            ("8.8.8.8", None),
            ("1.1.1.1", None),
            ("172.32.0.1", None),
            ("100.128.0.1", None),
            ("100.63.255.255", None),
            ("169.253.0.1", None),
            ("198.20.0.1", None),
            ("223.255.255.255", None),
            ("2606:4700::1111", None),
            ("2001:4860::8888", None),
            ("::ffff:8.8.8.8", None),
            ("64:ff9b::808:808", None),
            ("64:ff9a::1", None),
            ("2003::1", None),
        ];
        for (address, expected) in table {
            let ip: IpAddr = address.parse().unwrap();
            assert_eq!(private_kind(ip), *expected, "{address}");
            assert_eq!(is_public(ip), expected.is_none(), "{address}");
        }
    }

    #[test]
    fn tricky_spellings_are_read_as_the_addresses_they_are() {
        for (url, host) in [
            ("http://0x7f000001/a.mp4", "127.0.0.1"),
            ("http://2130706433/a.mp4", "127.0.0.1"),
            ("http://0177.0.0.1/a.mp4", "127.0.0.1"),
            ("http://127.1/a.mp4", "127.0.0.1"),
            ("http://0/a.mp4", "0.0.0.0"),
            ("http://[::ffff:127.0.0.1]/a.mp4", "[::ffff:7f00:1]"),
        ] {
            let parsed = Url::parse(url).unwrap();
            assert_eq!(parsed.host_str(), Some(host), "{url}");
        }
    }

    #[test]
    fn only_http_urls_with_a_host_and_no_credentials_are_fetched() {
        let table: &[(&str, Result<(), &str>)] = &[
            ("http://example.com/a.mp4", Ok(())),
            ("HTTPS://Example.com/a.mp4", Ok(())),
            ("file:///etc/passwd", Err("not an http or https URL")),
            ("ftp://example.com/a.mp4", Err("not an http or https URL")),
            ("gopher://x", Err("not an http or https URL")),
            (
                "data:video/mp4;base64,AAAA",
                Err("not an http or https URL"),
            ),
            ("javascript:alert(1)", Err("not an http or https URL")),
            ("nonsense", Err("not an http or https URL")),
            (
                "http://user:pass@example.com/",
                Err("user name or password"),
            ),
            ("http://user@example.com/", Err("user name or password")),
            ("http://[fe80::1%25lo]/", Err("invalid IPv6 address")),
            ("http://", Err("empty host")),
        ];
        for (url, expected) in table {
            let got = checked_url(url).map(|_| ()).map_err(|e| e.to_string());
            match (expected, got) {
                (Ok(()), Ok(())) => {}
                (Err(part), Err(message)) => assert!(message.contains(part), "{url}: {message}"),
                (expected, got) => panic!("{url}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn redirects_are_read_against_the_url_that_gave_them_and_checked() {
        let current = Url::parse("http://files.example/a/b/talk.mp4").unwrap();
        /// A reply's status and `Location`, and the next URL or a part of the refusal.
        type Case = (
            u16,
            Option<&'static str>,
            Result<Option<&'static str>, &'static str>,
        );
        let table: &[Case] = &[
            (200, None, Ok(None)),
            (404, None, Ok(None)),
            (302, Some("/c.mp4"), Ok(Some("http://files.example/c.mp4"))),
            (
                301,
                Some("d.mp4"),
                Ok(Some("http://files.example/a/b/d.mp4")),
            ),
            (
                307,
                Some("//other.example/e"),
                Ok(Some("http://other.example/e")),
            ),
            (
                308,
                Some("https://x.example/f"),
                Ok(Some("https://x.example/f")),
            ),
            (
                303,
                Some("file:///etc/passwd"),
                Err("not an http or https URL"),
            ),
            (
                302,
                Some("gopher://127.0.0.1/"),
                Err("not an http or https URL"),
            ),
            (
                302,
                Some("http://u:p@127.0.0.1/"),
                Err("user name or password"),
            ),
            (302, Some("http://[::1%25lo]/"), Err("invalid IPv6 address")),
            (302, None, Err("without a Location")),
            (304, None, Err("HTTP 304")),
        ];
        for (status, location, expected) in table {
            let got = next_hop(&current, *status, *location)
                .map(|next| next.map(String::from))
                .map_err(|e| e.to_string());
            match (expected, &got) {
                (Ok(want), Ok(got)) => assert_eq!(got.as_deref(), *want, "{status} {location:?}"),
                (Err(part), Err(message)) => {
                    assert!(message.contains(part), "{status} {location:?}: {message}")
                }
                _ => panic!("{status} {location:?}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn a_file_name_comes_from_the_last_path_segment() {
        for (url, name) in [
            ("http://x.example/a/talk.mp4?t=1#f", "talk.mp4"),
            ("http://x.example/", "download"),
            ("http://x.example/a/", "download"),
        ] {
            assert_eq!(file_name(&Url::parse(url).unwrap()), name, "{url}");
        }
    }

    #[test]
    fn fetches_are_capped_per_user_and_in_all_and_given_back() {
        let slots = Arc::new(FetchSlots::new(2, 3));
        let a1 = slots.take("a").expect("a's first");
        let a2 = slots.take("a").expect("a's second");
        assert!(
            slots.take("a").is_none(),
            "a's third passes the per-user cap"
        );
        let b1 = slots.take("b").expect("b's first");
        assert!(slots.take("c").is_none(), "c's first passes the cap in all");
        assert_eq!(slots.running(), 3);
        drop(a1);
        assert!(
            slots.take("a").is_some(),
            "a's place came back (and went again)"
        );
        let c1 = slots.take("c").expect("a place in all came back");
        drop((a2, b1, c1));
        assert_eq!(slots.running(), 0);
        assert!(
            slots.running.lock().unwrap().is_empty(),
            "no user left counted"
        );
    }

    #[test]
    fn other_schemes_are_refused_before_any_connection() {
        let rules = FetchRules {
            access: PrivateAccess::Allowed,
            max_bytes: 1,
            timeout: Duration::from_secs(1),
        };
        for url in [
            "file:///etc/passwd",
            "ftp://example.com/a.mp4",
            "gopher://x",
            "nonsense",
        ] {
            let refused = fetch(url, &rules, |_| Ok(())).unwrap_err();
            assert!(
                matches!(refused, FetchError::NotHttp(_)),
                "{url}: {refused}"
            );
        }
    }
}
