//! `revert` and `rollback`: what was (or would be) undone, made, pushed and opened.

use super::{migration_lines, signed_line};
use crate::forge::PullRequest;
use crate::outcome::{Planned, Publishing, Push, Revert, Rollback, RollbackMode, Undone};

/// At most this many undone commits are listed in the plan a person reads; the rest are
/// counted.
const SHOWN_COMMITS: usize = 10;

fn short(id: &str) -> &str {
    super::abbrev(id, 7)
}

pub fn revert(o: &Revert) -> Vec<String> {
    let p = &o.publishing;
    let base = &o.base;
    let mut out = Vec::new();
    let Some(branch) = &o.branch else {
        out.push(format!(
            "Nothing to revert: everything asked for is already reverted on {base}."
        ));
        return with_migrations(out, "Migrations in the reverted commits:", &o.migrations);
    };
    if o.resumed && !o.dry_run {
        out.push(format!(
            "Branch {branch} from an earlier run already reverts all of it; finishing that run."
        ));
    }
    out.push(format!(
        "{} {} commit(s) on {base} ({}):",
        if o.dry_run {
            "Would revert"
        } else {
            "Reverted"
        },
        o.reverted_commits.len(),
        short(&o.base_commit)
    ));
    for r in &o.reverted_commits {
        out.push(match &r.reverts {
            // Reverting a revert brings the original change back: say so.
            Some(original) => format!(
                "  {} {}  (a revert of {}: reverting it brings that change back)",
                short(&r.commit),
                r.subject,
                short(original)
            ),
            None => format!("  {} {}", short(&r.commit), r.subject),
        });
    }
    let tip = short(&p.tip);
    if o.dry_run {
        let target = if p.direct {
            format!("{}/{base} directly", p.remote)
        } else {
            format!("branch {branch}")
        };
        out.push(if o.resumed {
            format!(
                "Would finish {target} from an earlier run, at {tip} (tree {}).",
                o.tree
            )
        } else {
            format!(
                "Would create {} commit(s) on {target}; tree {}.",
                p.commit_count, o.tree
            )
        });
        if p.push == Push::Pushed {
            out.push(format!("Would push to {}.", p.remote));
        }
        if let Some(planned_request) = &o.pull_request_plan {
            out.push(planned(planned_request));
        }
    } else if p.direct {
        out.push(match p.push {
            Push::Pushed => format!("Pushed {tip} to {}/{base}.", p.remote),
            _ => format!("Moved {base} to {tip}."),
        });
    } else {
        out.push(if o.resumed {
            format!("Branch {branch} (from an earlier run) is at {tip}.")
        } else {
            format!("Created branch {branch} at {tip}.")
        });
        out.extend(request_line(p, branch, base, o.pull_request.as_ref()));
    }
    out.extend(signing(p, "commits", o.dry_run));
    with_migrations(out, "Migrations in the reverted commits:", &o.migrations)
}

/// After a branch was made: the request opened, or that one is to be opened, or how to push.
fn request_line(
    p: &Publishing,
    branch: &str,
    base: &str,
    request: Option<&PullRequest>,
) -> Option<String> {
    let remote = &p.remote;
    Some(match (request, p.push) {
        (Some(r), _) => opened(r),
        (None, Push::Pushed) => {
            format!("Pushed {branch} to {remote}: open a pull request from it into {base}.")
        }
        (None, Push::Declined) => {
            format!("Not pushed (--no-push). To publish it: git push {remote} {branch}")
        }
        (None, Push::NoRemote) => format!(
            "Not pushed: there is no remote {remote}. To publish it, add one and push: git remote add {remote} <url> && git push {remote} {branch}"
        ),
    })
}

fn signing(p: &Publishing, what: &str, dry_run: bool) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(with) = &p.signed_with {
        out.push(signed_line(with, what, dry_run));
    }
    if p.by_github {
        out.push(format!(
            "GitHub creates and signs the {what} (--sign-with-github)."
        ));
    }
    out
}

fn with_migrations(
    mut out: Vec<String>,
    heading: &str,
    migrations: &[crate::migrations::Migration],
) -> Vec<String> {
    if !migrations.is_empty() {
        out.push(heading.to_string());
        out.extend(migration_lines(migrations));
    }
    out
}

pub fn rollback(o: &Rollback) -> Vec<String> {
    let out = match o.mode {
        RollbackMode::Commit => commit_mode(o),
        RollbackMode::Reset => reset_mode(o),
    };
    with_migrations(out, &format!("Migrations since {}:", o.to), &o.migrations)
}

