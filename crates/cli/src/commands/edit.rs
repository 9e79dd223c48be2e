//! `cutline edit`: one clip (or a draft file) in, one MP4 out, offline.
//!
//! The flags become typed edits (`timeline::Op`) applied in a fixed order: trim pauses,
//! speed, volume, fades, canvas, then captions (laid out inside what the edits kept). Each edit reports what it did, and those reports make the
//! one-line summary ("removed 14 pauses (23.4 s): 2:14 → 1:51").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use media::library::{write_atomically, Asset, Library};
use media::process::CancelToken;
use media::render::{render, Quality, RateControl, RenderSettings, Source, Sources};
use media::{Limits, MediaKind};
use timeline::canvas::choose_canvas;
use timeline::subtitles::{caption_cues, to_srt, to_vtt};
use timeline::time::format_seconds;
use timeline::{
    apply, Aspect, CaptionStyle, Draft, DraftMeta, EditContext, Effect, Fit, Op, Resolution,
    SilenceMap, TrackKind,
};

use crate::commands::probe::megabytes;
use crate::draft_file;
use crate::progress::Progress;
use crate::transcription::{source_captions, transcript_of, SpeechArgs};

#[derive(Args)]
pub struct EditArgs {
    /// The clip to edit (or use --draft).
    #[arg(required_unless_present = "draft")]
    input: Option<PathBuf>,
    /// Where to write the MP4.
    #[arg(short, long, value_name = "OUT.mp4")]
    output: PathBuf,
    /// Render (and edit) a timeline file instead of a clip.
    #[arg(long, value_name = "FILE", conflicts_with = "input")]
    draft: Option<PathBuf>,
    /// Cut the pauses out.
    #[arg(long)]
    trim_pauses: bool,
    /// The shortest silence that counts as a pause.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.5)]
    min_pause: f64,
    /// Silence kept at each side of a cut, so words are never clipped.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.15)]
    padding: f64,
    /// Output shape: 16:9, 9:16, 1:1 or 4:5.
    #[arg(long)]
    aspect: Option<Aspect>,
    /// How a clip of another shape fills the frame: crop, pad or blur.
    #[arg(long)]
    fit: Option<Fit>,
    /// Output size by its short side: 1080p, 720p or 480p.
    #[arg(long)]
    resolution: Option<Resolution>,
    /// Encoder effort: high, medium or draft.
    #[arg(long, default_value = "high")]
    quality: Quality,
    /// Play faster (1.25) or slower (0.5).
    #[arg(long)]
    speed: Option<f64>,
    /// Silence the clip's own sound.
    #[arg(long)]
    mute: bool,
    /// Gain of the clip's own sound (1 = as recorded).
    #[arg(long, conflicts_with = "mute")]
    volume: Option<f64>,
    /// Fade in from black over this many seconds.
    #[arg(long, value_name = "SECONDS")]
    fade_in: Option<f64>,
    /// Fade out to black over this many seconds.
    #[arg(long, value_name = "SECONDS")]
    fade_out: Option<f64>,
    /// Cut filler words ("um", "uh", "erm", …) found by speech recognition.
    #[arg(long)]
    remove_fillers: bool,
    /// Another word or phrase to cut with --remove-fillers (repeat for more).
    #[arg(long = "filler", value_name = "WORDS")]
    extra_fillers: Vec<String>,
    /// Burn in captions of what is said (offline speech recognition) and write OUT.srt and
    /// OUT.vtt beside the video.
    #[arg(long)]
    captions: bool,
    /// How captions look: clean (white on a soft box), bold (large, outlined) or karaoke
    /// (bold, with the word being spoken highlighted).
    #[arg(
        long,
        value_name = "STYLE",
        requires = "captions",
        default_value = "clean"
    )]
    caption_style: CaptionStyle,
    /// Speech recognition for --captions and --remove-fillers.
    #[command(flatten)]
    speech: SpeechArgs,
    /// Also write the edited timeline to this file (render it again with --draft).
    #[arg(long, value_name = "FILE")]
    save_draft: Option<PathBuf>,
    /// libx264 preset instead of the quality's (e.g. medium, to compare with other tools).
    #[arg(long, value_name = "PRESET")]
    x264_preset: Option<String>,
    /// Average video bitrate instead of constant quality (e.g. 10M).
    #[arg(long, value_name = "RATE")]
    video_bitrate: Option<String>,
}

