//! Applying Plans to a Draft, all or nothing, with undo, redo and replies.
//!
//! A [`Session`] holds the Draft's [`History`]. Applying a Plan resolves each Step against
//! the current Draft ("the last 10 s" becomes a range) and the media (pauses, transcripts,
//! lengths, asked through [`Media`] only when a Step needs them) into `timeline` Ops, applies
//! them to a copy, and commits the result as one undoable state. If any Step fails, the
//! session is left exactly as it was and the error says which Step and why.

use thiserror::Error;
use timeline::canvas::choose_canvas;
use timeline::{
    apply, CaptionLook, Draft, EditContext, Effect, History, Layer, Op, Resolution, SilenceMap,
    SourceCaption, TimeRange,
};

use crate::plan::{Format, Language, Plan, Quality, Removable, Sound, Span, Step};
use crate::reply::{describe, duration_line, not_done_lines, nothing_to, timeline_summary};

/// What applying may need to know about the media, asked only when a Step needs it.
pub trait Media {
    /// The quiet runs of an asset (for trimming pauses); empty for a clip without sound.
    fn silence(&self, asset: &str) -> Result<SilenceMap, String>;
    /// Captions of the draft's spoken clips, in their source time, inside what it keeps;
    /// in English, whatever is spoken, when `to_english`.
    fn captions(
        &self,
        draft: &Draft,
        language: Option<&str>,
        to_english: bool,
    ) -> Result<Vec<SourceCaption>, String>;
    /// Filler words to cut, per asset, in source time, `padding_ms` kept next to words.
    fn filler_cuts(
        &self,
        draft: &Draft,
        padding_ms: u64,
    ) -> Result<Vec<(String, Vec<TimeRange>)>, String>;
    /// How long an asset lasts.
    fn duration_ms(&self, asset: &str) -> Option<u64>;
    /// `lines` in the language `to`, one for one; without a language model there is none.
    fn translate(&self, _lines: &[String], _to: &str) -> Result<Vec<String>, String> {
        Err("translating into that language needs a language model (--llm-url)".into())
    }
    /// The picture size of a video asset as it displays (rotation applied), when known.
    fn video_size(&self, _asset: &str) -> Option<(u32, u32)> {
        None
    }
    /// Whether a video asset looks like a screen recording (text on flat colours, little
    /// motion), which cropping would cut the text off of; false when not known.
    fn looks_like_screen(&self, _asset: &str) -> bool {
        false
    }
}

#[derive(Debug, Error, PartialEq)]
#[error("{reply}")]
pub struct ApplyError {
    /// What went wrong, said in the session's language; nothing was changed.
    pub reply: String,
}

/// What a Plan did.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub reply: String,
    /// Whether the Draft is different from before.
    pub changed: bool,
    /// The Plan asked for an export, in these terms.
    pub export: Option<ExportAsk>,
}

/// An export as the words asked for it; what they did not say is absent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportAsk {
    pub format: Option<Format>,
    pub quality: Option<Quality>,
}

/// A Step of a Plan being applied.
#[derive(Debug)]
pub enum StepEvent<'a> {
    Started(&'a Step),
    Finished {
        step: &'a Step,
        /// What the reply says of it.
        said: &'a [String],
        /// How long the timeline is after it.
        duration_ms: u64,
    },
}

#[derive(Clone, Debug)]
pub struct Session {
    history: History,
    pub language: Language,
}

impl Session {
    pub fn new(draft: Draft, language: Language) -> Self {
        Self {
            history: History::new(draft),
            language,
        }
    }

    pub fn draft(&self) -> &Draft {
        self.history.present()
    }

    /// Makes `draft` the present state when it differs (it was changed elsewhere, e.g. by an
    /// upload), keeping what came before undoable.
    pub fn adopt(&mut self, draft: Draft) {
        if &draft != self.history.present() {
            self.history.commit(draft);
        }
    }

    /// Applies every Step of `plan`, or none of them.
    pub fn apply(&mut self, plan: &Plan, media: &dyn Media) -> Result<Outcome, ApplyError> {
        self.apply_observed(plan, media, &mut |_| {})
    }

