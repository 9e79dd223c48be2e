//! A long export in parts equals the one-job render: as long (±1 frame), the same picture at
//! every join (PSNR ≥ 40 dB against the one-job frame of the same index, on footage where
//! every frame differs), the same sound sample for sample, and it decodes without an error.
//! Small here (timelines of 10–30 s cut into parts of a few seconds); the benchmark does 10
//! minutes. The second test cuts the way a pause trim does (at any millisecond, 29.97 fps):
//! picture and sound stay together within a frame in both renders, from the first cut to
//! the last.

use std::path::PathBuf;

use media::process::CancelToken;
use media::render::parts::{plan_parts, render_in_parts};
use media::render::{render, Format, Quality, RenderSettings, Source, Sources, Streams};
use media::Limits;
use testkit::measure::{audio_mono, decode_errors, gray_frames, psnr, streams};
use timeline::time::TimeRange;

/// `picture` and `sound` (lavfi sources) encoded as a camera would: H.264 with a keyframe
/// every 2 s, AAC.
fn footage(name: &str, picture: &str, sound: &str) -> PathBuf {
    testkit::cached(name, |path| {
        testkit::tools::ffmpeg([
            "-f",
            "lavfi",
            "-i",
            picture,
            "-f",
            "lavfi",
            "-i",
            sound,
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
            "-b:a",
            "192k",
            path.to_str().unwrap(),
        ]);
    })
}

/// 12 s of a moving pattern with a running clock (every frame differs) and a tone.
fn moving_pattern() -> PathBuf {
    footage(
        "parts-moving-640x360-12s.mp4",
        "testsrc2=s=640x360:r=30:d=12",
        "sine=f=440:d=12:sample_rate=48000",
    )
}

/// 40 s at 29.97 fps of a moving pattern, with a white flash and a beep together at the
/// start of every second: where picture and sound stand against each other is measurable.
fn flashes_and_beeps() -> PathBuf {
    footage(
        "parts-flashes-320x180-29.97-40s.mp4",
        "testsrc2=s=320x180:r=30000/1001:d=40,\
         drawbox=w=320:h=180:color=white:t=fill:enable='lt(mod(t,1),0.1)'",
        "aevalsrc=exprs='if(lt(mod(t,1),0.1),0.5*sin(2*PI*1000*t),0)':s=48000:d=40",
    )
}

fn settings_for(font: Option<media::render::fonts::Font>) -> RenderSettings {
    RenderSettings {
        format: Format::Mp4,
        encoding: Quality::High.encoding(),
        quality: Quality::High,
        font,
        limits: Limits::default(),
        cancel: CancelToken::new(),
        work_in: None,
        streams: Streams::All,
    }
}

/// Renders `draft` over `clip` as one job and in parts of about `target_ms` (two at a time),
/// the parts' progress going forward to the end: the scratch folder, both files and the
/// parts' ranges.
fn both_renders(
    draft: &timeline::Draft,
    clip: PathBuf,
    settings: &RenderSettings,
    target_ms: u64,
) -> (tempfile::TempDir, PathBuf, PathBuf, Vec<TimeRange>) {
    let probe = media::probe::probe(&clip, &Limits::default()).unwrap();
    let sources: Sources = [("clip".to_string(), Source { path: clip, probe })].into();
    let scratch = testkit::scratch();
    let (whole, joined) = (
        scratch.path().join("whole.mp4"),
        scratch.path().join("joined.mp4"),
    );
    render(draft, &sources, &whole, settings, |_| {}).unwrap();
    let ranges = plan_parts(draft, Format::Mp4, target_ms);
    let mut last = 0.0;
    render_in_parts(
        draft,
        &sources,
        &joined,
        settings,
        target_ms,
        2,
        |fraction| {
            assert!(fraction >= last - 1e-9, "progress goes forward");
            last = fraction;
        },
    )
    .unwrap();
    assert_eq!(last, 1.0);
    assert_eq!(decode_errors(&joined), "", "decodes without an error");
    (scratch, whole, joined, ranges)
}

