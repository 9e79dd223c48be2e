//! A picture of another shape than the frame: a screen recording made vertical keeps its
//! text (fitted over a blurred copy, and the reply says why and how to crop), camera footage
//! is still cropped, and a portrait clip joined after a landscape one is shown whole.

use std::path::{Path, PathBuf};

use testkit::measure::rgb_frame_at;

use crate::{cutline_ok, path_str};

/// Lines of a terminal, 320×180, still for 2 s: a red `$` prompt at the very left of each
/// line, light grey commands after it, on a flat dark background.
fn screen_recording() -> PathBuf {
    let font = media::render::fonts::title_font(["$ cargo"]).expect("a font");
    let font = font.path.to_str().unwrap().to_string();
    let lines = [
        "cargo build --release",
        "ls -la target/release",
        "./cutline edit talk.mp4",
        "git log --oneline | head",
        "cargo test -p media",
        "echo done",
    ];
    let mut filters = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let y = 12 + 26 * i;
        filters.push(format!(
            "drawtext=fontfile='{font}':text='$':x=2:y={y}:fontsize=16:fontcolor=0xff2020"
        ));
        filters.push(format!(
            "drawtext=fontfile='{font}':text='{line}':x=16:y={y}:fontsize=16:fontcolor=0xd0d0d0"
        ));
    }
    testkit::picture_clip(
        "screen-recording-320x180.mp4",
        "color=c=0x1e1e1e:s=320x180:r=30:d=2",
        &filters.join(","),
    )
}

/// Camera-like footage: a moving test pattern with sensor-like noise, 320×180, 2 s.
fn camera_footage() -> PathBuf {
    testkit::picture_clip(
        "camera-noise-320x180.mp4",
        "testsrc2=s=320x180:r=30:d=2",
        "noise=alls=24:allf=t",
    )
}

/// A portrait clip, 180×320, of three equal bands from top to bottom: red, green, blue.
fn portrait_bands() -> PathBuf {
    testkit::picture_clip(
        "portrait-bands-180x320.mp4",
        "color=c=0x00c000:s=180x320:r=30:d=2",
        "drawbox=x=0:y=0:w=180:h=107:color=0xe00000:t=fill,drawbox=x=0:y=213:w=180:h=107:color=0x0000e0:t=fill",
    )
}

fn is_red(p: &[u8]) -> bool {
    p[0] > 150 && p[1] < 90 && p[2] < 90
}

/// How many pixels of an RGB frame `pick` takes, in columns `x0..x1`.
fn count(frame: &[u8], width: u32, (x0, x1): (u32, u32), pick: impl Fn(&[u8]) -> bool) -> usize {
    frame
        .chunks_exact(3)
        .enumerate()
        .filter(|(i, _)| (x0..x1).contains(&(*i as u32 % width)))
        .filter(|(_, p)| pick(p))
        .count()
}

/// `cutline edit CLIP… [WORDS] -o out.mp4`: the summary and the output.
fn edit(scratch: &Path, args: &[&str]) -> (String, PathBuf) {
    let out = scratch.join("out.mp4");
    let mut all = vec!["edit"];
    all.extend_from_slice(args);
    all.extend(["--quality", "draft", "-o", path_str(&out)]);
    (cutline_ok(&all), out)
}

#[test]
fn a_screen_recording_made_vertical_keeps_the_left_of_its_text_and_says_why() {
    let clip = screen_recording();
    let (width, _, source) = rgb_frame_at(&clip, 1.0);
    let prompts_in_source = count(&source, width, (0, 16), is_red);
    assert!(prompts_in_source > 30, "{prompts_in_source}");

    let scratch = testkit::scratch();
    let (summary, out) = edit(scratch.path(), &[path_str(&clip), "make it 9:16"]);
    assert!(
        summary.contains("looks like a screen recording")
            && summary.contains("blurred background")
            && summary.contains("cropped"),
        "{summary}"
    );
    let (width, height, frame) = rgb_frame_at(&out, 1.0);
    assert_eq!((width, height), (1080, 1920));
    // The prompts, scaled by 1080/320 in each direction, are where the left edge is.
    let scale = 1080.0 / 320.0;
    let prompts = count(&frame, width, (0, (16.0 * scale) as u32), is_red);
    let kept = prompts as f64 / (prompts_in_source as f64 * scale * scale);
    eprintln!("left-most text column kept: {:.0}%", 100.0 * kept);
    assert!(kept > 0.7, "the prompts at the left are gone: {kept:.2}");

    // Saying crop still crops: the prompts go.
    let (summary, out) = edit(scratch.path(), &[path_str(&clip), "make it 9:16, cropped"]);
    assert!(
        summary.contains("(cropped)") && !summary.contains("screen"),
        "{summary}"
    );
    let (width, _, frame) = rgb_frame_at(&out, 1.0);
    assert_eq!(count(&frame, width, (0, width), is_red), 0);
    // And so does the flag.
    let (summary, out) = edit(
        scratch.path(),
        &[path_str(&clip), "--aspect", "9:16", "--fit", "crop"],
    );
    assert!(summary.contains("(cropped)"), "{summary}");
    let (width, _, frame) = rgb_frame_at(&out, 1.0);
    assert_eq!(count(&frame, width, (0, width), is_red), 0);
}

#[test]
fn a_screen_recording_is_told_in_chinese_too() {
    let clip = screen_recording();
    let scratch = testkit::scratch();
    let (summary, _) = edit(scratch.path(), &[path_str(&clip), "改成竖屏"]);
    assert!(
        summary.contains("屏幕录制") && summary.contains("模糊背景") && summary.contains("裁剪"),
        "{summary}"
    );
}

#[test]
fn camera_footage_made_vertical_is_still_cropped() {
    let clip = camera_footage();
    let scratch = testkit::scratch();
    let (summary, _) = edit(scratch.path(), &[path_str(&clip), "make it 9:16"]);
    assert!(
        summary.contains("Made it 9:16 (cropped).") && !summary.contains("screen"),
        "{summary}"
    );
}

#[test]
fn a_portrait_clip_joined_after_a_landscape_one_is_shown_whole() {
    let landscape = camera_footage();
    let portrait = portrait_bands();
    let scratch = testkit::scratch();
    let (_, out) = edit(scratch.path(), &[path_str(&landscape), path_str(&portrait)]);
    // The portrait clip plays from 2 s; look down the middle column of the frame.
    let (width, height, frame) = rgb_frame_at(&out, 3.0);
    assert_eq!((width, height), (320, 180));
    let column: Vec<&[u8]> = (0..height)
        .map(|y| {
            let i = 3 * (y * width + width / 2) as usize;
            &frame[i..i + 3]
        })
        .collect();
    let rows = |pick: fn(&[u8]) -> bool| column.iter().filter(|p| pick(p)).count();
    let red = rows(is_red);
    let green = rows(|p| p[1] > 150 && p[0] < 90 && p[2] < 90);
    let blue = rows(|p| p[2] > 150 && p[0] < 90 && p[1] < 90);
    // Three equal bands shown equally tall: the clip's whole height is in the frame.
    let kept = (red + green + blue) as f64 / (3 * red.max(green).max(blue)) as f64;
    eprintln!(
        "portrait clip kept: {:.0}% (bands {red}/{green}/{blue} rows)",
        100.0 * kept
    );
    assert!(kept > 0.9, "bands {red}/{green}/{blue}");
}