pub fn run(args: &EditArgs, cancel: &CancelToken) -> Result<(), String> {
    let library = Library::at_default_location(Limits::default()).with_cancel(cancel);
    let (mut draft, assets) = starting_draft(args, &library)?;
    let original_ms = draft.duration_ms;
    let context = analyse(args, &draft, &assets, &library)?;
    let mut notes = Vec::new();
    for op in requested_ops(args, &draft, &assets)? {
        let applied = apply(&draft, &op, &context).map_err(|e| e.to_string())?;
        notes.extend(describe(&op, &applied.effect));
        draft = applied.draft;
    }
    if args.remove_fillers {
        let padding_ms = seconds_to_ms("--padding", args.padding)?;
        for (op, fillers) in filler_ops(args, &draft, &assets, &library, padding_ms)? {
            let applied = apply(&draft, &op, &context).map_err(|e| e.to_string())?;
            if let Effect::RangesRemoved { removed_ms } = applied.effect {
                notes.push(format!(
                    "removed {fillers} filler{} ({})",
                    if fillers == 1 { "" } else { "s" },
                    format_seconds(removed_ms)
                ));
            }
            draft = applied.draft;
        }
    }
    if args.captions {
        let op = captions_op(args, &draft, &assets, &library)?;
        let applied = apply(&draft, &op, &context).map_err(|e| e.to_string())?;
        notes.extend(describe(&op, &applied.effect));
        draft = applied.draft;
    }
    if let Some(path) = &args.save_draft {
        draft_file::save(path, &draft, &assets)?;
    }
    let sources: Sources = assets
        .iter()
        .map(|(id, asset)| {
            let source = Source {
                path: asset.path.clone(),
                probe: asset.probe.clone(),
            };
            (id.clone(), source)
        })
        .collect();
    let texts = draft
        .segments_of(TrackKind::Text)
        .filter_map(|s| s.meta.text.as_deref());
    let settings = RenderSettings {
        encoding: encoding(args),
        font: media::render::fonts::title_font(texts),
        limits: library.limits().clone(),
        cancel: cancel.clone(),
    };
    let bar = Progress::stage("rendering");
    let outcome = render(&draft, &sources, &args.output, &settings, |f| bar.set(f))
        .map_err(|e| e.to_string())?;
    bar.done();
    write_subtitles(&draft, &args.output)?;
    let what = if notes.is_empty() {
        "rendered".to_string()
    } else {
        notes.join(", ")
    };
    println!(
        "{what}: {} → {} · wrote {} ({}×{}, {}, {})",
        timeline::format_clock(original_ms),
        timeline::format_clock(draft.duration_ms),
        outcome.output.display(),
        outcome.canvas.0,
        outcome.canvas.1,
        megabytes(outcome.size_bytes),
        settings.encoding.describe(),
    );
    Ok(())
}

/// The draft the flags edit: one clip played whole, or a draft file.
fn starting_draft(
    args: &EditArgs,
    library: &Library,
) -> Result<(Draft, BTreeMap<String, Asset>), String> {
    if let Some(path) = &args.draft {
        let loaded = draft_file::load(path, library)?;
        return Ok((loaded.draft, loaded.assets));
    }
    let input = args
        .input
        .as_ref()
        .ok_or("name a clip to edit, or --draft FILE")?;
    let asset = library.add(input).map_err(|e| e.to_string())?;
    let Some(video) = asset
        .probe
        .video
        .as_ref()
        .filter(|_| asset.probe.kind == MediaKind::Video)
    else {
        return Err(format!("{}: has no video to edit", input.display()));
    };
    let (width, height) = choose_canvas(None, None, video.display_size());
    let meta = DraftMeta {
        width,
        height,
        fps: video.fps.as_f64().min(60.0),
        ..DraftMeta::default()
    };
    let draft = Draft::single_clip(&asset.id, asset.probe.duration_ms, meta);
    Ok((draft, BTreeMap::from([(asset.id.clone(), asset)])))
}

