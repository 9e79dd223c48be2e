//! `cutline edit`: clips (or a draft file) and, optionally, an instruction in plain words in;
//! one video out (MP4, or WebM, GIF, M4A, MP3 by the output's name or the words), offline.
//!
//! An instruction with parts that cannot be done renders nothing: it prints those parts and
//! fails, unless `--apply-understood` says to do the rest.
//!
//! The flags become Steps, the same as words give, in a fixed order: trim pauses, speed,
//! volume, fades, shape; then the instruction's Steps (the `agent` crate: the first video is
//! the main clip, an audio file is the music); then fillers and captions (laid out inside
//! what the edits kept). One `agent::Session` applies them all or none, and its reply, in
//! the instruction's language, is the summary ("Removed 14 pauses (23.4 s). 2:14 → 1:51.").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use media::library::{write_atomically, Asset, Library};
use media::process::CancelToken;
use media::render::{render, Format, Quality, RateControl, RenderSettings, Streams};
use media::{Limits, MediaKind};
use timeline::subtitles::{caption_cues, to_srt, to_vtt};
use timeline::{apply, Aspect, CaptionStyle, Draft, EditContext, Fit, Op, Resolution, TrackKind};

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
    /// How a clip of another shape fills the frame: crop, pad or blur (by default crop, or
    /// blur when the clip looks like a screen recording).
    #[arg(long, requires = "aspect")]
    fit: Option<Fit>,
    /// Output size by its short side: 2160p, 1440p, 1080p, 720p or 480p (never above the
    /// source's own size).
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
    let (draft, assets, given) = starting_draft(args, &files, &library)?;
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
    let model = args.planner.config();
    let media = LibraryMedia {
        library: &library,
        assets: &assets,
        speech: &speech,
        fillers: filler_words(&args.extra_fillers),
        report: &bars,
        translator: model.as_ref(),
    };
    let path_format = output_format(&args.output)?;
    // Flags and words become one Plan of Steps, applied by the same Session and told by the
    // same replies: the flags' edits first, then the words', then fillers and captions (laid
    // out inside what the edits kept).
    let language = instruction
        .as_deref()
        .map(agent::understand::language_of)
        .unwrap_or_default();
    let mut plan = agent::Plan {
        steps: flag_steps(args)?,
        ..agent::Plan::default()
    };
    if let Some(instruction) = &instruction {
        let context = agent::Context {
            language: Some(language),
            music: music.clone(),
            image: image.clone(),
            can_translate: model.is_some(),
            ..agent::Context::default()
        };
        let words = understood(
            args.planner.planner().as_ref(),
            instruction,
            &context,
            args.apply_understood,
        )?;
        plan.steps.extend(words.steps);
        plan.assumptions = words.assumptions;
        plan.not_done = words.not_done;
    }
    if args.remove_fillers {
        plan.steps.push(agent::Step::RemoveFillers);
    }
    if args.captions {
        plan.steps.push(agent::Step::AddCaptions {
            style: args.caption_style,
            language: None,
            translate: false,
            position: None,
            size: None,
            color: None,
        });
    }
    // The output size last, whatever the words did to the frame; one export of flags and words.
    if args.resolution.is_some() {
        plan.steps.push(agent::Step::Export {
            format: None,
            resolution: args.resolution,
            fps: None,
            quality: None,
        });
    }
    agent::rules::merge_exports(&mut plan.steps);
    let mut session = agent::Session::new(draft, language);
    let applied = session.apply(&plan, &media).map_err(|e| e.reply)?;
    let draft = session.draft().clone();
    let asked = applied.export.unwrap_or_default();
    let mut notes = Vec::new();
    if let Some(path) = &args.save_draft {
        draft_file::save(path, &draft, &assets)?;
    }
    let sources = media::library::render_sources(&assets);
    let texts = draft
        .segments_of(TrackKind::Text)
        .filter_map(|s| s.meta.text.as_deref());
    // The words' format wins over the output's extension, and the file is named for it.
    let (format, output) = match asked.format {
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
    let quality = args.quality.or(asked.quality).unwrap_or(Quality::High);
    let settings = RenderSettings {
        format,
        quality,
        encoding: encoding(args, quality),
        font: media::render::fonts::title_font(texts),
        limits: library.limits().clone(),
        cancel: cancel.clone(),
        work_in: None,
        streams: Streams::All,
    };
    let bar = Progress::through("rendering", draft.duration_ms);
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
    let reply = notes
        .into_iter()
        .chain((!applied.reply.is_empty()).then_some(applied.reply))
        .collect::<Vec<_>>()
        .join(" ");
    if reply.is_empty() {
        let length = timeline::format_clock(original_ms);
        println!("rendered as it was ({length}) · {wrote}");
    } else {
        println!("{reply} · {wrote}");
    }
    Ok(())
}

