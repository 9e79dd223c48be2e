//! Uploads by URL, fetched so that a URL cannot reach inside the server's network: http(s)
//! only; every address a host name resolves to is checked (no loopback, private, link-local,
//! CGNAT, multicast, unspecified, documentation or IPv4-mapped forms of them) by the resolver
//! of the HTTP client itself, so the connection goes to an address that was checked, on the
//! first request and on each of at most 3 redirects; time and size are capped.
//!
//! The address rule is [`is_public`], pure and tested with tables; spellings such as
//! `0x7f000001` or `[::ffff:127.0.0.1]` reach it already read as the addresses they are.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

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

/// Why a URL is not fetched (the message goes to the client).
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("\"{0}\" is not an http or https URL")]
    NotHttp(String),
    #[error("{host} is {why} ({address}); only public addresses are fetched")]
    Private {
        host: String,
        address: IpAddr,
        why: &'static str,
    },
    #[error("{0}")]
    Failed(String),
    #[error("the file at the URL is larger than the limit of {limit_mb} MB")]
    TooLarge { limit_mb: u64 },
}

/// Why an address is not public, or `None` when it is.
pub fn private_kind(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return private_v4(v4).map(|_| "an IPv4-mapped private address");
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if v6.is_multicast() {
                Some("multicast")
            } else if first & 0xfe00 == 0xfc00 {
                Some("a unique local (private) address")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if first == 0x2001 && v6.segments()[1] == 0x0db8 {
                Some("a documentation address")
            } else if v6.segments()[..6] == [0, 0, 0, 0, 0, 0] || first == 0x0064 {
                // IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::/96) forms reach IPv4.
                Some("an IPv4-translated address")
            } else {
                None
            }
        }
    }
}

fn private_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = v4.octets();
    if v4.is_loopback() {
        Some("loopback")
    } else if v4.is_private() {
        Some("a private address")
    } else if v4.is_link_local() {
        Some("link-local")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a carrier-grade NAT address")
    } else if v4.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if v4.is_multicast() || a >= 240 || v4.is_broadcast() {
        Some("multicast or reserved")
    } else if v4.is_documentation() || (a == 198 && (b == 18 || b == 19)) {
        Some("a documentation or benchmark address")
    } else if a == 192 && b == 0 && v4.octets()[2] == 0 {
        Some("an IETF protocol address")
    } else {
        None
    }
}

/// Whether a fetch may connect to `address`.
pub fn is_public(address: IpAddr) -> bool {
    private_kind(address).is_none()
}

/// The resolver the HTTP client connects through: every address is checked.
struct CheckingResolver {
    access: PrivateAccess,
}

impl ureq::Resolver for CheckingResolver {
    fn resolve(&self, netloc: &str) -> std::io::Result<Vec<SocketAddr>> {
        let addresses: Vec<SocketAddr> = netloc.to_socket_addrs()?.collect();
        for address in &addresses {
            let allowed = match &self.access {
                PrivateAccess::Allowed => true,
                PrivateAccess::Only(list) => list.contains(address),
                PrivateAccess::Refused => false,
            };
            if let Some(why) = private_kind(address.ip()) {
                if !allowed {
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
    pub timeout: Duration,
}

/// Fetches `url`, handing its body to `sink` in pieces; the file name the URL gives. Blocking.
pub fn fetch(
    url: &str,
    rules: &FetchRules,
    mut sink: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<String, FetchError> {
    let parsed = url::Url::parse(url).map_err(|_| FetchError::NotHttp(url.into()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(FetchError::NotHttp(url.into()));
    }
    let agent = ureq::AgentBuilder::new()
        .resolver(CheckingResolver {
            access: rules.access.clone(),
        })
        .redirects(3)
        .timeout(rules.timeout)
        .build();
    let response = agent
        .request_url("GET", &parsed)
        .call()
        .map_err(|e| refusal_in(&e).unwrap_or_else(|| failure(e)))?;
    let name = response
        .get_url()
        .rsplit('/')
        .next()
        .and_then(|n| n.split(['?', '#']).next())
        .filter(|n| !n.is_empty())
        .unwrap_or("download")
        .to_string();
    let mut reader = response.into_reader();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let n = reader
            .read(&mut buffer)
            .map_err(|e| FetchError::Failed(format!("the download broke off: {}", e.kind())))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > rules.max_bytes {
            return Err(FetchError::TooLarge {
                limit_mb: rules.max_bytes / (1024 * 1024),
            });
        }
        sink(&buffer[..n]).map_err(FetchError::Failed)?;
    }
    Ok(name)
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
fn failure(error: ureq::Error) -> FetchError {
    match error {
        ureq::Error::Status(code, _) => FetchError::Failed(format!("the URL answered HTTP {code}")),
        ureq::Error::Transport(t) => {
            FetchError::Failed(format!("the URL could not be fetched ({})", t.kind()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_fetched() {
        let refused = [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.5",
            "198.18.0.1",
            "192.0.0.8",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
        ];
        for address in refused {
            let ip: IpAddr = address.parse().unwrap();
            assert!(!is_public(ip), "{address} must be refused");
        }
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
        ] {
            let ip: IpAddr = address.parse().unwrap();
            assert!(is_public(ip), "{address} is public");
        }
    }

    #[test]
    fn tricky_spellings_are_read_as_the_addresses_they_are() {
        for (url, host) in [
            ("http://0x7f000001/a.mp4", "127.0.0.1"),
            ("http://2130706433/a.mp4", "127.0.0.1"),
            ("http://0177.0.0.1/a.mp4", "127.0.0.1"),
            ("http://[::ffff:127.0.0.1]/a.mp4", "[::ffff:7f00:1]"),
        ] {
            let parsed = url::Url::parse(url).unwrap();
            assert_eq!(parsed.host_str(), Some(host), "{url}");
        }
    }

    #[test]
    fn other_schemes_are_refused() {
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
