//! GitHub Actions mode (`GITHUB_ACTIONS=true`): step outputs in `$GITHUB_OUTPUT`, a Markdown job
//! summary in `$GITHUB_STEP_SUMMARY`, and errors and warnings as workflow annotations.

use std::io::Write;

use crate::error::Error;
use crate::migrations::{Class, Finding, Migration};
use crate::outcome::Outcome;

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
    println!(
        "::{level}{props}::{}",
        escape_data(&super::terminal_safe(message))
    );
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

/// Outputs, summary and annotations for a command that succeeded.
pub fn publish(outcome: &Outcome) {
    let o = outcome.published();
    set_output("branch", o.branch.unwrap_or_default());
    set_output("commits", &o.commits.join("\n"));
    set_output("tree", o.tree.unwrap_or_default());
    set_output(
        "pr-number",
        &o.pull_request
            .map(|p| p.number.to_string())
            .unwrap_or_default(),
    );
    set_output("pr-url", o.pull_request.map_or("", |p| p.url.as_str()));
    for w in o.warnings {
        annotate("warning", "", w);
    }
    annotate_migrations(o.migrations);

    let mut md = String::new();
    let base = o.base;
    match outcome {
        Outcome::Revert(r) => {
            md.push_str(&format!(
                "## git-fastrevert: reverted {} commit(s) on `{base}`\n\n",
                r.reverted.len()
            ));
            for sha in &r.reverted {
                md.push_str(&format!("- {}\n", commit_link(sha)));
            }
            for sha in &r.skipped {
                md.push_str(&format!(
                    "- {} already reverted: skipped\n",
                    commit_link(sha)
                ));
            }
        }
        Outcome::Rollback(r) => md.push_str(&format!(
            "## git-fastrevert: rolled `{base}` back to `{}` ({})\n\n",
            r.to,
            commit_link(&r.to_commit)
        )),
        Outcome::Prepare(p) => md.push_str(&format!(
            "## git-fastrevert: snapshot `{}` of `{base}` at {}\n\nBranch `{}`.\n",
            p.tag,
            commit_link(&p.base_commit),
            p.staging_branch
        )),
        Outcome::CheckMigrations(c) => md.push_str(&format!(
            "## git-fastrevert: migrations in `{}`\n\n",
            c.range
        )),
        _ => md.push_str(&format!("## git-fastrevert {}\n\n", o.command)),
    }
    if let Some(branch) = o.branch.filter(|b| !b.is_empty()) {
        md.push_str(&format!(
            "\nBranch: `{branch}`{}\n",
            if o.pushed { " (pushed)" } else { "" }
        ));
    }
    if let Some(pr) = o.pull_request {
        md.push_str(&format!("\nPull request: [#{}]({})\n", pr.number, pr.url));
    }
    md.push_str(&migrations_table(o.migrations));
    if !o.warnings.is_empty() {
        md.push_str("\n### Warnings\n\n");
        for w in o.warnings {
            md.push_str(&format!("- {w}\n"));
        }
    }
    if o.dry_run {
        md.push_str("\nDry run: nothing was written.\n");
    }
    append("GITHUB_STEP_SUMMARY", &format!("{md}\n"));
}

/// `::error file=…,line=…::` for destructive and unreadable findings, `::warning …` for the
/// ones to check by hand.
pub fn annotate_migrations(migrations: &[Migration]) {
    annotate_findings(migrations.iter().flat_map(|m| &m.findings));
}

fn annotate_findings<'a>(findings: impl Iterator<Item = &'a Finding>) {
    for f in findings {
        let level = match f.class {
            Class::Destructive | Class::Unknown => "error",
            Class::Review => "warning",
            _ => continue,
        };
        let props = format!(
            "file={},line={},title={}",
            escape_property(&f.file),
            f.line,
            escape_property(&format!("{} migration", f.class.as_str()))
        );
        annotate(level, &props, &format!("{}: {}", f.statement, f.reason));
    }
}

fn migrations_table(migrations: &[Migration]) -> String {
    if migrations.is_empty() {
        return String::new();
    }
    let mut md = String::from(
        "\n### Migrations\n\n| file | line | class | statement | why |\n|---|---:|---|---|---|\n",
    );
    for f in migrations.iter().flat_map(|m| &m.findings) {
        md.push_str(&format!(
            "| `{}` | {} | {} | `{}` | {} |\n",
            f.file,
            f.line,
            f.class.as_str(),
            f.statement.replace('|', "\\\\|"),
            f.reason.replace('|', "\\\\|")
        ));
    }
    md
}

/// The error as an annotation and a summary section with what to do.
pub fn fail(err: &Error) {
    // A refusal over destructive migrations: its findings as annotations on the files.
    if let Some(found) = err
        .details
        .as_ref()
        .and_then(|d| d.get("destructive_migrations"))
        .and_then(|f| serde_json::from_value::<Vec<Finding>>(f.clone()).ok())
    {
        annotate_findings(found.iter());
    }
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
