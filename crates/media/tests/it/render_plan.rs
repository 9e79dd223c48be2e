//! Golden tests of the render plan: the exact ffmpeg arguments and filter graph for drafts of
//! each shape. A change to the plan shows up here as a readable diff; to accept it, run the
//! tests with `UPDATE_GOLDEN=1` and review the new files under `tests/golden/`.

use std::path::{Path, PathBuf};

use media::probe::{AudioInfo, Container, FrameRate, MediaKind, Probe, VideoInfo};
use media::process::CancelToken;
use media::render::fonts::Font;
use media::render::{
    plan, FileContents, Format, Quality, RenderPaths, RenderSettings, Source, Sources, Streams,
};
use media::Limits;
use timeline::Draft;

fn video_probe(width: u32, height: u32, rotation: u32) -> Probe {
    Probe {
        container: Container::Mp4,
        kind: MediaKind::Video,
        duration_ms: 12_000,
        size_bytes: 1_000_000,
        stream_count: 2,
        video: Some(VideoInfo {
            codec: "h264".into(),
            coded_width: width,
            coded_height: height,
            rotation,
            fps: FrameRate { num: 30, den: 1 },
        }),
        audio: Some(audio_info()),
    }
}

fn audio_info() -> AudioInfo {
    AudioInfo {
        codec: "aac".into(),
        sample_rate: 48_000,
        channels: 2,
        duration_ms: Some(12_000),
    }
}

fn sources() -> Sources {
    let music = Probe {
        container: Container::Mp3,
        kind: MediaKind::Audio,
        video: None,
        stream_count: 1,
        // Mono, as many music files and voice memos are.
        audio: Some(AudioInfo {
            channels: 1,
            ..audio_info()
        }),
        ..video_probe(2, 2, 0)
    };
    let still = Probe {
        container: Container::Png,
        kind: MediaKind::Image,
        duration_ms: 0,
        audio: None,
        stream_count: 1,
        ..video_probe(800, 800, 0)
    };
    [
        ("a_city", "/media/city.mp4", video_probe(1920, 1080, 0)),
        ("a_phone", "/media/phone.mov", video_probe(1920, 1080, 90)),
        ("a_lofi", "/media/lo-fi, take 2.mp3", music),
        ("a_logo", "/media/logo.png", still),
        (
            "a_silent",
            "/media/screen.mp4",
            Probe {
                audio: None,
                stream_count: 1,
                ..video_probe(1280, 720, 0)
            },
        ),
    ]
    .into_iter()
    .map(|(id, path, probe)| {
        (
            id.to_string(),
            Source {
                path: PathBuf::from(path),
                probe,
            },
        )
    })
    .collect()
}

fn check(name: &str, draft_json: &str) {
    check_as(name, draft_json, Format::Mp4, Streams::All);
}

/// [`check`] for an export in `format`, making `streams`.
fn check_as(name: &str, draft_json: &str, format: Format, streams: Streams) {
    let draft: Draft = timeline::wire::from_json(draft_json).unwrap();
    let settings = RenderSettings {
        format,
        encoding: Quality::High.encoding(),
        quality: Quality::High,
        font: Some(Font {
            path: PathBuf::from("/fonts/Sans Bold.ttf"),
            family: "Sans".into(),
        }),
        limits: Limits::default(),
        cancel: CancelToken::new(),
        work_in: None,
        streams,
    };
    let paths = RenderPaths {
        output: PathBuf::from("/out/.cutline-x.part.mp4"),
        work_dir: PathBuf::from("render-job"),
    };
    let plan = plan(&draft, &sources(), &settings, &paths).unwrap();
    let mut text = String::new();
    for arg in &plan.args {
        let arg = arg.to_string_lossy();
        if arg.contains(';') {
            text += "\n  ";
            text += &arg.replace(';', ";\n  ");
            text += "\n";
        } else {
            text += &arg;
            text += "\n";
        }
    }
    for file in &plan.files {
        text += &match &file.contents {
            FileContents::Text(contents) => format!(
                "file {}:\n  | {}\n",
                file.path.display(),
                contents.replace('\n', "\n  | ")
            ),
            FileContents::LinkTo(target) => {
                format!("file {} → {}\n", file.path.display(), target.display())
            }
        };
    }
    let golden = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&golden).unwrap_or_else(|_| {
        panic!(
            "no golden file {}: run with UPDATE_GOLDEN=1",
            golden.display()
        )
    });
    assert!(
        expected == text,
        "the plan for {name} changed; run with UPDATE_GOLDEN=1 to accept.\n--- expected\n{expected}\n--- got\n{text}"
    );
}

