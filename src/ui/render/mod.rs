//! Outcomes and errors as people and scripts read them: the lines on stdout or the JSON, each
//! warning once on stderr, and errors with their hints and causes.

mod holds;
mod migrations;
mod points;
mod prepare;
#[cfg(unix)]
mod releases;
mod revert;

pub use holds::held_line;
pub use migrations::migration_lines;

use super::{print_err, print_err_labelled, print_json, Ui};
use crate::error::Error;
use crate::outcome::Outcome;

/// Whether the lines are the result of a run or the plan a person is asked to confirm (which
/// does not say "dry run": the real run follows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Result,
    Plan,
}

/// The lines a person reads of an outcome; a dry run's result ends saying so.
pub fn lines(outcome: &Outcome, view: View) -> Vec<String> {
    let mut lines = match outcome {
        Outcome::List(o) => points::list(o),
        Outcome::Prepare(o) => prepare::prepare(o),
        Outcome::Holds(o) => holds::holds(o),
        #[cfg(unix)]
        Outcome::Status(o) => holds::status(o),
        Outcome::CheckMigrations(o) => migrations::check(o),
        #[cfg(unix)]
        Outcome::Releases(o) => releases::list(o),
        #[cfg(unix)]
        Outcome::Deploy(o) => releases::deploy(o),
        #[cfg(unix)]
        Outcome::Switch(o) => releases::switch(o),
        Outcome::Revert(o) => revert::revert(o),
        Outcome::Rollback(o) => revert::rollback(o),
    };
    if view == View::Result && outcome.dry_run() {
        lines.push("Dry run: nothing was written.".into());
    }
    lines
}

/// The start of an id as people read it: 7 characters for commits, 12 for releases (the whole
/// id when it is shorter, never a panic on a name that is not one).
fn abbrev(id: &str, len: usize) -> &str {
    id.get(..len).unwrap_or(id)
}

/// What is (or would be) signed and how.
pub fn signed_line(with: &crate::git::sign::SignedWith, what: &str, dry_run: bool) -> String {
    let how = with.to_string();
    if dry_run {
        format!("The {what} would be signed: {how}.")
    } else {
        let mut first = what.chars();
        let what: String = first
            .next()
            .map_or(String::new(), |c| c.to_uppercase().chain(first).collect());
        format!("{what} signed: {how}.")
    }
}

impl Ui {
    /// Note a warning as shown; whether it had been shown before.
    pub(super) fn remember(&self, msg: &str) -> bool {
        match self.shown.lock() {
            Ok(mut shown) => !shown.insert(msg.to_string()),
            // A poisoned set only means a thread panicked while holding it: show again.
            Err(_) => false,
        }
    }

    /// The result: warnings not shown yet on stderr, then the lines on stdout (or, with
    /// `--json`, the JSON object).
    pub fn render(&self, outcome: &Outcome) {
        for w in outcome.warnings() {
            if !self.remember(w) {
                self.warn(w);
            }
        }
        self.result(&lines(outcome, View::Result));
        // Serialised only when asked for.
        if self.json {
            print_json(&outcome.json());
        }
    }

    /// A dry run shown as the plan to confirm: its lines and its warnings, which the real
    /// run's outcome then does not repeat.
    pub fn show_plan(&self, plan: &Outcome) {
        print_err("\nThe plan:");
        for line in lines(plan, View::Plan) {
            print_err(&format!("  {line}"));
        }
        for w in plan.warnings() {
            self.remember(w);
            print_err(&format!("  warning: {w}"));
        }
        print_err("");
    }

    /// A refusal a person may still overrule: what it found and what to do, without the flag
    /// that the question replaces.
    pub fn show_refusal(&self, err: &Error, asked: crate::error::Opt) {
        print_err(&format!("\nRefused: {}", err.message));
        for hint in err.hints.iter().filter(|h| h.option != Some(asked)) {
            print_err(&format!("  {hint}"));
        }
        print_err("");
    }

    /// The error for people (stderr) and, with `--json`, for scripts (stdout).
    pub fn error(&self, err: &Error) {
        if self.json {
            print_json(&serde_json::json!({ "error": err.to_json() }));
        }
        self.error_text(err);
    }

    /// The error for people only: message, conflicting paths, causes, hints.
    pub fn error_text(&self, err: &Error) {
        let mut text = err.message.clone();
        if !err.message.ends_with('.') && !err.message.ends_with(':') {
            text.push('.');
        }
        // A person who answered no or pressed Ctrl-C made no mistake: said plainly, no "error:".
        if err.kind == crate::error::Kind::Interrupted {
            let mut chars = text.chars();
            let said: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            print_err(&said);
            return;
        }
        print_err_labelled(
            &self.paint(console::Style::new().red().bold(), "error:"),
            &text,
        );
        for c in &err.conflicts {
            // git's quoting leaves no control character in the path.
            print_err_labelled(
                &format!(
                    "  {}",
                    self.paint(console::Style::new().red(), &crate::git::quote_path(&c.raw))
                ),
                &format!("({})", c.kind),
            );
        }
        for cause in err.causes() {
            print_err_labelled(
                &self.paint(console::Style::new().dim(), "caused by:"),
                &cause,
            );
        }
        for hint in &err.hints {
            print_err_labelled(
                &self.paint(console::Style::new().cyan(), "hint:"),
                &hint.to_string(),
            );
        }
    }
}
