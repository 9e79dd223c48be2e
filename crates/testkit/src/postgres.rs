//! The tests' PostgreSQL: the server `scripts/postgres.sh` started for this run
//! (`CUTLINE_TEST_POSTGRES`, its admin URL), in which each test makes a database of its own,
//! so tests running at once never see each other's rows.
//!
//! `CUTLINE_TEST_ENGINE=postgres` runs the server's behaviour tests on it instead of SQLite
//! (the test command runs them both ways).

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Whether this run's server behaviour tests use Postgres (`CUTLINE_TEST_ENGINE=postgres`).
pub fn is_the_engine() -> bool {
    std::env::var("CUTLINE_TEST_ENGINE").is_ok_and(|engine| engine == "postgres")
}

/// The admin URL of the run's Postgres server. `None` outside the test command; under CI
/// (`CI` set) a missing server is a failure, never a skipped test.
pub fn server() -> Option<String> {
    match std::env::var("CUTLINE_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() || is_the_engine() => panic!(
            "CUTLINE_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts \
             a PostgreSQL server for them"
        ),
        _ => None,
    }
}

/// A new, empty database on the run's server, as a URL; `None` without a server.
pub fn fresh_database() -> Option<String> {
    static MADE: AtomicU32 = AtomicU32::new(0);
    let admin = server()?;
    let name = format!(
        "cutline_test_{}_{}",
        std::process::id(),
        MADE.fetch_add(1, Ordering::Relaxed)
    );
    let status = Command::new("psql")
        .args([&admin, "-v", "ON_ERROR_STOP=1", "-qc"])
        .arg(format!("CREATE DATABASE {name}"))
        .status()
        .expect("run psql");
    assert!(status.success(), "psql could not create {name}");
    let (server, _) = admin.rsplit_once('/').expect("a URL with a database name");
    Some(format!("{server}/{name}"))
}

/// Drops a database [`fresh_database`] made (each is some megabytes), once nothing uses it.
pub fn drop_database(url: &str) {
    let (Some(admin), Some((_, name))) = (server(), url.rsplit_once('/')) else {
        return;
    };
    let _ = Command::new("psql")
        .args([&admin, "-qc"])
        .arg(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .status();
}

/// The database a server behaviour test runs on: a fresh Postgres one when the run's
/// engine is Postgres, else `None` (SQLite in the test's data folder).
pub fn database_for_test() -> Option<String> {
    if is_the_engine() {
        fresh_database()
    } else {
        None
    }
}