/// The files among the positional arguments, and the instruction: the one argument that is
/// not a file and reads like words (it has a space, is Chinese, or is one word with no
/// extension: "undo"). Anything else that names no file ("clip.mp4", "take2.mov") is a
/// missing file.
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
        let one_word = path.extension().is_none() && !input.contains('/');
        let words = !named_like_media
            && (input.trim().contains(' ')
                || one_word
                || agent::understand::language_of(input) == agent::Language::Chinese);
        if path.exists() || !words {
            files.push(path);
        } else if let Some(earlier) = &instruction {
            // "talk" (a file given without its extension, or mistyped) before the words: a
            // missing file, not a second instruction.
            let single = |text: &str| {
                !text.trim().contains(' ')
                    && agent::understand::language_of(text) != agent::Language::Chinese
            };
            return Err(match (single(earlier), single(input)) {
                (true, false) => format!("{earlier}: no such file"),
                (false, true) => format!("{input}: no such file"),
                _ => format!(
                    "two instructions given (\"{earlier}\" and \"{input}\"): say everything in one"
                ),
            });
        } else {
            instruction = Some(input.clone());
        }
    }
    Ok((files, instruction))
}

/// What `instruction` asks for: a Plan, refused (with its parts listed) when some part cannot
/// be done, unless `apply_understood`; a question or a refusal is the error.
fn understood(
    planner: &dyn agent::Understand,
    instruction: &str,
    context: &agent::Context,
    apply_understood: bool,
) -> Result<agent::Plan, String> {
    use agent::Understanding;
    let language = context.language.unwrap_or_default();
    match planner.understand(instruction, context) {
        Understanding::Plan(plan) if plan.is_partial() && !apply_understood => {
            Err(agent::reply::partial_refused(&plan, language))
        }
        Understanding::Plan(plan) => Ok(plan),
        // One word that is neither a file nor understood was most likely a file's name.
        Understanding::NotUnderstood { .. }
            if !instruction.trim().contains(char::is_whitespace) =>
        {
            Err(format!(
                "{instruction}: no such file, nor an instruction cutline understands"
            ))
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

/// The edits the flags ask for, as Steps, in the order they apply.
fn flag_steps(args: &EditArgs) -> Result<Vec<agent::Step>, String> {
    use agent::Step;
    let mut steps = Vec::new();
    if args.trim_pauses {
        steps.push(Step::TrimPauses {
            min_pause_ms: seconds_to_ms("--min-pause", args.min_pause)?,
            padding_ms: seconds_to_ms("--padding", args.padding)?,
        });
    }
    if let Some(factor) = args.speed {
        steps.push(Step::Speed { factor });
    }
    let volume = if args.mute { Some(0.0) } else { args.volume };
    if let Some(volume) = volume {
        steps.push(Step::Volume {
            sound: agent::Sound::Original,
            volume,
        });
    }
    if args.fade_in.is_some() || args.fade_out.is_some() {
        let ms = |flag, seconds: Option<f64>| seconds.map(|s| seconds_to_ms(flag, s)).transpose();
        steps.push(Step::Fade {
            fade_in_ms: ms("--fade-in", args.fade_in)?,
            fade_out_ms: ms("--fade-out", args.fade_out)?,
        });
    }
    if let Some(aspect) = args.aspect {
        steps.push(Step::Aspect {
            aspect,
            fit: args.fit,
        });
    }
    for step in &steps {
        step.check()?;
    }
    Ok(steps)
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
