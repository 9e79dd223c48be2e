//! Progress says what it measures: on a stderr that is not a terminal, plain lines such as
//! "rendering 0:06 / 0:19", through the media's time; `cutline plan` transcribes only when
//! the plan needs the words.

use std::path::Path;
use std::process::{Command, Output};

use testkit::talk::{specs, talk};

use crate::{models_dir, path_str};

/// `cutline ARGS…` with a cache folder of its own, so no analysis is already there.
fn cutline_fresh(cache: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_cutline"))
        .args(args)
        .env("CUTLINE_CACHE", cache)
        .env("CUTLINE_MODELS", models_dir())
        .output()
        .expect("run cutline");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The progress lines of `stage` ("rendering 0:06 / 0:19" → ("0:06", "0:19")).
fn progress_of<'a>(stderr: &'a str, stage: &str) -> Vec<(&'a str, &'a str)> {
    stderr
        .lines()
        .filter_map(|line| line.strip_prefix(stage)?.strip_prefix(' '))
        .map(|amount| amount.split_once(" / ").expect("done / total"))
        .collect()
}

#[test]
fn edit_shows_how_far_through_the_clip_each_stage_is() {
    let clip = talk(&specs::TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("out.mp4");
    let output = cutline_fresh(
        &scratch.path().join("cache"),
        &[
            "edit",
            path_str(&clip.path),
            "--trim-pauses",
            "--quality",
            "draft",
            "-o",
            path_str(&out),
        ],
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    eprintln!("{stderr}");
    // "… 0:25 → 0:19. · wrote …": the pauses go through the source, the render the output.
    let (before, after) = stdout
        .split_once(" → ")
        .map(|(a, b)| (a.rsplit(' ').next().unwrap(), b.split('.').next().unwrap()))
        .expect("a length change");
    let pauses = progress_of(&stderr, "finding pauses");
    let rendering = progress_of(&stderr, "rendering");
    assert!(pauses.len() >= 2 && rendering.len() >= 2, "{stderr}");
    assert!(pauses.iter().all(|(_, total)| *total == before), "{stderr}");
    assert!(
        rendering.iter().all(|(_, total)| *total == after),
        "{stderr}"
    );
    assert_eq!(rendering[0].0, "0:00");
    assert_eq!(
        rendering.last().unwrap().0,
        after,
        "the render ends at the end"
    );
    assert!(!stderr.contains('%'), "{stderr}");
}

#[test]
fn plan_transcribes_only_when_the_plan_needs_the_words() {
    let clip = talk(&specs::SHORT_LANDSCAPE);
    let scratch = testkit::scratch();
    let cache = scratch.path().join("cache");
    let input = path_str(&clip.path);
    let shaped = cutline_fresh(
        &cache,
        &["plan", "trim the pauses and make it 9:16", "--input", input],
    );
    let stderr = String::from_utf8_lossy(&shaped.stderr);
    assert!(
        !progress_of(&stderr, "finding pauses").is_empty(),
        "{stderr}"
    );
    assert!(
        !stderr.contains("transcrib") && !stderr.contains("decoding audio"),
        "{stderr}"
    );

    // Captions need the words: then, and only then, it transcribes, and says how far.
    let captioned = cutline_fresh(&cache, &["plan", "add captions", "--input", input]);
    let stderr = String::from_utf8_lossy(&captioned.stderr);
    let transcribing = progress_of(&stderr, "transcribing");
    let length = timeline::format_clock(clip.truth.duration_ms);
    let length = length.as_str();
    assert_eq!(transcribing.first(), Some(&("0:00", length)), "{stderr}");
    assert_eq!(transcribing.last(), Some(&(length, length)), "{stderr}");
}
