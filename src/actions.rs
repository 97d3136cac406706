//! GitHub Actions mode (`GITHUB_ACTIONS=true`): step outputs in `$GITHUB_OUTPUT`, a Markdown job
//! summary in `$GITHUB_STEP_SUMMARY`, and errors and warnings as workflow annotations.

use std::io::Write;

use serde_json::Value;

use crate::error::Error;

pub fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// Escape a workflow command's message (`%`, CR and LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow command's property value (also `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotate(level: &str, props: &str, message: &str) {
    let props = if props.is_empty() {
        String::new()
    } else {
        format!(" {props}")
    };
    println!("::{level}{props}::{}", escape_data(message));
}

/// A delimiter that the value cannot contain, for `name<<DELIM` blocks.
fn delimiter(value: &str) -> String {
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ u64::from(std::process::id()).rotate_left(32);
    loop {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let d = format!("ghadelimiter_{seed:016x}");
        if !value.contains(&d) {
            return d;
        }
    }
}

fn append(var: &str, text: &str) {
    let Some(path) = std::env::var_os(var) else {
        return;
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()));
    if let Err(e) = written {
        annotate("warning", "", &format!("could not write {var}: {e}"));
    }
}

fn set_output(name: &str, value: &str) {
    let d = delimiter(value);
    append("GITHUB_OUTPUT", &format!("{name}<<{d}\n{value}\n{d}\n"));
}

fn repo_url() -> Option<String> {
    let server = std::env::var("GITHUB_SERVER_URL").unwrap_or_else(|_| "https://github.com".into());
    let repo = std::env::var("GITHUB_REPOSITORY").ok()?;
    Some(format!("{}/{repo}", server.trim_end_matches('/')))
}

fn commit_link(sha: &str) -> String {
    match repo_url() {
        Some(url) => format!("[`{}`]({url}/commit/{sha})", &sha[..sha.len().min(7)]),
        None => format!("`{}`", &sha[..sha.len().min(7)]),
    }
}

/// The strings of a JSON array (nothing for anything else).
pub(crate) fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Outputs, summary and annotations for a command that succeeded.
pub fn publish(json: &Value) {
    let text = |k: &str| json[k].as_str().unwrap_or_default().to_string();
    set_output("branch", &text("branch"));
    set_output("commits", &strings(&json["commits"]).join("\n"));
    set_output("tree", &text("tree"));
    let pr = &json["pull_request"];
    set_output(
        "pr-number",
        &pr["number"]
            .as_u64()
            .map(|n| n.to_string())
            .unwrap_or_default(),
    );
    set_output("pr-url", pr["url"].as_str().unwrap_or_default());
    for w in strings(&json["warnings"]) {
        annotate("warning", "", &w);
    }
    annotate_migrations(json);

    let mut md = String::new();
    let base = text("base");
    match json["command"].as_str().unwrap_or_default() {
        "revert" => {
            let reverted = strings(&json["reverted"]);
            md.push_str(&format!(
                "## git-fastrevert: reverted {} commit(s) on `{base}`\n\n",
                reverted.len()
            ));
            for sha in &reverted {
                md.push_str(&format!("- {}\n", commit_link(sha)));
            }
            for sha in strings(&json["skipped"]) {
                md.push_str(&format!(
                    "- {} already reverted: skipped\n",
                    commit_link(&sha)
                ));
            }
        }
        "rollback" => md.push_str(&format!(
            "## git-fastrevert: rolled `{base}` back to `{}` ({})\n\n",
            text("to"),
            commit_link(&text("to_commit"))
        )),
        "prepare" => md.push_str(&format!(
            "## git-fastrevert: snapshot `{}` of `{base}` at {}\n\nBranch `{}`.\n",
            text("tag"),
            commit_link(&text("base_commit")),
            text("staging_branch")
        )),
        "check-migrations" => md.push_str(&format!(
            "## git-fastrevert: migrations in `{}`\n\n",
            text("range")
        )),
        other => md.push_str(&format!("## git-fastrevert {other}\n\n")),
    }
    if !text("branch").is_empty() {
        md.push_str(&format!(
            "\nBranch: `{}`{}\n",
            text("branch"),
            if json["pushed"] == true {
                " (pushed)"
            } else {
                ""
            }
        ));
    }
    if let Some(url) = pr["url"].as_str() {
        md.push_str(&format!("\nPull request: [#{}]({url})\n", pr["number"]));
    }
    md.push_str(&migrations_table(json));
    let warnings = strings(&json["warnings"]);
    if !warnings.is_empty() {
        md.push_str("\n### Warnings\n\n");
        for w in warnings {
            md.push_str(&format!("- {w}\n"));
        }
    }
    if json["dry_run"] == true {
        md.push_str("\nDry run: nothing was written.\n");
    }
    append("GITHUB_STEP_SUMMARY", &format!("{md}\n"));
}

