//! `cutline probe`: what a file is, as text and as JSON.

use testkit::talk::{specs, talk};

use crate::{cutline_ok, path_str};

#[test]
fn probe_shows_a_phone_clip_as_portrait_with_its_rotation() {
    let clip = talk(&specs::SHORT_PHONE);
    let text = cutline_ok(["probe", path_str(&clip.path)]);
    assert!(
        text.contains("video: h264 180×320, 30.000 fps (stored 320×180, rotated 270°)"),
        "{text}"
    );
    assert!(text.contains("audio: aac 48000 Hz, 1 channel"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&cutline_ok(["probe", path_str(&clip.path), "--json"])).unwrap();
    assert_eq!(json["kind"], "video");
    assert_eq!(json["video"]["display_width"], 180);
    assert_eq!(json["video"]["display_height"], 320);
    let seconds = json["duration_ms"].as_u64().unwrap() as f64 / 1000.0;
    assert!((seconds - clip.truth.duration_ms as f64 / 1000.0).abs() < 0.05);
}
