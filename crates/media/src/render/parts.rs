//! A long MP4 export in parts (where its timeline is cut: `timeline::parts`). Each part's
//! picture is rendered on its own, by whichever worker is free, with the export's encoder
//! settings, so every part is an H.264 stream with the same parameter sets that starts on a
//! keyframe. The sound is rendered once, whole, so nothing clicks or drifts at a join. Then
//! the parts are joined by stream copy (ffmpeg's concat demuxer) with the sound laid under
//! them.
//!
//! ```text
//! part 1 picture ─┐
//! part 2 picture ─┼─ concat (copy) ─┐
//! part 3 picture ─┘                 ├─ mux (copy) ─► output.mp4
//! whole sound (AAC) ────────────────┘
//! ```
//!
//! The server hands each piece to its job queue (`server::worker`); [`render_in_parts`] does
//! the same in one process, for the command line and the benchmark.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use timeline::parts::{part, part_ranges};
use timeline::time::TimeRange;
use timeline::Draft;

use crate::error::MediaError;
use crate::probe::{file_url, probe};
use crate::render::captions::caption_band;
use crate::render::execute::{
    keep, partial_output, render, run_ffmpeg, work_folder, RenderOutcome,
};
use crate::render::format::Format;
use crate::render::plan::{RenderSettings, Sources, Streams};
use crate::Limits;

/// Whether an export of `format` can be made in parts (MP4 only: H.264 joins by stream copy).
pub fn splits(format: Format) -> bool {
    format == Format::Mp4
}

/// The parts of `draft` for an export in `format` (one range when it is not split).
pub fn plan_parts(draft: &Draft, format: Format, target_ms: u64) -> Vec<TimeRange> {
    if splits(format) {
        part_ranges(draft, target_ms)
    } else {
        vec![TimeRange::new(0, draft.duration_ms)]
    }
}

/// Renders the picture of `draft` over `range` to `output` (an MP4 without sound).
pub fn render_part(
    draft: &Draft,
    range: TimeRange,
    sources: &Sources,
    output: &Path,
    settings: &RenderSettings,
    on_progress: impl FnMut(f64),
) -> Result<RenderOutcome, MediaError> {
    let settings = RenderSettings {
        format: Format::Mp4,
        streams: Streams::PartPicture {
            captions: caption_band(draft),
        },
        ..settings.clone()
    };
    render(&part(draft, range), sources, output, &settings, on_progress)
}

/// Renders the whole sound of `draft` to `output` (AAC in MP4, as an MP4 export carries it).
pub fn render_sound(
    draft: &Draft,
    sources: &Sources,
    output: &Path,
    settings: &RenderSettings,
    on_progress: impl FnMut(f64),
) -> Result<RenderOutcome, MediaError> {
    let settings = RenderSettings {
        format: Format::M4a,
        streams: Streams::All,
        ..settings.clone()
    };
    render(draft, sources, output, &settings, on_progress)
}

/// Joins the rendered `parts` (in order) and `sound` into `output` by stream copy; the
/// parts must be one H.264 stream each of one size and rate, as [`render_part`] makes them.
pub fn join(
    parts: &[PathBuf],
    sound: &Path,
    output: &Path,
    duration_ms: u64,
    settings: &RenderSettings,
) -> Result<RenderOutcome, MediaError> {
    let mut first = None;
    for path in parts {
        let made = probe(path, &Limits::default())?;
        let video = made.video.ok_or_else(|| {
            MediaError::Unrenderable(format!("the part {} has no picture", path.display()))
        })?;
        let shape = (video.codec.clone(), video.display_size(), video.fps);
        match &first {
            None => first = Some(shape),
            Some(first) if *first != shape => {
                return Err(MediaError::Unrenderable(format!(
                    "the part {} is {:?}, unlike the first part ({first:?}): parts join only when they match",
                    path.display(),
                    shape
                )))
            }
            Some(_) => {}
        }
    }
    let partial = partial_output(output, Format::Mp4)?;
    let work_dir = work_folder(settings)?;
    let list = work_dir.path().join("parts.ffconcat");
    std::fs::write(&list, concat_list(parts))
        .map_err(|e| MediaError::io("writing the list of parts", e))?;
    let words = |items: &[&str]| items.iter().map(OsString::from).collect::<Vec<_>>();
    let mut args = words(&["-protocol_whitelist", "file", "-f", "concat", "-safe", "0"]);
    args.extend([OsString::from("-i"), file_url(&list)]);
    args.extend(words(&["-protocol_whitelist", "file", "-f", "mov"]));
    args.extend([OsString::from("-i"), file_url(sound)]);
    args.extend(words(&[
        "-map",
        "0:v:0",
        "-map",
        "1:a:0",
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-f",
        "mp4",
        "-progress",
        "pipe:1",
        "-nostats",
        "-y",
    ]));
    args.push(file_url(partial.path()));
    run_ffmpeg(&args, duration_ms, &settings.cancel, &mut |_| {})?;
    let made = keep(partial, output, duration_ms)?;
    let canvas = made.video.as_ref().map_or((0, 0), |v| v.display_size());
    Ok(RenderOutcome {
        output: output.to_path_buf(),
        duration_ms: made.duration_ms,
        size_bytes: made.size_bytes,
        canvas,
    })
}

