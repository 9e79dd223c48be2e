//! The standing SSRF matrix: every spelling we know of an address a URL upload must not reach
//! (loopback, private, link-local, CGNAT, multicast, the IPv6 forms that embed or reach IPv4),
//! names resolving to them, redirect chains to them from an allowed server, other schemes,
//! credentials, zone ids — each posted as an upload by URL and each refused with its own
//! message, while listeners on those very addresses count the connections that reach them
//! (none may).
//!
//! It runs inside a network namespace it makes (`unshare -n -m`: only a loopback interface,
//! its own `/etc/hosts` bind-mounted), so a regression can send nothing off the machine: the
//! test re-runs itself there. Without `unshare` (util-linux) or the right to use it (root, or
//! `unshare -r`) it fails; it never skips.

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::process::Command;
use std::time::Duration;

use crate::listeners::{chain, redirector, text, wait_for, Listener};
use crate::{session, start, upload_url};

/// Set in the re-run inside the namespace.
const INSIDE: &str = "CUTLINE_SSRF_NAMESPACE";
const TEST_NAME: &str = "ssrf::every_url_form_that_reaches_inside_is_refused_before_a_connection";

/// The one server URL uploads may reach here (on the allow-list), and a redirector.
const REDIRECTOR: &str = "127.0.0.9:8081";

/// Addresses put on `lo` so that a connection to them would succeed and be counted; the
/// `false` ones are IPv6 transition forms a kernel may refuse to assign (their forms are still
/// tried: the refusal's message is checked).
const LOOPBACK_ADDRESSES: &[(&str, bool)] = &[
    ("10.0.0.1/32", true),
    ("10.255.255.254/32", true),
    ("172.16.0.1/32", true),
    ("172.31.255.254/32", true),
    ("192.168.1.1/32", true),
    ("169.254.169.254/32", true),
    ("100.64.0.1/32", true),
    ("100.127.255.254/32", true),
    ("93.184.216.34/32", true),
    ("fd00::1/128", true),
    ("fc00::1/128", true),
    ("2002:7f00:1::1/128", false),
    ("2002:a00:1::1/128", false),
    ("64:ff9b::7f00:1/128", false),
    ("64:ff9b:1::7f00:1/128", false),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe/128", false),
    ("::7f00:1/128", false),
    ("::ffff:0:7f00:1/128", false),
];

/// The namespace's `/etc/hosts`: names for forbidden addresses (`mixed.test` has a public
/// one first and a loopback one second).
const HOSTS: &str = "\
127.0.0.1 localhost loop.test
::1 localhost v6loop.test
10.0.0.1 private.test
169.254.169.254 metadata.test metadata.google.internal
100.64.0.1 cgnat.test
224.0.0.1 multicast.test
fd00::1 ula.test
::ffff:0:7f00:1 siit.test
2002:7f00:1::1 sixtofour.test
93.184.216.34 mixed.test
127.0.0.1 mixed.test
";

/// How a form must be refused (always 400 with the envelope).
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// A non-public address, said as this kind.
    Private(&'static str),
    Scheme,
    Credentials,
    NotAUrl,
    TooManyRedirects,
}

impl Expect {
    fn parts(self) -> Vec<&'static str> {
        match self {
            Expect::Private(why) => vec![why, "only public addresses are fetched"],
            Expect::Scheme => vec!["not an http or https URL"],
            Expect::Credentials => vec!["user name or password"],
            Expect::NotAUrl => vec!["is not a URL cutline can fetch"],
            Expect::TooManyRedirects => vec!["redirected more than 3 times"],
        }
    }
}

struct Form {
    url: String,
    expect: Expect,
    /// Requests the redirector gets on the way (0 for a form that never reaches it).
    hops: usize,
}

