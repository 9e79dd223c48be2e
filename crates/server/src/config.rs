//! What an operator can change: the free grant, how long tokens live, rate limits.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    /// Where the database (and later the media) lives.
    pub data_dir: PathBuf,
    /// Credits a new anonymous user gets.
    pub free_credits: i64,
    /// How long a token (and the free grant) lasts.
    pub token_lifetime: Duration,
    /// New anonymous users per client address per hour.
    pub anonymous_per_hour: u32,
    /// The largest upload, enforced while it streams in.
    pub max_upload_bytes: u64,
}

impl Config {
    /// API.md's defaults: 100 credits valid 7 days, 5 new anonymous users per address an hour.
    pub fn with_data_dir(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            free_credits: 100,
            token_lifetime: Duration::from_secs(7 * 24 * 3600),
            anonymous_per_hour: 5,
            max_upload_bytes: 500 * 1024 * 1024,
        }
    }
}
