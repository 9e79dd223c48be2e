//! `cutline chat [--server URL] [--language en|zh-CN]`: talk to a cutline server as to an
//! editor. Interactive at a terminal; `--send "…" [--upload FILE] [--export OUT.mp4]
//! [--json]` does one exchange for scripts and agents (see `crate::chat`).

use std::io::{BufRead, Write};
use std::path::PathBuf;

use clap::Args;

use crate::chat::{Conversation, Output};

#[derive(Args)]
pub struct ChatArgs {
    /// The server to talk to.
    #[arg(long, env = "CUTLINE_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The language of the replies: en, zh-CN, …
    #[arg(long, default_value = "en")]
    language: String,
    /// Go on in this session (its id) instead of a new one.
    #[arg(long, value_name = "ID")]
    session: Option<String>,
    /// Say this (instead of a conversation at the prompt).
    #[arg(long, value_name = "WORDS")]
    send: Option<String>,
    /// Upload this file first (repeat for more).
    #[arg(long, value_name = "FILE")]
    upload: Vec<PathBuf>,
    /// Then export and download to this file.
    #[arg(long, value_name = "OUT.mp4")]
    export: Option<PathBuf>,
    /// One JSON object per event line.
    #[arg(long)]
    json: bool,
    /// Show protocol details (session and export ids).
    #[arg(long)]
    verbose: bool,
}

pub fn run(args: &ChatArgs) -> Result<(), String> {
    let output = if args.json {
        Output::Json
    } else {
        Output::Human {
            verbose: args.verbose,
        }
    };
    let one_shot = args.send.is_some() || !args.upload.is_empty() || args.export.is_some();
    if !args.json {
        eprintln!("Connecting…");
    }
    let mut conversation = Conversation::connect(
        &args.server,
        &args.language,
        args.session.as_deref(),
        output,
    )?;
    if !args.json {
        eprintln!("Ready");
    }
    if one_shot {
        for file in &args.upload {
            conversation.upload(file)?;
        }
        if let Some(words) = &args.send {
            conversation.handle(words)?;
        }
        if let Some(path) = &args.export {
            conversation.export(Some(path))?;
        }
        return Ok(());
    }
    let stdin = std::io::stdin();
    loop {
        print!("> ");
        let _ = std::io::stdout().flush();
        let mut line = String::new();
        if stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?
            == 0
        {
            return Ok(());
        }
        if line.trim().is_empty() {
            continue;
        }
        match conversation.handle(&line) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            // The conversation goes on after a failed request.
            Err(message) => println!("{message}"),
        }
    }
}