/// The matrix (targets on port 80 or 443, where the counting listeners are).
fn forms() -> Vec<Form> {
    use Expect::*;
    const LOOPBACK: Expect = Private("loopback");
    const PRIVATE: Expect = Private("a private address");
    let direct: Vec<(&str, Expect)> = vec![
        // Loopback, in every spelling of IPv4.
        ("http://127.0.0.1/", LOOPBACK),
        ("https://127.0.0.1/", LOOPBACK),
        ("http://127.0.0.1:80/", LOOPBACK),
        ("http://127.0.0.2/", LOOPBACK),
        ("http://127.1/", LOOPBACK),
        ("http://127.0.1/", LOOPBACK),
        ("http://2130706433/", LOOPBACK),
        ("http://0x7f000001/", LOOPBACK),
        ("http://0x7f.0x0.0x0.0x1/", LOOPBACK),
        ("http://0x7f.1/", LOOPBACK),
        ("http://0177.0.0.1/", LOOPBACK),
        ("http://017700000001/", LOOPBACK),
        ("http://127.000.000.001/", LOOPBACK),
        ("http://127.0.0.1./", LOOPBACK),
        ("http://%31%32%37.0.0.1/", LOOPBACK),
        ("HTTP://127.0.0.1/", LOOPBACK),
        ("http:/127.0.0.1/", LOOPBACK),
        ("http:\\\\127.0.0.1\\", LOOPBACK),
        ("http://127.0.0.1#@93.184.216.34/", LOOPBACK),
        ("http://0/", Private("unspecified")),
        ("http://0.0.0.0/", Private("unspecified")),
        // Loopback and unspecified in IPv6, and the IPv6 forms that carry IPv4.
        ("http://[::1]/", LOOPBACK),
        ("http://[0:0:0:0:0:0:0:1]/", LOOPBACK),
        ("http://[::]/", Private("unspecified")),
        ("http://[::ffff:127.0.0.1]/", Private("IPv4-mapped")),
        ("http://[::ffff:7f00:1]/", Private("IPv4-mapped")),
        (
            "http://[0:0:0:0:0:ffff:169.254.169.254]/",
            Private("IPv4-mapped"),
        ),
        ("http://[::ffff:0:7f00:1]/", Private("SIIT")),
        ("http://[::ffff:0:127.0.0.1]/", Private("SIIT")),
        ("http://[2002:7f00:1::1]/", Private("6to4")),
        ("http://[2002:a00:1::1]/", Private("6to4")),
        ("http://[64:ff9b::7f00:1]/", Private("NAT64")),
        ("http://[64:ff9b::127.0.0.1]/", Private("NAT64")),
        ("http://[64:ff9b::a9fe:a9fe]/", Private("NAT64")),
        ("http://[64:ff9b:1::7f00:1]/", Private("local NAT64")),
        (
            "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
            Private("Teredo"),
        ),
        ("http://[::127.0.0.1]/", Private("IPv4-compatible")),
        ("http://[::7f00:1]/", Private("IPv4-compatible")),
        // Private, link-local (the cloud metadata address), CGNAT, multicast, reserved.
        ("http://10.0.0.1/", PRIVATE),
        ("http://10.255.255.254/", PRIVATE),
        ("http://012.0.0.1/", PRIVATE),
        ("http://172.16.0.1/", PRIVATE),
        ("http://172.31.255.254/", PRIVATE),
        ("http://192.168.1.1/", PRIVATE),
        ("http://0xc0a80101/", PRIVATE),
        ("http://3232235777/", PRIVATE),
        (
            "http://169.254.169.254/latest/meta-data/",
            Private("link-local"),
        ),
        ("http://0xa9fea9fe/", Private("link-local")),
        ("http://2852039166/", Private("link-local")),
        ("http://100.64.0.1/", Private("carrier-grade NAT")),
        ("http://100.127.255.254/", Private("carrier-grade NAT")),
        ("http://224.0.0.1/", Private("multicast")),
        ("http://239.255.255.250/", Private("multicast")),
        ("http://255.255.255.255/", Private("broadcast")),
        ("http://240.0.0.1/", Private("reserved")),
        ("http://[fd00::1]/", Private("unique local")),
        ("http://[fc00::1]/", Private("unique local")),
        ("http://[fe80::1]/", Private("link-local")),
        ("http://[fec0::1]/", Private("site-local")),
        ("http://[ff02::1]/", Private("multicast")),
        // Names that resolve to them (the namespace's own hosts file).
        ("http://localhost/", LOOPBACK),
        ("http://loop.test/", LOOPBACK),
        ("http://LOOP.TEST/", LOOPBACK),
        ("http://v6loop.test/", LOOPBACK),
        ("http://private.test/", PRIVATE),
        ("http://metadata.test/", Private("link-local")),
        (
            "http://metadata.google.internal/computeMetadata/v1/",
            Private("link-local"),
        ),
        ("http://cgnat.test/", Private("carrier-grade NAT")),
        ("http://multicast.test/", Private("multicast")),
        ("http://ula.test/", Private("unique local")),
        ("http://siit.test/", Private("SIIT")),
        ("http://sixtofour.test/", Private("6to4")),
        ("http://mixed.test/", LOOPBACK),
        // The allowed server's address on another port is not allowed.
        ("http://127.0.0.9/", LOOPBACK),
        ("http://localhost:8081/", LOOPBACK),
        // Credentials, other schemes, zone ids.
        ("http://user:pass@127.0.0.1/", Credentials),
        ("http://user@127.0.0.1/", Credentials),
        ("http://127.0.0.1:80@loop.test/", Credentials),
        ("http://user:pass@127.0.0.9:8081/file.txt", Credentials),
        ("file:///etc/passwd", Scheme),
        ("file://localhost/etc/passwd", Scheme),
        ("ftp://127.0.0.1/a.mp4", Scheme),
        ("gopher://127.0.0.1:80/_GET%20/", Scheme),
        ("dict://127.0.0.1:80/info", Scheme),
        ("data:video/mp4;base64,AAAAIGZ0eXBpc29t", Scheme),
        ("javascript:alert(1)", Scheme),
        ("http://[fe80::1%25lo]/", NotAUrl),
        ("http://[::1%251]/", NotAUrl),
        ("http://[fe80::1%lo]/", NotAUrl),
    ];
    let base = format!("http://{REDIRECTOR}");
    let redirected: Vec<(usize, &str, Expect)> = vec![
        (1, "http://127.0.0.1/", LOOPBACK),
        (
            2,
            "http://169.254.169.254/latest/meta-data/",
            Private("link-local"),
        ),
        (3, "http://[::1]/", LOOPBACK),
        (4, "http://127.0.0.1/", TooManyRedirects),
        (1, "//127.0.0.1/", LOOPBACK),
        (1, "http://0x7f000001/", LOOPBACK),
        (2, "http://[2002:7f00:1::1]/", Private("6to4")),
        (3, "http://[::ffff:0:7f00:1]/", Private("SIIT")),
        (1, "http://loop.test/", LOOPBACK),
        (1, "http://metadata.test/", Private("link-local")),
        (1, "http://10.0.0.1/", PRIVATE),
        (1, "http://127.0.0.9/", LOOPBACK),
        (1, "file:///etc/passwd", Scheme),
        (3, "file:///etc/passwd", Scheme),
        (1, "gopher://127.0.0.1/", Scheme),
        (1, "data:text/plain,hello", Scheme),
        (1, "http://user:pass@127.0.0.1/", Credentials),
        (1, "http://[fe80::1%25lo]/", NotAUrl),
    ];
    let mut forms: Vec<Form> = direct
        .into_iter()
        .map(|(url, expect)| Form {
            url: url.to_string(),
            expect,
            hops: 0,
        })
        .collect();
    forms.extend(redirected.into_iter().map(|(hops, to, expect)| Form {
        url: chain(&base, hops, to),
        expect,
        hops,
    }));
    forms
}

