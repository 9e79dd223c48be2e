//! `cutline transcribe IN`: what is said in a clip, as captions (SRT, WebVTT), words with
//! times (JSON) or plain text, offline.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use media::library::{write_atomically, Library};
use media::process::CancelToken;
use media::Limits;
use timeline::subtitles::{to_srt, to_vtt, Cue};

use agent::transcription::{captions_of, transcript_of};

use crate::transcription::{Bars, SpeechArgs};

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Srt,
    Vtt,
    Json,
    Txt,
}

#[derive(Args)]
pub struct TranscribeArgs {
    /// The clip (or audio file) to transcribe.
    file: PathBuf,
    /// srt, vtt (captions), json (words with times) or txt.
    #[arg(long, value_enum, default_value = "srt")]
    format: Format,
    #[command(flatten)]
    speech: SpeechArgs,
    /// Write here instead of to standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: &TranscribeArgs, cancel: &CancelToken) -> Result<(), String> {
    let library = Library::at_default_location(Limits::default()).with_cancel(cancel);
    let asset = library.add(&args.file).map_err(|e| e.to_string())?;
    let transcript = transcript_of(&library, &asset, &args.speech.options(), &Bars::default())?;
    let cues = || -> Vec<Cue> {
        captions_of(&transcript, asset.probe.duration_ms)
            .into_iter()
            .map(|c| Cue {
                start_ms: c.start_ms,
                end_ms: c.end_ms,
                text: c.text(),
            })
            .collect()
    };
    let text = match args.format {
        Format::Srt => to_srt(&cues()),
        Format::Vtt => to_vtt(&cues()),
        Format::Json => {
            serde_json::to_string_pretty(&transcript).map_err(|e| e.to_string())? + "\n"
        }
        Format::Txt => cues()
            .iter()
            .map(|c| c.text.replace('\n', " ") + "\n")
            .collect(),
    };
    match &args.output {
        Some(path) => write_atomically(path, text.as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}
