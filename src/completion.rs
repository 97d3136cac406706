//! Shell completion that knows the repository: revisions, tags, rollout points, release ids and
//! pull request numbers, computed by the binary when the shell asks (clap_complete's dynamic
//! engine), for `git-fastrevert` and for `git fastrevert` alike.

use std::ffi::OsStr;

use clap_complete::engine::CompletionCandidate;

use crate::git::Repo;

/// The environment variable that makes the binary answer a completion request.
pub const VAR: &str = "GIT_FASTREVERT_COMPLETE";

/// How many first-parent commits of HEAD are offered by id.
const RECENT: usize = 30;

fn repo() -> Option<Repo> {
    Repo::from_env()
}

/// Candidates for what was typed. A shell inserts a candidate as it is, so a name that a shell
/// would read as more than a word (a tag `v2.$(touch x)` from a remote, quotes, globs, blanks)
/// is left out; descriptions (subjects) are shown with their control characters escaped.
fn matching(current: &OsStr, candidates: Vec<CompletionCandidate>) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    candidates
        .into_iter()
        .filter(|c| {
            let value = c.get_value().to_string_lossy();
            value.starts_with(prefix.as_ref()) && shell_word(&value)
        })
        .map(|c| {
            let help = c
                .get_help()
                .map(|h| crate::ui::terminal_safe(&h.to_string()).into_owned());
            c.help(help.map(Into::into))
        })
        .collect()
}

/// Only characters that no shell expands or splits on.
fn shell_word(value: &str) -> bool {
    !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || "._-/+@%,:=".contains(c))
}

/// Names under `prefix` (`refs/tags/`, `refs/heads/`, …), newest commit first.
fn names(repo: &Repo, glob: &str, strip: &str, help: &str) -> Vec<CompletionCandidate> {
    let mut found: Vec<(i64, String)> = Vec::new();
    for (full, _) in repo.refs(glob).unwrap_or_default() {
        let Some(name) = full.strip_prefix(strip) else {
            continue;
        };
        let when = repo
            .find_commit_named(&full)
            .and_then(|c| repo.commit(c).ok())
            .map_or(0, |c| c.time);
        found.push((when, name.to_string()));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    found
        .into_iter()
        .map(|(_, n)| CompletionCandidate::new(n).help(Some(help.to_string().into())))
        .collect()
}

/// Recent first-parent commits of HEAD by short id, with their subjects.
fn recent_commits(repo: &Repo) -> Vec<CompletionCandidate> {
    let Some(head) = repo.head_commit() else {
        return Vec::new();
    };
    repo.first_parent_line(head, RECENT)
        .into_iter()
        .map(|c| {
            let subject = c.subject().to_string();
            CompletionCandidate::new(crate::git::short(c.id)).help(Some(subject.into()))
        })
        .collect()
}

/// Pull request numbers the recent history names (`Merge pull request #N`, `(#N)`, `!N`).
fn pr_numbers(repo: &Repo) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let Some(head) = repo.head_commit() else {
        return out;
    };
    for commit in repo.first_parent_line(head, 200) {
        let merged =
            crate::engine::message::merged_request(&commit.message, commit.parents.len() > 1);
        if let Some(n) = merged.map(|m| m.number) {
            if !out.iter().any(|(m, _)| *m == n) {
                out.push((n, commit.subject().to_string()));
            }
        }
    }
    out
}

/// A revision: tags, branches, recent commits, and `pr:N` for merged pull requests.
pub fn revisions(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(repo) = repo() else {
        return Vec::new();
    };
    let mut all = names(&repo, "refs/tags/*", "refs/tags/", "tag");
    all.extend(names(&repo, "refs/heads/*", "refs/heads/", "branch"));
    all.extend(names(
        &repo,
        "refs/remotes/*",
        "refs/remotes/",
        "remote branch",
    ));
    all.extend(recent_commits(&repo));
    all.extend(
        pr_numbers(&repo)
            .into_iter()
            .map(|(n, s)| CompletionCandidate::new(format!("pr:{n}")).help(Some(s.into()))),
    );
    matching(current, all)
}

/// Where to roll back to: rollout points and release tags first, then other revisions.
pub fn points(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(repo) = repo() else {
        return Vec::new();
    };
    let mut all = names(&repo, "refs/tags/*", "refs/tags/", "tag");
    all.extend(names(
        &repo,
        "refs/heads/staging/*",
        "refs/heads/",
        "rollout point",
    ));
    all.extend(recent_commits(&repo));
    matching(current, all)
}

/// A pull request number from the history.
pub fn pull_requests(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(repo) = repo() else {
        return Vec::new();
    };
    let all = pr_numbers(&repo)
        .into_iter()
        .map(|(n, s)| CompletionCandidate::new(n.to_string()).help(Some(s.into())))
        .collect();
    matching(current, all)
}

/// A release of this host (`fastrevert.releases`): `previous`, ids, and tags deployed.
pub fn releases(current: &OsStr) -> Vec<CompletionCandidate> {
    let mut all = vec![CompletionCandidate::new("previous").help(Some(
        "the release live before this one, not marked bad".into(),
    ))];
    let repo = repo();
    let dir = repo
        .as_ref()
        .and_then(|r| crate::config::releases_dir(Some(r), None));
    if let Some(dir) = dir {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.len() >= 12 && name.bytes().all(|b| b.is_ascii_hexdigit()) {
                    all.push(
                        CompletionCandidate::new(name[..12].to_string())
                            .help(Some("release".into())),
                    );
                }
            }
        }
    }
    if let Some(repo) = &repo {
        all.extend(names(repo, "refs/tags/*", "refs/tags/", "tag"));
    }
    matching(current, all)
}

/// Answer a completion request when the shell makes one (the environment variable is set), and
/// exit; otherwise return and let the command run.
pub fn answer_if_asked() {
    use clap::CommandFactory;
    clap_complete::CompleteEnv::with_factory(|| {
        crate::cli::Cli::command()
            .name("git-fastrevert")
            .bin_name("git-fastrevert")
    })
    .var(VAR)
    .complete();
}
