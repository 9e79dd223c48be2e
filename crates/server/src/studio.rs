//! The studio: the web page `cutline serve` serves at `/`, for people who want to see their
//! video while they talk to it.
//!
//! The page is a handful of static files (plain ES modules, no build step) compiled into the
//! binary, so there is nothing to deploy beside it. They are served under
//! `/studio/{version}/…`, where the version is a hash of all of them: a file can be cached for
//! a year, and a new binary's page never mixes with an old one's modules (relative imports stay
//! inside one version). `/` itself is never cached and carries the Content-Security-Policy: no
//! inline script, nothing from another origin. The page talks only to the public HTTP API.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// One file of the page.
struct File {
    name: &'static str,
    mime: &'static str,
    bytes: &'static [u8],
}

macro_rules! file {
    ($name:literal, $mime:literal) => {
        File {
            name: $name,
            mime: $mime,
            bytes: include_bytes!(concat!("../studio/", $name)),
        }
    };
}

/// The page's files; `index.html` names the others through `{{version}}`.
const FILES: &[File] = &[
    file!("index.html", "text/html; charset=utf-8"),
    file!("studio.css", "text/css; charset=utf-8"),
    file!("app.js", "text/javascript; charset=utf-8"),
    file!("api.js", "text/javascript; charset=utf-8"),
    file!("words.js", "text/javascript; charset=utf-8"),
    file!("timeline.js", "text/javascript; charset=utf-8"),
];

/// The hash of every file, in the asset paths.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut hash = Sha256::new();
    for file in FILES {
        hash.update(file.name.as_bytes());
        hash.update((file.bytes.len() as u64).to_le_bytes());
        hash.update(file.bytes);
    }
    hash.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
});

static INDEX: LazyLock<String> = LazyLock::new(|| {
    let page = FILES[0].bytes;
    String::from_utf8_lossy(page).replace("{{version}}", &VERSION)
});

/// What the page may load and run: its own files and API only, no inline script, no frames.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Headers every file of the page carries.
fn guarded(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let pairs: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Signed media links must not leak to another site through a Referer.
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in pairs {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// `GET /`: the page.
pub async fn index() -> Response {
    guarded(
        (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            INDEX.as_str(),
        )
            .into_response(),
    )
}

/// `GET /studio/{version}/{file}`: one of the page's files, cached for good.
pub async fn asset(Path((version, name)): Path<(String, String)>) -> Response {
    let file = FILES.iter().skip(1).find(|f| f.name == name);
    match file {
        Some(file) if version == *VERSION => guarded(
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, file.mime),
                    (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                ],
                file.bytes,
            )
                .into_response(),
        ),
        // An old page asking for its files after an upgrade: reload to get the new one.
        _ => ApiError::NotFound("file of the page (reload the page)").into_response(),
    }
}

/// How much the page weighs, all files together (the README states it).
pub fn weight() -> usize {
    FILES.iter().map(|f| f.bytes.len()).sum()
}

/// The most the page may weigh: it is the first thing a user waits for.
pub const WEIGHT_BUDGET: usize = 100 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_its_files_by_version_and_runs_no_inline_script() {
        assert_eq!(VERSION.len(), 12);
        assert!(INDEX.contains(&format!("/studio/{}/app.js", *VERSION)));
        assert!(!INDEX.contains("{{version}}"));
        // Every script is a file of the page, never inline code.
        for (i, _) in INDEX.match_indices("<script") {
            let tag = &INDEX[i..INDEX[i..].find('>').unwrap() + i];
            assert!(tag.contains("src="), "inline script: {tag}");
        }
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe"));
        assert!(
            weight() < WEIGHT_BUDGET,
            "the page weighs {} bytes",
            weight()
        );
        for file in FILES.iter().skip(1) {
            assert!(
                INDEX.contains(file.name) || is_imported(file.name),
                "{} is never loaded",
                file.name
            );
        }
    }

    fn is_imported(name: &str) -> bool {
        FILES
            .iter()
            .any(|f| String::from_utf8_lossy(f.bytes).contains(&format!("from './{name}'")))
    }
}
