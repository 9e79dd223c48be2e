//! `cutline pauses FILE`: the pauses cutline finds in a clip's sound (the analysis that
//! `edit --trim-pauses` uses), without rendering anything.

use std::path::PathBuf;

use clap::Args;
use media::analysis::Decode;
use media::library::Library;
use media::process::CancelToken;
use media::Limits;
use timeline::time::format_seconds;

use crate::progress::Progress;

#[derive(Args)]
pub struct PausesArgs {
    /// The clip to analyse.
    file: PathBuf,
    /// List only pauses at least this long.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.5)]
    min_pause: f64,
    /// Analyse again even if a cached result exists (and do not cache this one).
    #[arg(long)]
    no_cache: bool,
    /// Print the full silence map as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &PausesArgs, cancel: &CancelToken) -> Result<(), String> {
    let limits = Limits::default();
    let bar = |probe: &media::Probe| Progress::through("finding pauses", probe.duration_ms);
    let map = if args.no_cache {
        let probe = media::probe(&args.file, &limits).map_err(|e| e.to_string())?;
        let path = media::probe::absolute_file(&args.file).map_err(|e| e.to_string())?;
        let decode = Decode {
            path: &path,
            probe: &probe,
            limits: &limits,
            cancel,
        };
        let bar = bar(&probe);
        let map = media::analysis::silence_map(decode, |f| bar.set(f));
        bar.done();
        map
    } else {
        let library = Library::at_default_location(limits).with_cancel(cancel);
        let asset = library.add(&args.file).map_err(|e| e.to_string())?;
        let bar = bar(&asset.probe);
        let map = library.silence_map(&asset, |f| bar.set(f));
        bar.done();
        map
    }
    .map_err(|e| e.to_string())?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&map).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let min_ms = (args.min_pause.max(0.0) * 1000.0) as u64;
    let pauses: Vec<_> = map
        .quiet
        .iter()
        .filter(|q| q.duration_ms() >= min_ms)
        .collect();
    let total: u64 = pauses.iter().map(|p| p.duration_ms()).sum();
    println!(
        "{} pause{} of {} s or more ({} in all) in {}; noise floor {:.1} dBFS, threshold {:.1} dBFS",
        pauses.len(),
        if pauses.len() == 1 { "" } else { "s" },
        args.min_pause,
        format_seconds(total),
        timeline::format_clock(map.duration_ms),
        map.noise_floor_db,
        map.threshold_db
    );
    for pause in pauses {
        println!(
            "  {:>9.3} – {:>9.3}  ({})",
            pause.start_ms as f64 / 1000.0,
            pause.end_ms as f64 / 1000.0,
            format_seconds(pause.duration_ms())
        );
    }
    Ok(())
}
