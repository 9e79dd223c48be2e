//! Subtitle files from a Draft: the caption segments (text track segments with role
//! `caption`) as SRT or WebVTT cues, in timeline time, so the sidecar files match what is
//! burnt into the picture. Also a strict SRT reader, for checking files and importing them.

use crate::draft::{Draft, TrackKind};

/// One cue: timeline range and its text (lines separated by `\n`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

/// The caption cues of a draft, in time order.
pub fn caption_cues(draft: &Draft) -> Vec<Cue> {
    let mut cues: Vec<Cue> = draft
        .segments_of(TrackKind::Text)
        .filter(|s| s.meta.role.as_deref() == Some("caption"))
        .filter_map(|s| {
            Some(Cue {
                start_ms: s.start_ms,
                end_ms: s.end_ms(),
                text: s.meta.text.clone()?,
            })
        })
        .collect();
    cues.sort_by_key(|c| (c.start_ms, c.end_ms));
    cues
}

/// `HH:MM:SS,mmm` (SRT) or `HH:MM:SS.mmm` (WebVTT).
fn timestamp(ms: u64, separator: char) -> String {
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{milli:03}")
}

pub fn to_srt(cues: &[Cue]) -> String {
    let mut out = String::new();
    for (n, cue) in cues.iter().enumerate() {
        out += &format!(
            "{}\n{} --> {}\n{}\n\n",
            n + 1,
            timestamp(cue.start_ms, ','),
            timestamp(cue.end_ms, ','),
            cue.text.trim()
        );
    }
    out
}

pub fn to_vtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for cue in cues {
        out += &format!(
            "{} --> {}\n{}\n\n",
            timestamp(cue.start_ms, '.'),
            timestamp(cue.end_ms, '.'),
            cue.text.trim()
        );
    }
    out
}

/// Reads SRT text; any malformed block is an error naming the block.
pub fn parse_srt(text: &str) -> Result<Vec<Cue>, String> {
    // Windows (CRLF) and old Mac (CR) line ends read as plain ones.
    let text = text
        .trim_start_matches('\u{feff}')
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    let mut cues = Vec::new();
    for (n, block) in text
        .split("\n\n")
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .enumerate()
    {
        let bad = |what: &str| format!("SRT block {}: {what}", n + 1);
        let mut lines = block.lines();
        lines
            .next()
            .and_then(|l| l.trim().parse::<u64>().ok())
            .ok_or_else(|| bad("no cue number"))?;
        let times = lines.next().ok_or_else(|| bad("no times"))?;
        let (start, end) = times
            .split_once(" --> ")
            .ok_or_else(|| bad("times without -->"))?;
        let start_ms = parse_timestamp(start).ok_or_else(|| bad("bad start time"))?;
        let end_ms = parse_timestamp(end).ok_or_else(|| bad("bad end time"))?;
        if end_ms <= start_ms {
            return Err(bad("ends before it starts"));
        }
        // The text as the writer writes it: no blank lines or spaces at its edges.
        let text = lines.collect::<Vec<_>>().join("\n").trim().to_string();
        if text.is_empty() {
            return Err(bad("no text"));
        }
        cues.push(Cue {
            start_ms,
            end_ms,
            text,
        });
    }
    Ok(cues)
}

fn parse_timestamp(text: &str) -> Option<u64> {
    let (clock, milli) = text.trim().split_once(',')?;
    let parts: Vec<u64> = clock
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, s] = parts[..] else { return None };
    let milli: u64 = milli.parse().ok().filter(|_| milli.len() == 3)?;
    (m < 60 && s < 60).then_some(((h * 60 + m) * 60 + s) * 1000 + milli)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cues() -> Vec<Cue> {
        vec![
            Cue {
                start_ms: 1_200,
                end_ms: 3_450,
                text: "Today we talk about editing.".into(),
            },
            Cue {
                start_ms: 3_600_001,
                end_ms: 3_602_500,
                text: "Two lines,\n加字幕".into(),
            },
        ]
    }

    #[test]
    fn srt_and_vtt_are_written_as_players_read_them() {
        let srt = to_srt(&cues());
        assert!(srt.starts_with("1\n00:00:01,200 --> 00:00:03,450\nToday we talk about editing.\n\n2\n01:00:00,001 --> "));
        let vtt = to_vtt(&cues());
        assert!(vtt.starts_with("WEBVTT\n\n00:00:01.200 --> 00:00:03.450\nToday"));
        assert!(vtt.contains("01:00:00.001 --> 01:00:02.500\nTwo lines,\n加字幕\n"));
    }

    #[test]
    fn srt_round_trips_and_bad_blocks_are_named() {
        assert_eq!(parse_srt(&to_srt(&cues())), Ok(cues()));
        let err = parse_srt("1\n00:00:01,000 --> 00:00:00,500\nbackwards\n").unwrap_err();
        assert_eq!(err, "SRT block 1: ends before it starts");
        assert!(parse_srt("1\n00:00:01.000 --> 00:00:02,000\nx\n").is_err());
    }
}