    /// [`apply`](Self::apply), telling `observe` as each Step starts and what it did when it
    /// is done (the server streams these as tool events). Steps reported done are still
    /// undone if a later Step fails.
    pub fn apply_observed(
        &mut self,
        plan: &Plan,
        media: &dyn Media,
        observe: &mut dyn FnMut(StepEvent),
    ) -> Result<Outcome, ApplyError> {
        let language = self.language;
        let before = self.history.present().clone();
        let mut working = self.history.clone();
        let mut pending: Option<Draft> = None;
        let mut lines: Vec<String> = plan
            .assumptions
            .iter()
            .map(|a| crate::reply::assumed(a, language))
            .collect();
        let mut export = None;
        for step in &plan.steps {
            observe(StepEvent::Started(step));
            let said_before = lines.len();
            let mut commit_pending = |working: &mut History| {
                if let Some(draft) = pending.take() {
                    working.commit(draft);
                }
            };
            match step {
                Step::Undo => {
                    commit_pending(&mut working);
                    lines.push(if working.undo() {
                        describe_history(step, language)
                    } else {
                        nothing_to(step, language)
                    });
                }
                Step::Redo => {
                    commit_pending(&mut working);
                    lines.push(if working.redo() {
                        describe_history(step, language)
                    } else {
                        nothing_to(step, language)
                    });
                }
                Step::Reset => {
                    commit_pending(&mut working);
                    working.reset();
                    lines.push(describe_history(step, language));
                }
                Step::ShowTimeline => {
                    let draft = pending.as_ref().unwrap_or(working.present());
                    lines.push(timeline_summary(draft, language));
                }
                Step::Export {
                    format, quality, ..
                } => {
                    let draft = pending.clone().unwrap_or_else(|| working.present().clone());
                    let (edited, _) = self.edit(&draft, step, media)?;
                    // Said once, whatever the Ops (canvas, frame rate); a bare "export" is
                    // told by the export itself.
                    let bare = matches!(
                        step,
                        Step::Export {
                            format: None,
                            resolution: None,
                            fps: None,
                            ..
                        }
                    );
                    // Said as it will be: a resolution not given is not claimed.
                    let refused = match step {
                        Step::Export {
                            resolution: Some(asked),
                            ..
                        } => self
                            .upscale_refused(*asked, &draft, media)
                            .map(|source| (*asked, source)),
                        _ => None,
                    };
                    let mut told = step.clone();
                    if let (Step::Export { resolution, .. }, Some(_)) = (&mut told, refused) {
                        *resolution = None;
                    }
                    if !bare {
                        lines.push(describe(&told, &Effect::SettingsChanged, language));
                    }
                    if let Some((asked, source)) = refused {
                        lines.push(crate::reply::not_upscaled(asked, source, &edited, language));
                    }
                    pending = Some(edited);
                    export = Some(ExportAsk {
                        format: *format,
                        quality: *quality,
                    });
                }
                _ => {
                    let draft = pending.clone().unwrap_or_else(|| working.present().clone());
                    let (edited, effects) = self.edit(&draft, step, media)?;
                    // What is said comes from what changed: a Step that changed nothing
                    // says so, and never what it would have done.
                    // A fit the words left to cutline is told as it was chosen, and why.
                    let told = crate::fitting::as_chosen(step, &edited);
                    if edited == draft {
                        lines.push(crate::reply::unchanged(&told, &effects, language));
                    } else {
                        lines.extend(effects.iter().map(|e| describe(&told, e, language)));
                        lines.extend(crate::reply::why_fitted(step, &edited, language));
                        lines.extend(layers_gone(step, &draft, &edited, language));
                    }
                    pending = Some(edited);
                }
            }
            let now = pending.as_ref().unwrap_or(working.present());
            observe(StepEvent::Finished {
                step,
                said: &lines[said_before..],
                duration_ms: now.duration_ms,
            });
        }
        if let Some(draft) = pending.take() {
            if &draft != working.present() {
                working.commit(draft);
            }
        }
        let after = working.present().clone();
        lines.extend(not_done_lines(&plan.not_done, language));
        if after.duration_ms != before.duration_ms {
            lines.push(duration_line(
                before.duration_ms,
                after.duration_ms,
                language,
            ));
        }
        self.history = working;
        Ok(Outcome {
            reply: lines.join(if language == Language::Chinese {
                ""
            } else {
                " "
            }),
            changed: after != before,
            export,
        })
    }

