//! Draft → the exact ffmpeg arguments and filter graph that render it. Pure: no process, no
//! file is touched here (text for titles is returned as files for the executor to write), so
//! golden tests can pin the whole command.
//!
//! The graph, for a main track of clips, gaps and stills:
//!
//! ```text
//! input i ─split─► trim → setpts → fps → fit to canvas → exactly its frames ─┐ per item
//!        ─asplit─► atrim → atempo → volume → stereo → exactly its length ──┐ │
//! gap    color black (its frames) / anullsrc (its length) ─────────────────┤ │
//!                                                                          ▼ ▼
//!                    concat (pictures) ─► drawtext (titles) ─► fades ─► [vout]
//!                    concat (sounds)   ─► amix with music tracks ─► fades ─► [aout]
//! ```
//!
//! Every sound becomes 48 kHz stereo before it is mixed; a mono sound is put in both channels
//! at its own level (`pan`), not at ffmpeg's −3 dB centre-channel upmix, and `amix` adds its
//! inputs as they are (`normalize=0`), so each is heard at the volume the Draft gives it.
//!
//! Time follows the Draft, never the rounding of the item before: each item's sound is its
//! exact milliseconds, and its picture exactly the frames of the export's grid that start
//! inside it (`timeline::frames`), each showing the source picture nearest the moment it
//! stands for. Pictures and sounds are joined apart, so sync holds within a frame at every
//! cut, however many there are, and a part of the picture rendered alone
//! (`Streams::PartPicture`) has the frames the whole render has there.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use timeline::{Corner, Draft, Fit, FrameRate, Segment, TimeRange, TrackKind};

use crate::error::MediaError;
use crate::input::input_args;
use crate::limits::Limits;
use crate::probe::{file_url, MediaKind, Probe};
use crate::process::CancelToken;
use crate::render::captions::{ass_document, caption_band, is_caption};
use crate::render::fonts::Font;
use crate::render::format::{Format, GIF_FPS, GIF_MAX_MS, GIF_MAX_SIDE};
use crate::render::graph::{seconds, Filter, Graph, Pad};
use crate::render::layout::{title_place, CaptionBand, Spacing, TitlePlace};

/// A source the Draft refers to: where it is and what it is.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: PathBuf,
    pub probe: Probe,
}

/// Asset id → source.
pub type Sources = BTreeMap<String, Source>;

/// How hard the encoder works.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    /// Visually clean at a fast preset (the default).
    #[default]
    High,
    Medium,
    /// Fast previews.
    Draft,
}

impl FromStr for Quality {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "high" => Ok(Quality::High),
            "medium" => Ok(Quality::Medium),
            "draft" => Ok(Quality::Draft),
            _ => Err(format!(
                "unknown quality '{text}' (use high, medium or draft)"
            )),
        }
    }
}

/// libx264 settings: a preset and a rate control.
#[derive(Clone, Debug, PartialEq)]
pub struct VideoEncoding {
    pub preset: String,
    pub rate: RateControl,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RateControl {
    /// Constant quality (lower is better).
    Crf(u8),
    /// Average bitrate, as ffmpeg writes it ("10M").
    Bitrate(String),
}

impl Quality {
    pub fn name(self) -> &'static str {
        match self {
            Quality::High => "high",
            Quality::Medium => "medium",
            Quality::Draft => "draft",
        }
    }

    /// VP9's constant quality for WebM exports (lower is better).
    fn vp9_crf(self) -> u8 {
        match self {
            Quality::High => 31,
            Quality::Medium => 35,
            Quality::Draft => 40,
        }
    }

    pub fn encoding(self) -> VideoEncoding {
        let (preset, crf) = match self {
            Quality::High => ("veryfast", 20),
            Quality::Medium => ("veryfast", 24),
            Quality::Draft => ("ultrafast", 28),
        };
        VideoEncoding {
            preset: preset.into(),
            rate: RateControl::Crf(crf),
        }
    }
}

impl VideoEncoding {
    fn args(&self) -> Vec<String> {
        let mut args = vec![
            "-c:v".into(),
            "libx264".into(),
            "-preset".into(),
            self.preset.clone(),
        ];
        match &self.rate {
            RateControl::Crf(crf) => args.extend(["-crf".into(), crf.to_string()]),
            RateControl::Bitrate(rate) => args.extend(["-b:v".into(), rate.clone()]),
        }
        args
    }

