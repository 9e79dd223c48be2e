//! Speech-to-text on generated speech with known words and times, with the real base model
//! (built by `scripts/prepare-speech-model.sh`, which `scripts/test.sh` runs), and fetching
//! models over HTTP.

mod models;

use std::path::PathBuf;

use std::sync::{Arc, Mutex};

use speech::{SpeechError, SpeechToText, TranscribeOptions, Watch, WhisperEngine};
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

/// For each reference word, the heard word the minimum-edit alignment pairs it with (a match
/// or a substitution), or `None` where the word was not heard.
fn align(reference: &[String], heard: &[String]) -> Vec<Option<usize>> {
    let (n, m) = (reference.len(), heard.len());
    let mut cost = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in cost.iter_mut().enumerate() {
        row[0] = i;
    }
    cost[0] = (0..=m).collect();
    for i in 1..=n {
        for j in 1..=m {
            let substitution = cost[i - 1][j - 1] + usize::from(reference[i - 1] != heard[j - 1]);
            cost[i][j] = substitution.min(cost[i - 1][j] + 1).min(cost[i][j - 1] + 1);
        }
    }
    let mut pairs = vec![None; n];
    let (mut i, mut j) = (n, m);
    while i > 0 && j > 0 {
        let substitution = cost[i - 1][j - 1] + usize::from(reference[i - 1] != heard[j - 1]);
        if cost[i][j] == substitution {
            pairs[i - 1] = Some(j - 1);
            (i, j) = (i - 1, j - 1);
        } else if cost[i][j] == cost[i - 1][j] + 1 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    pairs
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
        align(&r, &normalized("a quick fox")),
        [Some(0), Some(1), None, Some(2)]
    );
    assert_eq!(
        word_error_rate(&r, &normalized("the quick brown fox.")),
        0.0
    );
    assert_eq!(word_error_rate(&r, &normalized("the quick fox")), 0.25);
    assert_eq!(word_error_rate(&r, &normalized("a quick brown box")), 0.5);
}

#[test]
fn two_minutes_of_english_speech_are_transcribed_with_word_times() {
    let spec = &specs::LONG_TALK;
    let clip = talk(spec);
    assert!(
        clip.truth.duration_ms > 100_000,
        "about two minutes: {} ms",
        clip.truth.duration_ms
    );
    let samples = audio_mono(&clip.path, speech::engine::SAMPLE_RATE);
    let options = TranscribeOptions {
        translate: false,
        language: Some("en".into()),
        threads: None,
    };
    let reported = Arc::new(Mutex::new(Vec::new()));
    let heard = Arc::clone(&reported);
    let watch = Watch {
        on_progress: Box::new(move |fraction| heard.lock().unwrap().push(fraction)),
        ..Watch::default()
    };
    let mut transcript = engine().transcribe(&samples, &options, watch).unwrap();
    let reported = reported.lock().unwrap().clone();
    assert!(
        reported.len() >= 3 && reported.windows(2).all(|p| p[0] <= p[1]),
        "progress reported as it went: {reported:?}"
    );
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
    let reference: Vec<String> = spec.sentences.iter().flat_map(|s| normalized(s)).collect();
    let wer = word_error_rate(&reference, &heard);
    eprintln!("heard: {}\nWER {:.3}", heard.join(" "), wer);
    assert!(wer <= 0.10, "word error rate {wer:.3}");
    // Each sentence starts within 200 ms of where it was spoken: the first word heard of it
    // (by the alignment of what was heard to the text) starts there.
    let heard_words: Vec<&speech::Word> = transcript
        .words
        .iter()
        .flat_map(|w| std::iter::repeat_n(w, normalized(&w.text).len()))
        .collect();
    let pairs = align(&reference, &heard);
    let mut misplaced = Vec::new();
    let mut worst_ms = 0;
    let mut first_reference_word = 0;
    for (sentence, &(start_ms, _)) in spec.sentences.iter().zip(&clip.truth.speech) {
        let length = normalized(sentence).len();
        let heard_start = pairs[first_reference_word..first_reference_word + length]
            .iter()
            .flatten()
            .next()
            .map(|&j| heard_words[j].start_ms);
        first_reference_word += length;
        worst_ms = worst_ms.max(heard_start.map_or(u64::MAX, |t| t.abs_diff(start_ms)));
        if heard_start.is_none_or(|t| t.abs_diff(start_ms) > 200) {
            misplaced.push((sentence, start_ms, heard_start));
        }
    }
    eprintln!("sentence starts: at most {worst_ms} ms from the truth");
    assert!(
        misplaced.is_empty(),
        "sentence starts heard too far from the truth: {misplaced:?}"
    );
}

#[test]
fn a_transcription_asked_to_stop_stops_with_its_own_error() {
    let clip = talk(&specs::TALK);
    let samples = audio_mono(&clip.path, speech::engine::SAMPLE_RATE);
    let watch = Watch {
        should_stop: Box::new(|| true),
        ..Watch::default()
    };
    let outcome = engine().transcribe(&samples, &TranscribeOptions::default(), watch);
    assert!(
        matches!(outcome, Err(SpeechError::Stopped)),
        "{:?}",
        outcome.map(|t| t.words.len())
    );
}
