//! Minimal 16-bit PCM WAV reading (espeak-ng's output) and writing (fixtures' sound).

use std::path::Path;

/// Mono 16-bit samples and their rate.
pub struct Pcm {
    pub sample_rate: u32,
    pub samples: Vec<i16>,
}

pub fn read(path: &Path) -> Pcm {
    let bytes = std::fs::read(path).expect("read a WAV file");
    assert!(
        bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WAVE",
        "not a WAV file"
    );
    let mut at = 12;
    let (mut sample_rate, mut channels) = (0, 1);
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        let body = at + 8;
        if id == b"fmt " {
            channels = u16::from_le_bytes([bytes[body + 2], bytes[body + 3]]) as usize;
            sample_rate = u32::from_le_bytes(bytes[body + 4..body + 8].try_into().unwrap());
        } else if id == b"data" {
            let end = body.saturating_add(size).min(bytes.len());
            let samples = bytes[body..end]
                .chunks_exact(2 * channels)
                .map(|frame| i16::from_le_bytes([frame[0], frame[1]]))
                .collect();
            return Pcm {
                sample_rate,
                samples,
            };
        }
        at = body + size + (size & 1);
    }
    panic!("WAV file without data");
}

pub fn write(path: &Path, pcm: &Pcm) {
    let data_len = (pcm.samples.len() * 2) as u32;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes());
    bytes.extend_from_slice(&pcm.sample_rate.to_le_bytes());
    bytes.extend_from_slice(&(pcm.sample_rate * 2).to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for sample in &pcm.samples {
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, bytes).expect("write a WAV file");
}
