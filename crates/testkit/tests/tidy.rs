//! Tidy checks over the whole workspace (after rust-analyzer's `xtask/src/tidy.rs`): every
//! Rust file starts with a `//!` doc saying why it exists, and no library code calls
//! `process::exit`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn workspace_sources() -> Vec<PathBuf> {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).unwrap() {
        let krate = krate.unwrap().path();
        for folder in ["src", "tests"] {
            if krate.join(folder).is_dir() {
                rust_files(&krate.join(folder), &mut files);
            }
        }
    }
    assert!(files.len() > 20, "found the sources");
    files
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let undocumented: Vec<_> = workspace_sources()
        .into_iter()
        .filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .collect();
    assert!(
        undocumented.is_empty(),
        "files without a //! doc: {undocumented:?}"
    );
}

#[test]
fn libraries_never_exit_the_process() {
    let exits: Vec<_> = workspace_sources()
        .into_iter()
        .filter(|path| !path.ends_with("main.rs") && !path.ends_with("tidy.rs"))
        .filter(|path| {
            std::fs::read_to_string(path)
                .unwrap()
                .contains("process::exit")
        })
        .collect();
    assert!(exits.is_empty(), "process::exit in {exits:?}");
}
