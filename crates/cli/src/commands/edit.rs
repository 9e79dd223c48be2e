//! `cutline edit`: clips (or a draft file) and, optionally, an instruction in plain words in;
//! one video out (MP4, or WebM, GIF, M4A, MP3 by the output's name or the words), offline.
//!
//! An instruction with parts that cannot be done renders nothing: it prints those parts and
//! fails, unless `--apply-understood` says to do the rest.
//!
//! The flags become typed edits (`timeline::Op`) applied in a fixed order: trim pauses,
//! speed, volume, fades, canvas; then the instruction's Plan (the `agent` crate: the first
//! video is the main clip, an audio file is the music); then fillers and captions (laid out
//! inside what the edits kept). Each edit reports what it did, and those reports make the
//! one-line summary ("removed 14 pauses (23.4 s): 2:14 → 1:51").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use media::library::{write_atomically, Asset, Library};
use media::process::CancelToken;
use media::render::{render, Format, Quality, RateControl, RenderSettings};
use media::{Limits, MediaKind};
use timeline::canvas::choose_canvas;
use timeline::subtitles::{caption_cues, to_srt, to_vtt};
use timeline::time::format_seconds;
use timeline::{
    apply, Aspect, CaptionStyle, Draft, EditContext, Effect, Fit, Op, Resolution, TrackKind,
};

use crate::commands::probe::megabytes;
use crate::draft_file;
use crate::planner::PlannerArgs;
use crate::progress::Progress;
use crate::transcription::{Bars, SpeechArgs};
use agent::media_facts::{filler_words, LibraryMedia};