    /// "libx264 veryfast crf 20", for summaries and benchmark tables.
    pub fn describe(&self) -> String {
        match &self.rate {
            RateControl::Crf(crf) => format!("libx264 {} crf {crf}", self.preset),
            RateControl::Bitrate(rate) => format!("libx264 {} {rate}", self.preset),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RenderSettings {
    /// What the output is written as; MP4 unless asked.
    pub format: Format,
    /// The H.264 settings of an MP4.
    pub encoding: VideoEncoding,
    /// The quality other formats are written at.
    pub quality: Quality,
    /// The font text is drawn with (required only when the Draft has text).
    pub font: Option<Font>,
    pub limits: Limits,
    /// Stops the render (and removes its partial output) when cancelled.
    pub cancel: CancelToken,
    /// The folder its work folder (text files for ffmpeg, with the titles' words) is made in;
    /// the system's temporary folder when `None`. A server keeps it in its data folder, so
    /// it can clear what a killed render left.
    pub work_in: Option<PathBuf>,
    /// Which of the format's streams are made (all of them but for the parts of a long
    /// export, see [`parts`](super::parts)).
    pub streams: Streams,
}

/// Which streams a render makes: those its format carries, or only one of them. A stream
/// that is not made is not decoded or filtered at all (a sound-only render reads no picture).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Streams {
    #[default]
    All,
    /// The picture of one part of a long export (`timeline::parts::part`), joined with the
    /// others and the sound later. Titles are placed beside the captions of the whole export
    /// (`captions`, from [`caption_band`] of it), so they stay where they are across parts.
    PartPicture { captions: Option<CaptionBand> },
    /// The sound alone (a long export's whole sound, made once).
    Sound,
}

impl RenderSettings {
    /// How the output is encoded, for the line that says what was written.
    pub fn describe(&self) -> String {
        match self.format {
            Format::Mp4 => format!("{} + AAC", self.encoding.describe()),
            Format::Webm => format!("VP9 crf {} + Opus", self.quality.vp9_crf()),
            Format::Gif => format!("GIF, at most {GIF_FPS} fps, 256 colours, no sound"),
            Format::M4a => "AAC, sound only".into(),
            Format::Mp3 => "MP3, sound only".into(),
        }
    }
}

/// Where a render writes: the output file and a private folder for the plan's files.
#[derive(Clone, Debug)]
pub struct RenderPaths {
    pub output: PathBuf,
    pub work_dir: PathBuf,
}

/// A file the executor makes in the work folder before running ffmpeg.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanFile {
    pub path: PathBuf,
    pub contents: FileContents,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FileContents {
    Text(String),
    /// A symbolic link to this file (a font libass loads from its own folder).
    LinkTo(PathBuf),
}

/// Everything needed to run one render.
#[derive(Clone, Debug)]
pub struct RenderPlan {
    /// ffmpeg's arguments after the process wrapper's own (`-nostdin` …).
    pub args: Vec<OsString>,
    pub filter_graph: String,
    pub files: Vec<PlanFile>,
    pub duration_ms: u64,
    pub canvas: (u32, u32),
}

const AUDIO_RATE: &str = "48000";
const DEFAULT_TITLE_FADE_MS: u64 = 250;
/// A video source whose first used moment is at least this far in is opened with an input
/// seek (`-ss`, exact: frames before it are decoded and dropped by ffmpeg, so the pictures
/// are the same): the parts of a long export start deep in their sources, and decoding the
/// minutes before each would cost as much as the part itself.
const SEEK_FROM_MS: u64 = 10_000;
/// How far before a clip's in-point its source pictures are read, at least (at speed 1):
/// the picture nearest the clip's first frame may start before the in-point. Two of the
/// source's frame intervals when they are longer (a slideshow at 1 fps: 2 s).
const PICTURE_LEAD_MS: u64 = 250;
/// Added to every source picture's time before `fps` picks the nearest one for each frame, so
/// a picture exactly half a frame from two frames goes to the same one in every render of it
/// (a part's and the whole export's), whatever the rounding of its time.
const TIE_BREAK_MS: f64 = 0.5;

/// Plans the render of `draft` to `output`.
pub fn plan(
    draft: &Draft,
    sources: &Sources,
    settings: &RenderSettings,
    paths: &RenderPaths,
) -> Result<RenderPlan, MediaError> {
    timeline::validate(draft, |src| sources.contains_key(src))
        .map_err(|e| MediaError::Unrenderable(e.to_string()))?;
    if draft.duration_ms == 0 {
        return Err(MediaError::Unrenderable("the timeline is empty".into()));
    }
    if settings.format == Format::Gif && draft.duration_ms > GIF_MAX_MS {
        return Err(MediaError::Unrenderable(format!(
            "a GIF is for clips up to {} s and this one is {}; cut it shorter or export MP4",
            GIF_MAX_MS / 1000,
            timeline::format_clock(draft.duration_ms)
        )));
    }
    let mut planner = Planner::new(draft, sources, settings, &paths.work_dir)?;
    let (video, audio) = planner.main_track()?;
    let video = match video {
        Some(video) => {
            let video = planner.color(video);
            let video = planner.overlays(video);
            let video = planner.texts(video)?;
            Some(planner.finish_picture(video))
        }
        None => None,
    };
    let audio = match audio {
        Some(audio) => {
            let audio = planner.mix_audio_tracks(audio)?;
            Some(planner.finish_sound(audio))
        }
        None => None,
    };

    let filter_graph = planner.graph.to_string();
    let mut args: Vec<OsString> = Vec::new();
    for (src, seek_ms) in planner.inputs.iter().zip(&planner.seeks) {
        let source = &sources[*src];
        if *seek_ms > 0 {
            args.extend(["-ss".into(), seconds(*seek_ms).into()]);
        }
        args.extend(input_args(&source.path, &source.probe, &settings.limits));
    }
    args.extend(["-filter_complex".into(), filter_graph.clone().into()]);
    let output_args = output_args(settings, video.as_ref(), audio.as_ref(), &planner.fps);
    args.extend(output_args.into_iter().map(OsString::from));
    args.push(file_url(&paths.output));
    Ok(RenderPlan {
        args,
        filter_graph,
        files: planner.files,
        duration_ms: draft.duration_ms,
        canvas: (draft.meta.width, draft.meta.height),
    })
}

/// Everything after the filter graph: which streams are written, their codecs, the container.
fn output_args(
    settings: &RenderSettings,
    video: Option<&Pad>,
    audio: Option<&Pad>,
    fps: &str,
) -> Vec<String> {
    let format = settings.format;
    let mut args: Vec<String> = Vec::new();
    let mut push = |items: &[&str]| args.extend(items.iter().map(|s| s.to_string()));
    if let Some(video) = video {
        push(&["-map", &video.to_string()]);
    }
    if let Some(audio) = audio {
        push(&["-map", &audio.to_string()]);
    }
    match format {
        _ if video.is_none() => {}
        Format::Mp4 => {
            let encoding = settings.encoding.args();
            push(&encoding.iter().map(String::as_str).collect::<Vec<_>>());
            push(&["-pix_fmt", "yuv420p", "-profile:v", "high", "-r", fps]);
        }
        Format::Webm => {
            let crf = settings.quality.vp9_crf().to_string();
            push(&[
                "-c:v",
                "libvpx-vp9",
                "-crf",
                &crf,
                "-b:v",
                "0",
                "-deadline",
                "realtime",
                "-cpu-used",
                "8",
                "-row-mt",
                "1",
                "-pix_fmt",
                "yuv420p",
                "-r",
                fps,
            ]);
        }
        // The palette is made and used inside the graph (see `Planner::finish`).
        Format::Gif => push(&["-c:v", "gif", "-loop", "0"]),
        Format::M4a | Format::Mp3 => {}
    }
    match format {
        _ if audio.is_none() => {}
        Format::Mp4 | Format::M4a => push(&["-c:a", "aac", "-b:a", "192k"]),
        Format::Webm => push(&["-c:a", "libopus", "-b:a", "128k"]),
        Format::Mp3 => push(&["-c:a", "libmp3lame", "-q:a", "2"]),
        Format::Gif => {}
    }
    if audio.is_some() {
        push(&["-ar", AUDIO_RATE, "-ac", "2"]);
    }
    if matches!(format, Format::Mp4 | Format::M4a) {
        push(&["-movflags", "+faststart"]);
    }
    push(&[
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-f",
        format.muxer(),
        "-progress",
        "pipe:1",
        "-nostats",
        "-y",
    ]);
    args
}

/// One item of the main track: its picture and its sound, each when it is made.
type MainItem = (Option<Pad>, Option<Pad>);

/// Which stream of an input a segment takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stream {
    Video,
    Audio,
}

struct Planner<'a> {
    draft: &'a Draft,
    sources: &'a Sources,
    settings: &'a RenderSettings,
    work_dir: &'a Path,
    graph: Graph,
    /// Asset ids in ffmpeg input order (only those a made stream reads).
    inputs: Vec<&'a str>,
    /// Where each input is opened (ms; 0 from its start), see [`SEEK_FROM_MS`].
    seeks: Vec<u64>,
    /// Whether the picture, and the sound, are made.
    picture: bool,
    sound: bool,
    /// Unused branches of each input stream, one per segment that reads it.
    taps: BTreeMap<(usize, Stream), Vec<Pad>>,
    files: Vec<PlanFile>,
    rate: FrameRate,
    /// `rate` as ffmpeg reads it.
    fps: String,
}

