//! Reverting commits in memory: which commits, in which order, and the commits that undo them.

use std::collections::HashSet;

use git2::{Oid, Repository, Signature, Sort};

use super::merge::{merge_trees, Conflict};
use super::message;
use crate::error::{Error, Hint, Opt, Result};
use crate::git::{self, Repo};

/// The commits named by REV arguments (commits and `A..B` ranges), newest first, each once.
/// A range is B's first-parent history down to A, so a merged pull request is one commit.
pub fn expand_revs(repo: &Repo, revs: &[String]) -> Result<Vec<Oid>> {
    let repo = repo.raw();
    let mut found = Vec::new();
    for rev in revs {
        if rev.contains("...") {
            return Err(Error::bad_input(format!(
                "'{rev}' is a symmetric range, which revert does not take"
            ))
            .hint("write the range as A..B: the commits of B that are not in A"));
        }
        if let Some((from, to)) = rev.split_once("..") {
            if from.is_empty() || to.is_empty() || to.contains("..") {
                return Err(Error::bad_input(format!("malformed range '{rev}'"))
                    .hint("write both ends, e.g. v1.4.0..main or abc1234..def5678"));
            }
            let from_id = git::resolve_commit_in(repo, from)?;
            let to_id = git::resolve_commit_in(repo, to)?;
            let mut walk = repo.revwalk()?;
            walk.push(to_id)?;
            walk.hide(from_id)?;
            walk.simplify_first_parent()?;
            walk.set_sorting(Sort::TOPOLOGICAL)?;
            let commits: Vec<Oid> = walk.collect::<Result<_, _>>()?;
            if commits.is_empty() {
                return Err(
                    Error::bad_input(format!("the range '{rev}' holds no commits")).hint(format!(
                        "did you mean {to}..{from}? A..B means the commits of B that are not in A"
                    )),
                );
            }
            found.extend(commits);
        } else {
            found.push(git::resolve_commit_in(repo, rev)?);
        }
    }
    let mut seen = HashSet::new();
    found.retain(|oid| seen.insert(*oid));
    if revs.len() > 1 {
        found = newest_first_in(repo, found)?;
    }
    Ok(found)
}

/// Order commits so that a commit comes before its ancestors, walking only the history between
/// them.
pub fn newest_first(repo: &Repo, commits: Vec<Oid>) -> Result<Vec<Oid>> {
    newest_first_in(repo.raw(), commits)
}

fn newest_first_in(repo: &Repository, commits: Vec<Oid>) -> Result<Vec<Oid>> {
    let wanted: HashSet<Oid> = commits.iter().copied().collect();
    let Ok(bottom) = repo.merge_base_octopus(&commits) else {
        return Ok(commits);
    };
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    for oid in &commits {
        walk.push(*oid)?;
    }
    for parent in repo.find_commit(bottom)?.parent_ids() {
        walk.hide(parent)?;
    }
    let mut ordered = Vec::with_capacity(commits.len());
    for oid in walk {
        let oid = oid?;
        if wanted.contains(&oid) {
            ordered.push(oid);
        }
    }
    Ok(ordered)
}

pub struct RevertOptions<'a> {
    pub mainline: Option<usize>,
    pub squash: bool,
    pub reason: Option<&'a str>,
    pub author: &'a Signature<'static>,
    pub committer: &'a Signature<'static>,
    /// Signs each commit, as `git commit -S` would.
    pub signer: Option<&'a crate::git::sign::Signer>,
}

#[derive(Debug)]
pub struct Reverted {
    pub commit: Oid,
    pub parent: Oid,
    pub subject: String,
    pub is_merge: bool,
}

#[derive(Debug)]
pub struct RevertPlan {
    pub base: Oid,
    /// The new tip (the base when nothing was left to revert).
    pub tip: Oid,
    pub tree: Oid,
    pub commits: Vec<Oid>,
    pub reverted: Vec<Reverted>,
    pub skipped: Vec<Reverted>,
    /// What the merges said the user should know.
    pub notes: Vec<String>,
}

pub enum RevertError {
    Conflict {
        commit: Reverted,
        conflicts: Vec<Conflict>,
    },
    Other(Error),
}

impl From<Error> for RevertError {
    fn from(e: Error) -> Self {
        RevertError::Other(e)
    }
}

