//! `cutline probe FILE [--json]`: what a file is, as cutline sees it (after the same checks
//! every edit makes).

use std::path::PathBuf;

use clap::Args;
use media::probe::{probe, MediaKind, Probe};
use media::Limits;

#[derive(Args)]
pub struct ProbeArgs {
    /// The media file.
    file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ProbeArgs) -> Result<(), String> {
    let probe = probe(&args.file, &Limits::default()).map_err(|e| e.to_string())?;
    if args.json {
        let mut value = serde_json::to_value(&probe).map_err(|e| e.to_string())?;
        value["file"] = args.file.display().to_string().into();
        if let Some(video) = &probe.video {
            let (w, h) = video.display_size();
            value["video"]["display_width"] = w.into();
            value["video"]["display_height"] = h.into();
        }
        println!(
            "{}",
            serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", describe(&args.file.display().to_string(), &probe));
    }
    Ok(())
}

fn describe(name: &str, probe: &Probe) -> String {
    let kind = match probe.kind {
        MediaKind::Video => "video",
        MediaKind::Audio => "audio",
        MediaKind::Image => "image",
    };
    let container = format!("{:?}", probe.container).to_lowercase();
    let mut text = format!(
        "{name}: {kind}, {container} container, {}",
        megabytes(probe.size_bytes)
    );
    if probe.kind != MediaKind::Image {
        text += &format!(
            ", {} ({:.3} s)",
            timeline::format_clock(probe.duration_ms),
            probe.duration_ms as f64 / 1000.0
        );
    }
    text.push('\n');
    if let Some(video) = &probe.video {
        let (w, h) = video.display_size();
        text += &format!(
            "  video: {} {}×{}, {:.3} fps",
            video.codec,
            w,
            h,
            video.fps.as_f64()
        );
        if video.rotation != 0 {
            text += &format!(
                " (stored {}×{}, rotated {}°)",
                video.coded_width, video.coded_height, video.rotation
            );
        }
        text.push('\n');
    }
    if let Some(audio) = &probe.audio {
        text += &format!(
            "  audio: {} {} Hz, {} channel{}\n",
            audio.codec,
            audio.sample_rate,
            audio.channels,
            if audio.channels == 1 { "" } else { "s" }
        );
    }
    text += &format!("  streams: {}\n", probe.stream_count);
    text
}

pub fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