    /// One edit Step applied to `draft`: the new Draft and what each Op did.
    fn edit(
        &self,
        draft: &Draft,
        step: &Step,
        media: &dyn Media,
    ) -> Result<(Draft, Vec<Effect>), ApplyError> {
        let failed = |reason: String| ApplyError {
            reply: crate::reply::failed(step, &reason, self.language),
        };
        let mut context = EditContext::default();
        if matches!(step, Step::TrimPauses { .. }) {
            for src in draft
                .main_segments()
                .iter()
                .filter_map(|s| s.src.as_deref())
            {
                if !context.silence.contains_key(src) {
                    let map = media.silence(src).map_err(&failed)?;
                    context.silence.insert(src.to_string(), map);
                }
            }
        }
        let ops = self.ops_for(draft, step, media).map_err(&failed)?;
        let mut current = draft.clone();
        let mut effects = Vec::new();
        for op in &ops {
            let applied = apply(&current, op, &context)
                .map_err(|e| failed(crate::reply::edit_error(&e, self.language)))?;
            effects.push(applied.effect);
            current = applied.draft;
        }
        Ok((current, effects))
    }

    /// The `timeline` Ops a Step means for this Draft.
    fn ops_for(&self, draft: &Draft, step: &Step, media: &dyn Media) -> Result<Vec<Op>, String> {
        let (width, height) = (draft.meta.width, draft.meta.height);
        Ok(match step {
            Step::TrimPauses {
                min_pause_ms,
                padding_ms,
            } => vec![Op::TrimPauses {
                min_pause_ms: *min_pause_ms,
                padding_ms: *padding_ms,
            }],
            Step::RemoveFillers => media
                .filler_cuts(draft, crate::rules::intents::DEFAULT_PADDING_MS)?
                .into_iter()
                .map(|(src, ranges)| Op::CutSource { src, ranges })
                .collect(),
            Step::AddCaptions {
                style,
                language,
                translate,
                position,
                size,
                color,
            } => {
                let mut ops = vec![Op::AddCaptions {
                    captions: media.captions(draft, language.as_deref(), *translate)?,
                    style: Some(*style),
                }];
                let look = CaptionLook {
                    style: None,
                    position: *position,
                    size: *size,
                    color: color.clone(),
                };
                if !look.is_empty() {
                    ops.push(Op::CaptionLook { look });
                }
                ops
            }
            Step::ChangeCaptions { look } => vec![Op::CaptionLook { look: look.clone() }],
            Step::FixCaption { index, text } => vec![Op::CaptionText {
                index: *index,
                text: text.clone(),
            }],
            Step::TranslateCaptions { to } => {
                let mut captions: Vec<&timeline::Segment> = draft
                    .segments_of(timeline::TrackKind::Text)
                    .filter(|s| s.meta.role.as_deref() == Some("caption"))
                    .collect();
                if captions.is_empty() {
                    return Err(match self.language {
                        Language::English => {
                            "there are no captions to translate; say \"add captions\" first".into()
                        }
                        Language::Chinese => "还没有字幕可以翻译；请先说“加字幕”".into(),
                    });
                }
                captions.sort_by_key(|s| s.start_ms);
                let lines: Vec<String> = captions
                    .iter()
                    .map(|s| s.meta.text.clone().unwrap_or_default())
                    .collect();
                vec![Op::CaptionTexts {
                    texts: media.translate(&lines, to)?,
                }]
            }
            Step::Remove { what } => removal_ops(draft, *what),
            Step::ChangeMusic {
                fade_in_ms,
                fade_out_ms,
                duck,
            } => vec![Op::ChangeMusic {
                fade_in_ms: *fade_in_ms,
                fade_out_ms: *fade_out_ms,
                duck: *duck,
            }],
            Step::Cut { span } => vec![Op::Cut {
                ranges: vec![resolve(span, draft.duration_ms)],
            }],
            Step::Keep { span } => vec![Op::Keep {
                ranges: vec![resolve(span, draft.duration_ms)],
            }],
            Step::Speed { factor } => vec![Op::Speed { factor: *factor }],
            Step::Volume {
                sound: Sound::Original,
                volume,
            } => vec![Op::Volume { volume: *volume }],
            Step::Volume {
                sound: Sound::Music,
                volume,
            } => vec![Op::MusicVolume { volume: *volume }],
            Step::NormalizeLoudness { lufs } => vec![Op::Loudness { lufs: *lufs }],
            Step::AddMusic {
                asset,
                volume,
                fade_in_ms,
                fade_out_ms,
                duck,
            } => {
                let (src, source_ms) = self.sound(asset, media, Needed::Music)?;
                vec![Op::AddAudio {
                    src,
                    source_ms,
                    volume: *volume,
                    fade_in_ms: *fade_in_ms,
                    fade_out_ms: *fade_out_ms,
                    duck: *duck,
                }]
            }
            Step::AddVoiceOver {
                asset,
                start_ms,
                volume,
            } => {
                let (src, source_ms) = self.sound(asset, media, Needed::VoiceOver)?;
                vec![Op::AddVoiceOver {
                    src,
                    source_ms,
                    start_ms: *start_ms,
                    volume: *volume,
                }]
            }
            Step::AddTitle {
                text,
                span,
                position,
                color,
                size,
            } => vec![Op::AddText {
                text: text.clone(),
                range: resolve(span, draft.duration_ms),
                position: *position,
                color: color.clone(),
                size: *size,
            }],
            Step::Aspect { aspect, fit } => {
                let (width, height) = choose_canvas(Some(*aspect), None, (width, height));
                let fit = fit.or_else(|| crate::fitting::unsaid_fit(draft, (width, height), media));
                vec![Op::Canvas { width, height, fit }]
            }
            Step::Fade {
                fade_in_ms,
                fade_out_ms,
            } => vec![Op::Fade {
                fade_in_ms: *fade_in_ms,
                fade_out_ms: *fade_out_ms,
            }],
            Step::Color {
                brightness,
                contrast,
                saturation,
            } => vec![Op::Color {
                brightness: *brightness,
                contrast: *contrast,
                saturation: *saturation,
            }],
            Step::Export {
                format,
                resolution,
                fps,
                ..
            } => {
                use media::render::format::GIF_MAX_MS;
                if *format == Some(Format::Gif) && draft.duration_ms > GIF_MAX_MS {
                    let (limit, length) =
                        (GIF_MAX_MS / 1000, timeline::format_clock(draft.duration_ms));
                    return Err(match self.language {
                        Language::English => format!(
                            "a GIF is for clips up to {limit} s and this one is {length}; cut it shorter first, or export MP4"
                        ),
                        Language::Chinese => format!(
                            "GIF只适合{limit}秒以内的片段，这段有{length}；请先剪短，或者导出MP4"
                        ),
                    });
                }
                let mut ops = Vec::new();
                let resolution =
                    resolution.filter(|r| self.upscale_refused(*r, draft, media).is_none());
                if let Some(resolution) = resolution {
                    let (width, height) = choose_canvas(None, Some(resolution), (width, height));
                    ops.push(Op::Canvas {
                        width,
                        height,
                        fit: None,
                    });
                }
                if let Some(fps) = fps {
                    ops.push(Op::FrameRate { fps: *fps });
                }
                ops
            }
            Step::DeleteClip { clip } => vec![Op::DeleteClip { clip: *clip }],
            Step::MoveClip { clip, to } => vec![Op::MoveClip {
                clip: *clip,
                to: *to,
            }],
            Step::Split { at_ms } => vec![Op::Split { at_ms: *at_ms }],
            Step::Crossfade { ms } => vec![Op::Crossfade { ms: *ms }],
            Step::ChangeTitle {
                text,
                position,
                color,
                size,
                time,
            } => vec![Op::ChangeTitle {
                change: timeline::TitleChange {
                    remove: false,
                    text: text.clone(),
                    position: *position,
                    color: color.clone(),
                    size: *size,
                    range: time.as_ref().map(|span| resolve(span, draft.duration_ms)),
                },
            }],
            Step::AddOverlay {
                asset,
                corner,
                width,
                span,
            } => vec![Op::AddOverlay {
                src: self.given(asset, Needed::Image)?,
                range: resolve(span, draft.duration_ms),
                corner: *corner,
                width: *width,
            }],
            Step::AddStill {
                asset,
                at_start,
                ms,
            } => {
                let (src, duration_ms) = (self.given(asset, Needed::Image)?, *ms);
                vec![if *at_start {
                    Op::PrependClip { src, duration_ms }
                } else {
                    Op::AppendClip { src, duration_ms }
                }]
            }
            // Pieces are joined where there are several (the server); here it is one timeline.
            Step::Join { .. } | Step::Undo | Step::Redo | Step::Reset | Step::ShowTimeline => {
                Vec::new()
            }
        })
    }
}