impl<'a> Planner<'a> {
    fn new(
        draft: &'a Draft,
        sources: &'a Sources,
        settings: &'a RenderSettings,
        work_dir: &'a Path,
    ) -> Result<Self, MediaError> {
        let picture = settings.format.has_picture() && settings.streams != Streams::Sound;
        let picture_only = matches!(settings.streams, Streams::PartPicture { .. });
        let sound = settings.format.has_sound() && !picture_only;
        let mut planner = Planner {
            draft,
            sources,
            settings,
            work_dir,
            graph: Graph::default(),
            inputs: Vec::new(),
            seeks: Vec::new(),
            picture,
            sound,
            taps: BTreeMap::new(),
            files: Vec::new(),
            rate: FrameRate::of(draft.meta.fps),
            fps: FrameRate::of(draft.meta.fps).expression(),
        };
        planner.split_inputs()?;
        Ok(planner)
    }

    fn source(&self, segment: &Segment) -> (usize, &'a Source) {
        let src = segment.src.as_deref().unwrap_or_default();
        let index = self.inputs.iter().position(|s| *s == src).unwrap_or(0);
        (index, &self.sources[src])
    }

    /// Counts the reads of each input stream by the streams made, splits the streams read
    /// more than once, and finds where each input is opened.
    fn split_inputs(&mut self) -> Result<(), MediaError> {
        // (asset, stream, the first source moment read) for every read.
        let mut reads: Vec<(&'a str, Stream, u64)> = Vec::new();
        let main = self.draft.main_track_index();
        // A crossfade plays the clip before on underneath: one more read of its source.
        for tail in self.crossfade_tails() {
            let (src, source) = self.source_entry(&tail);
            let from = Self::tail_start(&tail, source);
            if self.picture {
                reads.push((
                    src,
                    Stream::Video,
                    picture_from(from, tail.speed(), &source.probe),
                ));
            }
            if self.sound && source.probe.kind == MediaKind::Video && source.probe.audio.is_some() {
                reads.push((src, Stream::Audio, from));
            }
        }
        for (track_index, track) in self.draft.tracks.iter().enumerate() {
            // Overlays show only their picture.
            let overlay = track.kind == TrackKind::Video && Some(track_index) != main;
            for segment in &track.segments {
                if track.kind == TrackKind::Text {
                    continue;
                }
                let (src, source) = self.source_entry(segment);
                let from = segment.source_in_ms;
                let kind = source.probe.kind;
                match track.kind {
                    TrackKind::Video if kind == MediaKind::Audio => {
                        return Err(MediaError::Unrenderable(format!(
                            "segment {} on the video track plays {src}, which has no picture",
                            segment.id,
                        )))
                    }
                    TrackKind::Video => {
                        if self.picture {
                            reads.push((
                                src,
                                Stream::Video,
                                picture_from(from, segment.speed(), &source.probe),
                            ));
                        }
                        let has_sound = kind == MediaKind::Video && source.probe.audio.is_some();
                        if self.sound && !overlay && has_sound {
                            reads.push((src, Stream::Audio, from));
                        }
                    }
                    _ if source.probe.audio.is_none() => {
                        return Err(MediaError::Unrenderable(format!(
                            "segment {} on an audio track plays {src}, which has no sound",
                            segment.id,
                        )))
                    }
                    _ if self.sound => reads.push((src, Stream::Audio, from)),
                    _ => {}
                }
            }
        }
        self.inputs = self
            .draft
            .sources()
            .into_iter()
            .filter(|src| reads.iter().any(|(read, _, _)| read == src))
            .collect();
        self.seeks = self
            .inputs
            .iter()
            .map(|src| {
                let first = reads
                    .iter()
                    .filter(|(read, _, _)| read == src)
                    .map(|(_, _, from)| *from)
                    .min()
                    .unwrap_or(0);
                let seekable = self.sources[*src].probe.kind == MediaKind::Video;
                if seekable && first >= SEEK_FROM_MS {
                    first
                } else {
                    0
                }
            })
            .collect();
        for index in 0..self.inputs.len() {
            for stream in [Stream::Video, Stream::Audio] {
                let src = self.inputs[index];
                let count = reads
                    .iter()
                    .filter(|(read, kind, _)| *read == src && *kind == stream)
                    .count();
                if count == 0 {
                    continue;
                }
                let (specifier, split) = match stream {
                    Stream::Video => ("v", "split"),
                    Stream::Audio => ("a", "asplit"),
                };
                let input = Pad::input_stream(index, specifier);
                let taps = if count == 1 {
                    vec![input]
                } else {
                    let outputs: Vec<Pad> = (0..count)
                        .map(|_| self.graph.pad(&format!("i{index}{specifier}")))
                        .collect();
                    self.graph.chain(
                        &[input],
                        vec![Filter::new(split).opt("outputs", count)],
                        &outputs,
                    );
                    outputs
                };
                self.taps
                    .insert((index, stream), taps.into_iter().rev().collect());
            }
        }
        Ok(())
    }

    /// Where the input a segment reads is opened (0 when the segment's source is not an
    /// input: no stream of it is made).
    fn seek_of(&self, segment: &Segment) -> u64 {
        let src = segment.src.as_deref().unwrap_or_default();
        self.inputs
            .iter()
            .position(|s| *s == src)
            .map_or(0, |index| self.seeks[index])
    }

    /// A segment's asset id and source (every one is there: `plan` validated the Draft).
    fn source_entry(&self, segment: &Segment) -> (&'a str, &'a Source) {
        let sources: &'a Sources = self.sources;
        let (src, source) = sources
            .get_key_value(segment.src.as_deref().unwrap_or_default())
            .expect("the Draft was validated against its sources");
        (src.as_str(), source)
    }

    /// Where a crossfade's tail starts in its source: past the end of a video it starts on
    /// the source's last picture (held).
    fn tail_start(tail: &Segment, source: &Source) -> u64 {
        if source.probe.kind == MediaKind::Video {
            let last_picture_ms = source.probe.duration_ms.saturating_sub(100);
            tail.source_in_ms.min(last_picture_ms)
        } else {
            tail.source_in_ms
        }
    }

    fn tap(&mut self, index: usize, stream: Stream) -> Pad {
        self.taps
            .get_mut(&(index, stream))
            .and_then(Vec::pop)
            .expect("every use was counted in split_inputs")
    }

    /// The main track as one video and one audio stream of exactly `d` (each when it is
    /// made), gaps filled with black and silence. Pictures and sounds are joined apart: each
    /// item's picture is exactly its frames of the export's grid (`timeline::frames`), each
    /// item's sound exactly its milliseconds, so neither drifts from the Draft's times
    /// whatever the cuts, and a render of the sound alone (`Streams::Sound`) is the sound of
    /// the whole render.
    fn main_track(&mut self) -> Result<MainItem, MediaError> {
        let segments = self.draft.main_segments();
        let mut items = Vec::new();
        let mut cursor = 0;
        for (i, segment) in segments.iter().enumerate() {
            if segment.start_ms > cursor {
                items.push(self.gap(TimeRange::new(cursor, segment.start_ms)));
            }
            let clip = self.clip(segment);
            let blended = i
                .checked_sub(1)
                .and_then(|before| crossfade_tail(&segments[before], segment))
                .map(|tail| self.crossfade(&tail, segment, clip.clone()));
            items.push(blended.unwrap_or(clip));
            cursor = segment.end_ms();
        }
        if self.draft.duration_ms > cursor {
            items.push(self.gap(TimeRange::new(cursor, self.draft.duration_ms)));
        }
        let (pictures, sounds): (Vec<_>, Vec<_>) = items.into_iter().unzip();
        let video = self.picture.then(|| {
            let pictures: Vec<Pad> = pictures.into_iter().flatten().collect();
            // Numbered afresh: every frame in its place on the grid, whatever concat guessed
            // of each item's length.
            let renumbered = vec![
                Filter::new("setpts").opt("expr", format!("N/({})/TB", self.fps)),
                Filter::new("fps").opt("fps", &self.fps),
            ];
            self.join(pictures, Stream::Video, renumbered)
        });
        let audio = self.sound.then(|| {
            let sounds: Vec<Pad> = sounds.into_iter().flatten().collect();
            self.join(sounds, Stream::Audio, Vec::new())
        });
        Ok((video, audio))
    }

    /// `items` of one kind of `stream` one after another (`concat`), then `after`.
    fn join(&mut self, mut items: Vec<Pad>, stream: Stream, after: Vec<Filter>) -> Pad {
        if items.len() == 1 {
            return items.remove(0);
        }
        let picture = stream == Stream::Video;
        let mut filters = vec![Filter::new("concat")
            .opt("n", items.len())
            .opt("v", u8::from(picture))
            .opt("a", u8::from(!picture))];
        filters.extend(after);
        let joined = self.graph.pad(if picture { "main_v" } else { "main_a" });
        self.graph
            .chain(&items, filters, std::slice::from_ref(&joined));
        joined
    }

    /// `video` made exactly `frames` long: its last picture held where it runs short, and
    /// black when it has none at all (a clip past the end of its source's picture), so a
    /// missing picture never moves the ones after it.
    fn exact_frames(&mut self, video: &Pad, frames: u64) -> Pad {
        let held = self.graph.then(
            video,
            vec![Filter::new("tpad")
                .opt("stop", -1)
                .opt("stop_mode", "clone")],
            "held",
        );
        let black = self.black();
        let exact = self.graph.pad("exact");
        self.graph.chain(
            &[held, black],
            vec![
                Filter::new("concat").opt("n", 2).opt("v", 1).opt("a", 0),
                Filter::new("trim").opt("end_frame", frames),
            ],
            std::slice::from_ref(&exact),
        );
        exact
    }

    /// Black frames of the canvas at the output's rate, for as long as they are read.
    fn black(&mut self) -> Pad {
        let (w, h) = (self.draft.meta.width, self.draft.meta.height);
        let black = self.graph.pad("black");
        self.graph.chain(
            &[],
            vec![
                Filter::new("color")
                    .opt("c", "black")
                    .opt("s", format!("{w}x{h}"))
                    .opt("r", &self.fps),
                Filter::new("setsar").opt("r", 1),
                Filter::new("format").opt("pix_fmts", "yuv420p"),
            ],
            std::slice::from_ref(&black),
        );
        black
    }

    /// The segments the crossfades of the main track play underneath.
    fn crossfade_tails(&self) -> Vec<Segment> {
        self.draft
            .main_segments()
            .windows(2)
            .filter_map(|pair| crossfade_tail(&pair[0], &pair[1]))
            .collect()
    }

    /// `clip` blended in from `tail` (what the clip before plays on underneath, from the
    /// start of `segment`): picture by xfade, sound by acrossfade; as long as `clip`.
    fn crossfade(
        &mut self,
        tail: &Segment,
        segment: &Segment,
        (video, audio): MainItem,
    ) -> MainItem {
        let ms = tail.duration_ms;
        let mut tail = tail.clone();
        let (_, source) = self.source(&tail);
        tail.source_in_ms = Self::tail_start(&tail, source);
        let (tail_video, tail_audio) = self.clip(&tail);
        let frames = self.rate.frames_in(segment.start_ms, segment.end_ms());
        let blended_video = video.zip(tail_video).map(|(video, tail_video)| {
            // Both on one time base; the tail was held on its last picture where the source
            // ran out (`clip`).
            let on_one_base = |graph: &mut Graph, pad: &Pad, name: &str| {
                graph.then(pad, vec![Filter::new("settb").opt("expr", "AVTB")], name)
            };
            let tail_video = on_one_base(&mut self.graph, &tail_video, "tail");
            let video = on_one_base(&mut self.graph, &video, "in");
            let blended = self.graph.pad("xfade");
            self.graph.chain(
                &[tail_video, video],
                vec![Filter::new("xfade")
                    .opt("transition", "fade")
                    .opt("duration", seconds(ms))
                    .opt("offset", 0)],
                std::slice::from_ref(&blended),
            );
            self.exact_frames(&blended, frames)
        });
        let blended_audio = audio.zip(tail_audio).map(|(audio, tail_audio)| {
            let blended = self.graph.pad("acrossfade");
            self.graph.chain(
                &[tail_audio, audio],
                vec![Filter::new("acrossfade").opt("d", seconds(ms))],
                std::slice::from_ref(&blended),
            );
            blended
        });
        (blended_video, blended_audio)
    }

    /// Black and silence over `range` of the timeline.
    fn gap(&mut self, range: TimeRange) -> MainItem {
        let frames = self.rate.frames_in(range.start_ms, range.end_ms);
        let video = self.picture.then(|| {
            let black = self.black();
            let trim = vec![Filter::new("trim").opt("end_frame", frames)];
            self.graph.then(&black, trim, "gap_v")
        });
        let audio = self.sound.then(|| self.silence(range.duration_ms()));
        (video, audio)
    }

    fn silence(&mut self, duration_ms: u64) -> Pad {
        let audio = self.graph.pad("silence");
        self.graph.chain(
            &[],
            vec![
                Filter::new("anullsrc")
                    .opt("r", AUDIO_RATE)
                    .opt("cl", "stereo"),
                Filter::new("atrim").opt("end", seconds(duration_ms)),
            ],
            std::slice::from_ref(&audio),
        );
        audio
    }

    /// One main-track segment: a clip (picture and its own sound) or a still. Its picture is
    /// exactly the frames of the grid that start inside it; its sound exactly its length.
    fn clip(&mut self, segment: &Segment) -> MainItem {
        let (index, source) = self.source(segment);
        let probe = &source.probe;
        let seek_ms = self.seek_of(segment);
        let video = self.picture.then(|| {
            let display = probe
                .video
                .as_ref()
                .map(|v| v.display_size())
                .unwrap_or((2, 2));
            let tap = self.tap(index, Stream::Video);
            let timed = self.moving_picture(segment, probe.kind == MediaKind::Image, seek_ms);
            let timed = self.graph.then(&tap, timed, "v");
            let fitted = self.fit(timed, display);
            let frames = self.rate.frames_in(segment.start_ms, segment.end_ms());
            self.exact_frames(&fitted, frames)
        });
        let audio = self.sound.then(|| {
            if probe.kind == MediaKind::Video && probe.audio.is_some() {
                let duration = seconds(segment.duration_ms);
                let tap = self.tap(index, Stream::Audio);
                let mut filters = segment_sound(segment, probe, seek_ms);
                filters.push(Filter::new("apad").opt("whole_dur", &duration));
                filters.push(Filter::new("atrim").opt("end", &duration));
                self.graph.then(&tap, filters, "a")
            } else {
                self.silence(segment.duration_ms)
            }
        });
        (video, audio)
    }

    /// A segment's pictures on the export's frame grid, from its first frame there (a still
    /// repeated, or a clip at its speed from a source opened `seek_ms` in). Each frame shows
    /// the moment of the clip the frame stands for, wherever the clip starts: the first one,
    /// at `delta` after the clip's start, shows the source at `in + delta × speed`
    /// (`fps` picks the source picture nearest each frame's time).
    fn moving_picture(&self, segment: &Segment, is_still: bool, seek_ms: u64) -> Vec<Filter> {
        if is_still {
            return vec![
                Filter::new("loop")
                    .opt("loop", -1)
                    .opt("size", 1)
                    .opt("start", 0),
                Filter::new("setpts").opt("expr", format!("N/({})/TB", self.fps)),
            ];
        }
        let rate = self.rate;
        let first = rate.first_frame_from(segment.start_ms);
        let delta_ms = rate.frame_start_ms(first) - segment.start_ms as f64;
        let speed = segment.speed();
        let source_range = segment.source_range();
        let in_ms = (source_range.start_ms - seek_ms) as f64;
        // Source pictures from a little before the in-point: the one nearest the first
        // frame's time may lie just before it.
        let (_, source) = self.source(segment);
        let from_ms = picture_from(source_range.start_ms, speed, &source.probe)
            .saturating_sub(seek_ms) as f64;
        let to_ms = (source_range.end_ms - seek_ms) as f64;
        let mut time = format!("(T-{})", exact_seconds(in_ms));
        if speed != 1.0 {
            time = format!("{time}/{speed}");
        }
        if delta_ms > 0.0 {
            time = format!("{time}-{}", exact_seconds(delta_ms));
        }
        let time = format!("({time}+{})/TB", exact_seconds(TIE_BREAK_MS));
        vec![
            Filter::new("trim")
                .opt("start", exact_seconds(from_ms))
                .opt("end", exact_seconds(to_ms)),
            Filter::new("settb").opt("expr", "AVTB"),
            Filter::new("setpts").opt("expr", time),
            Filter::new("fps")
                .opt("fps", &self.fps)
                .opt("start_time", 0),
        ]
    }

    /// Scales a picture of `source` display size onto the canvas by the Draft's fit mode, or,
    /// when none was chosen, by the clip's orientation (`timeline::canvas::fit_for`).
    fn fit(&mut self, input: Pad, (sw, sh): (u32, u32)) -> Pad {
        let (w, h) = (self.draft.meta.width, self.draft.meta.height);
        let same_shape =
            (sw as u64 * h as u64).abs_diff(sh as u64 * w as u64) * 100 <= (sw as u64 * h as u64);
        let finish = || {
            vec![
                Filter::new("setsar").opt("r", 1),
                Filter::new("format").opt("pix_fmts", "yuv420p"),
            ]
        };
        let cover = |w: u32, h: u32| {
            vec![
                Filter::new("scale")
                    .opt("w", w)
                    .opt("h", h)
                    .opt("force_original_aspect_ratio", "increase"),
                Filter::new("crop").opt("w", w).opt("h", h),
            ]
        };
        let inside = || {
            Filter::new("scale")
                .opt("w", w)
                .opt("h", h)
                .opt("force_original_aspect_ratio", "decrease")
                .opt("force_divisible_by", 2)
        };
        if same_shape {
            let filters = [vec![Filter::new("scale").opt("w", w).opt("h", h)], finish()].concat();
            return self.graph.then(&input, filters, "fit");
        }
        match timeline::canvas::fit_for(self.draft.meta.fit, (sw, sh), (w, h)) {
            Fit::Crop => self
                .graph
                .then(&input, [cover(w, h), finish()].concat(), "fit"),
            Fit::Pad => {
                let pad = Filter::new("pad")
                    .opt("w", w)
                    .opt("h", h)
                    .opt("x", -1)
                    .opt("y", -1)
                    .opt("color", "black");
                self.graph
                    .then(&input, [vec![inside(), pad], finish()].concat(), "fit")
            }
            Fit::Blur => {
                let (back, front) = (self.graph.pad("blur_in"), self.graph.pad("front_in"));
                self.graph.chain(
                    &[input],
                    vec![Filter::new("split").opt("outputs", 2)],
                    &[back.clone(), front.clone()],
                );
                // Blur a small copy and scale it up: the same look at a fraction of the cost.
                let (small_w, small_h) = ((w / 8).max(2) & !1, (h / 8).max(2) & !1);
                let mut blurred = cover(small_w, small_h);
                // boxblur refuses a radius over half a plane (the chroma planes are half the
                // size): small canvases get a smaller one.
                let radius = (small_w.min(small_h) / 4).clamp(1, 6);
                blurred.push(
                    Filter::new("boxblur")
                        .opt("luma_radius", radius)
                        .opt("luma_power", 2),
                );
                blurred.push(Filter::new("scale").opt("w", w).opt("h", h));
                let back = self.graph.then(&back, blurred, "blur");
                let front = self.graph.then(&front, vec![inside()], "front");
                let output = self.graph.pad("fit");
                let overlay = Filter::new("overlay")
                    .opt("x", "(W-w)/2")
                    .opt("y", "(H-h)/2");
                self.graph.chain(
                    &[back, front],
                    [vec![overlay], finish()].concat(),
                    std::slice::from_ref(&output),
                );
                output
            }
        }
    }

    /// Brightness, contrast and saturation of the picture (before any text is drawn on it).
    fn color(&mut self, video: Pad) -> Pad {
        let Some(adjust) = self.draft.meta.color else {
            return video;
        };
        let mut eq = Filter::new("eq");
        if let Some(brightness) = adjust.brightness {
            eq = eq.opt("brightness", format!("{brightness:.3}"));
        }
        if let Some(contrast) = adjust.contrast {
            eq = eq.opt("contrast", format!("{contrast:.3}"));
        }
        if let Some(saturation) = adjust.saturation {
            eq = eq.opt("saturation", format!("{saturation:.3}"));
        }
        self.graph.then(&video, vec![eq], "color")
    }

    /// Pictures over the main track (video tracks after the first): each scaled to its share
    /// of the width, in its corner, shown over its time.
    fn overlays(&mut self, mut video: Pad) -> Pad {
        let main = self.draft.main_track_index();
        let segments: Vec<&Segment> = self
            .draft
            .tracks
            .iter()
            .enumerate()
            .filter(|(i, t)| t.kind == TrackKind::Video && Some(*i) != main)
            .flat_map(|(_, t)| t.segments.iter())
            .collect();
        let canvas_width = self.draft.meta.width as f64;
        for segment in segments {
            let (index, source) = self.source(segment);
            let is_still = source.probe.kind == MediaKind::Image;
            let tap = self.tap(index, Stream::Video);
            let (start, end) = (seconds(segment.start_ms), seconds(segment.end_ms()));
            let mut filters = self.moving_picture(segment, is_still, self.seek_of(segment));
            let width = even_at_least_2(canvas_width * segment.meta.overlay_width.unwrap_or(0.15));
            filters.extend([
                Filter::new("scale").opt("w", width).opt("h", -2),
                Filter::new("format").opt("pix_fmts", "rgba"),
                Filter::new("setpts").opt("expr", format!("PTS+{start}/TB")),
            ]);
            let picture = self.graph.then(&tap, filters, "logo");
            let margin = even_at_least_2(canvas_width * 0.03);
            let (x, y) = match segment.meta.corner.unwrap_or_default() {
                Corner::TopLeft => (format!("{margin}"), format!("{margin}")),
                Corner::TopRight => (format!("W-w-{margin}"), format!("{margin}")),
                Corner::BottomLeft => (format!("{margin}"), format!("H-h-{margin}")),
                Corner::BottomRight => (format!("W-w-{margin}"), format!("H-h-{margin}")),
                Corner::Center => ("(W-w)/2".to_string(), "(H-h)/2".to_string()),
            };
            let over = Filter::new("overlay")
                .opt("x", x)
                .opt("y", y)
                .opt("eof_action", "pass")
                .opt("enable", format!("between(t,{start},{end})"));
            let output = self.graph.pad("over");
            self.graph
                .chain(&[video, picture], vec![over], std::slice::from_ref(&output));
            video = output;
        }
        video
    }

    /// Burns every text segment into the picture: titles with drawtext, captions with one
    /// libass pass (see [`captions`](super::captions)).
    fn texts(&mut self, video: Pad) -> Result<Pad, MediaError> {
        let texts: Vec<&Segment> = self.draft.segments_of(TrackKind::Text).collect();
        if texts.is_empty() {
            return Ok(video);
        }
        let font = self.settings.font.clone().ok_or_else(|| {
            MediaError::Unrenderable(
                "the timeline has text but no font was found (on Debian/Ubuntu: apt-get install fonts-dejavu-core)".into(),
            )
        })?;
        let font_file = utf8(&font.path)?;
        let captions = match self.settings.streams {
            Streams::PartPicture { captions } => captions,
            _ => caption_band(self.draft),
        };
        let mut filters = Vec::new();
        for segment in texts.into_iter().filter(|s| !is_caption(s)) {
            let text = segment.meta.text.clone().unwrap_or_default();
            let path = self
                .work_dir
                .join(format!("text-{}.txt", self.files.len() + 1));
            let title = Title {
                segment,
                text: &text,
                font: &font_file,
                text_file: utf8(&path)?,
            };
            filters.push(self.drawtext(&title, captions));
            self.files.push(PlanFile {
                path,
                contents: FileContents::Text(text),
            });
        }
        if let Some(document) = ass_document(self.draft, &font.family) {
            let fonts_dir = self.work_dir.join("fonts");
            let link_name = font.path.file_name().unwrap_or("font".as_ref());
            self.files.push(PlanFile {
                path: fonts_dir.join(link_name),
                contents: FileContents::LinkTo(font.path.clone()),
            });
            let path = self.work_dir.join("captions.ass");
            filters.push(
                Filter::new("ass")
                    .opt("filename", utf8(&path)?)
                    .opt("fontsdir", utf8(&fonts_dir)?),
            );
            self.files.push(PlanFile {
                path,
                contents: FileContents::Text(document),
            });
        }
        if filters.is_empty() {
            return Ok(video);
        }
        Ok(self.graph.then(&video, filters, "text"))
    }

    /// A title drawn where the layout puts it: at its place, or beside captions there.
    fn drawtext(&self, title: &Title, captions: Option<CaptionBand>) -> Filter {
        let Title {
            segment,
            text,
            font,
            ..
        } = *title;
        let (w, h) = (self.draft.meta.width as f64, self.draft.meta.height as f64);
        let style = TitleStyle::for_canvas(w, h, text, segment.meta.text_size.unwrap_or(1.0));
        let spacing = Spacing::for_canvas(self.draft.meta.height, style.border);
        let position = segment.meta.position.unwrap_or_default();
        let y = match title_place(position, captions, spacing) {
            TitlePlace::Top(y) => format!("{y}"),
            TitlePlace::Middle => "(h-text_h)/2".to_string(),
            TitlePlace::Bottom(up) => format!("h-text_h-{up}"),
            TitlePlace::AboveMiddle(up) => format!("h/2-{up}-text_h"),
        };
        let fade_in = segment
            .meta
            .fade_in_ms
            .unwrap_or(DEFAULT_TITLE_FADE_MS)
            .min(segment.duration_ms / 2);
        let fade_out = segment
            .meta
            .fade_out_ms
            .unwrap_or(DEFAULT_TITLE_FADE_MS)
            .min(segment.duration_ms / 2);
        let (start, end) = (seconds(segment.start_ms), seconds(segment.end_ms()));
        Filter::new("drawtext")
            .opt("fontfile", font)
            .opt("textfile", &title.text_file)
            .opt("expansion", "none")
            .opt("fontsize", style.font_size)
            .opt(
                "fontcolor",
                segment.meta.text_color.as_deref().unwrap_or("white"),
            )
            .opt("borderw", style.border)
            .opt("bordercolor", "black@0.6")
            .opt("shadowx", 0)
            .opt("shadowy", style.border)
            .opt("shadowcolor", "black@0.35")
            .opt("line_spacing", style.font_size / 5)
            .opt("x", "(w-text_w)/2")
            .opt("y", y)
            .opt("fix_bounds", 1)
            .opt("enable", format!("gte(t,{start})*lt(t,{end})"))
            .opt(
                "alpha",
                fade_alpha(segment.start_ms, segment.end_ms(), fade_in, fade_out),
            )
    }

    /// Mixes music and other audio tracks under the main track's sound, each at its volume.
    fn mix_audio_tracks(&mut self, main_audio: Pad) -> Result<Pad, MediaError> {
        let segments: Vec<&Segment> = self.draft.segments_of(TrackKind::Audio).collect();
        if segments.is_empty() {
            return Ok(main_audio);
        }
        // Ducked music listens to the main track's sound: one copy of it per ducked segment.
        let ducked = segments
            .iter()
            .filter(|s| s.meta.duck == Some(true))
            .count();
        let (main_audio, mut sidechains) = if ducked == 0 {
            (main_audio, Vec::new())
        } else {
            let copies: Vec<Pad> = (0..=ducked).map(|_| self.graph.pad("speech")).collect();
            let split = Filter::new("asplit").opt("outputs", ducked + 1);
            self.graph
                .chain(std::slice::from_ref(&main_audio), vec![split], &copies);
            (copies[0].clone(), copies[1..].to_vec())
        };
        let mut inputs = vec![main_audio];
        for segment in segments {
            let (index, source) = self.source(segment);
            let tap = self.tap(index, Stream::Audio);
            let duration = segment.duration_ms;
            let mut filters = segment_sound(segment, &source.probe, self.seek_of(segment));
            if segment.meta.loop_source == Some(true) {
                // Repeat the whole source (aloop keeps what it has read when the input ends).
                filters.push(Filter::new("aloop").opt("loop", -1).opt("size", i32::MAX));
                filters.push(Filter::new("asetpts").opt("expr", "N/SR/TB"));
            }
            filters.push(Filter::new("atrim").opt("end", seconds(duration)));
            if let Some(ms) = segment.meta.fade_in_ms.filter(|ms| *ms > 0) {
                filters.push(
                    Filter::new("afade")
                        .opt("t", "in")
                        .opt("st", 0)
                        .opt("d", seconds(ms)),
                );
            }
            if let Some(ms) = segment.meta.fade_out_ms.filter(|ms| *ms > 0) {
                let start = seconds(duration.saturating_sub(ms));
                filters.push(
                    Filter::new("afade")
                        .opt("t", "out")
                        .opt("st", start)
                        .opt("d", seconds(ms)),
                );
            }
            if segment.start_ms > 0 {
                filters.push(
                    Filter::new("adelay")
                        .opt("delays", segment.start_ms)
                        .opt("all", 1),
                );
            }
            let music = self.graph.then(&tap, filters, "music");
            let speech = if segment.meta.duck == Some(true) {
                sidechains.pop()
            } else {
                None
            };
            let music = match speech {
                // About 10 dB under speech, back within half a second of silence.
                Some(speech) => {
                    let ducked = self.graph.pad("ducked");
                    let compress = Filter::new("sidechaincompress")
                        .opt("threshold", 0.03)
                        .opt("ratio", 10)
                        .opt("attack", 20)
                        .opt("release", 400);
                    self.graph.chain(
                        &[music, speech],
                        vec![compress],
                        std::slice::from_ref(&ducked),
                    );
                    ducked
                }
                None => music,
            };
            inputs.push(music);
        }
        let mixed = self.graph.pad("mix");
        let amix = Filter::new("amix")
            .opt("inputs", inputs.len())
            .opt("duration", "first")
            .opt("dropout_transition", 0)
            .opt("normalize", 0);
        self.graph
            .chain(&inputs, vec![amix], std::slice::from_ref(&mixed));
        Ok(mixed)
    }

    /// Whole-output fades and the final format of the picture: `[vout]`.
    fn finish_picture(&mut self, video: Pad) -> Pad {
        let meta = &self.draft.meta;
        let duration = self.draft.duration_ms;
        let mut filters = Vec::new();
        if meta.fade_in_ms > 0 {
            let d = seconds(meta.fade_in_ms);
            filters.push(Filter::new("fade").opt("t", "in").opt("st", 0).opt("d", &d));
        }
        if meta.fade_out_ms > 0 {
            let d = seconds(meta.fade_out_ms);
            let st = seconds(duration.saturating_sub(meta.fade_out_ms));
            filters.push(
                Filter::new("fade")
                    .opt("t", "out")
                    .opt("st", &st)
                    .opt("d", &d),
            );
        }
        filters.push(Filter::new("trim").opt("end", seconds(duration)));
        if self.settings.format == Format::Gif {
            let video = self.graph.then(&video, filters, "vout");
            return self.gif(video);
        }
        filters.push(Filter::new("format").opt("pix_fmts", "yuv420p"));
        self.graph.then(&video, filters, "vout")
    }

    /// Whole-output fades, loudness and the final format of the sound: `[aout]`.
    fn finish_sound(&mut self, audio: Pad) -> Pad {
        let meta = &self.draft.meta;
        let duration = self.draft.duration_ms;
        let mut filters = Vec::new();
        if meta.fade_in_ms > 0 {
            let d = seconds(meta.fade_in_ms);
            filters.push(
                Filter::new("afade")
                    .opt("t", "in")
                    .opt("st", 0)
                    .opt("d", &d),
            );
        }
        if meta.fade_out_ms > 0 {
            let d = seconds(meta.fade_out_ms);
            let st = seconds(duration.saturating_sub(meta.fade_out_ms));
            filters.push(
                Filter::new("afade")
                    .opt("t", "out")
                    .opt("st", &st)
                    .opt("d", &d),
            );
        }
        if let Some(lufs) = meta.loudness_lufs {
            // Single-pass EBU R128 normalisation, true peak kept under −1.5 dBTP.
            filters.push(
                Filter::new("loudnorm")
                    .opt("i", format!("{lufs:.1}"))
                    .opt("tp", "-1.5")
                    .opt("lra", "11"),
            );
        }
        filters.extend(to_output_audio());
        filters.push(Filter::new("apad").opt("whole_dur", seconds(duration)));
        filters.push(Filter::new("atrim").opt("end", seconds(duration)));
        self.graph.then(&audio, filters, "aout")
    }

    /// A GIF's picture: at most 15 fps and 640 pixels on the long side, in 256 colours from
    /// a palette made for this very video (split → palettegen → paletteuse).
    fn gif(&mut self, video: Pad) -> Pad {
        let (w, h) = (self.draft.meta.width, self.draft.meta.height);
        let (w, h) = timeline::canvas::cap_long_side((w, h), GIF_MAX_SIDE);
        let fps = self.draft.meta.fps.min(GIF_FPS as f64);
        let small = self.graph.then(
            &video,
            vec![
                Filter::new("fps").opt("fps", format!("{fps}")),
                Filter::new("scale")
                    .opt("w", w)
                    .opt("h", h)
                    .opt("flags", "lanczos"),
            ],
            "gifsmall",
        );
        let (for_palette, for_picture) = (self.graph.pad("gifa"), self.graph.pad("gifb"));
        self.graph.chain(
            &[small],
            vec![Filter::new("split").opt("outputs", 2)],
            &[for_palette.clone(), for_picture.clone()],
        );
        let palette = self.graph.then(
            &for_palette,
            vec![Filter::new("palettegen").opt("stats_mode", "diff")],
            "palette",
        );
        let out = self.graph.pad("gif");
        self.graph.chain(
            &[for_picture, palette],
            vec![Filter::new("paletteuse")
                .opt("dither", "bayer")
                .opt("bayer_scale", 5)],
            std::slice::from_ref(&out),
        );
        out
    }
}

/// A title segment and the files drawtext reads it from.
struct Title<'s> {
    segment: &'s Segment,
    text: &'s str,
    font: &'s str,
    text_file: String,
}

