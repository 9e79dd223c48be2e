//! A title and captions drawn at every pair of places (top, middle, bottom) on a portrait and
//! a landscape canvas never cover each other: the title is red, the captions green, and the
//! boxes around the pixels of each colour, measured on the rendered frame, stay apart.

use std::path::{Path, PathBuf};

use media::process::CancelToken;
use media::render::{render, Quality, RenderSettings, Source, Sources, Streams};
use media::Limits;
use testkit::measure::rgb_frame_at;

const PLACES: [&str; 3] = ["top", "center", "bottom"];

/// A flat black clip of one second, `width`×`height`, no sound.
fn black_clip(width: u32, height: u32) -> PathBuf {
    testkit::picture_clip(
        &format!("black-{width}x{height}.mp4"),
        &format!("color=c=black:s={width}x{height}:r=30:d=1"),
        "null",
    )
}

/// The box (x0, y0, x1, y1) around the pixels `is_colour` picks, and how many there are.
fn colour_box(
    frame: &[u8],
    width: u32,
    is_colour: impl Fn(u8, u8, u8) -> bool,
) -> (usize, (i64, i64, i64, i64)) {
    let mut count = 0;
    let mut bounds = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
    for (i, pixel) in frame.chunks_exact(3).enumerate() {
        if is_colour(pixel[0], pixel[1], pixel[2]) {
            let (x, y) = ((i as u32 % width) as i64, (i as u32 / width) as i64);
            count += 1;
            bounds = (
                bounds.0.min(x),
                bounds.1.min(y),
                bounds.2.max(x),
                bounds.3.max(y),
            );
        }
    }
    (count, bounds)
}

/// Pixels between two boxes (negative when they intersect): the larger of the horizontal and
/// the vertical distance.
fn gap(a: (i64, i64, i64, i64), b: (i64, i64, i64, i64)) -> i64 {
    let horizontal = (b.0 - a.2).max(a.0 - b.2) - 1;
    let vertical = (b.1 - a.3).max(a.1 - b.3) - 1;
    horizontal.max(vertical)
}

/// A title and captions at the given places over `clip`, rendered into `folder`.
fn render_pair(
    clip: &Path,
    folder: &Path,
    (width, height): (u32, u32),
    (title_at, captions_at): (&str, &str),
) -> PathBuf {
    let draft = timeline::wire::from_json(&format!(
        r##"{{ "d": 1000, "m": {{"w": {width}, "h": {height}, "fps": 30}},
          "t": [
            {{"id": "v1", "tt": 0, "sg": [{{"id": "s1", "src": "clip", "s": 0, "in": 0, "d": 1000}}]}},
            {{"id": "x1", "tt": 7, "sg": [{{"id": "t1", "s": 0, "d": 1000,
                "m": {{"text": "Park Update", "role": "title", "position": "{title_at}", "color": "red"}}}}]}},
            {{"id": "captions", "tt": 7, "sg": [{{"id": "c1", "s": 0, "d": 1000,
                "m": {{"text": "Two lines of\ncaption text", "role": "caption", "position": "{captions_at}",
                      "color": "#00ff00"}}}}]}}
          ] }}"##
    ))
    .unwrap();
    let probe = media::probe::probe(clip, &Limits::default()).unwrap();
    let sources: Sources = [(
        "clip".to_string(),
        Source {
            path: clip.to_path_buf(),
            probe,
        },
    )]
    .into_iter()
    .collect();
    let texts = ["Park Update", "Two lines of\ncaption text"];
    let settings = RenderSettings {
        format: Default::default(),
        encoding: Quality::Draft.encoding(),
        quality: Quality::Draft,
        font: media::render::fonts::title_font(texts),
        limits: Limits::default(),
        cancel: CancelToken::new(),
        work_in: None,
        streams: Streams::All,
    };
    let out = folder.join(format!(
        "layout-{width}x{height}-title-{title_at}-captions-{captions_at}.mp4"
    ));
    render(&draft, &sources, &out, &settings, |_| {}).unwrap();
    out
}

#[test]
fn a_title_and_captions_at_any_places_never_touch() {
    let scratch = testkit::scratch();
    let mut smallest_gap = i64::MAX;
    for canvas in [(180, 320), (320, 180)] {
        let clip = black_clip(canvas.0, canvas.1);
        for title_at in PLACES {
            for captions_at in PLACES {
                let out = render_pair(&clip, scratch.path(), canvas, (title_at, captions_at));
                let (width, _, frame) = rgb_frame_at(&out, 0.5);
                let (reds, title) =
                    colour_box(&frame, width, |r, g, b| r > 150 && g < 90 && b < 90);
                let (greens, captions) =
                    colour_box(&frame, width, |r, g, b| g > 150 && r < 110 && b < 110);
                let case = format!(
                    "{canvas:?}: title {title_at} {title:?}, captions {captions_at} {captions:?}"
                );
                assert!(
                    reds > 30 && greens > 30,
                    "both drawn ({reds}, {greens}) {case}"
                );
                let apart = gap(title, captions);
                assert!(apart >= 1, "they touch ({apart} px) {case}");
                smallest_gap = smallest_gap.min(apart);
            }
        }
    }
    eprintln!("smallest gap between a title and captions: {smallest_gap} px");
}