fn commit_mode(o: &Rollback) -> Vec<String> {
    let (p, base, name) = (&o.publishing, &o.base, &o.to);
    let Some(branch) = &o.branch else {
        return vec![format!(
            "Nothing to do: {base} already has the tree of {name}."
        )];
    };
    let mut out = Vec::new();
    let tip = short(&p.tip);
    if o.dry_run {
        out.push(format!(
            "Would roll {base} back to {name} ({}) with one commit on {}, undoing {} commit(s).",
            short(&o.to_commit),
            if p.direct {
                format!("{base} itself")
            } else {
                format!("branch {branch}")
            },
            o.undone_count
        ));
        out.extend(undone(&o.undone_commits, o.undone_count));
        if p.push == Push::Pushed {
            out.push(format!("Would push to {}.", p.remote));
        }
        if let Some(planned_request) = o.pull_request_plan.set() {
            out.push(planned(planned_request));
        }
    } else {
        out.push(if p.direct {
            format!(
                "Rolled {base} back to {name}: {} {tip}.",
                if o.pushed { "pushed" } else { "moved to" },
            )
        } else if o.resumed != Some(true) && !p.by_github {
            format!(
                "Created branch {branch} at {tip}: the tree of {name}, undoing {} commit(s) of {base}.",
                o.undone_count
            )
        } else {
            format!("Branch {branch} from an earlier run already rolls back to {name}; finishing that run.")
        });
        if !p.direct {
            out.extend(request_line(p, branch, base, o.pull_request.as_ref()));
        }
    }
    out.extend(signing(p, "commit", o.dry_run));
    out
}

fn reset_mode(o: &Rollback) -> Vec<String> {
    let (p, base, name) = (&o.publishing, &o.base, &o.to);
    let (from, to) = (short(&o.base_commit), short(&o.to_commit));
    let Some(backup) = o.backup_ref.set() else {
        return vec![format!("Nothing to do: {base} is already at {name}.")];
    };
    let pushing = p.push == Push::Pushed;
    if !o.dry_run {
        return vec![if pushing {
            format!(
                "Moved {0}/{base} back to {name} ({to}); the old tip {from} is kept as {backup} here and on {0}.",
                p.remote
            )
        } else {
            format!("Moved {base} back to {name} ({to}); the old tip {from} is kept as {backup}.")
        }];
    }
    let moved = if pushing {
        format!("{}/{base}", p.remote)
    } else {
        base.clone()
    };
    let mut out = vec![if o.forward {
        format!(
            "Would move {moved} forward from {from} to {name} ({to}), dropping nothing, keeping {backup}."
        )
    } else {
        format!(
            "Would move {moved} from {from} back to {name} ({to}), dropping {} commit(s), keeping {backup}.",
            o.undone_count
        )
    }];
    out.extend(undone(&o.undone_commits, o.undone_count));
    if o.needs_force == Some(true) {
        out.push("The real run needs --force (or a confirmation on a terminal): it drops commits from the branch.".into());
    }
    out
}

/// The commits a rollback undoes, newest first: each with its subject, a revert named as one
/// (undoing it brings the reverted change back), the rest counted.
fn undone(listed: &[Undone], count: usize) -> Vec<String> {
    let shown = if listed.len() > SHOWN_COMMITS + 2 {
        SHOWN_COMMITS
    } else {
        listed.len()
    };
    let mut lines = Vec::new();
    for u in &listed[..shown] {
        let (id, subject) = (short(&u.commit), &u.subject);
        lines.push(match &u.reverts {
            // Undone together with the commit it reverted, the two cancel out.
            Some(reverted) if listed.iter().any(|l| l.commit == *reverted) => format!(
                "  {id} {subject}  (a revert of {}, which is undone too)",
                short(reverted)
            ),
            Some(reverted) => format!(
                "  {id} {subject}  (a revert of {}: undoing it brings that change back)",
                short(reverted)
            ),
            None => format!("  {id} {subject}"),
        });
    }
    let rest = count.saturating_sub(shown);
    if rest > 0 {
        lines.push(format!("  … and {rest} more first-parent commit(s)"));
    }
    lines
}

/// One line for people: what would be opened where, or why nothing would be.
fn planned(p: &Planned) -> String {
    let noun = p.forge.as_deref().map_or("pull request", |f| {
        if f == "GitLab" {
            "merge request"
        } else {
            "pull request"
        }
    });
    match (&p.why_not, &p.forge, &p.repository) {
        (None, Some(forge), Some(repo)) => {
            let mut extra = Vec::new();
            if p.draft {
                extra.push("draft".to_string());
            }
            if !p.labels.is_empty() {
                extra.push(format!("labels {}", p.labels.join(", ")));
            }
            if !p.reviewers.is_empty() {
                extra.push(format!("reviewers {}", p.reviewers.join(", ")));
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!(" ({})", extra.join("; "))
            };
            format!(
                "Would open a {noun} on {forge} ({repo}) into {}{extra}, titled: {}",
                p.base, p.title
            )
        }
        (Some(why), _, _) => format!("No {noun} would be opened: {why}."),
        _ => format!("No {noun} would be opened."),
    }
}

/// "Pull request #N opened: URL" (GitLab: "Merge request !N"), or "was already open".
fn opened(p: &PullRequest) -> String {
    let how = if p.existing {
        "was already open"
    } else {
        "opened"
    };
    let noun = p.forge.request_noun();
    let mut noun_capitalized = noun.to_string();
    noun_capitalized[..1].make_ascii_uppercase();
    format!(
        "{noun_capitalized} {} {how}: {}",
        p.forge.reference(p.number),
        p.url
    )
}
