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

/// Run each hook through `sh -c`, in order, with the release ids in the environment.
pub fn run_hooks(
    hooks: &[String],
    rel: &Releases,
    live: &str,
    before: Option<&str>,
) -> Vec<Failure> {
    let mut failures = Vec::new();
    for hook in hooks {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(hook).stdin(Stdio::null());
        environment(&mut cmd, rel, live, before);
        match cmd.output() {
            Ok(out) if out.status.success() => {}
            Ok(out) => failures.push(Failure {
                command: hook.clone(),
                code: out.status.code(),
                output: shorten(&[out.stdout, out.stderr].concat()),
            }),
            Err(e) => failures.push(Failure {
                command: hook.clone(),
                code: None,
                output: e.to_string(),
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
            let out = run_with_timeout(&mut cmd, self.timeout)?;
            if !out.status.success() {
                return Err(format!(
                    "`{command}` exited with {}: {}",
                    out.status
                        .code()
                        .map_or("a signal".into(), |c| c.to_string()),
                    shorten(&[out.stdout, out.stderr].concat())
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

/// Run a command, killing it when it takes longer than `timeout`.
fn run_with_timeout(cmd: &mut Command, timeout: Duration) -> Result<std::process::Output, String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run the check: {e}"))?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => return child.wait_with_output().map_err(|e| e.to_string()),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "the check took longer than {} s",
                    timeout.as_secs_f64()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}
