//! Everything that reaches the terminal: results on stdout, messages on stderr, prompts and
//! progress on stderr.

pub mod actions;
pub mod azure_pipelines;
pub mod gitlab_ci;
pub mod prompt;
pub mod render;

use std::io::{IsTerminal, Write};

use prompt::Prompter;

use crate::cli::{ColorChoice, GlobalArgs};
use crate::error::{Error, Result};

pub struct Ui {
    /// Asks the questions when `interactive`.
    pub prompter: Box<dyn Prompter>,
    pub json: bool,
    pub quiet: bool,
    pub verbose: bool,
    pub yes: bool,
    /// Whether a person can answer a prompt: stdin and stderr are terminals and CI is not set.
    pub interactive: bool,
    pub color: bool,
    /// Warnings already on the screen: an outcome's warnings are shown once, whether they
    /// were said as they arose, in a plan, or at the end.
    shown: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// Text someone else wrote (a subject, an author, a file or branch name, a server's message),
/// made safe to show: control characters (C0 but newline and tab, DEL, C1), and with them every
/// escape sequence, and the bidirectional overrides that reorder what is seen, are written as
/// visible escapes (`\x1b`, `\r`, `\u{202e}`). A terminal is told nothing by what it shows.
pub fn terminal_safe(text: &str) -> std::borrow::Cow<'_, str> {
    fn risky(c: char) -> bool {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    }
    if !text.chars().any(risky) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            c if risky(c) && (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if risky(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// JSON for scripts: serde escapes C0 controls; C1, DEL and the bidirectional overrides are
/// escaped too (`\u009b`), so the value is the same and a terminal showing it is told nothing.
pub fn json_text(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if !text.chars().any(json_escaped) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if json_escaped(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

fn json_escaped(c: char) -> bool {
    matches!(c, '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Print JSON on stdout (see [`json_text`]).
pub fn print_json(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", neutralize(&json_text(value), ci_logs()));
}

/// Print a line (or several) on stdout, made [`terminal_safe`]. See [`neutralize`].
pub fn print_out(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", neutralize(&terminal_safe(text), ci_logs()));
}

/// A generated script (completions) on stdout, exactly as it is.
pub fn print_script(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// Print a line (or several) on stderr, made [`terminal_safe`]. See [`neutralize`].
pub fn print_err(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", neutralize(&terminal_safe(text), ci_logs()));
}

/// A line on stderr after a label of the tool's own (which may carry its colours): only the
/// text is made [`terminal_safe`].
pub fn print_err_labelled(label: &str, text: &str) {
    let mut err = std::io::stderr().lock();
    let line = format!("{label} {}", terminal_safe(text));
    let _ = writeln!(err, "{}", neutralize(&line, ci_logs()));
}

/// The tool's own control sequences (GitLab's log sections) on stderr, exactly as written;
/// whatever others wrote in them must already be safe.
pub fn print_err_raw(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", neutralize(text, ci_logs()));
}

/// Whether a CI runner reads this process's output for commands: GitHub Actions (and Gitea's
/// and Forgejo's, which read the same), or Azure Pipelines.
pub fn ci_logs() -> bool {
    actions::active() || azure_pipelines::active()
}

/// In GitHub Actions the runner reads every line of both streams for workflow commands: a line
/// that starts with `::` (after blanks), or holds `##[` anywhere; the Azure Pipelines agent reads
/// `##vso[` anywhere in a line. Text written by others (file
/// names, subjects, titles, server messages, git's own output) must never make one, so in Actions
/// mode such lines get an invisible word joiner (U+2060) that breaks the marker; the tool's own
/// annotations are written by `actions` alone. A JSON line keeps its value: `[` is escaped.
pub fn neutralize(text: &str, actions: bool) -> std::borrow::Cow<'_, str> {
    let risky = |line: &str| {
        line.trim_start().starts_with("::") || line.contains("##[") || line.contains("##vso[")
    };
    if !actions || !text.split(['\n', '\r']).any(risky) {
        return std::borrow::Cow::Borrowed(text);
    }
    let json = text.starts_with('{');
    let mut out = String::with_capacity(text.len() + 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for (j, part) in line.split('\r').enumerate() {
            if j > 0 {
                out.push('\r');
            }
            let part = if json {
                part.replace("##[", "##\\u005b")
                    .replace("##vso[", "##\\u0076so[")
            } else {
                part.replace("##[", "##\u{2060}[")
                    .replace("##vso[", "##\u{2060}vso[")
            };
            match part.find("::") {
                Some(at) if part.trim_start().starts_with("::") => {
                    out.push_str(&part[..=at]);
                    out.push('\u{2060}');
                    out.push_str(&part[at + 1..]);
                }
                _ => out.push_str(&part),
            }
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Ctrl-C outside a prompt (a prompt reads it as a key): leave with 130 and the cursor shown.
#[cfg(unix)]
pub fn exit_on_interrupt() {
    extern "C" fn on_interrupt(_: libc::c_int) {
        let msg = b"\x1b[?25h\ninterrupted\n";
        // SAFETY: write(2) and _exit(2) are async-signal-safe; the buffer is static.
        unsafe {
            libc::write(2, msg.as_ptr().cast(), msg.len());
            libc::_exit(130);
        }
    }
    // SAFETY: installs a handler that only makes async-signal-safe calls.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as *const () as libc::sighandler_t,
        );
    }
}

/// Show the cursor again (a prompt may have hidden it).
pub fn show_cursor() {
    let _ = console::Term::stderr().show_cursor();
}

/// `CI=true` (set by GitHub Actions and most CI systems) means nobody is there to answer.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

impl Ui {
    pub fn new(global: &GlobalArgs) -> Ui {
        let interactive =
            std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !in_ci();
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
            }
        };
        Ui {
            prompter: Box::new(prompt::Terminal::new(color)),
            json: global.json,
            quiet: global.quiet,
            verbose: global.verbose,
            yes: global.yes,
            interactive,
            color,
            shown: Default::default(),
        }
    }

    /// A UI whose questions are answered by `prompter`, as if on a terminal; quiet, no colour.
    pub fn with_prompter(prompter: Box<dyn Prompter>) -> Ui {
        Ui {
            prompter,
            json: false,
            quiet: true,
            verbose: false,
            yes: false,
            interactive: true,
            color: false,
            shown: Default::default(),
        }
    }

    fn paint(&self, style: console::Style, text: &str) -> String {
        if self.color {
            style.force_styling(true).apply_to(text).to_string()
        } else {
            text.to_string()
        }
    }

    /// A spinner while a slow step (fetch, push, an API call) runs; a plain line when nobody
    /// watches a terminal. It disappears when dropped.
    pub fn progress(&self, msg: &str) -> Option<indicatif::ProgressBar> {
        if self.quiet || self.json {
            return None;
        }
        if !(self.interactive && self.color) {
            print_err(&format!("{msg}..."));
            return None;
        }
        let bar =
            indicatif::ProgressBar::new_spinner().with_message(terminal_safe(msg).into_owned());
        bar.enable_steady_tick(std::time::Duration::from_millis(80));
        Some(bar)
    }

    /// A bar of `done` out of `total` with rate and time left, drawn while `work` runs, on a
    /// terminal only (never under `--json` or `--quiet`).
    pub fn counted<T>(
        &self,
        msg: &str,
        total: &std::sync::atomic::AtomicUsize,
        done: &std::sync::atomic::AtomicUsize,
        work: impl FnOnce() -> T,
    ) -> T {
        use std::sync::atomic::{AtomicBool, Ordering};
        // NO_COLOR turns colours off, not progress: a bar needs only a terminal.
        if self.quiet || self.json || !self.interactive {
            let spinner = self.progress(msg);
            let out = work();
            if let Some(bar) = spinner {
                bar.finish_and_clear();
            }
            return out;
        }
        let bar = indicatif::ProgressBar::new(0).with_message(terminal_safe(msg).into_owned());
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {pos}/{len} files, {per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        let finished = AtomicBool::new(false);
        std::thread::scope(|scope| {
            // No thread to spare (a host's limit): the work runs without the bar moving.
            let _ = std::thread::Builder::new().spawn_scoped(scope, || {
                while !finished.load(Ordering::Relaxed) {
                    bar.set_length(total.load(Ordering::Relaxed) as u64);
                    bar.set_position(done.load(Ordering::Relaxed) as u64);
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
            });
            let out = work();
            finished.store(true, Ordering::Relaxed);
            bar.finish_and_clear();
            out
        })
    }

    /// The prompter, when there is a person to ask.
    pub fn ask(&self) -> Option<&dyn Prompter> {
        self.interactive.then_some(self.prompter.as_ref())
    }

    /// Progress and notes, on stderr; silent under `--quiet`.
    pub fn info(&self, msg: &str) {
        if !self.quiet {
            print_err(msg);
        }
    }

    /// A warning, now; remembered so that the outcome that carries it does not repeat it.
    pub fn warn(&self, msg: &str) {
        self.remember(msg);
        print_err_labelled(
            &self.paint(console::Style::new().yellow().bold(), "warning:"),
            msg,
        );
    }

    /// Detail shown only with `-v`.
    pub fn trace(&self, msg: &str) {
        if self.verbose {
            print_err_labelled(&self.paint(console::Style::new().dim(), "+"), msg);
        }
    }

    /// The result for people on stdout; with `--json` the JSON is the result, and stderr
    /// carries only warnings and errors.
    pub fn result(&self, lines: &[String]) {
        if !self.json {
            for line in lines {
                print_out(line);
            }
        }
    }

    /// Ask before a step that changes shared state. `--yes` answers yes; without a person to
    /// ask, the missing `--yes` is an error.
    pub fn confirm(&self, question: &str, what: &str) -> Result<()> {
        if self.yes {
            return Ok(());
        }
        if !self.interactive {
            return Err(Error::bad_input(format!(
                "{what} needs a confirmation and there is no terminal to ask"
            ))
            .hint("pass --yes to confirm"));
        }
        if self.prompter.confirm(question, false)? {
            Ok(())
        } else {
            // Answering no is a cancel (exit 130), as the contract's exit codes say.
            Err(Error::new(
                crate::error::Kind::Interrupted,
                "not confirmed; nothing was changed",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::neutralize;

    #[test]
    fn text_others_wrote_never_makes_a_ci_command() {
        let hostile = "Fix\n##vso[task.setvariable variable=X]evil\n::error::no\nok ##[group]x";
        let safe = neutralize(hostile, true);
        for line in safe.lines() {
            assert!(!line.contains("##vso["), "{line}");
            assert!(!line.contains("##["), "{line}");
            assert!(!line.trim_start().starts_with("::"), "{line}");
        }
        let json = neutralize(r###"{"subject":"##vso[task.complete]"}"###, true);
        assert!(!json.contains("##vso["));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&json).unwrap()["subject"],
            "##vso[task.complete]",
            "JSON keeps its value"
        );
        assert_eq!(neutralize(hostile, false), hostile);
    }
}