/// Size and border of titles on a canvas, so they read the same at every resolution
/// and aspect and a long title still fits the width.
struct TitleStyle {
    font_size: u32,
    border: u32,
}

impl TitleStyle {
    /// `scale` makes the title larger or smaller than the default (never wider than fits).
    fn for_canvas(width: f64, height: f64, text: &str, scale: f64) -> Self {
        let short_side = width.min(height);
        let widest_line = text
            .lines()
            .map(|line| {
                line.chars()
                    .map(|c| if is_wide(c) { 1.0 } else { 0.58 })
                    .sum::<f64>()
            })
            .fold(1.0, f64::max);
        let fits_width = 0.9 * width / widest_line;
        let font_size = (short_side * 0.075 * scale)
            .min(fits_width)
            .max(12.0)
            .floor() as u32;
        TitleStyle {
            font_size,
            border: (font_size / 18).max(2),
        }
    }
}

/// What plays underneath `next`'s crossfade: `before`'s source right after its out point, for
/// the crossfade's length (only when the two touch on the timeline).
fn crossfade_tail(before: &Segment, next: &Segment) -> Option<Segment> {
    let ms = next.meta.crossfade_in_ms.filter(|ms| *ms > 0)?;
    if before.end_ms() != next.start_ms {
        return None;
    }
    let mut tail = before.clone();
    tail.source_in_ms = before.source_range().end_ms;
    tail.start_ms = next.start_ms;
    tail.duration_ms = ms;
    tail.meta.crossfade_in_ms = None;
    Some(tail)
}

