//! `cutline edit --trim-pauses --captions`: captions burnt in where the kept speech is, never
//! across a cut, and the same cues in OUT.srt and OUT.vtt.

use testkit::measure::{bright_pixels, gray_frame_at};
use testkit::talk::{specs, talk};
use timeline::subtitles::{caption_cues, parse_srt};

use crate::{cutline_ok, path_str};

#[test]
fn captions_follow_the_trim_and_match_their_sidecar_files() {
    let clip = talk(&specs::DARK_TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("captioned.mp4");
    let draft_path = scratch.path().join("captioned.json");
    let summary = cutline_ok([
        "edit",
        path_str(&clip.path),
        "--trim-pauses",
        "--captions",
        "--language",
        "en",
        "--quality",
        "draft",
        "--save-draft",
        path_str(&draft_path),
        "-o",
        path_str(&out),
    ]);
    assert!(summary.contains("captions"), "{summary}");

    let srt = std::fs::read_to_string(scratch.path().join("captioned.srt")).unwrap();
    let cues = parse_srt(&srt).unwrap();
    let vtt = std::fs::read_to_string(scratch.path().join("captioned.vtt")).unwrap();
    assert!(vtt.starts_with("WEBVTT") && vtt.matches(" --> ").count() == cues.len());
    let draft = timeline::wire::from_json(&std::fs::read_to_string(&draft_path).unwrap()).unwrap();
    assert_eq!(
        cues,
        caption_cues(&draft),
        "the sidecar cues are the burnt-in ones"
    );
    assert!(cues.len() >= 5, "{cues:?}");
    let words: String = cues
        .iter()
        .map(|c| c.text.replace('\n', " ") + " ")
        .collect();
    assert!(
        words.to_lowercase().contains("thanks for watching"),
        "{words}"
    );

    // Every cue lies inside one kept piece: no cut point falls strictly inside a cue.
    let main = &draft.tracks[0].segments;
    let cuts: Vec<u64> = main.iter().skip(1).map(|s| s.start_ms).collect();
    for cue in &cues {
        assert!(
            !cuts
                .iter()
                .any(|&cut| cue.start_ms < cut && cut < cue.end_ms),
            "{cue:?} spans a cut (cuts at {cuts:?})"
        );
    }

    // Mid-cue, the caption area has caption pixels; between two cues it has none.
    let caption_area = |w: u32, h: u32| (0, h * 3 / 4, w, h);
    let middle = &cues[cues.len() / 2];
    let t = (middle.start_ms + middle.end_ms) as f64 / 2000.0;
    let (w, h, frame) = gray_frame_at(&out, t);
    let lit = bright_pixels(&frame, w, caption_area(w, h), 200);
    assert!(lit > 300, "only {lit} caption pixels at {t:.2} s");
    let gap = cues
        .windows(2)
        .find(|pair| pair[1].start_ms >= pair[0].end_ms + 200)
        .expect("a gap between two cues");
    let t = (gap[0].end_ms + gap[1].start_ms) as f64 / 2000.0;
    let (w, h, frame) = gray_frame_at(&out, t);
    assert_eq!(
        bright_pixels(&frame, w, caption_area(w, h), 200),
        0,
        "caption pixels between cues at {t:.2} s"
    );
}