#[test]
fn the_three_track_example_of_the_design() {
    check(
        "three-tracks",
        r#"{ "d": 10000, "m": {"w": 1920, "h": 1080, "fps": 30},
          "t": [
            {"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": "a_city", "s": 0, "in": 0, "d": 10000}]},
            {"id": "a1", "tt": 1, "sg": [{"id": "s2", "src": "a_lofi", "s": 0, "in": 0, "d": 10000,
                                           "m": {"name": "Lo-fi", "volume": 0.35}}]},
            {"id": "x1", "tt": 7, "sg": [{"id": "s3", "s": 0, "d": 3000,
                                           "m": {"text": "Urban Dreams: it's [new]", "role": "title"}}]}
          ] }"#,
    );
}

#[test]
fn trimmed_pieces_of_one_clip_a_gap_a_still_and_fades() {
    check(
        "pieces-gap-still",
        r#"{ "d": 9000, "m": {"w": 1080, "h": 1920, "fps": 29.97, "fit": "blur", "fade_in": 500, "fade_out": 1000},
          "t": [
            {"id": "v1", "tt": 0, "sg": [
              {"id": "s1", "src": "a_phone", "s": 0, "in": 0, "d": 2000},
              {"id": "s1-2", "src": "a_phone", "s": 2000, "in": 3500, "d": 2000, "m": {"speed": 1.5, "volume": 0.8}},
              {"id": "s2", "src": "a_city", "s": 5000, "in": 1000, "d": 2000},
              {"id": "s3", "src": "a_logo", "s": 7000, "d": 2000}
            ]},
            {"id": "a1", "tt": 1, "sg": [{"id": "m1", "src": "a_lofi", "s": 1000, "in": 500, "d": 8000,
                                           "m": {"volume": 0.35, "fade_in": 1000, "fade_out": 2000}}]}
          ] }"#,
    );
}

#[test]
fn a_title_and_karaoke_captions_on_a_portrait_canvas() {
    check(
        "title-and-captions",
        r#"{ "d": 4000, "m": {"w": 1080, "h": 1920, "fps": 30},
          "t": [
            {"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": "a_phone", "s": 0, "in": 0, "d": 4000}]},
            {"id": "x1", "tt": 7, "sg": [{"id": "t1", "s": 0, "d": 1500, "m": {"text": "Day one", "position": "top"}}]},
            {"id": "captions", "tt": 7, "sg": [
              {"id": "c1", "s": 500, "d": 1500, "m": {"text": "Hello there,\nfriends.", "role": "caption",
                "position": "bottom", "style": "karaoke",
                "words": [{"w": "Hello", "s": 0, "d": 400}, {"w": "there,", "s": 450, "d": 400}, {"w": "friends.", "s": 900, "d": 500}]}},
              {"id": "c2", "s": 2500, "d": 1000, "m": {"text": "加字幕", "role": "caption", "position": "bottom"}}
            ]}
          ] }"#,
    );
}

/// A portrait clip joined after a landscape one, no fit chosen (schema 2): the portrait clip
/// is fitted over a blurred copy of itself, the landscape one scaled.
#[test]
fn a_portrait_clip_after_a_landscape_one_is_fitted_not_cropped() {
    check(
        "joined-orientations",
        r#"{ "v": 2, "d": 6000, "m": {"w": 1920, "h": 1080, "fps": 30},
          "t": [
            {"id": "v1", "tt": 0, "sg": [
              {"id": "s1", "src": "a_city", "s": 0, "in": 0, "d": 3000},
              {"id": "s2", "src": "a_phone", "s": 3000, "in": 0, "d": 3000}
            ]}
          ] }"#,
    );
}

