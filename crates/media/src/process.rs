//! The one wrapper every ffmpeg and ffprobe call goes through.
//!
//! It owns what each call must have: the binary looked up with a clear "install it" message
//! when missing, `-nostdin` and quiet logs, a timeout enforced by a watchdog, the child killed
//! when its handle is dropped (so an abandoned render never keeps running), and the tail of
//! stderr kept for the error message, and a [`CancelToken`] that stops it from outside (Ctrl-C,
//! a cancelled export). Children run in their own process group, so a terminal's Ctrl-C
//! reaches cutline, which decides how to stop them. Callers either collect the output
//! ([`ToolCommand::output`]) or stream stdout while it runs ([`ToolCommand::spawn`]).

use std::ffi::{OsStr, OsString};
use std::io::{self, Read};
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::error::MediaError;

/// How much of stderr is kept for an error message.
const STDERR_TAIL_BYTES: usize = 16 * 1024;

/// How often the watchdog looks at the cancel token.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// Asks running work to stop: every process started with a cancelled token is killed, and
/// its call returns [`MediaError::Cancelled`]. Clones share one flag.
#[derive(Clone, Debug, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The tool is killed if cutline dies without a word (SIGKILL, a crash), so no ffmpeg goes on
/// writing for nobody. The signal follows the thread that started the tool, which is always
/// the one that waits for it.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: prctl is async-signal-safe and touches only the child being started.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_: &mut Command) {}

/// Why the watchdog ended.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Verdict {
    Finished,
    TimedOut,
    Cancelled,
}

/// The external tools cutline runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Ffmpeg,
    Ffprobe,
}

impl Tool {
    /// The binary name; `CUTLINE_FFMPEG` / `CUTLINE_FFPROBE` may point elsewhere.
    pub fn program(self) -> OsString {
        let (var, default) = match self {
            Tool::Ffmpeg => ("CUTLINE_FFMPEG", "ffmpeg"),
            Tool::Ffprobe => ("CUTLINE_FFPROBE", "ffprobe"),
        };
        std::env::var_os(var).unwrap_or_else(|| default.into())
    }

    pub fn name(self) -> &'static str {
        match self {
            Tool::Ffmpeg => "ffmpeg",
            Tool::Ffprobe => "ffprobe",
        }
    }

    /// Flags every call of this tool starts with.
    fn base_args(self) -> &'static [&'static str] {
        match self {
            Tool::Ffmpeg => &["-nostdin", "-hide_banner", "-loglevel", "error"],
            Tool::Ffprobe => &["-hide_banner", "-loglevel", "error"],
        }
    }
}

/// One call of a tool, built up and then run.
#[derive(Clone, Debug)]
pub struct ToolCommand {
    tool: Tool,
    args: Vec<OsString>,
    timeout: Duration,
    cancel: CancelToken,
}

/// What a finished call printed.
#[derive(Debug)]
pub struct ToolOutput {
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl ToolCommand {
    pub fn new(tool: Tool) -> Self {
        Self {
            tool,
            args: tool.base_args().iter().map(OsString::from).collect(),
            timeout: Duration::from_secs(60),
            cancel: CancelToken::new(),
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Stops the call (killing the process) when `token` is cancelled.
    pub fn cancel_with(mut self, token: &CancelToken) -> Self {
        self.cancel = token.clone();
        self
    }

    pub fn tool(&self) -> Tool {
        self.tool
    }

    /// The full argument vector (without the program), for logs and golden tests.
    pub fn arguments(&self) -> &[OsString] {
        &self.args
    }

    /// Runs to the end and returns what it printed; a non-zero exit is an error.
    pub fn output(self) -> Result<ToolOutput, MediaError> {
        let mut running = self.spawn()?;
        let mut stdout = Vec::new();
        if let Some(mut pipe) = running.stdout.take() {
            pipe.read_to_end(&mut stdout)
                .map_err(|e| MediaError::io("reading from ffmpeg", e))?;
        }
        let stderr = running.wait()?;
        Ok(ToolOutput { stdout, stderr })
    }

    /// Starts the tool with stdout piped for the caller to read while it runs.
    pub fn spawn(self) -> Result<Running, MediaError> {
        if self.cancel.is_cancelled() {
            return Err(MediaError::Cancelled);
        }
        let mut command = Command::new(self.tool.program());
        die_with_parent(&mut command);
        command
            .args(&self.args)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => MediaError::ToolMissing { tool: self.tool },
            _ => MediaError::io(&format!("starting {}", self.tool.name()), e),
        })?;
        let stdout = child.stdout.take();
        let stderr_reader = child.stderr.take().map(|mut pipe| {
            thread::spawn(move || {
                let mut tail = Vec::new();
                let mut buffer = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut buffer) {
                    if n == 0 {
                        break;
                    }
                    tail.extend_from_slice(&buffer[..n]);
                    if tail.len() > 2 * STDERR_TAIL_BYTES {
                        tail.drain(..tail.len() - STDERR_TAIL_BYTES);
                    }
                }
                String::from_utf8_lossy(&tail).into_owned()
            })
        });
        let child = Arc::new(Mutex::new(child));
        let (stop_watchdog, watchdog_stopped) = mpsc::channel::<()>();
        let watched = Arc::clone(&child);
        let deadline = Instant::now() + self.timeout;
        let cancel = self.cancel.clone();
        let watchdog = thread::spawn(move || loop {
            let wait = deadline
                .saturating_duration_since(Instant::now())
                .min(CANCEL_POLL);
            match watchdog_stopped.recv_timeout(wait) {
                Err(RecvTimeoutError::Timeout) => {
                    let verdict = if cancel.is_cancelled() {
                        Verdict::Cancelled
                    } else if Instant::now() >= deadline {
                        Verdict::TimedOut
                    } else {
                        continue;
                    };
                    if let Ok(mut child) = watched.lock() {
                        let _ = child.kill();
                    }
                    return verdict;
                }
                _ => return Verdict::Finished,
            }
        });
        let timeout = self.timeout;
        Ok(Running {
            tool: self.tool,
            child,
            stdout,
            stderr_reader,
            watchdog: Some((stop_watchdog, watchdog)),
            timeout,
            started: Instant::now(),
            finished: false,
        })
    }
}

