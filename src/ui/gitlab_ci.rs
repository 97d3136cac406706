//! GitLab CI mode (`GITLAB_CI=true`): the result as dotenv job outputs in `$FASTREVERT_DOTENV`
//! (for `artifacts: reports: dotenv`) and a summary section in the job log.

use std::io::Write;

use crate::error::Error;
use crate::migrations::Class;
use crate::outcome::{Outcome, Published};

pub fn active() -> bool {
    std::env::var("GITLAB_CI").is_ok_and(|v| v == "true")
}

/// A dotenv value: one line (GitLab reads no multi-line values), no control characters.
fn value(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Text others wrote (subjects, titles, messages) for the log: no escape sequence can open or
/// close a log section or recolour what follows.
fn loggable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// `FASTREVERT_*` outputs of a result (success or failure), in a stable order.
pub(crate) fn outputs(o: &Published, result: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("FASTREVERT_RESULT", result.to_string()),
        ("FASTREVERT_COMMAND", o.command.to_string()),
        (
            "FASTREVERT_BRANCH",
            o.branch.unwrap_or_default().to_string(),
        ),
        ("FASTREVERT_COMMITS", o.commits.join(" ")),
        ("FASTREVERT_TREE", o.tree.unwrap_or_default().to_string()),
        ("FASTREVERT_PUSHED", o.pushed.to_string()),
        (
            "FASTREVERT_MR_IID",
            o.pull_request
                .map(|p| p.number.to_string())
                .unwrap_or_default(),
        ),
        (
            "FASTREVERT_MR_URL",
            o.pull_request.map(|p| p.url.clone()).unwrap_or_default(),
        ),
    ];
    for (key, field) in [
        ("FASTREVERT_TAG", o.tag),
        ("FASTREVERT_STAGING_BRANCH", o.staging_branch),
        ("FASTREVERT_BACKUP_REF", o.backup_ref),
    ] {
        if let Some(value) = field {
            out.push((key, value.to_string()));
        }
    }
    let destructive = o
        .migrations
        .iter()
        .flat_map(|m| &m.findings)
        .filter(|f| f.class == Class::Destructive)
        .count();
    out.push(("FASTREVERT_DESTRUCTIVE_MIGRATIONS", destructive.to_string()));
    out
}

fn write_dotenv(lines: &[(&str, String)]) {
    let Some(path) = crate::config::dotenv_path() else {
        return;
    };
    let text: String = lines
        .iter()
        .map(|(k, v)| format!("{k}={}\n", value(v)))
        .collect();
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    // Never through a symlink someone else put there (the job runs in their checkout).
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let written = options
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = written {
        crate::ui::print_err(&format!(
            "warning: could not write the job outputs to {}: {e}",
            std::path::Path::new(&path).display()
        ));
    }
}

/// A collapsible section of the job log.
fn section(title: &str, body: &[String]) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut text = format!("\x1b[0Ksection_start:{now}:fastrevert_summary\r\x1b[0K{title}\n");
    for line in body {
        text.push_str(&loggable(line));
        text.push('\n');
    }
    text.push_str(&format!(
        "\x1b[0Ksection_end:{now}:fastrevert_summary\r\x1b[0K"
    ));
    crate::ui::print_err_raw(&text);
}

/// Outputs and the summary for a command that succeeded.
pub fn publish(outcome: &Outcome) {
    let published = outcome.published();
    let outputs = outputs(&published, "ok");
    write_dotenv(&outputs);
    let mut body: Vec<String> = outputs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", value(v)))
        .collect();
    for w in published.warnings {
        body.push(format!("warning: {w}"));
    }
    if published.dry_run {
        body.push("Dry run: nothing was written.".into());
    }
    section("git-fastrevert summary", &body);
}

/// Outputs and the summary for a command that failed: what happened and what to do.
pub fn fail(err: &Error) {
    let mut outputs = outputs(&Published::default(), err.kind.as_str());
    outputs.push(("FASTREVERT_ERROR", err.message.clone()));
    write_dotenv(&outputs);
    let mut body = vec![format!(
        "git-fastrevert failed ({}): {}",
        err.kind.as_str(),
        err.message
    )];
    for c in &err.conflicts {
        body.push(format!(
            "conflict: {} ({})",
            crate::git::quote_path(&c.raw),
            c.kind
        ));
    }
    for h in &err.hints {
        body.push(format!("what to do: {h}"));
    }
    section("git-fastrevert failed", &body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotenv_values_are_one_line_without_control_characters() {
        assert_eq!(value("a\nb\rc\x1b[31m"), "a b c [31m");
        assert_eq!(
            loggable("x\x1b[0Ksection_end:1:y\r\n"),
            "x [0Ksection_end:1:y \n"
        );
    }

    #[test]
    fn outputs_carry_the_result_and_the_merge_request() {
        let commits = ["a".to_string(), "b".to_string()];
        let pr = crate::forge::PullRequest {
            number: 12,
            url: "https://g/x/-/merge_requests/12".into(),
            existing: false,
            forge: crate::forge::Kind::GitLab,
        };
        let published = Published {
            command: "revert",
            branch: Some("revert-7-x"),
            commits: &commits,
            tree: Some("t"),
            pushed: true,
            pull_request: Some(&pr),
            ..Default::default()
        };
        let out = outputs(&published, "ok");
        let get = |k: &str| {
            out.iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(get("FASTREVERT_COMMITS").as_deref(), Some("a b"));
        assert_eq!(get("FASTREVERT_MR_IID").as_deref(), Some("12"));
        assert_eq!(get("FASTREVERT_PUSHED").as_deref(), Some("true"));
        assert_eq!(get("FASTREVERT_TAG"), None);
    }
}