#[derive(Args)]
pub struct EditArgs {
    /// The clips and files to use (the first video is the main clip; an audio file is the
    /// music), then optionally what to do, in plain words: "trim the pauses and make it 9:16".
    #[arg(
        value_name = "FILE... [INSTRUCTION]",
        required_unless_present = "draft"
    )]
    inputs: Vec<String>,
    /// Where to write the video; its extension picks the format: .mp4 (H.264 + AAC), .webm
    /// (VP9 + Opus), .gif, or sound only as .m4a or .mp3.
    #[arg(short, long, value_name = "OUT.mp4")]
    output: PathBuf,
    /// When the instruction has parts that cannot be done, do the parts that can (by default
    /// nothing is rendered and the parts are listed).
    #[arg(long)]
    apply_understood: bool,
    /// Render (and edit) a timeline file instead of a clip.
    #[arg(long, value_name = "FILE")]
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
    /// Encoder effort: high (the default), medium or draft.
    #[arg(long)]
    quality: Option<Quality>,
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
    #[command(flatten)]
    planner: PlannerArgs,
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
    let (files, instruction) = files_and_instruction(&args.inputs)?;
    let (mut draft, assets, given) = starting_draft(args, &files, &library)?;
    // The first audio file given is "the music", the first image "the image".
    let first_given = |kind: MediaKind| {
        given
            .iter()
            .find(|id| assets[*id].probe.kind == kind)
            .cloned()
    };
    let (music, image) = (first_given(MediaKind::Audio), first_given(MediaKind::Image));
    if image.is_some() && instruction.is_none() {
        return Err("say what the image is for, e.g. \"use the image as a 3-second intro\"".into());
    }
    let original_ms = draft.duration_ms;
    let (speech, bars) = (args.speech.options(), Bars::default());
    let media = LibraryMedia {
        library: &library,
        assets: &assets,
        speech: &speech,
        fillers: filler_words(&args.extra_fillers),
        report: &bars,
    };
    let path_format = output_format(&args.output)?;
    let context = analyse(args, &draft, &media)?;
    let mut notes = Vec::new();
    for op in requested_ops(args, &draft, &assets)? {
        let applied = apply(&draft, &op, &context).map_err(|e| e.to_string())?;
        notes.extend(describe(&op, &applied.effect));
        draft = applied.draft;
    }
    let mut quality = args.quality;
    let mut asked_format = None;
    let mut reply = None;
    if let Some(instruction) = &instruction {
        let planner = args.planner.planner();
        let context = agent::Context {
            language: Some(agent::understand::language_of(instruction)),
            music: music.clone(),
            image: image.clone(),
        };
        let (edited, outcome) = follow(
            planner.as_ref(),
            instruction,
            &context,
            draft,
            &media,
            args.apply_understood,
        )?;
        draft = edited;
        reply = Some(outcome.reply);
        if let Some(asked) = outcome.export {
            quality = quality.or(asked.quality);
            asked_format = asked.format;
        }
    }
    if args.remove_fillers {
        let padding_ms = seconds_to_ms("--padding", args.padding)?;
        for (src, ranges) in media.fillers_of(&draft, padding_ms)? {
            let fillers = ranges.len();
            let op = Op::CutSource { src, ranges };
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
        let op = Op::AddCaptions {
            captions: agent::Media::captions(&media, &draft, None, false)?,
            style: Some(args.caption_style),
        };
        let applied = apply(&draft, &op, &context).map_err(|e| e.to_string())?;
        notes.extend(describe(&op, &applied.effect));
        draft = applied.draft;
    }
    if let Some(path) = &args.save_draft {
        draft_file::save(path, &draft, &assets)?;
    }
    let sources = media::library::render_sources(&assets);
    let texts = draft
        .segments_of(TrackKind::Text)
        .filter_map(|s| s.meta.text.as_deref());
    // The words' format wins over the output's extension, and the file is named for it.
    let (format, output) = match asked_format {
        Some(format) if Some(format) != path_format => {
            let renamed = args.output.with_extension(format.extension());
            notes.push(format!(
                "written as {} because the words asked for it ({} named {})",
                renamed.display(),
                args.output.display(),
                path_format.map_or("MP4", agent::reply::format_name)
            ));
            (format, renamed)
        }
        _ => (path_format.unwrap_or_default(), args.output.clone()),
    };
    let quality = quality.unwrap_or(Quality::High);
    let settings = RenderSettings {
        format,
        quality,
        encoding: encoding(args, quality),
        font: media::render::fonts::title_font(texts),
        limits: library.limits().clone(),
        cancel: cancel.clone(),
    };
    let bar = Progress::stage("rendering");
    let outcome =
        render(&draft, &sources, &output, &settings, |f| bar.set(f)).map_err(|e| e.to_string())?;
    bar.done();
    write_subtitles(&draft, &output)?;
    let picture = if format.has_picture() {
        format!("{}×{}, ", outcome.canvas.0, outcome.canvas.1)
    } else {
        String::new()
    };
    let wrote = format!(
        "wrote {} ({picture}{}, {})",
        outcome.output.display(),
        megabytes(outcome.size_bytes),
        settings.describe(),
    );
    let clock = format!(
        "{} → {}",
        timeline::format_clock(original_ms),
        timeline::format_clock(draft.duration_ms)
    );
    match reply {
        // The reply already gives the numbers, in the instruction's language.
        Some(reply) if notes.is_empty() => println!("{reply} · {wrote}"),
        Some(reply) => println!("{}; {reply} · {clock} · {wrote}", notes.join(", ")),
        None if notes.is_empty() => println!("rendered: {clock} · {wrote}"),
        None => println!("{}: {clock} · {wrote}", notes.join(", ")),
    }
    Ok(())
}

/// The files among the positional arguments, and the instruction: the one argument that is
/// not a file and reads like words (it has a space, or Chinese). Anything else that names no
/// file is a missing file.
fn files_and_instruction(inputs: &[String]) -> Result<(Vec<PathBuf>, Option<String>), String> {
    let mut files = Vec::new();
    let mut instruction: Option<String> = None;
    for input in inputs {
        let path = PathBuf::from(input);
        // "my talk.mp4" names a file, even a missing one; "trim the pauses" does not.
        let named_like_media = path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
            let e = e.to_ascii_lowercase();
            // The accepted formats' names, and the other names they go by.
            media::error::ACCEPTED_FORMATS
                .split(", ")
                .chain(["m4v", "jpeg"])
                .any(|format| format == e)
        });
        let words = !named_like_media
            && (input.trim().contains(' ')
                || agent::understand::language_of(input) == agent::Language::Chinese);
        if path.exists() || !words {
            files.push(path);
        } else if instruction.is_some() {
            return Err(format!(
                "two instructions given (\"{}\" and \"{input}\"): say everything in one",
                instruction.unwrap_or_default()
            ));
        } else {
            instruction = Some(input.clone());
        }
    }
    Ok((files, instruction))
}