/// A running tool. Dropping it kills the process.
pub struct Running {
    tool: Tool,
    child: Arc<Mutex<Child>>,
    stdout: Option<ChildStdout>,
    stderr_reader: Option<JoinHandle<String>>,
    watchdog: Option<(mpsc::Sender<()>, JoinHandle<Verdict>)>,
    timeout: Duration,
    started: Instant,
    finished: bool,
}

impl Running {
    /// The tool's stdout, to read while it runs (taken once).
    pub fn take_stdout(&mut self) -> Option<ChildStdout> {
        self.stdout.take()
    }

    /// Waits for the end; returns stderr on success, or an error that quotes its last line.
    pub fn wait(mut self) -> Result<String, MediaError> {
        drop(self.stdout.take());
        let status = self.wait_status()?;
        self.finished = true;
        let verdict = match self.watchdog.take() {
            Some((stop, handle)) => {
                let _ = stop.send(());
                handle.join().unwrap_or(Verdict::Finished)
            }
            None => Verdict::Finished,
        };
        let stderr = self
            .stderr_reader
            .take()
            .and_then(|reader| reader.join().ok())
            .unwrap_or_default();
        if verdict == Verdict::Cancelled {
            return Err(MediaError::Cancelled);
        }
        if verdict == Verdict::TimedOut {
            return Err(MediaError::TimedOut {
                tool: self.tool,
                after: self.timeout,
            });
        }
        if !status.success() {
            return Err(MediaError::ToolFailed {
                tool: self.tool,
                status: status.code(),
                stderr,
            });
        }
        Ok(stderr)
    }

    fn wait_status(&self) -> Result<ExitStatus, MediaError> {
        loop {
            {
                let mut child = self
                    .child
                    .lock()
                    .map_err(|_| MediaError::Internal("a process lock was poisoned".into()))?;
                if let Some(status) = child
                    .try_wait()
                    .map_err(|e| MediaError::io("waiting for ffmpeg", e))?
                {
                    return Ok(status);
                }
            }
            let waited = self.started.elapsed();
            thread::sleep(if waited < Duration::from_millis(200) {
                Duration::from_millis(2)
            } else {
                Duration::from_millis(20)
            });
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some((stop, _)) = self.watchdog.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_call_keeps_stderr_for_the_message() {
        let result = ToolCommand::new(Tool::Ffprobe)
            .arg("file:/nonexistent/definitely-missing.mp4")
            .output();
        match result {
            Err(MediaError::ToolFailed { stderr, .. }) => {
                assert!(stderr.contains("No such file"), "{stderr}")
            }
            other => panic!("expected a tool failure, got {other:?}"),
        }
    }

    #[test]
    fn a_call_over_its_time_is_killed() {
        let started = Instant::now();
        let result = ToolCommand::new(Tool::Ffmpeg)
            .args(["-re", "-f", "lavfi", "-i", "anullsrc", "-f", "null", "-"])
            .timeout(Duration::from_millis(300))
            .output();
        assert!(
            matches!(result, Err(MediaError::TimedOut { .. })),
            "{result:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(30));
    }

    #[test]
    fn a_cancelled_call_is_killed_and_says_so() {
        let token = CancelToken::new();
        let canceller = token.clone();
        let started = Instant::now();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            canceller.cancel();
        });
        let result = ToolCommand::new(Tool::Ffmpeg)
            .args(["-re", "-f", "lavfi", "-i", "anullsrc", "-f", "null", "-"])
            .timeout(Duration::from_secs(600))
            .cancel_with(&token)
            .output();
        assert!(matches!(result, Err(MediaError::Cancelled)), "{result:?}");
        assert!(started.elapsed() < Duration::from_secs(30));
        let again = ToolCommand::new(Tool::Ffprobe)
            .arg("-version")
            .cancel_with(&token)
            .output();
        assert!(
            matches!(again, Err(MediaError::Cancelled)),
            "nothing starts once cancelled"
        );
    }
}