/// Layers an edit took away without being asked to (a title over a deleted clip goes with
/// it), each said: the reply tells what changed, not only what was asked.
fn layers_gone(step: &Step, before: &Draft, after: &Draft, language: Language) -> Vec<String> {
    Layer::ALL
        .into_iter()
        .filter(|layer| {
            let asked = match step {
                Step::Remove { what } => removal_ops(before, *what)
                    .iter()
                    .any(|op| matches!(op, Op::Remove { layer: l } if l == layer)),
                // New captions replace the old ones.
                Step::AddCaptions { .. } => *layer == Layer::Captions,
                _ => false,
            };
            !asked
        })
        .filter_map(|layer| {
            let gone = layer.count(before).saturating_sub(layer.count(after));
            (gone > 0).then(|| crate::reply::layer_went(layer, gone, language))
        })
        .collect()
}

/// The Ops that take `what` off the timeline. A thing that is not there gives an Op that
/// changes nothing, so the reply says there was none.
fn removal_ops(draft: &Draft, what: Removable) -> Vec<Op> {
    let layer = |layer| vec![Op::Remove { layer }];
    match what {
        Removable::Captions => layer(Layer::Captions),
        Removable::Title => layer(Layer::Titles),
        Removable::Logo => layer(Layer::Overlays),
        Removable::Music => layer(Layer::Music),
        Removable::VoiceOver => layer(Layer::VoiceOver),
        Removable::Fades => vec![Op::Fade {
            fade_in_ms: Some(0),
            fade_out_ms: Some(0),
        }],
        Removable::Speed => {
            // Speed changes multiply; back to 1× is the inverse of the first clip's speed.
            let speed = draft.main_segments().first().map_or(1.0, |s| s.speed());
            if (speed - 1.0).abs() < 1e-9 {
                Vec::new()
            } else {
                vec![Op::Speed {
                    factor: 1.0 / speed,
                }]
            }
        }
        Removable::Crossfades => vec![Op::Crossfade { ms: 0 }],
        Removable::Color => vec![Op::Color {
            brightness: Some(0.0),
            contrast: Some(1.0),
            saturation: Some(1.0),
        }],
    }
}

