//! Probing real files: rotation, and the refusals that happen before anything decodes.

use std::net::TcpListener;
use std::time::Duration;

use media::probe::{probe, Container, MediaKind};
use media::{Limits, MediaError};
use testkit::talk::{specs, talk};

#[test]
fn a_rotated_phone_clip_is_probed_as_portrait() {
    let phone = talk(&specs::SHORT_PHONE);
    let probe = probe(&phone.path, &Limits::default()).unwrap();
    assert_eq!(probe.container, Container::Mp4);
    assert_eq!(probe.kind, MediaKind::Video);
    let video = probe.video.unwrap();
    assert_eq!((video.coded_width, video.coded_height), (320, 180));
    assert_eq!(video.display_size(), (180, 320));
    assert!(probe.duration_ms.abs_diff(phone.truth.duration_ms) <= 40);
}

#[test]
fn an_hls_playlist_named_mp4_is_refused_without_touching_the_network() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/segment.ts", listener.local_addr().unwrap());
    let playlist = testkit::bad::playlist_named_mp4(&url);
    let err = probe(&playlist, &Limits::default()).unwrap_err();
    assert!(
        matches!(err, MediaError::Playlist { kind: "HLS", .. }),
        "{err}"
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        listener.accept().is_err(),
        "something connected to the playlist's URL"
    );
}

#[test]
fn the_demuxer_whitelist_refuses_a_playlist_even_past_the_sniffer() {
    // A DASH manifest is a playlist the sniffer does not know; ffprobe's demuxer whitelist
    // must still refuse it, whatever ffmpeg was built with.
    let scratch = testkit::scratch();
    let path = scratch.path().join("sneaky.mp4");
    let manifest = r#"<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static">
        <Period><AdaptationSet><Representation id="1" bandwidth="1">
        <BaseURL>http://127.0.0.1:9/x.mp4</BaseURL></Representation></AdaptationSet></Period></MPD>"#;
    std::fs::write(&path, manifest).unwrap();
    let err = probe(&path, &Limits::default()).unwrap_err();
    assert!(matches!(err, MediaError::Unsupported { .. }), "{err}");
}

#[test]
fn a_frame_over_the_pixel_cap_is_refused_with_its_size() {
    let err = probe(&testkit::bad::oversized_mp4(), &Limits::default()).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("a frame size of 4000×3000 is over the limit of 8,294,400 pixels"),
        "{err}"
    );
}

#[test]
fn text_truncated_and_missing_files_get_specific_errors() {
    let text = probe(&testkit::bad::text_named_mp4(), &Limits::default()).unwrap_err();
    assert!(matches!(text, MediaError::Unsupported { .. }), "{text}");
    let truncated = probe(&testkit::bad::truncated_mp4(), &Limits::default()).unwrap_err();
    assert!(
        matches!(truncated, MediaError::Damaged { .. }),
        "{truncated}"
    );
    let missing = probe(std::path::Path::new("no/such/clip.mp4"), &Limits::default()).unwrap_err();
    assert!(matches!(missing, MediaError::NotFound { .. }), "{missing}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1_000))]

    /// Whatever ffprobe (or a file crafted to fool it) prints, the parser gives a Probe or an
    /// error, never a panic: recorded outputs cut short, with bytes flipped, or any text.
    #[test]
    fn ffprobe_json_of_any_shape_is_read_or_refused_without_a_panic(
        which in 0usize..2,
        cut in 0usize..4_000,
        flips in proptest::collection::vec((0usize..4_000, proptest::prelude::any::<u8>()), 0..6),
        noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
    ) {
        let recorded: [&[u8]; 2] = [
            include_bytes!("../data/ffprobe-5.1-mp3-cover.json"),
            include_bytes!("../data/ffprobe-5.1-rotated-phone.json"),
        ];
        let mut bytes = recorded[which][..cut.min(recorded[which].len())].to_vec();
        for (at, byte) in flips {
            if let Some(b) = bytes.get_mut(at) {
                *b = byte;
            }
        }
        let _ = media::probe::parse_ffprobe_json(&bytes);
        let _ = media::probe::parse_ffprobe_json(&noise);
    }
}
