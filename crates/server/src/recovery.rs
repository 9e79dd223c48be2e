//! What a start does about the process before it, which may have been killed (`kill -9`, a
//! power cut) in the middle of work: nothing it left may outlive it.
//!
//! - Chat turns die with their process (a turn commits all or nothing, so a cut one changed
//!   nothing): their credit holds are released now, not when they expire. On Postgres, where
//!   other servers may share the database, only those of processes whose lease ran out (the
//!   rest when theirs does, by any server's sweep).
//! - Render work folders (`tmp/`, which hold a Draft's titles) are removed; a render that was
//!   under way starts again from its job, which stays in the queue with its hold.
//! - The parts folders of long exports that ended (failed, cancelled, given up after its
//!   workers died) are removed; those of exports still queued or under way are kept.
//! - Temporary files of the analysis cache's atomic writes (`.tmp…`, a transcript being
//!   saved) are removed.
//! - Files in `media/` without an asset row (an upload cut between its file and its row) are
//!   removed; half-written ones (`.part`) are removed by `files::remove_partials`, when no
//!   worker process shares the folder (`presence`).
//!
//! Other processes may be running on the same folder and database: workers (`cutline
//! worker`, whose work folders `tmp/worker-…` are left to `presence`, which removes only a
//! killed worker's) and, on Postgres, other servers. So the work folders and cache
//! temporaries are removed only by a start alone in the folder, and on Postgres a turn's
//! hold only once its server's lease has run out.

use crate::config::Config;
use crate::store::Store;

/// What a start cleared, for its log line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    pub holds_released: u64,
    pub work_folders_removed: usize,
    pub orphan_files_removed: usize,
    pub cache_temporaries_removed: usize,
    pub parts_folders_removed: usize,
}

/// Who else a starting server may share its database and data folder with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Company {
    /// No other server uses the database (SQLite in its data folder): every other process's
    /// chat turns are over.
    pub alone_with_the_database: bool,
    /// No other process uses the data folder (`presence`): no one else's work files are in it.
    pub alone_in_the_folder: bool,
}

/// Clears what a process before this one left; called once before serving. What another
/// live process may be using is left: its render work folders and cache temporaries stay
/// until a start alone in the folder, its turns' holds until its lease runs out.
pub async fn recover(
    store: &Store,
    config: &Config,
    company: Company,
) -> Result<Recovered, String> {
    let failed = |what: &str, e: &dyn std::fmt::Display| format!("cannot clear {what}: {e}");
    if company.alone_with_the_database {
        // Their turns are orphans now: the next message or reconnect need not wait for
        // their leases to run out.
        store
            .expire_other_instances()
            .await
            .map_err(|e| failed("the leases of stopped servers", &e))?;
    }
    let holds_released = store
        .release_holds_of_gone_processes(company.alone_with_the_database)
        .await
        .map_err(|e| failed("the credit holds of stopped turns", &e))?;
    let alone = company.alone_in_the_folder;
    let work_folders_removed = match alone {
        true => {
            empty_folder(&config.tmp_dir()).map_err(|e| failed("the render work folders", &e))?
        }
        false => 0,
    };
    let known = store
        .asset_ids()
        .await
        .map_err(|e| failed("the uploads without a record", &e))?;
    let mut orphan_files_removed = 0;
    let entries = std::fs::read_dir(config.media_dir())
        .map_err(|e| failed("the uploads without a record", &e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') && !known.contains(&name) && entry.path().is_file() {
            std::fs::remove_file(entry.path())
                .map_err(|e| failed("the uploads without a record", &e))?;
            orphan_files_removed += 1;
        }
    }
    let cache_temporaries_removed = match alone {
        true => remove_temporaries(&config.cache_dir())
            .map_err(|e| failed("the analysis cache's temporary files", &e))?,
        false => 0,
    };
    let unfinished = store
        .unfinished_renders()
        .await
        .map_err(|e| failed("the parts of ended exports", &e))?;
    let parts_folders_removed = remove_ended_parts(config, &unfinished)
        .map_err(|e| failed("the parts of ended exports", &e))?;
    Ok(Recovered {
        holds_released,
        work_folders_removed,
        orphan_files_removed,
        cache_temporaries_removed,
        parts_folders_removed,
    })
}

/// Removes the parts folders of exports that ended (failed, cancelled, given up) or are
/// gone; an export still queued or under way keeps its parts. How many were removed.
fn remove_ended_parts(config: &Config, unfinished: &[(String, String)]) -> std::io::Result<usize> {
    let kept: std::collections::HashSet<std::path::PathBuf> = unfinished
        .iter()
        .map(|(user, id)| crate::files::parts_dir(config, user, id))
        .collect();
    let mut removed = 0;
    for entry in std::fs::read_dir(config.renders_dir())?.flatten() {
        let path = entry.path();
        let is_parts = entry.file_name().to_string_lossy().ends_with(".parts");
        if is_parts && entry.file_type()?.is_dir() && !kept.contains(&path) {
            // (A worker that just joined its export may have removed it first.)
            match std::fs::remove_dir_all(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(removed)
}

/// Creates `folder` if needed and removes everything in it; how many entries it held.
fn empty_folder(folder: &std::path::Path) -> std::io::Result<usize> {
    std::fs::create_dir_all(folder)?;
    let mut removed = 0;
    for entry in std::fs::read_dir(folder)?.flatten() {
        let path = entry.path();
        // A worker process's work folder: it may be rendering now.
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(crate::config::WORKER_FOLDERS) {
            continue;
        }
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
        removed += 1;
    }
    Ok(removed)
}

/// Removes the `.tmp…` files (unfinished atomic writes) under `folder`; how many.
fn remove_temporaries(folder: &std::path::Path) -> std::io::Result<usize> {
    let mut removed = 0;
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Ok(0);
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            removed += remove_temporaries(&path)?;
        } else if entry.file_name().to_string_lossy().starts_with(".tmp") {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}