/// A pixel size rounded to even (what yuv420p needs), at least 2.
fn even_at_least_2(size: f64) -> u32 {
    ((size / 2.0).round() as u32 * 2).max(2)
}

/// Characters that take a full em (CJK, fullwidth forms).
pub(crate) fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// A drawtext alpha expression that fades in after `start` and out before `end`.
fn fade_alpha(start_ms: u64, end_ms: u64, fade_in_ms: u64, fade_out_ms: u64) -> String {
    let (start, end) = (seconds(start_ms), seconds(end_ms));
    let fade_in = (fade_in_ms > 0).then(|| format!("min(1,(t-{start})/{})", seconds(fade_in_ms)));
    let fade_out = (fade_out_ms > 0).then(|| format!("min(1,({end}-t)/{})", seconds(fade_out_ms)));
    match (fade_in, fade_out) {
        (Some(a), Some(b)) => format!("max(0,min({a},{b}))"),
        (Some(a), None) => format!("max(0,{a})"),
        (None, Some(b)) => format!("max(0,{b})"),
        (None, None) => "1".into(),
    }
}

/// A segment's stretch of its source's sound at the segment's speed and volume, in the output
/// format, starting at zero (from a source opened `seek_ms` in).
fn segment_sound(segment: &Segment, probe: &Probe, seek_ms: u64) -> Vec<Filter> {
    let source_range = segment.source_range();
    let mut filters = vec![
        Filter::new("atrim")
            .opt("start", seconds(source_range.start_ms - seek_ms))
            .opt("end", seconds(source_range.end_ms - seek_ms)),
        Filter::new("asetpts").opt("expr", "PTS-STARTPTS"),
    ];
    filters.extend(tempo(segment.speed()));
    filters.extend(gain(segment.volume()));
    if probe
        .audio
        .as_ref()
        .is_some_and(|audio| audio.channels == 1)
    {
        filters.push(mono_to_both_channels());
    }
    filters.extend(to_output_audio());
    filters
}

