//! A long export in parts equals the one-job render: as long (±1 frame), the same picture at
//! every join (PSNR ≥ 40 dB against the one-job frame of the same index, on footage where
//! every frame differs), the same sound sample for sample, and it decodes without an error.
//! Small here (a 10.7 s timeline cut into parts of about 2 s); the benchmark does 10 minutes.

use std::path::PathBuf;

use media::process::CancelToken;
use media::render::parts::{plan_parts, render_in_parts};
use media::render::{render, Format, Quality, RenderSettings, Source, Sources, Streams};
use media::Limits;
use testkit::measure::{audio_mono, decode_errors, gray_frames, psnr, streams};

/// 12 s of a moving pattern with a running clock (every frame differs) and a tone.
fn moving_pattern() -> PathBuf {
    testkit::cached("parts-moving-640x360-12s.mp4", |path| {
        testkit::tools::ffmpeg([
            "-f",
            "lavfi",
            "-i",
            "testsrc2=s=640x360:r=30:d=12",
            "-f",
            "lavfi",
            "-i",
            "sine=f=440:d=12:sample_rate=48000",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            path.to_str().unwrap(),
        ]);
    })
}

#[test]
fn an_export_in_parts_matches_the_one_job_render() {
    let clip = moving_pattern();
    // Three clips cut from the source, a title over two joins, the picture's colours changed.
    let draft = timeline::wire::from_json(
        r##"{ "d": 10700, "m": {"w": 640, "h": 360, "fps": 30, "color": {"saturation": 1.4}},
          "t": [
            {"id": "v1", "tt": 0, "sg": [
              {"id": "s1", "src": "clip", "s": 0, "in": 0, "d": 2500},
              {"id": "s2", "src": "clip", "s": 2500, "in": 3000, "d": 3200},
              {"id": "s3", "src": "clip", "s": 5700, "in": 7000, "d": 5000}]},
            {"id": "x1", "tt": 7, "sg": [{"id": "t1", "s": 1000, "d": 8000,
                "m": {"text": "Parts", "role": "title", "position": "top"}}]}
          ] }"##,
    )
    .unwrap();
    let probe = media::probe::probe(&clip, &Limits::default()).unwrap();
    let sources: Sources = [("clip".to_string(), Source { path: clip, probe })].into();
    let settings = RenderSettings {
        format: Format::Mp4,
        encoding: Quality::High.encoding(),
        quality: Quality::High,
        font: media::render::fonts::title_font(["Parts"]),
        limits: Limits::default(),
        cancel: CancelToken::new(),
        work_in: None,
        streams: Streams::All,
    };
    let scratch = testkit::scratch();
    let (whole, joined) = (
        scratch.path().join("whole.mp4"),
        scratch.path().join("joined.mp4"),
    );
    render(&draft, &sources, &whole, &settings, |_| {}).unwrap();
    let ranges = plan_parts(&draft, Format::Mp4, 2_000);
    assert!(ranges.len() >= 4, "{ranges:?}");
    let mut last = 0.0;
    render_in_parts(&draft, &sources, &joined, &settings, 2_000, 2, |fraction| {
        assert!(fraction >= last - 1e-9, "progress goes forward");
        last = fraction;
    })
    .unwrap();
    assert_eq!(last, 1.0);

    assert_eq!(decode_errors(&joined), "", "decodes without an error");
    let (one, parts) = (
        gray_frames(&whole, 640, 360),
        gray_frames(&joined, 640, 360),
    );
    assert!(
        one.len().abs_diff(parts.len()) <= 1,
        "frames: one job {}, in parts {}",
        one.len(),
        parts.len()
    );
    let joins: Vec<usize> = ranges[1..]
        .iter()
        .map(|r| (r.start_ms as f64 * 30.0 / 1000.0).round() as usize)
        .collect();
    let mut weakest_join = f64::INFINITY;
    for &join in &joins {
        for index in join.saturating_sub(2)..(join + 2).min(parts.len()).min(one.len()) {
            let db = psnr(&one[index], &parts[index]);
            assert!(db >= 40.0, "frame {index} (join at {join}): {db:.1} dB");
            // Not a neighbour's picture: no frame dropped, doubled or shifted at the join.
            for neighbour in [index.saturating_sub(1), index + 1] {
                if neighbour != index && neighbour < one.len() {
                    let other = psnr(&one[neighbour], &parts[index]);
                    assert!(other + 10.0 < db, "frame {index} looks like {neighbour}");
                }
            }
            weakest_join = weakest_join.min(db);
        }
    }
    let weakest = one
        .iter()
        .zip(&parts)
        .map(|(a, b)| psnr(a, b))
        .fold(f64::INFINITY, f64::min);
    eprintln!(
        "{} parts, joins at frames {joins:?}: weakest join frame {weakest_join:.1} dB, weakest frame {weakest:.1} dB",
        ranges.len()
    );

    let (sound_one, sound_parts) = (audio_mono(&whole, 48_000), audio_mono(&joined, 48_000));
    assert_eq!(
        sound_one.len(),
        sound_parts.len(),
        "no sample gained or lost"
    );
    let most = sound_one
        .iter()
        .zip(&sound_parts)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(most < 1e-4, "the same sound (largest difference {most})");
    let measured = streams(&joined);
    let seconds = |stream: &testkit::measure::Stream| -> f64 {
        stream.duration.as_deref().unwrap().parse().unwrap()
    };
    let (video_s, audio_s) = (seconds(measured.video()), seconds(measured.audio()));
    assert!(
        (video_s - audio_s).abs() <= 1.0 / 30.0 + 0.001,
        "picture {video_s} s and sound {audio_s} s end together"
    );
}
