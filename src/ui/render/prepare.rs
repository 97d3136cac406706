//! `prepare`: the snapshot taken (or planned) and what to run if the rollout goes wrong.

use super::signed_line;
use crate::outcome::{Prepare, Push};

pub fn prepare(o: &Prepare) -> Vec<String> {
    let mut lines = Vec::new();
    let short = super::abbrev(&o.base_commit, 7);
    let (base, tag, branch, remote) = (&o.base, &o.tag, &o.staging_branch, &o.remote);
    if o.dry_run {
        lines.push(format!(
            "Would snapshot {base} at {short} as tag {tag} and branch {branch}."
        ));
        if o.push == Push::Pushed {
            lines.push(format!("Would push both to {remote} atomically."));
        }
    } else {
        lines.push(format!(
            "Snapshot of {base} at {short}: tag {tag}, branch {branch}."
        ));
        lines.push(match o.push {
            Push::Pushed => format!("Pushed both to {remote}."),
            Push::Declined => format!(
                "Not pushed (--no-push): they are here only. To publish them: git push --atomic {remote} refs/tags/{tag} refs/heads/{branch}"
            ),
            Push::NoRemote => {
                format!("Not pushed: there is no remote {remote}, so they are here only.")
            }
        });
        lines.push(format!(
            "If the rollout goes wrong: git fastrevert rollback --to {tag}"
        ));
    }
    if let Some(with) = &o.signed_with {
        lines.push(signed_line(with, "tag", o.dry_run));
    }
    if o.wrote_commit_graph {
        lines.push("Wrote git's commit-graph (fastrevert.writeCommitGraph): reverts of old commits answer faster.".into());
    }
    lines
}
