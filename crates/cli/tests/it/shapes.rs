//! Every aspect preset gives exactly its canvas, for landscape, portrait and rotated-phone
//! clips, with each fit mode; without a preset the clip keeps its shape.

use testkit::measure::streams;
use testkit::talk::{specs, talk, TalkSpec};

use crate::{cutline_ok, path_str};

/// Renders `spec`'s clip with `flags` and returns the output's (width, height).
fn rendered_size(spec: &TalkSpec, flags: &[&str]) -> (u32, u32) {
    let clip = talk(spec);
    let scratch = testkit::scratch();
    let out = scratch.path().join("shaped.mp4");
    let mut args = vec![
        "edit",
        path_str(&clip.path),
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ];
    args.extend_from_slice(flags);
    cutline_ok(&args);
    let info = streams(&out);
    (info.video().width.unwrap(), info.video().height.unwrap())
}

fn check_presets(spec: &TalkSpec) {
    let table = [
        (["--aspect", "16:9", "--fit", "crop"], (1920, 1080)),
        (["--aspect", "9:16", "--fit", "blur"], (1080, 1920)),
        (["--aspect", "1:1", "--fit", "pad"], (1080, 1080)),
        (["--aspect", "4:5", "--fit", "crop"], (1080, 1350)),
    ];
    for (flags, expected) in table {
        assert_eq!(
            rendered_size(spec, &flags),
            expected,
            "{} with {flags:?}",
            spec.name
        );
    }
}

#[test]
fn presets_from_a_landscape_clip() {
    check_presets(&specs::SHORT_LANDSCAPE);
}

#[test]
fn presets_from_a_portrait_clip() {
    check_presets(&specs::SHORT_PORTRAIT);
}

#[test]
fn presets_from_a_rotated_phone_clip() {
    check_presets(&specs::SHORT_PHONE);
}

#[test]
fn smaller_resolutions_and_the_clips_own_shape() {
    let landscape = &specs::SHORT_LANDSCAPE;
    assert_eq!(
        rendered_size(landscape, &["--aspect", "9:16", "--resolution", "720p"]),
        (720, 1280)
    );
    assert_eq!(
        rendered_size(landscape, &["--aspect", "4:5", "--resolution", "480p"]),
        (480, 600)
    );
    assert_eq!(
        rendered_size(landscape, &["--aspect", "16:9", "--resolution", "480p"]),
        (854, 480)
    );
    // Not above the source's own size: a 320×180 clip asked for 720p stays 320×180.
    assert_eq!(
        rendered_size(landscape, &["--resolution", "720p"]),
        (320, 180)
    );
    assert_eq!(
        rendered_size(&specs::SHORT_PHONE, &[]),
        (180, 320),
        "a phone clip stays portrait"
    );
}