/// The silence maps `--trim-pauses` needs: one per main-track clip with sound. Stills and
/// silent clips get an empty map: they have no pauses to cut.
fn analyse(
    args: &EditArgs,
    draft: &Draft,
    assets: &BTreeMap<String, Asset>,
    library: &Library,
) -> Result<EditContext, String> {
    let mut context = EditContext::default();
    if !args.trim_pauses {
        return Ok(context);
    }
    let main = draft.main_segments();
    for src in main.iter().filter_map(|s| s.src.as_deref()) {
        if context.silence.contains_key(src) {
            continue;
        }
        let asset = &assets[src];
        let map = if asset.probe.kind == MediaKind::Video && asset.probe.audio.is_some() {
            let bar = Progress::stage("finding pauses");
            let map = library
                .silence_map(asset, |f| bar.set(f))
                .map_err(|e| e.to_string())?;
            bar.done();
            map
        } else {
            SilenceMap {
                duration_ms: asset.probe.duration_ms,
                quiet: Vec::new(),
                noise_floor_db: 0.0,
                threshold_db: 0.0,
            }
        };
        context.silence.insert(src.to_string(), map);
    }
    Ok(context)
}

/// Captions for every clip with sound on the main track, laid out inside what the edit keeps.
fn captions_op(
    args: &EditArgs,
    draft: &Draft,
    assets: &BTreeMap<String, Asset>,
    library: &Library,
) -> Result<Op, String> {
    let mut captions = Vec::new();
    for asset in spoken_clips(draft, assets) {
        let transcript = transcript_of(library, asset, &args.speech)?;
        captions.extend(source_captions(draft, asset, &transcript));
    }
    Ok(Op::AddCaptions {
        captions,
        style: Some(args.caption_style),
    })
}

/// The clips with sound on the main track, each once.
fn spoken_clips<'a>(draft: &Draft, assets: &'a BTreeMap<String, Asset>) -> Vec<&'a Asset> {
    let mut clips: Vec<&Asset> = Vec::new();
    for src in draft
        .main_segments()
        .iter()
        .filter_map(|s| s.src.as_deref())
    {
        let asset = &assets[src];
        let spoken = asset.probe.kind == MediaKind::Video && asset.probe.audio.is_some();
        if spoken && !clips.iter().any(|c| c.id == asset.id) {
            clips.push(asset);
        }
    }
    clips
}

/// One `CutSource` per spoken clip with the fillers its transcript holds, and how many.
fn filler_ops(
    args: &EditArgs,
    draft: &Draft,
    assets: &BTreeMap<String, Asset>,
    library: &Library,
    padding_ms: u64,
) -> Result<Vec<(Op, usize)>, String> {
    let mut fillers: Vec<String> = speech::fillers::DEFAULT_FILLERS
        .iter()
        .map(|f| f.to_string())
        .collect();
    fillers.extend(args.extra_fillers.iter().cloned());
    let mut ops = Vec::new();
    for asset in spoken_clips(draft, assets) {
        let transcript = transcript_of(library, asset, &args.speech)?;
        let ranges = speech::fillers::filler_cuts(&transcript.words, &fillers, padding_ms);
        let count = ranges.len();
        ops.push((
            Op::CutSource {
                src: asset.id.clone(),
                ranges,
            },
            count,
        ));
    }
    Ok(ops)
}

