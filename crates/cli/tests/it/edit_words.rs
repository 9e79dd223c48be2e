//! Flags and words together in `cutline edit`: one summary, said once; a one-word instruction
//! ("undo") is words when no file of that name exists.

use testkit::talk::{specs, talk};

use crate::{cutline, cutline_ok, path_str};

#[test]
fn flags_and_words_print_the_length_change_once() {
    let clip = talk(&specs::DARK_TALK);
    let scratch = testkit::scratch();
    let out = scratch.path().join("out.mp4");
    let summary = cutline_ok([
        "edit",
        path_str(&clip.path),
        "--trim-pauses",
        "add captions",
        "--language",
        "en",
        "--quality",
        "draft",
        "-o",
        path_str(&out),
    ]);
    eprintln!("{summary}");
    assert_eq!(summary.matches('→').count(), 1, "{summary}");
    assert!(
        summary.contains("pauses") && summary.contains("captions"),
        "{summary}"
    );
}

#[test]
fn a_one_word_instruction_with_a_draft_is_words_not_a_missing_file() {
    let clip = talk(&specs::SHORT_LANDSCAPE);
    let scratch = testkit::scratch();
    let (draft, first, again) = (
        scratch.path().join("p.json"),
        scratch.path().join("first.mp4"),
        scratch.path().join("x.mp4"),
    );
    cutline_ok([
        "edit",
        path_str(&clip.path),
        "--quality",
        "draft",
        "--save-draft",
        path_str(&draft),
        "-o",
        path_str(&first),
    ]);
    let output = cutline([
        "edit",
        "--draft",
        path_str(&draft),
        "undo",
        "--quality",
        "draft",
        "-o",
        path_str(&again),
    ]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(!stderr.contains("no such file"), "{stderr}");
    assert!(output.status.success(), "{stderr}");
    // A draft file carries no history: the words are read, and say so.
    assert!(stdout.contains("nothing to undo"), "{stdout}");
    assert!(again.exists());

    // One word that is neither a file nor understood still reads as a missing file.
    let output = cutline(["edit", path_str(&clip.path), "clip", "-o", path_str(&again)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("clip: no such file"), "{stderr}");

    // A file named without its extension before the words is a missing file, not a second
    // instruction.
    let output = cutline(["edit", "talk", "trim the pauses", "-o", path_str(&again)]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("talk: no such file"), "{stderr}");
    assert!(!stderr.contains("two instructions"), "{stderr}");
}