/// `::error file=…,line=…::` for destructive findings, `::warning …` for unknown ones.
pub fn annotate_migrations(json: &Value) {
    for m in json["migrations"].as_array().into_iter().flatten() {
        for f in m["findings"].as_array().into_iter().flatten() {
            let level = match f["class"].as_str() {
                Some("destructive") => "error",
                Some("unknown") => "warning",
                _ => continue,
            };
            let props = format!(
                "file={},line={},title={}",
                escape_property(f["file"].as_str().unwrap_or_default()),
                f["line"],
                escape_property(&format!(
                    "{} migration",
                    f["class"].as_str().unwrap_or_default()
                ))
            );
            annotate(
                level,
                &props,
                &format!(
                    "{}: {}",
                    f["statement"].as_str().unwrap_or_default(),
                    f["reason"].as_str().unwrap_or_default()
                ),
            );
        }
    }
}

fn migrations_table(json: &Value) -> String {
    let Some(list) = json["migrations"].as_array().filter(|l| !l.is_empty()) else {
        return String::new();
    };
    let mut md = String::from(
        "\n### Migrations\n\n| file | line | class | statement | why |\n|---|---:|---|---|---|\n",
    );
    for m in list {
        for f in m["findings"].as_array().into_iter().flatten() {
            md.push_str(&format!(
                "| `{}` | {} | {} | `{}` | {} |\n",
                f["file"].as_str().unwrap_or_default(),
                f["line"],
                f["class"].as_str().unwrap_or_default(),
                f["statement"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('|', "\\\\|"),
                f["reason"]
                    .as_str()
                    .unwrap_or_default()
                    .replace('|', "\\\\|")
            ));
        }
    }
    md
}

/// The error as an annotation and a summary section with what to do.
pub fn fail(err: &Error) {
    let mut message = err.message.clone();
    if !err.conflicts.is_empty() {
        let paths: Vec<String> = err
            .conflicts
            .iter()
            .map(|c| crate::git::quote_path(&c.raw))
            .collect();
        message.push_str(&format!("\nConflicting paths: {}", paths.join(", ")));
    }
    annotate("error", "title=git-fastrevert", &message);
    let mut md = format!("## git-fastrevert failed\n\n{}\n", err.message);
    if !err.conflicts.is_empty() {
        md.push_str("\nConflicting paths:\n\n");
        for c in &err.conflicts {
            md.push_str(&format!(
                "- `{}` ({})\n",
                crate::git::quote_path(&c.raw).replace('`', "'"),
                c.kind
            ));
        }
    }
    if !err.hints.is_empty() {
        md.push_str("\nWhat to do:\n\n");
        for h in &err.hints {
            md.push_str(&format!("- {h}\n"));
        }
    }
    append("GITHUB_STEP_SUMMARY", &format!("{md}\n"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_command_escaping() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("db/a.sql:1,2"), "db/a.sql%3A1%2C2");
    }

    #[test]
    fn delimiters_never_occur_in_the_value() {
        let d = delimiter("x");
        assert!(d.starts_with("ghadelimiter_"));
        assert!(!delimiter(&d).is_empty());
    }
}