/// ffmpeg's concat list of `parts`, each path quoted (`'` written as `'\''`).
/// The concat demuxer's list of `parts`, each by its absolute path: the demuxer reads a
/// relative one from the list's own folder, not from where ffmpeg runs (a server started
/// with a relative `--data` failed every join that way).
fn concat_list(parts: &[PathBuf]) -> String {
    let mut list = String::from("ffconcat version 1.0\n");
    for path in parts {
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
        let quoted = absolute.to_string_lossy().replace('\'', r"'\''");
        list.push_str(&format!("file '{quoted}'\n"));
    }
    list
}

/// Renders `draft` to `output` in parts of about `target_ms`, `at_once` pieces at a time in
/// this process (the sound is one piece), then joins them; a Draft that is not split (or a
/// format that does not split) is one ordinary render.
pub fn render_in_parts(
    draft: &Draft,
    sources: &Sources,
    output: &Path,
    settings: &RenderSettings,
    target_ms: u64,
    at_once: usize,
    mut on_progress: impl FnMut(f64),
) -> Result<RenderOutcome, MediaError> {
    let ranges = plan_parts(draft, settings.format, target_ms);
    if ranges.len() < 2 {
        return render(draft, sources, output, settings, on_progress);
    }
    let work_dir = work_folder(settings)?;
    let part_paths: Vec<PathBuf> = (0..ranges.len())
        .map(|i| work_dir.path().join(format!("part-{i:04}.mp4")))
        .collect();
    let sound_path = work_dir.path().join("sound.m4a");
    // Piece 0 is the sound, piece i + 1 the picture of part i; weighed by the time they take.
    let weights: Vec<f64> = std::iter::once(draft.duration_ms as f64 * 0.05)
        .chain(ranges.iter().map(|r| r.duration_ms() as f64))
        .collect();
    let total: f64 = weights.iter().sum();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let (sender, receiver) = mpsc::channel::<(usize, Result<f64, MediaError>)>();
    let failure = std::thread::scope(|scope| {
        for _ in 0..at_once.clamp(1, ranges.len() + 1) {
            let sender = sender.clone();
            let (next, failed) = (&next, &failed);
            let (ranges, part_paths, sound_path) = (&ranges, &part_paths, &sound_path);
            scope.spawn(move || loop {
                let piece = next.fetch_add(1, Ordering::SeqCst);
                let stop = failed.load(Ordering::SeqCst) || settings.cancel.is_cancelled();
                if piece > ranges.len() || stop {
                    break;
                }
                let report = |fraction: f64| {
                    let _ = sender.send((piece, Ok(fraction)));
                };
                let done = if piece == 0 {
                    render_sound(draft, sources, sound_path, settings, report)
                } else {
                    let i = piece - 1;
                    render_part(draft, ranges[i], sources, &part_paths[i], settings, report)
                };
                if let Err(error) = done {
                    // The pieces under way finish; no other starts.
                    failed.store(true, Ordering::SeqCst);
                    let _ = sender.send((piece, Err(error)));
                    break;
                }
            });
        }
        drop(sender);
        let mut done = vec![0.0; weights.len()];
        let mut failure = None;
        for (piece, fraction) in receiver {
            match fraction {
                Ok(fraction) => {
                    done[piece] = fraction;
                    let sum: f64 = done.iter().zip(&weights).map(|(d, w)| d * w).sum();
                    on_progress(0.98 * sum / total);
                }
                Err(error) => {
                    failure.get_or_insert(error);
                }
            }
        }
        failure
    });
    if let Some(error) = failure {
        return Err(error);
    }
    if settings.cancel.is_cancelled() {
        return Err(MediaError::Cancelled);
    }
    let outcome = join(
        &part_paths,
        &sound_path,
        output,
        draft.duration_ms,
        settings,
    )?;
    on_progress(1.0);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_concat_list_quotes_every_path() {
        let parts = [
            PathBuf::from("/w/part-0000.mp4"),
            PathBuf::from("/w/it's.mp4"),
        ];
        assert_eq!(
            concat_list(&parts),
            "ffconcat version 1.0\nfile '/w/part-0000.mp4'\nfile '/w/it'\\''s.mp4'\n"
        );
    }

    #[test]
    fn a_relative_part_is_listed_by_its_absolute_path() {
        let list = concat_list(&[PathBuf::from("data/renders/x.parts/picture-0001.mp4")]);
        let expected = std::env::current_dir()
            .unwrap()
            .join("data/renders/x.parts/picture-0001.mp4");
        assert_eq!(
            list,
            format!("ffconcat version 1.0\nfile '{}'\n", expected.display())
        );
    }
}