/// The picture and the sound of `path` (30 fps) end within a frame of each other.
fn assert_ends_together(path: &std::path::Path) {
    let measured = streams(path);
    let seconds = |stream: &testkit::measure::Stream| -> f64 {
        stream.duration.as_deref().unwrap().parse().unwrap()
    };
    let (video_s, audio_s) = (seconds(measured.video()), seconds(measured.audio()));
    assert!(
        (video_s - audio_s).abs() <= 1.0 / 30.0 + 0.001,
        "picture {video_s} s and sound {audio_s} s end together"
    );
}

/// `a` and `b` have the same sound, sample for sample (to AAC's rounding).
fn assert_same_sound(a: &std::path::Path, b: &std::path::Path) {
    let (sound_a, sound_b) = (audio_mono(a, 48_000), audio_mono(b, 48_000));
    assert_eq!(sound_a.len(), sound_b.len(), "no sample gained or lost");
    let most = sound_a
        .iter()
        .zip(&sound_b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(most < 1e-4, "the same sound (largest difference {most})");
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
    let settings = settings_for(media::render::fonts::title_font(["Parts"]));
    let (_scratch, whole, joined, ranges) = both_renders(&draft, clip, &settings, 2_000);
    assert!(ranges.len() >= 4, "{ranges:?}");
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

    assert_same_sound(&whole, &joined);
    assert_ends_together(&joined);
}

/// Where each flash starts (seconds, at 29.97 fps) and each beep starts (seconds).
fn flash_and_beep_onsets(path: &std::path::Path) -> (Vec<f64>, Vec<f64>) {
    let frame_s = 1001.0 / 30_000.0;
    let mut flashes = Vec::new();
    let mut lit = false;
    for (index, frame) in gray_frames(path, 320, 180).iter().enumerate() {
        let mean = frame.iter().map(|&p| f64::from(p)).sum::<f64>() / frame.len() as f64;
        if mean > 200.0 && !lit {
            flashes.push(index as f64 * frame_s);
        }
        lit = mean > 200.0;
    }
    let mut beeps = Vec::new();
    let mut last_loud: Option<usize> = None;
    for (index, sample) in audio_mono(path, 48_000).iter().enumerate() {
        if sample.abs() > 0.1 {
            // After 50 ms of quiet: a beep starts.
            if last_loud.is_none_or(|last| index - last > 2_400) {
                beeps.push(index as f64 / 48_000.0);
            }
            last_loud = Some(index);
        }
    }
    (flashes, beeps)
}

#[test]
fn cuts_at_any_millisecond_keep_picture_and_sound_together_in_parts_and_whole() {
    let clip = flashes_and_beeps();
    // A talk trimmed of its pauses: 30 clips of 0.6–2.0 s at any millisecond, each source
    // in-point past a pause of 0.1–0.9 s after the last.
    let mut seed: u64 = 7;
    let mut next = |below: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % below
    };
    let (mut start, mut source_in) = (0, 0);
    let mut segments = Vec::new();
    for i in 0..30 {
        let length = 600 + next(1_400);
        if source_in + length > 39_000 {
            source_in = next(900);
        }
        segments.push(format!(
            r#"{{"id": "s{i}", "src": "clip", "s": {start}, "in": {source_in}, "d": {length}}}"#
        ));
        start += length;
        source_in += length + 100 + next(800);
    }
    let draft = timeline::wire::from_json(&format!(
        r#"{{"d": {start}, "m": {{"w": 320, "h": 180, "fps": 29.97}},
            "t": [{{"id": "v1", "tt": 0, "sg": [{}]}}]}}"#,
        segments.join(",")
    ))
    .unwrap();
    let (_scratch, whole, joined, ranges) = both_renders(&draft, clip, &settings_for(None), 4_000);
    assert!(ranges.len() >= 5, "{ranges:?}");

    // Every frame of the timeline's grid, no more: ceil(d × 30000 / 1001 / 1000).
    let expected_frames = (start * 30_000).div_ceil(1_001 * 1_000) as usize;
    let (one, parts) = (
        gray_frames(&whole, 320, 180),
        gray_frames(&joined, 320, 180),
    );
    assert_eq!(one.len(), expected_frames, "one job");
    assert_eq!(parts.len(), expected_frames, "in parts");
    // Each part starts on a keyframe where the one job has none, so the encoder's noise
    // differs a little everywhere; the picture is the same at every frame (nearer the one
    // job's frame of that index than its neighbours), and at the joins as good as 40 dB.
    let joins: Vec<usize> = ranges[1..]
        .iter()
        .map(|r| (r.start_ms * 30_000).div_ceil(1_001 * 1_000) as usize)
        .collect();
    for (index, (a, b)) in one.iter().zip(&parts).enumerate() {
        let db = psnr(a, b);
        let near_a_join = joins.iter().any(|&join| index.abs_diff(join) <= 2);
        let least = if near_a_join { 40.0 } else { 32.0 };
        assert!(db >= least, "frame {index} (joins {joins:?}): {db:.1} dB");
        for neighbour in [index.saturating_sub(1), index + 1] {
            // (Neighbours that are one picture, a source picture held, prove nothing.)
            if neighbour != index && neighbour < one.len() && psnr(&one[neighbour], a) < 50.0 {
                let other = psnr(&one[neighbour], b);
                assert!(
                    other < db,
                    "frame {index} looks like {neighbour}: {other:.1} dB"
                );
            }
        }
    }
    assert_same_sound(&whole, &joined);

    for output in [&whole, &joined] {
        let (flashes, beeps) = flash_and_beep_onsets(output);
        assert!(flashes.len() >= 20, "{flashes:?}");
        let mut worst = 0.0f64;
        for flash in &flashes {
            let beep = beeps
                .iter()
                .copied()
                .min_by(|a, b| (a - flash).abs().total_cmp(&(b - flash).abs()))
                .unwrap();
            // Each frame shows the source picture nearest its moment: within a frame.
            let offset_ms = (flash - beep) * 1000.0;
            assert!(
                offset_ms.abs() <= 1001.0 / 30.0 + 2.0,
                "{}: flash at {flash:.3} s, beep at {beep:.3} s",
                output.display()
            );
            worst = worst.max(offset_ms.abs());
        }
        eprintln!(
            "{}: {} flashes, picture at most {worst:.1} ms from its sound",
            output.display(),
            flashes.len()
        );
    }
}

