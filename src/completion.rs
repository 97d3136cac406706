//! Shell completion that knows the repository: revisions, tags, rollout points, release ids and
//! pull request numbers, computed by the binary when the shell asks (clap_complete's dynamic
//! engine), for `git-fastrevert` and for `git fastrevert` alike.

use std::ffi::OsStr;

use clap_complete::engine::CompletionCandidate;

/// The environment variable that makes the binary answer a completion request.
pub const VAR: &str = "GIT_FASTREVERT_COMPLETE";

/// How many first-parent commits of HEAD are offered by id.
const RECENT: usize = 30;

fn repo() -> Option<git2::Repository> {
    git2::Repository::open_from_env().ok()
}

fn matching(current: &OsStr, candidates: Vec<CompletionCandidate>) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    candidates
        .into_iter()
        .filter(|c| c.get_value().to_string_lossy().starts_with(prefix.as_ref()))
        .collect()
}

/// Names under `prefix` (`refs/tags/`, `refs/heads/`, …), newest commit first.
fn names(repo: &git2::Repository, glob: &str, strip: &str, help: &str) -> Vec<CompletionCandidate> {
    let mut found: Vec<(i64, String)> = Vec::new();
    if let Ok(refs) = repo.references_glob(glob) {
        for r in refs.flatten() {
            let Some(name) = r.name().ok().and_then(|n| n.strip_prefix(strip)) else {
                continue;
            };
            let when = r.peel_to_commit().map_or(0, |c| c.time().seconds());
            found.push((when, name.to_string()));
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    found
        .into_iter()
        .map(|(_, n)| CompletionCandidate::new(n).help(Some(help.to_string().into())))
        .collect()
}

/// Recent first-parent commits of HEAD by short id, with their subjects.
fn recent_commits(repo: &git2::Repository) -> Vec<CompletionCandidate> {
    let mut out = Vec::new();
    let Ok(mut commit) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return out;
    };
    for _ in 0..RECENT {
        let subject =
            crate::engine::message::subject(&String::from_utf8_lossy(commit.message_bytes()))
                .to_string();
        out.push(
            CompletionCandidate::new(crate::git::short(commit.id())).help(Some(subject.into())),
        );
        match commit.parent(0) {
            Ok(p) => commit = p,
            Err(_) => break,
        }
    }
    out
}

/// Pull request numbers the recent history names (`Merge pull request #N`, `(#N)`, `!N`).
fn pr_numbers(repo: &git2::Repository) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let Ok(mut commit) = repo.head().and_then(|h| h.peel_to_commit()) else {
        return out;
    };
    for _ in 0..200 {
        let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
        let subject = crate::engine::message::subject(&message).to_string();
        let number = crate::flow::pick::pr_number(&subject).or_else(|| {
            message
                .lines()
                .find_map(|l| l.trim().strip_prefix("See merge request "))
                .and_then(|r| r.rsplit_once('!'))
                .and_then(|(_, n)| n.parse().ok())
        });
        if let Some(n) = number {
            if !out.iter().any(|(m, _)| *m == n) {
                out.push((n, subject));
            }
        }
        match commit.parent(0) {
            Ok(p) => commit = p,
            Err(_) => break,
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
        .and_then(|r| r.config().ok())
        .and_then(|c| c.get_path("fastrevert.releases").ok());
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
