//! Pause trimming measured against the known speech of generated talk clips.

use media::library::Library;
use media::Limits;
use testkit::talk::{specs, talk, TalkSpec, Truth};
use timeline::time::{complement, normalize_ranges};
use timeline::{apply, Draft, DraftMeta, EditContext, Op, TimeRange};

const MIN_PAUSE_MS: u64 = 500;
const PADDING_MS: u64 = 150;

struct TrimScore {
    speech_kept: f64,
    pause_removed: f64,
    shortest_keep_ms: u64,
}

/// Finds the pauses of `spec`'s clip, trims them with the default settings and scores the
/// kept source ranges against the truth.
fn trim_and_score(spec: &TalkSpec) -> TrimScore {
    score(&talk(spec).truth, &trim(spec))
}

/// The source ranges of `spec`'s clip that trimming its pauses with the default settings keeps.
fn trim(spec: &TalkSpec) -> Vec<TimeRange> {
    let clip = talk(spec);
    let scratch = testkit::scratch();
    let library = Library::new(scratch.path().to_path_buf(), Limits::default());
    let asset = library.add(&clip.path).unwrap();
    let silence = library.silence_map(&asset, |_| {}).unwrap();
    let mut context = EditContext::default();
    context.silence.insert(asset.id.clone(), silence);
    let draft = Draft::single_clip(&asset.id, asset.probe.duration_ms, DraftMeta::default());
    let op = Op::TrimPauses {
        min_pause_ms: MIN_PAUSE_MS,
        padding_ms: PADDING_MS,
    };
    let trimmed = apply(&draft, &op, &context).unwrap().draft;
    trimmed.tracks[0]
        .segments
        .iter()
        .map(|s| s.source_range())
        .collect()
}

fn score(truth: &Truth, kept: &[TimeRange]) -> TrimScore {
    let kept = normalize_ranges(kept.to_vec());
    let removed = complement(TimeRange::new(0, truth.duration_ms), &kept);
    let overlap = |range: TimeRange, with: &[TimeRange]| -> u64 {
        with.iter()
            .filter_map(|w| w.intersect(&range))
            .map(|r| r.duration_ms())
            .sum()
    };
    let speech: Vec<TimeRange> = truth
        .speech
        .iter()
        .map(|&(s, e)| TimeRange::new(s, e))
        .collect();
    let speech_total: u64 = speech.iter().map(TimeRange::duration_ms).sum();
    let speech_kept: u64 = speech.iter().map(|&s| overlap(s, &kept)).sum();
    let removable: Vec<TimeRange> = truth
        .pauses()
        .into_iter()
        .filter(|&(s, e)| e - s > MIN_PAUSE_MS)
        .map(|(s, e)| TimeRange::new(s + PADDING_MS, e - PADDING_MS))
        .collect();
    let removable_total: u64 = removable.iter().map(TimeRange::duration_ms).sum();
    let removed_of_removable: u64 = removable.iter().map(|&r| overlap(r, &removed)).sum();
    TrimScore {
        speech_kept: speech_kept as f64 / speech_total as f64,
        pause_removed: removed_of_removable as f64 / removable_total as f64,
        shortest_keep_ms: kept.iter().map(TimeRange::duration_ms).min().unwrap_or(0),
    }
}

fn assert_good_trim(spec: &TalkSpec) {
    let score = trim_and_score(spec);
    eprintln!(
        "{}: speech kept {:.4}, pause removed {:.4}, shortest keep {} ms",
        spec.name, score.speech_kept, score.pause_removed, score.shortest_keep_ms
    );
    assert!(
        score.speech_kept >= 0.98,
        "{}: kept {:.3} of the speech",
        spec.name,
        score.speech_kept
    );
    assert!(
        score.pause_removed >= 0.90,
        "{}: removed {:.3} of the removable pause time",
        spec.name,
        score.pause_removed
    );
    assert!(
        score.shortest_keep_ms >= 100,
        "{}: a kept piece of {} ms",
        spec.name,
        score.shortest_keep_ms
    );
}

#[test]
fn trimming_keeps_the_speech_and_removes_the_pauses_of_a_room_recording() {
    assert_good_trim(&specs::TALK);
}

#[test]
fn trimming_works_in_a_noisy_room() {
    assert_good_trim(&specs::NOISY_TALK);
}

#[test]
fn trimming_works_in_a_quiet_studio() {
    assert_good_trim(&specs::STUDIO_TALK);
}

/// Regression: under mains hum, knocks (a click and a low thump, under 100 ms) split a 3 s
/// pause, and the pieces shorter than the minimum pause were kept whole.
#[test]
fn knocks_under_hum_do_not_split_a_long_pause() {
    let spec = &specs::HUM_KNOCK_TALK;
    let clip = talk(spec);
    let long_pause = clip
        .truth
        .pauses()
        .into_iter()
        .find(|&(s, e)| e - s >= 2_900)
        .map(|(s, e)| TimeRange::new(s, e))
        .expect("the 3 s pause");
    assert!(clip
        .truth
        .knocks
        .iter()
        .all(|&(s, e)| long_pause.start_ms < s && e < long_pause.end_ms));
    let kept = trim(spec);
    let kept_of_pause: u64 = kept
        .iter()
        .filter_map(|k| k.intersect(&long_pause))
        .map(|k| k.duration_ms())
        .sum();
    eprintln!(
        "{}: {kept_of_pause} ms of the {} ms pause kept; kept {kept:?}",
        spec.name,
        long_pause.duration_ms()
    );
    // One cut, padding on each side: about 2 × 150 ms stays (a little more where the
    // detector hears the word edges late).
    assert!(
        kept_of_pause <= 2 * PADDING_MS + 150,
        "{kept_of_pause} ms of the {} ms pause kept",
        long_pause.duration_ms()
    );
    assert_good_trim(spec);
}

#[test]
fn the_scorer_notices_a_bad_trim() {
    // Keeping everything removes no pause; keeping nothing keeps no speech.
    let truth = talk(&specs::TALK).truth;
    let all = score(&truth, &[TimeRange::new(0, truth.duration_ms)]);
    assert_eq!(all.pause_removed, 0.0);
    assert_eq!(all.speech_kept, 1.0);
    let first_half = score(&truth, &[TimeRange::new(0, truth.duration_ms / 2)]);
    assert!(first_half.speech_kept < 0.7);
}

#[test]
fn the_silence_map_is_cached_per_asset() {
    let clip = talk(&specs::TALK);
    let scratch = testkit::scratch();
    let library = Library::new(scratch.path().to_path_buf(), Limits::default());
    let asset = library.add(&clip.path).unwrap();
    let first = library.silence_map(&asset, |_| {}).unwrap();
    let cached = scratch
        .path()
        .join("analyses")
        .join(&asset.id)
        .join("silence-v2.json");
    assert!(cached.is_file());
    let mut progress_calls = 0;
    let second = library
        .silence_map(&asset, |_| progress_calls += 1)
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(
        progress_calls, 0,
        "the second call read the cache instead of decoding"
    );
}
