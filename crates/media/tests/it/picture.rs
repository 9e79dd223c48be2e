//! Telling a screen recording from camera footage on real encoded clips: a still terminal is
//! a screen; a moving test pattern (flat colours and hard edges too) and noisy footage are not.

use media::picture::{sample_frames, PictureTraits, Sample};
use media::process::CancelToken;
use media::Limits;

fn traits_of(name: &str, source: &str, filters: &str) -> PictureTraits {
    let path = testkit::picture_clip(name, source, filters);
    let limits = Limits::default();
    let probe = media::probe(&path, &limits).unwrap();
    let frames = sample_frames(Sample {
        path: &path,
        probe: &probe,
        limits: &limits,
        cancel: &CancelToken::new(),
    })
    .unwrap();
    assert_eq!(frames.len(), 4, "{name}");
    PictureTraits::measure(&frames)
}

#[test]
fn a_still_terminal_is_a_screen_and_moving_pictures_are_not() {
    let boxes: Vec<String> = (0..6)
        .map(|i| {
            format!(
                "drawbox=x=4:y={}:w={}:h=10:color=0xd0d0d0:t=fill",
                10 + 28 * i,
                60 + 35 * i
            )
        })
        .collect();
    // Text-like rows of short strokes: boxes cut into characters by a dark grid.
    let text = format!("{},drawgrid=w=6:h=180:t=2:color=0x1e1e1e", boxes.join(","));
    let screen = traits_of(
        "picture-terminal.mp4",
        "color=c=0x1e1e1e:s=320x180:r=30:d=3",
        &text,
    );
    assert!(screen.looks_like_screen(), "{screen:?}");
    let pattern = traits_of(
        "picture-testsrc2.mp4",
        "testsrc2=s=320x180:r=30:d=3",
        "null",
    );
    assert!(!pattern.looks_like_screen(), "{pattern:?}");
    let camera = traits_of(
        "picture-noisy.mp4",
        "testsrc2=s=320x180:r=30:d=3",
        "noise=alls=24:allf=t",
    );
    assert!(!camera.looks_like_screen(), "{camera:?}");
}
