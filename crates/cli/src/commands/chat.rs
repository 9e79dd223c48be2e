//! `cutline chat [--server URL] [--language en|zh-CN]`: talk to a cutline server as to an
//! editor. Interactive at a terminal; `--send "…" [--upload FILE] [--export OUT.mp4]
//! [--json]` does one exchange for scripts and agents (see `crate::chat`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;

use crate::chat::words::Said;
use crate::chat::{Conversation, Output};
use agent::Language;

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
    /// Then export and download to this file (not when the words were refused or left a part
    /// undone: then it fails, unless --apply-understood).
    #[arg(long, value_name = "OUT.mp4")]
    export: Option<PathBuf>,
    /// With --send: when part of the words cannot be done, say yes to the rest (and export).
    #[arg(long)]
    apply_understood: bool,
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
    if !answers(&args.server) {
        let interactive = !one_shot && std::io::stdin().is_terminal();
        if !interactive || !is_loopback(&args.server) {
            return Err(format!(
                "no cutline server answers at {}; start one with `cutline serve`",
                args.server
            ));
        }
        print!(
            "No cutline server is running at {}. Start one in the background? [Y/n] ",
            args.server
        );
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map_err(|e| e.to_string())?;
        if answer.trim().to_lowercase().starts_with('n') {
            return Err("no server to talk to; start one with `cutline serve`".into());
        }
        start_server(&args.server)?;
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
            if conversation.last_turn.is_some_and(|t| t.pending) && args.apply_understood {
                conversation.turn("yes")?;
            }
        }
        if let Some(path) = &args.export {
            // The words before an export must have been done, or it exports what was there.
            if let Some(turn) = conversation.last_turn {
                if turn.pending || !turn.applied {
                    let said = Said::NotExporting {
                        pending: turn.pending,
                    };
                    return Err(said.in_(Language::of_code(&args.language)));
                }
            }
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

/// Whether anything answers HTTP at `server` (any status: it is there).
fn answers(server: &str) -> bool {
    let url = format!(
        "{}/api/credits/balance/simple",
        server.trim_end_matches('/')
    );
    match ureq::get(&url).timeout(Duration::from_secs(3)).call() {
        Ok(_) | Err(ureq::Error::Status(..)) => true,
        Err(ureq::Error::Transport(_)) => false,
    }
}

/// The `host:port` of a loopback URL (where this machine can start the server).
fn loopback_address(server: &str) -> Option<String> {
    let url = url::Url::parse(server).ok()?;
    let host = url.host_str()?;
    let loopback = host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let address = format!("{}:{}", host, url.port_or_known_default()?);
    loopback.then_some(address.replace("localhost", "127.0.0.1"))
}

fn is_loopback(server: &str) -> bool {
    loopback_address(server).is_some()
}

/// Starts `cutline serve` at the server's address in the background, its data in the user's
/// data folder (`CUTLINE_DATA`, else `$XDG_DATA_HOME/cutline/server`, else
/// `~/.local/share/cutline/server`) and its log beside it; waits until it answers.
fn start_server(server: &str) -> Result<(), String> {
    let address = loopback_address(server).ok_or("not a local address")?;
    let data = std::env::var_os("CUTLINE_DATA")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_DATA_HOME").map(|d| PathBuf::from(d).join("cutline/server"))
        })
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share/cutline/server"))
        })
        .ok_or("no folder for the server's data (set CUTLINE_DATA)")?;
    std::fs::create_dir_all(&data).map_err(|e| format!("cannot create {}: {e}", data.display()))?;
    let log_path = data.join("serve.log");
    let log = std::fs::File::create(&log_path)
        .map_err(|e| format!("cannot write {}: {e}", log_path.display()))?;
    let program = std::env::current_exe().map_err(|e| e.to_string())?;
    use std::os::unix::process::CommandExt;
    std::process::Command::new(program)
        .args(["serve", "--addr", &address, "--data"])
        .arg(&data)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        // Its own process group: Ctrl-C in the chat does not stop it.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start cutline serve: {e}"))?;
    let started = Instant::now();
    while !answers(server) {
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!(
                "cutline serve did not start; see {}",
                log_path.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    println!(
        "Started cutline serve in the background (data and log in {}).",
        data.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::loopback_address;

    #[test]
    fn only_loopback_servers_are_started_here() {
        assert_eq!(
            loopback_address("http://127.0.0.1:8080").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(
            loopback_address("http://localhost:9000/").as_deref(),
            Some("127.0.0.1:9000")
        );
        assert_eq!(
            loopback_address("http://[::1]:8080").as_deref(),
            Some("[::1]:8080")
        );
        assert_eq!(loopback_address("https://cutline.example.com"), None);
        assert_eq!(loopback_address("http://10.0.0.2:8080"), None);
    }
}
