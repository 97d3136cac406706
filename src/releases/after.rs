//! What runs after the live link moves: the after-switch hooks (reload the app server, warm a
//! cache) and the health check whose failure flips the link back.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Releases;

/// One hook or check command that did not succeed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Failure {
    pub command: String,
    /// Its exit code (`null`: it did not start, or was killed).
    pub code: Option<i32>,
    /// What it printed, shortened.
    pub output: String,
    /// Killed at the hook timeout.
    pub timed_out: bool,
}

/// The result of a health check.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckResult {
    pub ok: bool,
    pub attempts: u32,
    /// What the last attempt said.
    pub detail: String,
}

/// The health check: a command, a URL, or both.
#[derive(Debug, Clone)]
pub struct Check {
    pub command: Option<String>,
    pub url: Option<String>,
    pub status: u16,
    pub timeout: Duration,
    pub retries: u32,
}

fn environment(cmd: &mut Command, rel: &Releases, live: &str, before: Option<&str>) {
    cmd.env("FASTREVERT_RELEASE", live)
        .env("FASTREVERT_PREVIOUS", before.unwrap_or(""))
        .env("FASTREVERT_RELEASE_PATH", rel.dir.join(live))
        .env("FASTREVERT_LINK", &rel.link);
}

fn shorten(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    match text.char_indices().nth(2000) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Run each hook through `sh -c`, in order, with the release ids in the environment, each
/// bounded by `timeout`.
pub fn run_hooks(
    hooks: &[String],
    rel: &Releases,
    live: &str,
    before: Option<&str>,
    timeout: Duration,
    cwd: Option<&std::path::Path>,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    for hook in hooks {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(hook);
        if let Some(dir) = cwd {
            cmd.current_dir(dir);
        }
        environment(&mut cmd, rel, live, before);
        match run_bounded(&mut cmd, timeout) {
            Ok(ran) if ran.code == Some(0) => {}
            Ok(ran) => failures.push(Failure {
                command: hook.clone(),
                code: ran.code,
                output: if ran.timed_out {
                    format!(
                        "took longer than {} s (the hook timeout) and was killed with everything it started; {}",
                        timeout.as_secs_f64(),
                        ran.output
                    )
                } else {
                    ran.output
                },
                timed_out: ran.timed_out,
            }),
            Err(e) => failures.push(Failure {
                command: hook.clone(),
                code: None,
                output: e,
                timed_out: false,
            }),
        }
    }
    failures
}

impl Check {
    /// Check until it passes or the attempts run out, one second apart.
    pub fn run(&self, rel: &Releases, live: &str, before: Option<&str>) -> CheckResult {
        let attempts = self.retries.max(1);
        let mut detail = String::new();
        for attempt in 1..=attempts {
            match self.once(rel, live, before) {
                Ok(()) => {
                    return CheckResult {
                        ok: true,
                        attempts: attempt,
                        detail: "passed".into(),
                    }
                }
                Err(why) => detail = why,
            }
            if attempt < attempts {
                std::thread::sleep(Duration::from_secs(1));
            }
        }
        CheckResult {
            ok: false,
            attempts,
            detail,
        }
    }

    fn once(&self, rel: &Releases, live: &str, before: Option<&str>) -> Result<(), String> {
        if let Some(command) = &self.command {
            let mut cmd = Command::new("sh");
            cmd.arg("-c").arg(command).stdin(Stdio::null());
            environment(&mut cmd, rel, live, before);
            let ran = run_bounded(&mut cmd, self.timeout)
                .map_err(|e| format!("could not run the check: {e}"))?;
            if ran.timed_out {
                return Err(format!(
                    "the check took longer than {} s and was killed with everything it started",
                    self.timeout.as_secs_f64()
                ));
            }
            if ran.code != Some(0) {
                return Err(format!(
                    "`{command}` exited with {}: {}",
                    ran.code.map_or("a signal".into(), |c| c.to_string()),
                    ran.output
                ));
            }
        }
        if let Some(url) = &self.url {
            let status = crate::forge::probe_status(url, self.timeout)?;
            if status != self.status {
                return Err(format!("{url} answered {status}, not {}", self.status));
            }
        }
        Ok(())
    }
}

/// How a bounded command ended.
struct Ran {
    /// Its exit code; `None` when a signal ended it.
    code: Option<i32>,
    timed_out: bool,
    /// What it printed (stdout and stderr together), shortened.
    output: String,
}

/// Run a command in a process group of its own, its output into an unnamed temporary file
/// (never a pipe: a background child it leaves would hold a pipe open, and reading it would
/// wait for that child), waiting for the command itself and no longer than `timeout`. At the
/// timeout the whole group is killed: the command and every process it started.
fn run_bounded(cmd: &mut Command, timeout: Duration) -> Result<Ran, String> {
    use std::io::{Read, Seek};
    use std::os::unix::process::CommandExt;
    let mut log =
        tempfile::tempfile().map_err(|e| format!("no temporary file for its output: {e}"))?;
    let out = log.try_clone().map_err(|e| e.to_string())?;
    let err = log.try_clone().map_err(|e| e.to_string())?;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .process_group(0)
        .spawn()
        .map_err(|e| e.to_string())?;
    let group = rustix::process::Pid::from_child(&child);
    let started = Instant::now();
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (status, false),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
                match child.wait() {
                    Ok(status) => break (status, true),
                    Err(e) => return Err(e.to_string()),
                }
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e.to_string()),
        }
    };
    let mut printed = Vec::new();
    let _ = log.rewind();
    let _ = log.take(64 * 1024).read_to_end(&mut printed);
    Ok(Ran {
        code: status.code(),
        timed_out,
        output: shorten(&printed),
    })
}