/// Understands `instruction` and applies its Plan to `draft`, all or nothing. A Plan with
/// parts that cannot be done is refused (the parts listed) unless `apply_understood`.
fn follow(
    planner: &dyn agent::Understand,
    instruction: &str,
    context: &agent::Context,
    draft: Draft,
    media: &LibraryMedia,
    apply_understood: bool,
) -> Result<(Draft, agent::Outcome), String> {
    use agent::Understanding;
    let language = context.language.unwrap_or_default();
    match planner.understand(instruction, context) {
        Understanding::Plan(plan) if plan.is_partial() && !apply_understood => {
            Err(agent::reply::partial_refused(&plan, language))
        }
        Understanding::Plan(plan) => {
            let mut session = agent::Session::new(draft, language);
            let outcome = session.apply(&plan, media).map_err(|e| e.reply)?;
            Ok((session.draft().clone(), outcome))
        }
        Understanding::Question { text }
        | Understanding::NotUnderstood { text, .. }
        | Understanding::Answer { text } => Err(text),
    }
}

/// The format an output's name asks for; MP4 when it has no extension. An extension of
/// another kind is refused rather than written as something it does not say.
fn output_format(output: &Path) -> Result<Option<Format>, String> {
    match output.extension() {
        None => Ok(None),
        Some(_) => Format::of_path(output).map(Some).ok_or_else(|| {
            format!(
                "{}: cutline writes .mp4, .webm, .gif, .m4a or .mp3; name the output with one of them",
                output.display()
            )
        }),
    }
}

/// The Draft, every asset it or the instruction may use, and the ids of the files given
/// (in the order given).
type StartingPoint = (Draft, BTreeMap<String, Asset>, Vec<String>);

/// The draft the edits start from: the videos played one after the other (the first sets
/// the canvas; audio files become assets the instruction can use), or a draft file.
fn starting_draft(
    args: &EditArgs,
    files: &[PathBuf],
    library: &Library,
) -> Result<StartingPoint, String> {
    let mut added = Vec::new();
    for file in files {
        added.push(library.add(file).map_err(|e| e.to_string())?);
    }
    let mut assets: BTreeMap<String, Asset> =
        added.iter().map(|a| (a.id.clone(), a.clone())).collect();
    let given: Vec<String> = added.iter().map(|a| a.id.clone()).collect();
    if let Some(path) = &args.draft {
        let loaded = draft_file::load(path, library)?;
        assets.extend(loaded.assets);
        return Ok((loaded.draft, assets, given));
    }
    let Some(asset) = added.iter().find(|a| a.probe.kind == MediaKind::Video) else {
        return Err(match files.first() {
            Some(first) => format!("{}: has no video to edit", first.display()),
            None => "name a clip to edit, or --draft FILE".to_string(),
        });
    };
    // The other videos follow it, in the order given: clip 2, clip 3, ….
    let mut draft = draft_file::of_clip(asset)?;
    for next in added
        .iter()
        .filter(|a| a.probe.kind == MediaKind::Video && a.id != asset.id)
    {
        let append = Op::AppendClip {
            src: next.id.clone(),
            duration_ms: next.probe.duration_ms,
        };
        let known = EditContext::default();
        draft = apply(&draft, &append, &known)
            .map_err(|e| format!("{}: {e}", next.path.display()))?
            .draft;
    }
    Ok((draft, assets, given))
}

/// The silence maps `--trim-pauses` needs: one per main-track clip (empty for stills and
/// silent clips: they have no pauses to cut).
fn analyse(args: &EditArgs, draft: &Draft, media: &LibraryMedia) -> Result<EditContext, String> {
    let mut context = EditContext::default();
    if !args.trim_pauses {
        return Ok(context);
    }
    for src in draft
        .main_segments()
        .iter()
        .filter_map(|s| s.src.as_deref())
    {
        if !context.silence.contains_key(src) {
            let map = agent::Media::silence(media, src)?;
            context.silence.insert(src.to_string(), map);
        }
    }
    Ok(context)
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

fn encoding(args: &EditArgs, quality: Quality) -> media::render::VideoEncoding {
    let mut encoding = quality.encoding();
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
