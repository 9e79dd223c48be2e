//! Property tests of the edits: whatever the pause map or the cut, the result is a valid
//! Draft whose pieces add up.

use proptest::prelude::*;
use timeline::time::normalize_ranges;
use timeline::{apply, Draft, DraftMeta, EditContext, EditError, Op, SilenceMap, TimeRange};

const CLIP_MS: u64 = 60_000;

fn ranges(max: usize) -> impl Strategy<Value = Vec<TimeRange>> {
    prop::collection::vec((0..CLIP_MS, 1..5_000u64), 0..max).prop_map(|pairs| {
        normalize_ranges(
            pairs
                .into_iter()
                .map(|(start, len)| TimeRange::new(start, (start + len).min(CLIP_MS)))
                .collect(),
        )
    })
}

fn clip() -> Draft {
    Draft::single_clip("clip", CLIP_MS, DraftMeta::default())
}

proptest! {
    #[test]
    fn trimming_any_pause_map_keeps_the_draft_valid_and_no_piece_tiny(
        quiet in ranges(40),
        min_pause_ms in 100..2_000u64,
        padding_ms in 0..400u64,
    ) {
        let mut context = EditContext::default();
        let silence = SilenceMap { duration_ms: CLIP_MS, quiet, noise_floor_db: -50.0, threshold_db: -40.0 };
        context.silence.insert("clip".into(), silence);
        let op = Op::TrimPauses { min_pause_ms, padding_ms };
        match apply(&clip(), &op, &context) {
            Ok(applied) => {
                let segments = &applied.draft.tracks[0].segments;
                let total: u64 = segments.iter().map(|s| s.duration_ms).sum();
                prop_assert_eq!(total, applied.draft.duration_ms);
                let mut cursor = 0;
                for segment in segments {
                    prop_assert_eq!(segment.start_ms, cursor, "pieces follow each other");
                    cursor = segment.end_ms();
                    if segments.len() > 1 {
                        prop_assert!(segment.duration_ms >= 100, "a {} ms piece", segment.duration_ms);
                    }
                }
                let sources: Vec<TimeRange> = segments.iter().map(|s| s.source_range()).collect();
                prop_assert!(sources.windows(2).all(|w| w[0].end_ms < w[1].start_ms), "source order kept, cuts between");
            }
            Err(EditError::NothingLeft) => {}
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    #[test]
    fn cutting_any_ranges_removes_exactly_their_length(cuts in ranges(10)) {
        let removed: u64 = cuts.iter().map(TimeRange::duration_ms).sum();
        match apply(&clip(), &Op::Cut { ranges: cuts }, &EditContext::default()) {
            Ok(applied) => prop_assert_eq!(applied.draft.duration_ms, CLIP_MS - removed),
            Err(EditError::NothingLeft) => prop_assert_eq!(removed, CLIP_MS),
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    #[test]
    fn any_draft_round_trips_through_the_wire_form(cuts in ranges(10), factor in 0.5..2.0f64) {
        let Ok(cut) = apply(&clip(), &Op::Cut { ranges: cuts }, &EditContext::default()) else {
            return Ok(());
        };
        let sped = apply(&cut.draft, &Op::Speed { factor }, &EditContext::default()).unwrap().draft;
        let again = timeline::wire::from_json(&timeline::wire::to_json(&sped)).unwrap();
        prop_assert_eq!(again, sped);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Any text, and any mangling of a good file, is an SRT or a clear error, never a panic;
    /// what parses writes back to the same cues.
    #[test]
    fn the_srt_reader_never_panics_and_what_it_reads_round_trips(
        noise in "[0-9:,> \\-\\n\\r a-zé漢]{0,200}",
        cut in 0usize..120,
    ) {
        use timeline::subtitles::{parse_srt, to_srt};
        let good = "1\n00:00:01,000 --> 00:00:02,500\nHello there.\n\n2\n00:00:03,000 --> 00:00:04,000\n第二行\n";
        let mangled: String = good.chars().take(cut).chain(noise.chars()).collect();
        for text in [noise.as_str(), mangled.as_str()] {
            if let Ok(cues) = parse_srt(text) {
                prop_assert_eq!(parse_srt(&to_srt(&cues)), Ok(cues));
            }
        }
    }

    /// Any JSON a client sends as a draft is a valid Draft or a clear error, never a panic.
    #[test]
    fn any_draft_json_is_read_or_refused_without_a_panic(
        d in 0u64..100_000,
        starts in prop::collection::vec((0u64..100_000, 0u64..50_000, 0u8..9), 0..6),
    ) {
        let segments: Vec<String> = starts
            .iter()
            .enumerate()
            .map(|(i, (s, len, tt))| format!(r#"{{"id": "t{i}", "tt": {tt}, "sg": [{{"id": "s{i}", "src": "a", "s": {s}, "in": 0, "d": {len}, "m": {{"text": "x"}}}}]}}"#))
            .collect();
        let json = format!(r#"{{"d": {d}, "m": {{"w": 1920, "h": 1080}}, "t": [{}]}}"#, segments.join(","));
        if let Ok(draft) = timeline::wire::from_json(&json) {
            let _ = timeline::validate(&draft, |src| src == "a");
        }
    }
}