impl From<git2::Error> for RevertError {
    fn from(e: git2::Error) -> Self {
        RevertError::Other(e.into())
    }
}

/// The parent a commit is reverted against, with git's rules for merges and `-m`.
fn revert_parent(repo: &Repository, oid: Oid, mainline: Option<usize>) -> Result<Reverted> {
    let commit = repo.find_commit(oid)?;
    let short = git::short(oid);
    let count = commit.parent_count();
    if count == 0 {
        if repo.is_shallow() && is_shallow_boundary(repo, oid) {
            return Err(Error::bad_input(format!("the parent of {short} is not in this shallow clone"))
                .hint("fetch the full history with `git fetch --unshallow` (in GitHub Actions: fetch-depth: 0)"));
        }
        return Err(Error::bad_input(format!(
            "{short} is the root commit: there is nothing before it to go back to"
        ))
        .hint(Hint::naming(
            Opt::RollbackTo,
            "to empty the branch on purpose, use `{option}` with another commit",
        )));
    }
    let m = mainline.unwrap_or(1);
    if count == 1 && m != 1 {
        return Err(Error::bad_input(format!(
            "{short} is not a merge commit, so -m {m} does not apply"
        ))
        .hint("drop -m for ordinary commits"));
    }
    if m == 0 || m > count {
        return Err(Error::bad_input(format!(
            "{short} is a merge with {count} parents; -m {m} is out of range"
        ))
        .hint(format!(
            "pass -m with a parent number from 1 to {count} (1 is the branch it was merged into)"
        )));
    }
    let parent = commit.parent_id(m - 1)?;
    let Ok(parent_commit) = repo.find_commit(parent) else {
        return Err(Error::bad_input(format!("the parent {} of {short} is not in this repository", git::short(parent)))
            .hint("fetch the full history with `git fetch --unshallow` (in GitHub Actions: fetch-depth: 0)"));
    };
    // Nothing to undo is never "already reverted": it is the wrong commit or the wrong side.
    if parent_commit.tree_id() == commit.tree_id() {
        if count > 1 {
            let other = (1..=count).find(|&p| {
                p != m
                    && commit
                        .parent(p - 1)
                        .is_ok_and(|c| c.tree_id() != commit.tree_id())
            });
            return Err(Error::bad_input(format!(
                "{short} changes nothing against parent {m} ({}): -m {m} names the side it was merged from",
                git::short(parent)
            ))
            .hint(match other {
                Some(p) => format!("revert it against the branch it was merged into: -m {p}"),
                None => "this merge changed nothing on any side: there is nothing to revert".to_string(),
            }));
        }
        return Err(Error::bad_input(format!(
            "{short} changes nothing (an empty commit): there is nothing to revert"
        ))
        .hint("check the commit id with `git show --stat`"));
    }
    Ok(Reverted {
        commit: oid,
        parent,
        subject: message::subject(&String::from_utf8_lossy(commit.message_bytes())).to_string(),
        is_merge: count > 1,
    })
}

fn is_shallow_boundary(repo: &Repository, oid: Oid) -> bool {
    let shallow = std::fs::read_to_string(repo.path().join("shallow")).unwrap_or_default();
    shallow.lines().any(|l| l.trim() == oid.to_string())
}

/// Check every target before anything is computed, so bad input fails fast.
/// A commit with one parent and the same tree as it: nothing to revert.
pub fn is_empty_commit(repo: &Repo, oid: Oid) -> bool {
    let Ok(commit) = repo.raw().find_commit(oid) else {
        return false;
    };
    commit.parent_count() == 1
        && commit
            .parent(0)
            .is_ok_and(|p| p.tree_id() == commit.tree_id())
}

pub fn check_targets(
    repo: &Repo,
    targets: &[Oid],
    mainline: Option<usize>,
) -> Result<Vec<Reverted>> {
    let repo = repo.raw();
    targets
        .iter()
        .map(|&oid| revert_parent(repo, oid, mainline))
        .collect()
}

