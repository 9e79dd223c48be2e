//! The media facts the agent's tests apply Plans against: a small in-memory table (pauses every
//! few seconds, a caption a second, a 20-second song), so applying is pure given them.

use agent::Media;
use timeline::{Draft, DraftMeta, Op, SilenceMap, SourceCaption, TimeRange};

pub const CLIP_MS: u64 = 60_000;

pub struct Table;

impl Media for Table {
    fn silence(&self, _: &str) -> Result<SilenceMap, String> {
        let quiet = (0..CLIP_MS / 4_000)
            .map(|i| TimeRange::new(i * 4_000 + 2_500, i * 4_000 + 3_500))
            .collect();
        Ok(SilenceMap {
            duration_ms: CLIP_MS,
            quiet,
            noise_floor_db: -60.0,
            threshold_db: -45.0,
        })
    }

    fn captions(
        &self,
        draft: &Draft,
        _: Option<&str>,
        _: bool,
    ) -> Result<Vec<SourceCaption>, String> {
        let kept: Vec<TimeRange> = draft
            .main_segments()
            .iter()
            .map(|s| s.source_range())
            .collect();
        Ok((0..CLIP_MS / 1_000)
            .map(|i| (i * 1_000, i * 1_000 + 600))
            .filter(|(start, end)| {
                kept.iter()
                    .any(|k| k.start_ms <= *start && *end <= k.end_ms)
            })
            .map(|(start_ms, end_ms)| SourceCaption {
                src: "clip".into(),
                start_ms,
                end_ms,
                text: format!("word {start_ms}"),
                words: Vec::new(),
            })
            .collect())
    }

    fn filler_cuts(&self, _: &Draft, _: u64) -> Result<Vec<(String, Vec<TimeRange>)>, String> {
        Ok(vec![("clip".into(), vec![TimeRange::new(10_000, 10_400)])])
    }

    /// "Translates" by writing each line in capitals, so a test can see it was done.
    fn translate(&self, lines: &[String], _to: &str) -> Result<Vec<String>, String> {
        Ok(lines.iter().map(|l| l.to_uppercase()).collect())
    }

    fn duration_ms(&self, asset: &str) -> Option<u64> {
        (asset == "song").then_some(20_000)
    }
}

/// Two clips: the talk, then 10 s of it again as a second clip.
pub fn start() -> Draft {
    let draft = Draft::single_clip("clip", CLIP_MS, DraftMeta::default());
    let second = Op::AppendClip {
        src: "clip".into(),
        duration_ms: 10_000,
    };
    timeline::apply(&draft, &second, &Default::default())
        .unwrap()
        .draft
}