#[test]
fn every_url_form_that_reaches_inside_is_refused_before_a_connection() {
    if std::env::var_os(INSIDE).is_some() {
        return inside_the_namespace();
    }
    let exe = std::env::current_exe().unwrap();
    // Root makes the namespaces itself; anyone else needs a user namespace too (`-r`).
    let as_root = std::fs::read_to_string("/proc/self/status")
        .is_ok_and(|status| status.lines().any(|line| line.starts_with("Uid:\t0\t")));
    let user_namespace: &[&str] = if as_root { &[] } else { &["-r"] };
    let output = Command::new("unshare")
        .args(user_namespace)
        .args(["-n", "-m", "--"])
        .arg(&exe)
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        // Its network namespace has no way to the run's Postgres server; what it tests is
        // fetching, not storage, so it keeps SQLite.
        .env_remove("CUTLINE_TEST_ENGINE")
        .output()
        .unwrap_or_else(|e| panic!("the SSRF matrix runs under `unshare -n -m` (util-linux): {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the SSRF matrix failed inside its namespace ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let summary = stdout
        .lines()
        .find_map(|line| line.find("ssrf matrix:").map(|at| &line[at..]))
        .unwrap_or_else(|| panic!("the matrix did not run inside the namespace:\n{stdout}"));
    println!("{summary}");
}

fn inside_the_namespace() {
    let _hosts = namespace_up();
    // The listeners every forbidden form points at: dual-stack, so IPv4 arrives too.
    let http = Listener::start("[::]:80", |_, s| text(s)).expect("listen on port 80");
    let https = Listener::start("[::]:443", |_, s| text(s)).expect("listen on port 443");
    let reached = || http.connections() + https.connections();
    let assigned = check_listeners_are_reachable(&http);
    let before = reached();

    let mover = Listener::start(REDIRECTOR, redirector).expect("listen as the redirector");
    let allowed = mover.address;
    let server = start(move |config| {
        config.allowed_private = vec![allowed];
        config.url_timeout = Duration::from_secs(10);
    });
    let (bearer, session_id) = session(&server);

    // The allowed server works, three redirects are followed and a fourth is not: the refusals
    // below are the addresses', not a broken fetch.
    let base = format!("http://{REDIRECTOR}");
    let controls = [
        (format!("{base}/file.txt"), 415, "not a video", 1),
        (chain(&base, 3, "/file.txt"), 415, "not a video", 4),
        (
            chain(&base, 4, "/file.txt"),
            400,
            "redirected more than 3 times",
            4,
        ),
    ];
    for (url, status, part, hops) in &controls {
        let seen = mover.connections();
        let reply = upload_url(&server, &bearer, &session_id, url);
        let message = reply.body["message"].as_str().unwrap_or_default();
        assert_eq!(reply.status, *status, "{url}: {}", reply.body);
        assert!(message.contains(part), "{url}: {message}");
        assert_eq!(mover.connections() - seen, *hops, "{url}: requests made");
    }

    let forms = forms();
    let mut failures = Vec::new();
    for form in &forms {
        let (seen, reached_before) = (mover.connections(), reached());
        let reply = upload_url(&server, &bearer, &session_id, &form.url);
        let message = reply.body["message"].as_str().unwrap_or_default();
        let refused = reply.status == 400
            && reply.body["code"] == 400
            && reply.body["success"] == false
            && reply.body["data"].is_null()
            && form
                .expect
                .parts()
                .iter()
                .all(|part| message.contains(part));
        let hops = mover.connections() - seen;
        if !refused || hops != form.hops || reached() != reached_before {
            failures.push(format!(
                "{} (expected {:?} after {} requests to the redirector): {} {} after {hops}, \
                 {} connections reached the listeners",
                form.url,
                form.expect,
                form.hops,
                reply.status,
                reply.body,
                reached() - reached_before
            ));
        }
    }
    let connections = reached() - before;
    let media = std::fs::read_dir(server.data_dir().join("media"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    println!(
        "ssrf matrix: {} forms tried, {} refused, {connections} connections reached the \
         listeners ({} addresses on lo), {} controls through the allowed redirector passed",
        forms.len(),
        forms.len() - failures.len(),
        assigned,
        controls.len()
    );
    assert!(forms.len() >= 60, "a matrix of at least 60 forms");
    assert!(
        failures.is_empty(),
        "not refused as expected:\n{}",
        failures.join("\n")
    );
    assert_eq!(connections, 0, "connections reached a forbidden listener");
    assert_eq!(media, 0, "nothing refused is kept");
}

/// Brings `lo` up with the forbidden addresses on it and bind-mounts the hosts file; panics
/// unless the namespace is what the matrix needs (its only interface is loopback). The folder
/// of the hosts file.
fn namespace_up() -> testkit::TempDir {
    let links = run("ip", &["-o", "link", "show"]);
    let names: Vec<&str> = links
        .lines()
        .filter_map(|line| line.split(':').nth(1))
        .map(str::trim)
        .collect();
    assert_eq!(names, ["lo"], "not inside a namespace of our own: {links}");
    run("ip", &["link", "set", "lo", "up"]);
    for (address, required) in LOOPBACK_ADDRESSES {
        let added = Command::new("ip")
            .args(["addr", "add", address, "dev", "lo"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(added || !required, "cannot put {address} on lo");
    }
    let folder = testkit::scratch();
    let hosts = folder.path().join("hosts");
    std::fs::write(&hosts, HOSTS).unwrap();
    run("mount", &["--bind", hosts.to_str().unwrap(), "/etc/hosts"]);
    let resolved: Vec<SocketAddr> = "loop.test:80".to_socket_addrs().unwrap().collect();
    assert_eq!(resolved, [SocketAddr::from(([127, 0, 0, 1], 80))]);
    let mixed: Vec<SocketAddr> = "mixed.test:80".to_socket_addrs().unwrap().collect();
    assert_eq!(
        mixed.len(),
        2,
        "both of mixed.test's addresses resolve: {mixed:?}"
    );
    folder
}

/// Connects to each address a form points at that the kernel can reach, and sees each
/// counted: a connection that got through would be seen. How many were.
fn check_listeners_are_reachable(listener: &Listener) -> usize {
    let mut targets = vec!["127.0.0.1", "127.0.0.2", "0.0.0.0", "::1"];
    for (address, _) in LOOPBACK_ADDRESSES {
        let bare = address.split('/').next().unwrap();
        if has_address(bare) {
            targets.push(bare);
        }
    }
    for target in &targets {
        let ip: std::net::IpAddr = target.parse().unwrap();
        let before = listener.connections();
        TcpStream::connect_timeout(&SocketAddr::new(ip, 80), Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("the listener on {target} cannot be reached: {e}"));
        wait_for(
            &format!("the listener to count {target}"),
            Duration::from_secs(10),
            || listener.connections() > before,
        );
    }
    targets.len()
}

/// Whether `address` is on an interface here.
fn has_address(address: &str) -> bool {
    let shown = run("ip", &["-o", "addr", "show", "dev", "lo"]);
    let ip: std::net::IpAddr = address.parse().unwrap();
    shown
        .split_whitespace()
        .filter_map(|word| word.split('/').next())
        .filter_map(|word| word.parse::<std::net::IpAddr>().ok())
        .any(|on| on == ip)
}

fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
