//! Talk clips with known truth: espeak-ng sentences placed at exact positions with exact
//! pauses between them, over pink room noise at a chosen level, muxed with a test picture.
//!
//! Each sentence is trimmed to its audible extent (first to last sample louder than −40 dBFS)
//! before it is placed, so the truth written beside the clip (`<clip>.json`) is exact: where
//! each stretch of speech starts and ends, in milliseconds. A clip may also carry a marker for
//! A/V sync tests: a 1 kHz beep whose onset falls exactly on a white flash frame.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::tools::{ffmpeg, run};
use crate::wav::{self, Pcm};

/// Sample rate of espeak-ng's voice, kept for the mix.
const RATE: u32 = 22_050;
pub const FPS: u32 = 30;
const MARKER_TONE_HZ: f64 = 1_000.0;
const MARKER_MS: u64 = 200;

#[derive(Clone, Debug)]
pub struct TalkSpec {
    /// Unique per distinct spec: the fixture's file name.
    pub name: &'static str,
    pub sentences: &'static [&'static str],
    /// Silence before the first sentence.
    pub lead_in_ms: u64,
    /// Silence after each sentence (one per sentence).
    pub gaps_ms: &'static [u64],
    /// RMS level of the pink room noise, dBFS.
    pub noise_dbfs: f64,
    pub width: u32,
    pub height: u32,
    /// A flat dark picture (so bright pixels can be measured) instead of the moving test pattern.
    pub dark_picture: bool,
    /// Display rotation written into the container, as phones do (90 = portrait phone clip).
    pub rotation: Option<u32>,
    /// Put a beep + flash marker in the middle of the pause after this sentence.
    pub marker_after: Option<usize>,
    /// Mains hum under everything (50 Hz with its harmonics at 100 and 150 Hz, and 60 Hz from
    /// a second device), RMS in dBFS.
    pub hum_dbfs: Option<f64>,
    /// Two knocks (a click and its low thump) in the pause after this sentence.
    pub knocks_after: Option<usize>,
}

/// Where the speech is, in milliseconds of the clip.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Truth {
    pub duration_ms: u64,
    pub speech: Vec<(u64, u64)>,
    /// Start of the marker beep and of its flash frame.
    pub marker_ms: Option<u64>,
    /// Where the knocks are (start, end), when the spec asks for them.
    #[serde(default)]
    pub knocks: Vec<(u64, u64)>,
}

impl Truth {
    /// The silences: before the first sentence, between sentences, after the last.
    pub fn pauses(&self) -> Vec<(u64, u64)> {
        let mut pauses = Vec::new();
        let mut cursor = 0;
        for &(start, end) in &self.speech {
            if start > cursor {
                pauses.push((cursor, start));
            }
            cursor = end;
        }
        if self.duration_ms > cursor {
            pauses.push((cursor, self.duration_ms));
        }
        pauses
    }
}

pub struct Talk {
    pub path: PathBuf,
    pub truth: Truth,
}

/// The clip for `spec`, made once per run.
pub fn talk(spec: &TalkSpec) -> Talk {
    let truth_path = crate::fixtures_dir().join(format!("{}.json", spec.name));
    let path = crate::cached(&format!("{}.mp4", spec.name), |partial| {
        let truth = make_talk(spec, partial);
        std::fs::write(&truth_path, serde_json::to_vec_pretty(&truth).unwrap()).unwrap();
    });
    let truth =
        serde_json::from_slice(&std::fs::read(&truth_path).expect("the truth beside a clip"))
            .expect("readable truth");
    Talk { path, truth }
}

