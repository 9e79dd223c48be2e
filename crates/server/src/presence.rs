//! Who uses a data folder now. One `cutline serve` and any number of `cutline worker`s may
//! share a folder, and a start must not remove what a live process is writing.
//!
//! - Every process holds a shared lock on `processes/in-use.lock` for as long as it runs (the
//!   kernel drops it when the process dies, `kill -9` too). A start that can take it alone is
//!   the only user of the folder: it clears what killed processes left half-written (see
//!   [`enter`]), and nobody can arrive in the middle.
//! - A worker also holds `processes/worker-NAME.lock` before its work folder `tmp/worker-NAME`
//!   exists, so any start tells a killed worker's folder (removed) from a live one's (kept).
//!
//! Locks are `flock(2)` through `std::fs::File::lock`: advisory, per open file, on one
//! machine's file system (a data folder on a network share is not supported).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::config::{Config, WORKER_FOLDERS};

/// A process's place in a data folder; its locks are held until it is dropped.
#[derive(Debug)]
pub struct Presence {
    _in_use: File,
    _own: Option<File>,
}

/// What a start found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Arrival {
    /// No other process used the folder: what it holds half-written is nobody's.
    pub alone: bool,
    /// Work folders of killed workers removed.
    pub dead_workers_cleared: usize,
}

/// Enters `config`'s data folder. When no other process uses it, `when_alone` runs first with
/// the folder to itself (a start's clearing of partial files). Then the work folders of
/// killed workers are removed, and a worker (`config.worker_name`) takes its own lock and
/// folder.
pub fn enter(
    config: &Config,
    when_alone: impl FnOnce() -> Result<(), String>,
) -> Result<(Presence, Arrival), String> {
    let processes = config.data_dir.join("processes");
    let failed = |what: &Path, e: std::io::Error| format!("cannot use {}: {e}", what.display());
    std::fs::create_dir_all(&processes).map_err(|e| failed(&processes, e))?;
    let in_use_path = processes.join("in-use.lock");
    let in_use = lock_file(&in_use_path).map_err(|e| failed(&in_use_path, e))?;
    let alone = in_use.try_lock().is_ok();
    if alone {
        when_alone()?;
        clear_lock_files(&processes).map_err(|e| failed(&processes, e))?;
    }
    // From exclusive to shared (or waiting for a lone start's clearing to end).
    in_use.lock_shared().map_err(|e| failed(&in_use_path, e))?;
    let tmp = config.data_dir.join("tmp");
    let dead_workers_cleared = clear_dead_workers(&tmp, &processes).map_err(|e| failed(&tmp, e))?;
    let own = match &config.worker_name {
        Some(name) => {
            let path = own_lock(&processes, name);
            let own = lock_file(&path).map_err(|e| failed(&path, e))?;
            own.lock().map_err(|e| failed(&path, e))?;
            std::fs::create_dir_all(config.tmp_dir()).map_err(|e| failed(&config.tmp_dir(), e))?;
            Some(own)
        }
        None => None,
    };
    let presence = Presence {
        _in_use: in_use,
        _own: own,
    };
    let arrival = Arrival {
        alone,
        dead_workers_cleared,
    };
    Ok((presence, arrival))
}

fn lock_file(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

fn own_lock(processes: &Path, name: &str) -> PathBuf {
    processes.join(format!("{WORKER_FOLDERS}{name}.lock"))
}

/// Removes the lock files of workers gone (only while alone: a live worker may be between
/// creating its lock file and locking it).
fn clear_lock_files(processes: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(processes)?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(WORKER_FOLDERS) && name.ends_with(".lock") {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Removes `tmp/worker-NAME` folders whose worker is gone: its lock file is missing or can
/// be locked. (The folder is made only once the lock is held, so a folder seen here had a
/// live holder when it was made.)
fn clear_dead_workers(tmp: &Path, processes: &Path) -> std::io::Result<usize> {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return Ok(0);
    };
    let mut cleared = 0;
    for entry in entries.flatten() {
        let folder = entry.file_name().to_string_lossy().into_owned();
        let Some(name) = folder.strip_prefix(WORKER_FOLDERS) else {
            continue;
        };
        let gone = match File::open(own_lock(processes, name)) {
            Ok(lock) => lock.try_lock().is_ok(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => true,
            Err(e) => return Err(e),
        };
        if gone && entry.file_type()?.is_dir() {
            // Another start may have removed it first.
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => cleared += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(cleared)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path, worker: Option<&str>) -> Config {
        let mut config = Config::with_data_dir(dir.to_path_buf());
        config.worker_name = worker.map(str::to_string);
        config
    }

    #[test]
    fn a_start_is_alone_only_when_no_process_is_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut cleared = 0;
        let (first, arrival) = enter(&config(dir.path(), None), || {
            cleared += 1;
            Ok(())
        })
        .unwrap();
        assert!(arrival.alone);
        let (second, arrival) = enter(&config(dir.path(), Some("w1")), || {
            cleared += 1;
            Ok(())
        })
        .unwrap();
        assert!(!arrival.alone, "the first is still there");
        assert_eq!(cleared, 1, "only the lone start clears");
        drop((first, second));
        let (_third, arrival) = enter(&config(dir.path(), None), || Ok(())).unwrap();
        assert!(arrival.alone, "both gone");
    }

    #[test]
    fn a_gone_workers_folder_is_removed_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let live = config(dir.path(), Some("live"));
        let (_live, _) = enter(&live, || Ok(())).unwrap();
        let gone = config(dir.path(), Some("gone"));
        let (gone_presence, _) = enter(&gone, || Ok(())).unwrap();
        std::fs::write(gone.tmp_dir().join("title.png"), b"x").unwrap();
        std::fs::write(live.tmp_dir().join("title.png"), b"x").unwrap();
        drop(gone_presence);
        // A folder left by a worker whose lock file is gone too (cleared by a lone start).
        let orphan = dir
            .path()
            .join("tmp")
            .join(format!("{WORKER_FOLDERS}orphan"));
        std::fs::create_dir_all(&orphan).unwrap();

        let (_server, arrival) = enter(&config(dir.path(), None), || Ok(())).unwrap();
        assert!(!arrival.alone);
        assert_eq!(arrival.dead_workers_cleared, 2);
        assert!(!gone.tmp_dir().exists() && !orphan.exists());
        assert!(live.tmp_dir().join("title.png").exists());
    }
}