/// The kind of file a Step needs the user to have given.
#[derive(Clone, Copy)]
enum Needed {
    Music,
    VoiceOver,
    Image,
}

impl Session {
    /// The largest source's size when an export `resolution` asks for more than both it and
    /// the frame already have: cutline does not upscale (it adds pixels, not detail). A
    /// smaller frame than the source (a 4K clip exported at 1080p) may go up to the source.
    fn upscale_refused(
        &self,
        resolution: Resolution,
        draft: &Draft,
        media: &dyn Media,
    ) -> Option<(u32, u32)> {
        let (w, h) = draft
            .main_segments()
            .iter()
            .filter_map(|s| s.src.as_deref())
            .filter_map(|src| media.video_size(src))
            .max_by_key(|&(w, h)| w.min(h))?;
        let frame = draft.meta.width.min(draft.meta.height);
        (resolution.short_side() > w.min(h).max(frame)).then_some((w, h))
    }

    /// The asset a Step names, or what to give when there is none.
    fn given(&self, asset: &Option<String>, needed: Needed) -> Result<String, String> {
        asset.clone().ok_or_else(|| {
            let (en, zh) = match needed {
                Needed::Music => (
                    "give me an audio file for the music (cutline has no music library of its own)",
                    "请先提供一个音乐文件（cutline 没有自带曲库）",
                ),
                Needed::VoiceOver => (
                    "give me the voice-over's audio file too",
                    "请同时提供旁白的音频文件",
                ),
                Needed::Image => ("give me the image file too", "请同时提供图片文件"),
            };
            match self.language {
                Language::English => en.to_string(),
                Language::Chinese => zh.to_string(),
            }
        })
    }

    /// An audio asset a Step names, with its length.
    fn sound(
        &self,
        asset: &Option<String>,
        media: &dyn Media,
        needed: Needed,
    ) -> Result<(String, u64), String> {
        let src = self.given(asset, needed)?;
        let source_ms = media.duration_ms(&src).ok_or_else(|| match self.language {
            Language::English => format!("{src} is not a known audio file"),
            Language::Chinese => "这不是已知的音频文件".to_string(),
        })?;
        Ok((src, source_ms))
    }
}

fn describe_history(step: &Step, language: Language) -> String {
    crate::reply::history_done(step, language)
}

/// A Span as a timeline range of a Draft `duration_ms` long.
pub fn resolve(span: &Span, duration_ms: u64) -> TimeRange {
    match *span {
        Span::Whole => TimeRange::new(0, duration_ms),
        Span::First { ms } => TimeRange::new(0, ms.min(duration_ms)),
        Span::Last { ms } => TimeRange::new(duration_ms.saturating_sub(ms), duration_ms),
        Span::Between { start_ms, end_ms } => TimeRange::new(start_ms, end_ms.max(start_ms)),
        Span::From { start_ms } => TimeRange::new(start_ms.min(duration_ms), duration_ms),
    }
}
