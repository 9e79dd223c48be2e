//! Runs a render plan: progress from ffmpeg's `-progress pipe:1` key=value lines, the output
//! written to a hidden temporary file beside the target and renamed into place only when it is
//! complete and checked, so a failed or interrupted render never leaves a partial file.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use timeline::Draft;

use crate::error::MediaError;
use crate::limits::Limits;
use crate::probe::probe;
use crate::probe::Probe;
use crate::process::{CancelToken, Tool, ToolCommand};
use crate::render::format::Format;
use crate::render::plan::{plan, FileContents, PlanFile, RenderPaths, RenderSettings, Sources};

fn write_plan_file(file: &PlanFile) -> Result<(), MediaError> {
    let failed = |e| MediaError::io("writing the text files for ffmpeg", e);
    if let Some(folder) = file.path.parent() {
        std::fs::create_dir_all(folder).map_err(failed)?;
    }
    match &file.contents {
        FileContents::Text(text) => std::fs::write(&file.path, text).map_err(failed),
        FileContents::LinkTo(target) => {
            std::os::unix::fs::symlink(target, &file.path).map_err(failed)
        }
    }
}

/// What a finished render produced, measured on the file itself.
#[derive(Clone, Debug)]
pub struct RenderOutcome {
    pub output: PathBuf,
    pub duration_ms: u64,
    pub size_bytes: u64,
    pub canvas: (u32, u32),
}

/// Renders `draft` to `output`. `on_progress` gets the fraction done (0–1).
pub fn render(
    draft: &Draft,
    sources: &Sources,
    output: &Path,
    settings: &RenderSettings,
    mut on_progress: impl FnMut(f64),
) -> Result<RenderOutcome, MediaError> {
    refuse_overwriting_a_source(output, sources)?;
    let partial = partial_output(output, settings.format)?;
    let work_dir = work_folder(settings)?;
    let paths = RenderPaths {
        output: partial.path().to_path_buf(),
        work_dir: work_dir.path().to_path_buf(),
    };
    let plan = plan(draft, sources, settings, &paths)?;
    for file in &plan.files {
        write_plan_file(file)?;
    }
    run_ffmpeg(
        &plan.args,
        plan.duration_ms,
        &settings.cancel,
        &mut on_progress,
    )?;
    let made = keep(partial, output, plan.duration_ms)?;
    on_progress(1.0);
    Ok(RenderOutcome {
        output: output.to_path_buf(),
        duration_ms: made.duration_ms,
        size_bytes: made.size_bytes,
        canvas: plan.canvas,
    })
}

/// A private work folder in `settings.work_in` (or the system's temporary folder), removed
/// when dropped.
pub(crate) fn work_folder(settings: &RenderSettings) -> Result<tempfile::TempDir, MediaError> {
    match &settings.work_in {
        Some(folder) => tempfile::tempdir_in(folder),
        None => tempfile::tempdir(),
    }
    .map_err(|e| MediaError::io("creating a work folder", e))
}

/// Runs ffmpeg with `args` (a job of `duration_ms`), passing on its progress.
pub(crate) fn run_ffmpeg(
    args: &[std::ffi::OsString],
    duration_ms: u64,
    cancel: &CancelToken,
    on_progress: &mut impl FnMut(f64),
) -> Result<(), MediaError> {
    let timeout = Duration::from_secs(120) + Duration::from_millis(duration_ms.saturating_mul(20));
    let mut running = ToolCommand::new(Tool::Ffmpeg)
        .args(args)
        .timeout(timeout)
        .cancel_with(cancel)
        .spawn()?;
    if let Some(stdout) = running.take_stdout() {
        for line in BufReader::new(stdout).lines() {
            let line = line.map_err(|e| MediaError::io("reading ffmpeg's progress", e))?;
            if let Some(fraction) = progress_fraction(&line, duration_ms) {
                on_progress(fraction);
            }
        }
    }
    running.wait().map(|_| ())
}

/// Checks what ffmpeg wrote to `partial` (at most a frame or two shorter than `expected_ms`
/// allows for rounding; more is an error) and renames it to `output`; its probe.
pub(crate) fn keep(
    partial: tempfile::NamedTempFile,
    output: &Path,
    expected_ms: u64,
) -> Result<Probe, MediaError> {
    let made = probe(partial.path(), &Limits::default())?;
    if made.duration_ms + 1000.max(expected_ms / 20) < expected_ms {
        return Err(MediaError::ShortOutput {
            made_ms: made.duration_ms,
            expected_ms,
        });
    }
    // The temporary file is private (0600); the video it becomes is an ordinary file.
    std::fs::set_permissions(partial.path(), std::fs::Permissions::from_mode(0o644))
        .map_err(|e| MediaError::io("setting the output's permissions", e))?;
    partial
        .persist(output)
        .map_err(|e| MediaError::Unwritable {
            path: output.to_path_buf(),
            reason: e.error.to_string(),
        })?;
    Ok(made)
}

/// A hidden temporary file in the output's folder (so the final rename is atomic), deleted
/// unless the render succeeds. Failing to create it is how an unwritable output is found,
/// before any work is done.
pub(crate) fn partial_output(
    output: &Path,
    format: Format,
) -> Result<tempfile::NamedTempFile, MediaError> {
    let unwritable = |reason: String| MediaError::Unwritable {
        path: output.to_path_buf(),
        reason,
    };
    if output.is_dir() {
        return Err(unwritable("it is a folder".into()));
    }
    let folder = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(unwritable(format!("{} is not a folder", folder.display())));
    }
    tempfile::Builder::new()
        .prefix(".cutline-")
        .suffix(&format!(".part.{}", format.extension()))
        .tempfile_in(&folder)
        .map_err(|e| unwritable(e.to_string()))
}

fn refuse_overwriting_a_source(output: &Path, sources: &Sources) -> Result<(), MediaError> {
    let Ok(target) = output.canonicalize() else {
        return Ok(());
    };
    let clash = sources
        .values()
        .any(|source| source.path.canonicalize().is_ok_and(|p| p == target));
    if clash {
        return Err(MediaError::Unwritable {
            path: output.to_path_buf(),
            reason: "it is one of the inputs".into(),
        });
    }
    Ok(())
}

/// Reads one `-progress` line: `out_time_us=…` (microseconds, as is `out_time_ms` despite its
/// name) gives the fraction of `total_ms` done; `progress=end` gives 1.
pub fn progress_fraction(line: &str, total_ms: u64) -> Option<f64> {
    let (key, value) = line.trim().split_once('=')?;
    match key {
        "out_time_us" | "out_time_ms" => {
            let micros: i64 = value.trim().parse().ok()?;
            Some((micros.max(0) as f64 / 1000.0 / total_ms.max(1) as f64).min(1.0))
        }
        "progress" if value.trim() == "end" => Some(1.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_become_fractions() {
        assert_eq!(progress_fraction("out_time_us=2500000", 10_000), Some(0.25));
        assert_eq!(progress_fraction("out_time_ms=2500000", 10_000), Some(0.25));
        assert_eq!(progress_fraction("out_time_us=N/A", 10_000), None);
        assert_eq!(progress_fraction("out_time_us=-5", 10_000), Some(0.0));
        assert_eq!(progress_fraction("progress=continue", 10_000), None);
        assert_eq!(progress_fraction("progress=end", 10_000), Some(1.0));
        assert_eq!(progress_fraction("frame=12", 10_000), None);
    }
}
