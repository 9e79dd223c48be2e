//! Which token `cutline chat` uses: `NEMO_TOKEN` or `CUTLINE_TOKEN` if set, else the one cached
//! for this server in the user's config folder (`CUTLINE_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/cutline`, else `~/.config/cutline`), else a new anonymous one, cached for
//! next time (written atomically, readable only by the user).

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::client::{Client, Failure};

fn cache_file() -> Option<PathBuf> {
    let dir = std::env::var_os("CUTLINE_CONFIG_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CONFIG_HOME").map(|d| PathBuf::from(d).join("cutline")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/cutline")))?;
    Some(dir.join("tokens.json"))
}

fn cached() -> BTreeMap<String, String> {
    cache_file()
        .and_then(|path| std::fs::read(path).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

fn remember(server: &str, token: &str) {
    let Some(path) = cache_file() else { return };
    let mut tokens = cached();
    tokens.insert(server.to_string(), token.to_string());
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(bytes) = serde_json::to_vec_pretty(&tokens) {
        // The cache helps; a failure to write it only means a new token next time.
        let _ = media::library::write_atomically(&path, &bytes);
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600));
    }
}

/// The token to use with `server`.
pub fn token_for(server: &str) -> Result<String, Failure> {
    for name in ["NEMO_TOKEN", "CUTLINE_TOKEN"] {
        if let Ok(token) = std::env::var(name) {
            if !token.trim().is_empty() {
                return Ok(token.trim().to_string());
            }
        }
    }
    if let Some(token) = cached().get(server) {
        return Ok(token.clone());
    }
    renew(server)
}

/// A new anonymous token for `server`, cached.
pub fn renew(server: &str) -> Result<String, Failure> {
    let token = match Client::anonymous_token(server) {
        Err(failure) if failure.code() == Some(429) => {
            super::wait_to_retry(&failure, agent::Language::English, &|line| {
                eprintln!("{line}")
            })
            .map_err(|message| Failure::Protocol {
                code: 429,
                message,
                retry_after: None,
            })?;
            Client::anonymous_token(server)?
        }
        other => other?,
    };
    remember(server, &token);
    Ok(token)
}