/// 10 s of pictures at one frame a second under 20 s of sound: a slideshow, and a stretch of
/// sound with no picture at all.
fn slideshow() -> PathBuf {
    footage(
        "parts-slideshow-1fps-320x180.mp4",
        "testsrc2=s=320x180:r=1:d=10",
        "sine=f=440:d=20:sample_rate=48000",
    )
}

#[test]
fn clips_of_a_sparse_source_and_past_its_picture_keep_every_frame_in_place() {
    // Clips shorter than the source's frame interval, and one past the end of its picture.
    let draft = timeline::wire::from_json(
        r#"{ "d": 4350, "m": {"w": 320, "h": 180, "fps": 30},
          "t": [{"id": "v1", "tt": 0, "sg": [
            {"id": "s1", "src": "clip", "s": 0, "in": 1300, "d": 400},
            {"id": "s2", "src": "clip", "s": 400, "in": 2550, "d": 350},
            {"id": "s3", "src": "clip", "s": 750, "in": 14000, "d": 1600},
            {"id": "s4", "src": "clip", "s": 2350, "in": 6100, "d": 2000}]}] }"#,
    )
    .unwrap();
    let clip = slideshow();
    let probe = media::probe::probe(&clip, &Limits::default()).unwrap();
    let sources: Sources = [("clip".to_string(), Source { path: clip, probe })].into();
    let scratch = testkit::scratch();
    let output = scratch.path().join("out.mp4");
    render(&draft, &sources, &output, &settings_for(None), |_| {}).unwrap();
    let frames = gray_frames(&output, 320, 180);
    assert_eq!(
        frames.len(),
        (4350usize * 30).div_ceil(1000),
        "ceil(4.35 s × 30)"
    );
    let mean = |f: &Vec<u8>| f.iter().map(|&p| f64::from(p)).sum::<f64>() / f.len() as f64;
    // s3 plays where there is no picture: black there, and the pattern again after it.
    assert!(mean(&frames[40]) < 20.0, "{}", mean(&frames[40]));
    assert!(mean(&frames[100]) > 40.0, "{}", mean(&frames[100]));
    assert_ends_together(&output);
}