/// `OUT.srt` and `OUT.vtt` beside the video when it has captions: the same cues as burnt in.
fn write_subtitles(draft: &Draft, output: &Path) -> Result<(), String> {
    let cues = caption_cues(draft);
    if cues.is_empty() {
        return Ok(());
    }
    for (extension, text) in [("srt", to_srt(&cues)), ("vtt", to_vtt(&cues))] {
        let path = output.with_extension(extension);
        write_atomically(&path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}

/// The edits the flags ask for, in the order they apply.
fn requested_ops(
    args: &EditArgs,
    draft: &Draft,
    assets: &BTreeMap<String, Asset>,
) -> Result<Vec<Op>, String> {
    let mut ops = Vec::new();
    if args.trim_pauses {
        ops.push(Op::TrimPauses {
            min_pause_ms: seconds_to_ms("--min-pause", args.min_pause)?,
            padding_ms: seconds_to_ms("--padding", args.padding)?,
        });
    }
    if let Some(factor) = args.speed {
        ops.push(Op::Speed { factor });
    }
    if args.mute {
        ops.push(Op::Volume { volume: 0.0 });
    } else if let Some(volume) = args.volume {
        ops.push(Op::Volume { volume });
    }
    if args.fade_in.is_some() || args.fade_out.is_some() {
        ops.push(Op::Fade {
            fade_in_ms: args
                .fade_in
                .map(|s| seconds_to_ms("--fade-in", s))
                .transpose()?,
            fade_out_ms: args
                .fade_out
                .map(|s| seconds_to_ms("--fade-out", s))
                .transpose()?,
        });
    }
    if args.aspect.is_some() || args.resolution.is_some() || args.fit.is_some() {
        let shape = main_clip_shape(draft, assets);
        let (width, height) = if args.aspect.is_some() || args.resolution.is_some() {
            choose_canvas(args.aspect, args.resolution, shape)
        } else {
            (draft.meta.width, draft.meta.height)
        };
        ops.push(Op::Canvas {
            width,
            height,
            fit: args.fit,
        });
    }
    Ok(ops)
}

/// The display size of the first clip on the main track (the draft's canvas for a draft file
/// whose main track is empty).
fn main_clip_shape(draft: &Draft, assets: &BTreeMap<String, Asset>) -> (u32, u32) {
    draft
        .main_track_index()
        .and_then(|i| draft.tracks[i].segments.first())
        .and_then(|s| assets.get(s.src.as_deref()?))
        .and_then(|a| a.probe.video.as_ref())
        .map(|v| v.display_size())
        .unwrap_or((draft.meta.width, draft.meta.height))
}

fn describe(op: &Op, effect: &Effect) -> Option<String> {
    Some(match (op, effect) {
        (_, Effect::PausesTrimmed { pauses: 0, .. }) => "found no pauses to remove".into(),
        (_, Effect::PausesTrimmed { pauses, removed_ms }) => format!(
            "removed {pauses} pause{} ({})",
            if *pauses == 1 { "" } else { "s" },
            format_seconds(*removed_ms)
        ),
        (Op::Speed { factor }, _) => format!("played at {factor}×"),
        (Op::Volume { volume }, _) if *volume == 0.0 => "muted".into(),
        (Op::Volume { volume }, _) => format!("volume {:.0}%", volume * 100.0),
        (Op::Fade { .. }, _) => "faded".into(),
        (_, Effect::CaptionsAdded { captions }) => format!("added {captions} captions"),
        (Op::Canvas { width, height, fit }, _) => match fit {
            Some(fit) => format!("framed {width}×{height} ({fit:?})").to_lowercase(),
            None => format!("framed {width}×{height}"),
        },
        _ => return None,
    })
}

fn encoding(args: &EditArgs) -> media::render::VideoEncoding {
    let mut encoding = args.quality.encoding();
    if let Some(preset) = &args.x264_preset {
        encoding.preset = preset.clone();
    }
    if let Some(rate) = &args.video_bitrate {
        encoding.rate = RateControl::Bitrate(rate.clone());
    }
    encoding
}

fn seconds_to_ms(flag: &str, seconds: f64) -> Result<u64, String> {
    if (0.0..1e7).contains(&seconds) {
        Ok((seconds * 1000.0).round() as u64)
    } else {
        Err(format!("{flag} takes a number of seconds, not {seconds}"))
    }
}