/// A mono sound in both channels at its own level. (ffmpeg's own upmix, in `aformat`, puts it
/// in each channel at −3 dB, as if it were the centre channel of a surround mix: a voice memo
/// or a mono music file would come out 3 dB quieter than it is.)
fn mono_to_both_channels() -> Filter {
    Filter::new("pan").opt("args", "stereo|c0=c0|c1=c0")
}

/// `atempo` steps for `speed` (each step must lie within 0.5–100).
fn tempo(speed: f64) -> Vec<Filter> {
    if (speed - 1.0).abs() < 1e-9 {
        return Vec::new();
    }
    let mut steps = Vec::new();
    let mut rest = speed;
    while rest < 0.5 {
        steps.push(Filter::new("atempo").opt("tempo", 0.5));
        rest /= 0.5;
    }
    steps.push(Filter::new("atempo").opt("tempo", rest));
    steps
}

fn gain(volume: f64) -> Option<Filter> {
    ((volume - 1.0).abs() > 1e-9).then(|| Filter::new("volume").opt("volume", volume))
}

fn to_output_audio() -> [Filter; 2] {
    [
        Filter::new("aresample").opt("osr", AUDIO_RATE),
        Filter::new("aformat")
            .opt("sample_fmts", "fltp")
            .opt("sample_rates", AUDIO_RATE)
            .opt("channel_layouts", "stereo"),
    ]
}

