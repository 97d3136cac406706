//! GitLab CI mode (`GITLAB_CI=true`): the result as dotenv job outputs in `$FASTREVERT_DOTENV`
//! (for `artifacts: reports: dotenv`) and a summary section in the job log.

use std::io::Write;

use serde_json::Value;

use crate::actions::strings;
use crate::error::Error;

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
fn outputs(json: &Value, result: &str) -> Vec<(&'static str, String)> {
    let text = |k: &str| json[k].as_str().unwrap_or_default().to_string();
    let pr = &json["pull_request"];
    let mut out = vec![
        ("FASTREVERT_RESULT", result.to_string()),
        ("FASTREVERT_COMMAND", text("command")),
        ("FASTREVERT_BRANCH", text("branch")),
        ("FASTREVERT_COMMITS", strings(&json["commits"]).join(" ")),
        ("FASTREVERT_TREE", text("tree")),
        ("FASTREVERT_PUSHED", (json["pushed"] == true).to_string()),
        (
            "FASTREVERT_MR_IID",
            pr["number"]
                .as_u64()
                .map(|n| n.to_string())
                .unwrap_or_default(),
        ),
        (
            "FASTREVERT_MR_URL",
            pr["url"].as_str().unwrap_or_default().to_string(),
        ),
    ];
    for (key, field) in [
        ("FASTREVERT_TAG", "tag"),
        ("FASTREVERT_STAGING_BRANCH", "staging_branch"),
        ("FASTREVERT_BACKUP_REF", "backup_ref"),
    ] {
        if json[field].is_string() {
            out.push((key, text(field)));
        }
    }
    let destructive = json["migrations"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|m| m["findings"].as_array().into_iter().flatten())
        .filter(|f| f["class"] == "destructive")
        .count();
    out.push(("FASTREVERT_DESTRUCTIVE_MIGRATIONS", destructive.to_string()));
    out
}

fn write_dotenv(lines: &[(&str, String)]) {
    let Some(path) = std::env::var_os("FASTREVERT_DOTENV").filter(|p| !p.is_empty()) else {
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
    crate::ui::print_err(&text);
}

/// Outputs and the summary for a command that succeeded.
pub fn publish(json: &Value) {
    let outputs = outputs(json, "ok");
    write_dotenv(&outputs);
    let mut body: Vec<String> = outputs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", value(v)))
        .collect();
    for w in strings(&json["warnings"]) {
        body.push(format!("warning: {w}"));
    }
    if json["dry_run"] == true {
        body.push("Dry run: nothing was written.".into());
    }
    section("git-fastrevert summary", &body);
}

/// Outputs and the summary for a command that failed: what happened and what to do.
pub fn fail(err: &Error) {
    let mut outputs = outputs(&Value::Null, err.kind.as_str());
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
        let json = serde_json::json!({
            "command": "revert", "branch": "revert-7-x", "commits": ["a", "b"], "tree": "t",
            "pushed": true, "pull_request": {"number": 12, "url": "https://g/x/-/merge_requests/12"},
            "migrations": []
        });
        let out = outputs(&json, "ok");
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
