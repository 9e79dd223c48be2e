//! Audio decoded by ffmpeg to mono signed 16-bit PCM at [`ANALYSIS_SAMPLE_RATE`], streamed in
//! fixed-size chunks so memory stays flat whatever the length of the clip.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use crate::error::MediaError;
use crate::input::input_args;
use crate::limits::Limits;
use crate::probe::Probe;
use crate::process::{CancelToken, Tool, ToolCommand};

/// 16 kHz keeps the speech band (fricatives included) and is cheap to decode.
pub const ANALYSIS_SAMPLE_RATE: u32 = 16_000;

/// Samples handed to the callback at a time (0.25 s).
const CHUNK_SAMPLES: usize = 4_000;

/// A probed file to decode, and the rules the decode runs under.
#[derive(Clone, Copy)]
pub struct Decode<'a> {
    pub path: &'a Path,
    pub probe: &'a Probe,
    pub limits: &'a Limits,
    pub cancel: &'a CancelToken,
}

/// The whole first audio stream as mono samples in −1…1 (what speech recognisers take, at
/// [`ANALYSIS_SAMPLE_RATE`]); `on_progress` gets the fraction decoded.
pub fn decode_mono_f32(
    decode: Decode,
    mut on_progress: impl FnMut(f64),
) -> Result<Vec<f32>, MediaError> {
    let expected =
        (decode.probe.duration_ms as usize).saturating_mul(ANALYSIS_SAMPLE_RATE as usize / 1000);
    let mut samples = Vec::with_capacity(expected);
    decode_mono(decode, |chunk| {
        samples.extend(chunk.iter().map(|&s| s as f32 / 32768.0));
        on_progress((samples.len() as f64 / expected.max(1) as f64).min(1.0));
    })?;
    Ok(samples)
}

/// Streams the first audio stream of the file as mono PCM samples to `on_chunk`.
pub fn decode_mono(decode: Decode, mut on_chunk: impl FnMut(&[i16])) -> Result<(), MediaError> {
    // Generous: decoding runs at hundreds of times realtime.
    let timeout = Duration::from_secs(60) + Duration::from_millis(decode.probe.duration_ms / 10);
    let mut running = ToolCommand::new(Tool::Ffmpeg)
        .args(input_args(decode.path, decode.probe, decode.limits))
        .args(["-map", "0:a:0", "-vn", "-sn", "-dn"])
        .args(["-ac", "1", "-ar", &ANALYSIS_SAMPLE_RATE.to_string()])
        .args(["-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"])
        .timeout(timeout)
        .cancel_with(decode.cancel)
        .spawn()?;
    let mut stdout = running
        .take_stdout()
        .ok_or_else(|| MediaError::Internal("ffmpeg's output was not captured".into()))?;
    let mut bytes = vec![0u8; CHUNK_SAMPLES * 2];
    let mut samples = Vec::with_capacity(CHUNK_SAMPLES);
    let mut filled = 0;
    loop {
        let n = stdout
            .read(&mut bytes[filled..])
            .map_err(|e| MediaError::io("reading decoded audio", e))?;
        filled += n;
        let done = n == 0;
        if filled == bytes.len() || (done && filled > 0) {
            let whole = filled - filled % 2;
            samples.clear();
            samples.extend(
                bytes[..whole]
                    .chunks_exact(2)
                    .map(|pair| i16::from_le_bytes([pair[0], pair[1]])),
            );
            on_chunk(&samples);
            bytes.copy_within(whole..filled, 0);
            filled -= whole;
        }
        if done {
            break;
        }
    }
    drop(stdout);
    running.wait()?;
    Ok(())
}