/// A title asked at the bottom, where the captions are, stands above their tallest caption.
#[test]
fn a_title_at_the_bottom_stacks_above_bottom_captions() {
    check(
        "title-over-captions",
        r#"{ "d": 4000, "m": {"w": 1920, "h": 1080, "fps": 30},
          "t": [
            {"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": "a_city", "s": 0, "in": 0, "d": 4000}]},
            {"id": "x1", "tt": 7, "sg": [{"id": "t1", "s": 0, "d": 4000, "m": {"text": "Park Update", "position": "bottom"}}]},
            {"id": "captions", "tt": 7, "sg": [
              {"id": "c1", "s": 500, "d": 1500, "m": {"text": "Two lines of\ncaption text", "role": "caption", "position": "bottom"}}
            ]}
          ] }"#,
    );
}

#[test]
fn looped_ducked_music_colour_and_loudness() {
    check(
        "loop-color-loudness",
        r#"{ "d": 10000, "m": {"w": 1920, "h": 1080, "fps": 30, "loudness": -14, "color": {"brightness": 0.1, "saturation": 0}},
          "t": [
            {"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": "a_city", "s": 0, "in": 0, "d": 10000}]},
            {"id": "music", "tt": 1, "sg": [{"id": "m1", "src": "a_lofi", "s": 0, "in": 0, "d": 10000,
                                              "m": {"volume": 0.35, "loop": true, "fade_out": 1000, "duck": true}}]}
          ] }"#,
    );
}

#[test]
fn a_crossfade_between_two_clips() {
    check(
        "crossfade",
        r#"{ "d": 7000, "m": {"w": 1920, "h": 1080, "fps": 30},
          "t": [
            {"id": "v1", "tt": 0, "sg": [
              {"id": "s1", "src": "a_city", "s": 0, "in": 0, "d": 4000},
              {"id": "s2", "src": "a_phone", "s": 4000, "in": 0, "d": 3000, "m": {"xfade": 1000}}
            ]}
          ] }"#,
    );
}

#[test]
fn a_logo_over_the_main_track() {
    check(
        "logo-overlay",
        r#"{ "d": 6000, "m": {"w": 1920, "h": 1080, "fps": 30},
          "t": [
            {"id": "v1", "tt": 0, "sg": [{"id": "s1", "src": "a_city", "s": 0, "in": 0, "d": 6000}]},
            {"id": "overlay", "tt": 0, "sg": [{"id": "o1", "src": "a_logo", "s": 1000, "d": 4000,
                                                "m": {"corner": "bottom_left", "width": 0.1}}]}
          ] }"#,
    );
}

/// Clips that start off the frame grid (30 fps: every 33.3 ms), a gap, and a video without
/// sound read only deep in (opened with a seek): as a part's picture, as the sound alone,
/// and as an M4A.
const OFF_GRID: &str = r#"{ "d": 6500, "m": {"w": 1280, "h": 720, "fps": 30},
    "t": [{"id": "v1", "tt": 0, "sg": [
        {"id": "s1", "src": "a_city", "s": 0, "in": 1013, "d": 3010},
        {"id": "s2", "src": "a_city", "s": 3010, "in": 10500, "d": 1230},
        {"id": "s3", "src": "a_silent", "s": 5000, "in": 10400, "d": 1500}]}] }"#;

#[test]
fn a_part_picture_reads_no_sound_and_opens_a_deep_source_with_a_seek() {
    check_as(
        "part-picture",
        OFF_GRID,
        Format::Mp4,
        Streams::PartPicture { captions: None },
    );
}

#[test]
fn the_sound_alone_reads_no_picture() {
    check_as("sound-alone", OFF_GRID, Format::Mp4, Streams::Sound);
}

#[test]
fn an_m4a_of_a_timeline_with_a_video_without_sound_is_silence_there() {
    check_as(
        "m4a-with-a-silent-video",
        OFF_GRID,
        Format::M4a,
        Streams::All,
    );
}