/// Where a segment whose source (`probe`) starts at `in_ms` first reads its pictures (see
/// [`PICTURE_LEAD_MS`]).
fn picture_from(in_ms: u64, speed: f64, probe: &Probe) -> u64 {
    let frame_ms = probe
        .video
        .as_ref()
        .map(|v| v.fps.as_f64())
        .filter(|fps| *fps >= 0.1)
        .map_or(0.0, |fps| 1000.0 / fps);
    let lead_ms = (PICTURE_LEAD_MS as f64).max(2.0 * frame_ms);
    in_ms.saturating_sub((lead_ms * speed).ceil() as u64)
}

/// `ms` in seconds to the microsecond.
fn exact_seconds(ms: f64) -> String {
    format!("{:.6}", ms / 1000.0)
}

fn utf8(path: &Path) -> Result<String, MediaError> {
    path.to_str().map(str::to_owned).ok_or_else(|| {
        MediaError::Unrenderable(format!("the path {} is not UTF-8", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_speeds_are_split_into_atempo_steps_ffmpeg_accepts() {
        let steps: Vec<String> = tempo(0.3).iter().map(ToString::to_string).collect();
        assert_eq!(steps, ["atempo=tempo=0.5", "atempo=tempo=0.6"]);
        assert!(tempo(1.0).is_empty());
    }

    #[test]
    fn titles_fit_the_width_of_any_canvas() {
        let long = "A title that is far too long for a portrait canvas";
        let portrait = TitleStyle::for_canvas(1080.0, 1920.0, long, 1.0);
        let chars = long.chars().count() as f64;
        assert!(portrait.font_size as f64 * 0.58 * chars <= 0.9 * 1080.0 + 1.0);
        let short = TitleStyle::for_canvas(1920.0, 1080.0, "Urban Dreams", 1.0);
        assert_eq!(short.font_size, 81);
        let cjk = TitleStyle::for_canvas(1080.0, 1920.0, "城市之梦城市之梦城市之梦城市之梦", 1.0);
        assert!(cjk.font_size as f64 * 16.0 <= 0.9 * 1080.0 + 1.0);
        let large = TitleStyle::for_canvas(1920.0, 1080.0, "Urban Dreams", 1.5);
        assert_eq!(large.font_size, 121);
        let huge = TitleStyle::for_canvas(1080.0, 1920.0, long, 4.0);
        assert_eq!(huge.font_size, portrait.font_size, "never wider than fits");
    }

    #[test]
    fn title_alpha_fades_at_both_ends() {
        assert_eq!(
            fade_alpha(0, 3_000, 250, 250),
            "max(0,min(min(1,(t-0.000)/0.250),min(1,(3.000-t)/0.250)))"
        );
        assert_eq!(fade_alpha(0, 3_000, 0, 0), "1");
    }
}
