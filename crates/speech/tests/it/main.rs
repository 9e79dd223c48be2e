//! Speech-to-text on generated speech with known words and times, with the real base model
//! (built by `scripts/prepare-speech-model.sh`, which `scripts/test.sh` runs).

use std::path::PathBuf;

use speech::{SpeechToText, TranscribeOptions, WhisperEngine};
use testkit::measure::audio_mono;
use testkit::talk::{specs, talk};

fn engine() -> WhisperEngine {
    let dir = std::env::var_os("CUTLINE_MODELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/models"));
    let model = dir.join("ggml-base.bin");
    assert!(
        model.is_file(),
        "no speech model at {}: run scripts/prepare-speech-model.sh",
        model.display()
    );
    WhisperEngine::load_file(&model).unwrap()
}

fn normalized(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// Word error rate: word-level edit distance over the reference length.
fn word_error_rate(reference: &[String], heard: &[String]) -> f64 {
    let mut previous: Vec<usize> = (0..=heard.len()).collect();
    for (i, r) in reference.iter().enumerate() {
        let mut row = vec![i + 1];
        for (j, h) in heard.iter().enumerate() {
            let substitution = previous[j] + usize::from(r != h);
            row.push(substitution.min(previous[j + 1] + 1).min(row[j] + 1));
        }
        previous = row;
    }
    previous[heard.len()] as f64 / reference.len() as f64
}

#[test]
fn the_word_error_rate_counts_edits() {
    let r = normalized("the quick brown fox");
    assert_eq!(
        word_error_rate(&r, &normalized("the quick brown fox.")),
        0.0
    );
    assert_eq!(word_error_rate(&r, &normalized("the quick fox")), 0.25);
    assert_eq!(word_error_rate(&r, &normalized("a quick brown box")), 0.5);
}

#[test]
fn english_speech_is_transcribed_with_word_times() {
    let clip = talk(&specs::TALK);
    let samples = audio_mono(&clip.path, speech::engine::SAMPLE_RATE);
    let options = TranscribeOptions {
        language: Some("en".into()),
    };
    let mut transcript = engine().transcribe(&samples, &options).unwrap();
    let probe = media::probe(&clip.path, &media::Limits::default()).unwrap();
    let decode = media::analysis::Decode {
        path: &clip.path,
        probe: &probe,
        limits: &media::Limits::default(),
        cancel: &media::process::CancelToken::new(),
    };
    let silence = media::analysis::silence_map(decode, |_| {}).unwrap();
    speech::transcript::snap_to_speech(&mut transcript.words, &silence.quiet);
    let heard: Vec<String> = transcript
        .words
        .iter()
        .flat_map(|w| normalized(&w.text))
        .collect();
    let reference: Vec<String> = specs::TALK
        .sentences
        .iter()
        .flat_map(|s| normalized(s))
        .collect();
    let wer = word_error_rate(&reference, &heard);
    eprintln!("heard: {}\nWER {:.3}", heard.join(" "), wer);
    assert!(wer <= 0.10, "word error rate {wer:.3}");
    // Each sentence's first word starts within 200 ms of where it was spoken.
    let mut misplaced = Vec::new();
    for (sentence, &(start_ms, _)) in specs::TALK.sentences.iter().zip(&clip.truth.speech) {
        let first = normalized(sentence).remove(0);
        let nearest = transcript
            .words
            .iter()
            .filter(|w| normalized(&w.text).first() == Some(&first))
            .map(|w| w.start_ms.abs_diff(start_ms))
            .min();
        eprintln!("{sentence:?}: first word off by {nearest:?} ms");
        if nearest.is_none_or(|ms| ms > 200) {
            misplaced.push((sentence, start_ms, nearest));
        }
    }
    assert!(
        misplaced.is_empty(),
        "sentence starts heard too far from the truth: {misplaced:?}"
    );
}
