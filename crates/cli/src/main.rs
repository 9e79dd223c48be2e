//! `cutline`: the command line front door.
//!
//! Layout: [`commands`] holds one module per subcommand (`probe`, `edit`, `plan`, `pauses`, `transcribe`, `models`, `serve`, `admin`, `chat`); [`chat`] is the client of a server; [`draft_file`]
//! reads and writes draft files whose sources are paths or asset ids; [`transcription`] holds the
//! speech flags and the progress bars of transcription and analysis; [`progress`] draws the
//! progress bar on stderr (hidden when stderr is not a terminal). Every failure ends as one
//! line on stderr and a non-zero exit code.

mod chat;
mod commands;
mod draft_file;
mod planner;
mod progress;
mod transcription;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use media::process::CancelToken;

/// cutline: a self-hosted AI video assistant. Raw footage in, a clean H.264 MP4 out.
#[derive(Parser)]
#[command(name = "cutline", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show what a media file is: duration, streams, codecs, size, fps, rotation.
    Probe(commands::probe::ProbeArgs),
    /// Edit a clip (or render a draft timeline) into an MP4.
    Edit(Box<commands::edit::EditArgs>),
    /// What an instruction in plain words would do, without rendering.
    Plan(commands::plan::PlanArgs),
    /// List the pauses in a clip's sound (what --trim-pauses would cut).
    Pauses(commands::pauses::PausesArgs),
    /// Transcribe a clip offline: SRT, WebVTT, JSON with word times, or text.
    Transcribe(commands::transcribe::TranscribeArgs),
    /// The speech models: list, path, fetch.
    Models(commands::models::ModelsArgs),
    /// Serve the cutline protocol over HTTP (sessions, chat, exports) for apps and agents.
    Serve(Box<commands::serve::ServeArgs>),
    /// Render a server's exports (and parts of long ones) in a process of their own.
    Worker(Box<commands::worker::WorkerArgs>),
    /// Operator tasks on a server's data: named users with credits.
    Admin(commands::admin::AdminArgs),
    /// Talk to a cutline server: upload, say what you want, get the video.
    Chat(commands::chat::ChatArgs),
}

/// The exit code of a run stopped by Ctrl-C or SIGTERM (128 + SIGINT), as shells expect.
const INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C and SIGTERM cancel the work: running ffmpeg processes are killed, partial
    // outputs removed, and the command ends with one line saying so.
    let cancel = CancelToken::new();
    let on_signal = cancel.clone();
    if let Err(e) = ctrlc::set_handler(move || on_signal.cancel()) {
        eprintln!("warning: Ctrl-C will not clean up: {e}");
    }
    let result = match cli.command {
        Command::Probe(args) => commands::probe::run(&args),
        Command::Edit(args) => commands::edit::run(&args, &cancel),
        Command::Pauses(args) => commands::pauses::run(&args, &cancel),
        Command::Plan(args) => commands::plan::run(&args, &cancel),
        Command::Transcribe(args) => commands::transcribe::run(&args, &cancel),
        Command::Models(args) => commands::models::run(&args),
        Command::Serve(args) => commands::serve::run(&args, &cancel),
        Command::Worker(args) => commands::worker::run(&args, &cancel),
        Command::Admin(args) => commands::admin::run(&args),
        Command::Chat(args) => commands::chat::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) if cancel.is_cancelled() => {
            eprintln!("error: interrupted; no output was written");
            ExitCode::from(INTERRUPTED)
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        // Catches clashing flag names (e.g. two --language) that clap only finds at run time.
        super::Cli::command().debug_assert();
    }
}