fn make_talk(spec: &TalkSpec, output: &Path) -> Truth {
    assert_eq!(
        spec.sentences.len(),
        spec.gaps_ms.len(),
        "one gap after each sentence"
    );
    let work = crate::scratch();
    let mut mix: Vec<f64> = silence(spec.lead_in_ms);
    let mut speech = Vec::new();
    let mut marker_ms = None;
    let mut knocks = Vec::new();
    for (n, (sentence, &gap_ms)) in spec.sentences.iter().zip(spec.gaps_ms).enumerate() {
        let voice = speak(sentence, &work.path().join(format!("s{n}.wav")));
        let start_ms = samples_to_ms(mix.len());
        mix.extend(voice);
        let end_ms = samples_to_ms(mix.len());
        speech.push((start_ms, end_ms));
        let gap_start = mix.len();
        mix.extend(silence(gap_ms));
        if spec.marker_after == Some(n) {
            assert!(gap_ms >= 1_600, "a marker needs a pause of 1.6 s around it");
            // On the frame grid (a multiple of 100 ms is a whole number of frames at 30 fps).
            let at_ms = (end_ms + gap_ms / 2) / 100 * 100;
            let at = ms_to_samples(at_ms);
            for (i, sample) in mix[at..at + ms_to_samples(MARKER_MS)]
                .iter_mut()
                .enumerate()
            {
                *sample += 0.25
                    * (2.0 * std::f64::consts::PI * MARKER_TONE_HZ * i as f64 / RATE as f64).sin();
            }
            assert!(at > gap_start);
            marker_ms = Some(at_ms);
        }
        if spec.knocks_after == Some(n) {
            knocks = add_knocks(&mut mix, end_ms, end_ms + gap_ms);
        }
    }
    let duration_ms = samples_to_ms(mix.len());
    add_pink_noise(&mut mix, spec.noise_dbfs);
    if let Some(dbfs) = spec.hum_dbfs {
        add_hum(&mut mix, dbfs);
    }
    let wav_path = work.path().join("talk.wav");
    let samples = mix
        .iter()
        .map(|x| (x * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
        .collect();
    wav::write(
        &wav_path,
        &Pcm {
            sample_rate: RATE,
            samples,
        },
    );

    let size = format!("{}x{}", spec.width, spec.height);
    let seconds = format!("{}.{:03}", duration_ms / 1000, duration_ms % 1000);
    let mut picture = if spec.dark_picture {
        format!("color=c=0x303030:s={size}:r={FPS}:d={seconds}")
    } else {
        format!("testsrc2=s={size}:r={FPS}:d={seconds}")
    };
    if let Some(at_ms) = marker_ms {
        let frame = at_ms * FPS as u64 / 1000;
        picture += &format!(",drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='eq(n,{frame})'");
    }
    let encoded = if spec.rotation.is_some() {
        work.path().join("upright.mp4")
    } else {
        output.to_path_buf()
    };
    ffmpeg([
        "-f",
        "lavfi",
        "-i",
        &picture,
        "-i",
        wav_path.to_str().unwrap(),
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-ar",
        "48000",
        "-b:a",
        "128k",
        "-t",
        &seconds,
        "-f",
        "mp4",
        encoded.to_str().unwrap(),
    ]);
    if let Some(rotation) = spec.rotation {
        ffmpeg([
            "-i",
            encoded.to_str().unwrap(),
            "-c",
            "copy",
            "-metadata:s:v:0",
            &format!("rotate={rotation}"),
            "-f",
            "mp4",
            output.to_str().unwrap(),
        ]);
    }
    Truth {
        duration_ms,
        speech,
        marker_ms,
        knocks,
    }
}

/// espeak-ng's voice for `text`, cut to its audible extent, as samples in −1…1.
fn speak(text: &str, wav_path: &Path) -> Vec<f64> {
    run(
        "espeak-ng",
        [
            "-v",
            "en-us",
            "-s",
            "165",
            "-w",
            wav_path.to_str().unwrap(),
            text,
        ],
    );
    let pcm = wav::read(wav_path);
    assert_eq!(pcm.sample_rate, RATE, "espeak-ng's sample rate");
    let audible = |s: &i16| (*s as f64 / 32768.0).abs() >= 0.01;
    let first = pcm
        .samples
        .iter()
        .position(audible)
        .expect("espeak-ng produced sound");
    let last = pcm.samples.iter().rposition(audible).unwrap();
    pcm.samples[first..=last]
        .iter()
        .map(|s| *s as f64 / 32768.0)
        .collect()
}

fn silence(ms: u64) -> Vec<f64> {
    vec![0.0; ms_to_samples(ms)]
}

fn ms_to_samples(ms: u64) -> usize {
    (ms * RATE as u64 / 1000) as usize
}

fn samples_to_ms(samples: usize) -> u64 {
    (samples as u64 * 1000 + RATE as u64 / 2) / RATE as u64
}

/// Two knocks in the pause `[start_ms, end_ms)`, 400 ms after its start and 450 ms before its
/// end (so one side of each is shorter than the usual minimum pause); returns where they are.
/// A knock (a mic stand, a table) is a 4 ms click and the low thump it rings with, under
/// 100 ms in all and with no energy in the speech band beyond the click.
fn add_knocks(mix: &mut [f64], start_ms: u64, end_ms: u64) -> Vec<(u64, u64)> {
    const KNOCK_MS: u64 = 90;
    let mut knocks = Vec::new();
    for at_ms in [start_ms + 400, end_ms - 450] {
        let start = ms_to_samples(at_ms);
        let click = ms_to_samples(4);
        for i in 0..ms_to_samples(KNOCK_MS) {
            let t = i as f64 / RATE as f64;
            let mut x = 0.12 * (-t / 0.025).exp() * (2.0 * std::f64::consts::PI * 65.0 * t).sin();
            if i < click {
                let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
                x += 0.4 * sign * (-(i as f64) / (click as f64 / 4.0)).exp();
            }
            mix[start + i] += x;
        }
        knocks.push((at_ms, at_ms + KNOCK_MS));
    }
    knocks
}

/// Adds mains hum at `dbfs` RMS: 50 Hz with harmonics at 100 and 150 Hz (−6, −12 dB) and a
/// 60 Hz component (−6 dB).
fn add_hum(mix: &mut [f64], dbfs: f64) {
    let parts = [(50.0, 1.0), (100.0, 0.5), (150.0, 0.25), (60.0, 0.5)];
    let power: f64 = parts.iter().map(|(_, a)| a * a / 2.0).sum();
    let gain = 10f64.powf(dbfs / 20.0) / power.sqrt();
    for (n, sample) in mix.iter_mut().enumerate() {
        let t = n as f64 / RATE as f64;
        *sample += gain
            * parts
                .iter()
                .map(|(hz, a)| a * (2.0 * std::f64::consts::PI * hz * t).sin())
                .sum::<f64>();
    }
}

/// Adds pink noise (Paul Kellet's filter over seeded white noise) at `dbfs` RMS.
fn add_pink_noise(mix: &mut [f64], dbfs: f64) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut white = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let mut b = [0.0f64; 7];
    let noise: Vec<f64> = (0..mix.len())
        .map(|_| {
            let w = white();
            b[0] = 0.99886 * b[0] + w * 0.0555179;
            b[1] = 0.99332 * b[1] + w * 0.0750759;
            b[2] = 0.96900 * b[2] + w * 0.1538520;
            b[3] = 0.86650 * b[3] + w * 0.3104856;
            b[4] = 0.55000 * b[4] + w * 0.5329522;
            b[5] = -0.7616 * b[5] - w * 0.0168980;
            let pink = b.iter().sum::<f64>() + w * 0.5362;
            b[6] = w * 0.115926;
            pink
        })
        .collect();
    let rms = (noise.iter().map(|x| x * x).sum::<f64>() / noise.len().max(1) as f64).sqrt();
    let gain = 10f64.powf(dbfs / 20.0) / rms.max(1e-12);
    for (sample, n) in mix.iter_mut().zip(noise) {
        *sample += n * gain;
    }
}

/// The clips the test suites share (each made once per run).
pub mod specs {
    use super::TalkSpec;

    const SENTENCES: &[&str] = &[
        "Welcome to the show where we cut the boring parts out",
        "Today we talk about editing video with a computer",
        "Pauses make a talk feel slow",
        "So we find them and we take them out",
        "The words stay exactly where they were",
        "And nobody hears the difference",
        "That is all for today",
        "Thanks for watching",
    ];
    /// Two of the gaps (350 and 300 ms) are shorter than the default minimum pause.
    const GAPS_MS: &[u64] = &[1_200, 350, 900, 2_000, 300, 700, 1_500, 800];

    /// Eight sentences with pauses over pink noise at −50 dBFS: an ordinary room.
    pub const TALK: TalkSpec = TalkSpec {
        name: "talk-v1-room",
        sentences: SENTENCES,
        lead_in_ms: 600,
        gaps_ms: GAPS_MS,
        noise_dbfs: -50.0,
        width: 320,
        height: 240,
        dark_picture: false,
        rotation: None,
        marker_after: None,
        hum_dbfs: None,
        knocks_after: None,
    };

    /// About two minutes of talk in 24 sentences, for speech recognition.
    pub const LONG_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-long",
        sentences: &[
            "Welcome back to the channel where we make video editing simple",
            "Today I want to show you how to clean up a recorded talk",
            "Most recordings have long pauses between the sentences",
            "Those pauses make the video feel slow and hard to watch",
            "The first step is to find every pause in the sound",
            "We measure how loud the room is when nobody is speaking",
            "Anything quieter than that for half a second counts as a pause",
            "Then we cut the pauses out and keep a little silence on each side",
            "That way the words never sound clipped or rushed",
            "The picture and the sound must stay together at every cut",
            "Next we add captions so people can watch without sound",
            "Each caption shows at most two short lines of text",
            "A caption stays on screen long enough to be read",
            "Captions never run across a cut in the video",
            "We can also change the shape of the video for phones",
            "A tall video fills the whole screen of a phone",
            "Music can play quietly under the voice",
            "A title at the start tells people what the video is about",
            "When everything looks right we export the final file",
            "The result is a clean video that plays everywhere",
            "It takes only a few minutes on an ordinary laptop",
            "Nothing is uploaded to anyone else's computer",
            "Thank you for watching this short guide",
            "See you again in the next video",
        ],
        lead_in_ms: 800,
        gaps_ms: &[
            1_500, 600, 2_200, 900, 1_200, 700, 2_600, 1_000, 800, 1_900, 1_100, 650, 1_400, 2_000,
            900, 1_300, 750, 2_400, 1_000, 600, 1_700, 1_200, 900, 1_500,
        ],
        // A quiet room, 320×240, over a flat dark picture.
        ..DARK_TALK
    };

    /// Talk with filler words ("um", "uh") in it.
    pub const FILLER_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-fillers",
        sentences: &[
            "So, um, I think that, uh, we should start the video now.",
            "Um, the first part is about the music.",
        ],
        lead_in_ms: 500,
        gaps_ms: &[800, 600],
        // A quiet room, 320×240, over a flat dark picture.
        ..DARK_TALK
    };

    /// The same talk over a flat dark picture, so burnt-in captions can be measured.
    pub const DARK_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-dark",
        dark_picture: true,
        ..TALK
    };

    /// The same talk in a noisy room (−38 dBFS of noise).
    pub const NOISY_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-noisy",
        noise_dbfs: -38.0,
        ..TALK
    };

    /// The same talk in a quiet studio (−75 dBFS of noise).
    pub const STUDIO_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-studio",
        noise_dbfs: -75.0,
        ..TALK
    };

    /// Talk under mains hum with a 3 s pause that holds two knocks (after the second
    /// sentence): the pause is one pause, not three pieces between the knocks.
    pub const HUM_KNOCK_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-hum-knocks",
        sentences: &[SENTENCES[0], SENTENCES[1], SENTENCES[2]],
        lead_in_ms: 500,
        gaps_ms: &[700, 3_000, 600],
        noise_dbfs: -60.0,
        hum_dbfs: Some(-42.0),
        knocks_after: Some(1),
        ..TALK
    };

    /// Short phrases spoken one word at a time, so the truth holds every word's time: words
    /// 70–150 ms apart inside a phrase, pauses of 0.9–1.6 s between phrases (trimmed).
    pub const WORD_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-words",
        sentences: &[
            "Open",
            "the",
            "terminal",
            "in",
            "your",
            "home",
            "directory.", //
            "Then",
            "type",
            "the",
            "path.", //
            "Press",
            "enter.", //
            "It",
            "runs",
            "at",
            "once.",
        ],
        lead_in_ms: 500,
        gaps_ms: &[
            120, 90, 150, 80, 110, 100, 1_600, //
            100, 130, 90, 1_400, //
            120, 900, //
            100, 140, 80, 700,
        ],
        // A quiet room, 320×240, over a flat dark picture.
        ..DARK_TALK
    };

    /// An "um" between two phrases, 30–40 ms from each (too close for padding): the
    /// filler's cut must take all of it and nothing of the words either side.
    pub const UM_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-um",
        sentences: &["So,", "um,", "I think we should start the video now."],
        lead_in_ms: 500,
        gaps_ms: &[120, 90, 600],
        // A quiet room, 320×240, over a flat dark picture.
        ..DARK_TALK
    };

    /// Four pauses, then a beep whose onset is a white flash frame, then more talk.
    pub const MARKER_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-marker",
        sentences: &[
            SENTENCES[0],
            SENTENCES[1],
            SENTENCES[2],
            SENTENCES[3],
            SENTENCES[4],
            SENTENCES[5],
        ],
        lead_in_ms: 700,
        gaps_ms: &[900, 1_200, 700, 1_800, 2_000, 600],
        noise_dbfs: -50.0,
        width: 320,
        height: 240,
        dark_picture: true,
        rotation: None,
        marker_after: Some(3),
        hum_dbfs: None,
        knocks_after: None,
    };

    /// Three sentences with two long pauses, 16:9: the protocol tests' talk (it exports to
    /// 1920×1080 at 1080p).
    pub const WIDE_TALK: TalkSpec = TalkSpec {
        name: "talk-v1-wide",
        sentences: &[SENTENCES[0], SENTENCES[1], SENTENCES[2]],
        lead_in_ms: 500,
        gaps_ms: &[1_400, 1_100, 600],
        noise_dbfs: -50.0,
        width: 320,
        height: 180,
        dark_picture: true,
        rotation: None,
        marker_after: None,
        hum_dbfs: None,
        knocks_after: None,
    };

    /// A short clip for shape tests: landscape, portrait and a rotated phone clip.
    pub const SHORT_LANDSCAPE: TalkSpec = TalkSpec {
        name: "short-v1-landscape",
        sentences: &[SENTENCES[6]],
        lead_in_ms: 200,
        gaps_ms: &[200],
        noise_dbfs: -50.0,
        width: 320,
        height: 180,
        dark_picture: false,
        rotation: None,
        marker_after: None,
        hum_dbfs: None,
        knocks_after: None,
    };

    pub const SHORT_PORTRAIT: TalkSpec = TalkSpec {
        name: "short-v1-portrait",
        width: 180,
        height: 320,
        ..SHORT_LANDSCAPE
    };

    /// Stored 320×180 with a 90° display rotation: shown as 180×320, as phones record.
    pub const SHORT_PHONE: TalkSpec = TalkSpec {
        name: "short-v1-phone",
        rotation: Some(90),
        ..SHORT_LANDSCAPE
    };
}