/// Revert `targets` (newest first) on top of `base`, one commit each or one in all.
pub fn revert(
    repo: &Repo,
    base: Oid,
    targets: Vec<Reverted>,
    opts: &RevertOptions<'_>,
) -> std::result::Result<RevertPlan, RevertError> {
    let repo = repo.raw();
    let mut tip = base;
    let mut tree = repo.find_commit(base)?.tree_id();
    let mut plan = RevertPlan {
        base,
        tip,
        tree,
        commits: Vec::new(),
        reverted: Vec::new(),
        skipped: Vec::new(),
        notes: Vec::new(),
    };
    for target in targets {
        let commit = repo.find_commit(target.commit)?;
        let merge_base = commit.tree()?;
        let ours = repo.find_tree(tree)?;
        let theirs = repo.find_commit(target.parent)?.tree()?;
        let merged = merge_trees(repo, &merge_base, &ours, &theirs)?;
        for note in merged.notes {
            if !plan.notes.contains(&note) {
                plan.notes.push(note);
            }
        }
        if !merged.conflicts.is_empty() {
            return Err(RevertError::Conflict {
                commit: target,
                conflicts: merged.conflicts,
            });
        }
        if merged.tree == tree {
            plan.skipped.push(target);
            continue;
        }
        tree = merged.tree;
        if !opts.squash {
            let parent_sha = target.parent.to_string();
            let msg = message::revert_message(
                &target.subject,
                &target.commit.to_string(),
                target.is_merge.then_some(parent_sha.as_str()),
                opts.reason,
            );
            tip = commit_tree_in(repo, tree, tip, &msg, opts)?;
            plan.commits.push(tip);
        }
        plan.reverted.push(target);
    }
    if opts.squash && !plan.reverted.is_empty() {
        let listed: Vec<(String, String)> = plan
            .reverted
            .iter()
            .map(|r| (r.commit.to_string(), r.subject.clone()))
            .collect();
        let msg = message::squash_message(&listed, opts.reason);
        tip = commit_tree_in(repo, tree, tip, &msg, opts)?;
        plan.commits.push(tip);
    }
    plan.tip = tip;
    plan.tree = tree;
    Ok(plan)
}

/// The commit on the base after `target` whose message says it reverts it, if there is one.
/// The files a commit changed whose merge attributes in `base` are not git's line merge
/// (`merge=union`, a driver of the user's): a revert merged that way can come out as no change
/// at all while the commit's change is still live. Each with the attribute's name.
pub fn merge_rule_paths(
    repo: &Repo,
    base: Oid,
    target: &Reverted,
) -> Result<Vec<(Vec<u8>, String)>> {
    let raw = repo.raw();
    let old = raw.find_commit(target.parent)?.tree()?;
    let new = raw.find_commit(target.commit)?.tree()?;
    let diff = raw.diff_tree_to_tree(Some(&old), Some(&new), None)?;
    let base_tree = raw.find_commit(base)?.tree_id();
    let mut attributes = super::attributes::Attributes::new(raw, base_tree);
    let mut out = Vec::new();
    for delta in diff.deltas() {
        let Some(path) = delta
            .new_file()
            .path_bytes()
            .or(delta.old_file().path_bytes())
        else {
            continue;
        };
        let name = match attributes.driver(path) {
            super::attributes::Driver::Union => "merge=union".to_string(),
            super::attributes::Driver::Custom { name, .. } => format!("merge={name}"),
            _ => continue,
        };
        out.push((path.to_vec(), name));
    }
    Ok(out)
}

pub fn reverting_commit(repo: &Repo, base: Oid, target: Oid) -> Result<Option<Oid>> {
    let repo = repo.raw();
    let needle = format!("This reverts commit {target}");
    let mut walk = repo.revwalk()?;
    walk.push(base)?;
    walk.hide(target)?;
    // Bounded: a revert long after what it reverts is still found in any realistic history.
    for oid in walk.take(200_000) {
        let oid = oid?;
        let commit = repo.find_commit(oid)?;
        if String::from_utf8_lossy(commit.message_bytes()).contains(&needle) {
            return Ok(Some(oid));
        }
    }
    Ok(None)
}

pub fn commit_tree(
    repo: &Repo,
    tree: Oid,
    parent: Oid,
    msg: &str,
    opts: &RevertOptions<'_>,
) -> Result<Oid> {
    commit_tree_in(repo.raw(), tree, parent, msg, opts)
}

fn commit_tree_in(
    repo: &Repository,
    tree: Oid,
    parent: Oid,
    msg: &str,
    opts: &RevertOptions<'_>,
) -> Result<Oid> {
    crate::git::sign::commit(
        repo,
        opts.author,
        opts.committer,
        msg,
        tree,
        &[parent],
        opts.signer,
    )
}
