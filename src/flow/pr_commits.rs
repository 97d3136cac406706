//! Which commits a merged pull request left on the base: the forge's facts checked against git.
//!
//! The forge names the commit its merge left (a merge commit, a squash commit, or the last
//! rebased commit) and lists the request's commits. Neither is taken on trust: the id must be a
//! full object id on the base's first-parent line; a list that may be short (a cap, a page
//! limit, a deleted source branch, fewer commits than the request says it has) is completed
//! from the request's head ref on the remote, or the revert is refused; and the commits of a
//! rebased request are found on the base by their own ids or by patch identity (`git
//! patch-id`), in the request's order, never by subject. A listed commit that did not land is
//! said, not replaced by another.

use std::collections::HashMap;

use super::Ctx;
use crate::error::{Error, Result};
use crate::forge::{CommitList, Forge, MergeMethod, PrInfo};
use crate::git::{self, Oid};

/// What a merge left on the base, newest first, and how it was merged.
pub struct Landed {
    pub commits: Vec<Oid>,
    pub method: MergeMethod,
}

/// Commits that one rebase wrote are committed within this many seconds of each other: a
/// commit matched by its change alone must be this close to the newest one of the request, so
/// that an older commit with the same change (a hot fix cherry-picked before the merge) is not
/// taken for one of the request's.
const ONE_REBASE: i64 = 10 * 60;

/// How far below the request's commits a dropped commit's change is looked for.
const DROPPED_WITHIN: usize = 200;

pub fn landed(
    ctx: &Ctx,
    base: Oid,
    info: &PrInfo,
    forge: &dyn Forge,
    warnings: &mut Vec<String>,
) -> Result<Landed> {
    let repo = &ctx.repo;
    let kind = forge.target().kind;
    let reference = kind.reference(info.number);
    let sha = info.merge_commit.clone().ok_or_else(|| {
        Error::failed(format!(
            "{} did not say which commit merged {reference}",
            kind.name()
        ))
        .hint("name the commits to revert instead")
    })?;
    let merge = checked_id(&sha).ok_or_else(|| {
        Error::failed(format!(
            "{} named {sha:?} as the commit that merged {reference}, which is not a full commit id; it was not used",
            kind.name()
        ))
        .hint(format!(
            "find the merge on {} by hand (git log --first-parent {}) and revert it by id",
            ctx.settings.base, ctx.settings.base
        ))
    })?;
    if !repo.has_commit(merge) {
        return Err(Error::bad_input(format!(
            "the commit that merged {reference} ({}) is not in this clone",
            &sha[..12]
        ))
        .hint(format!(
            "fetch {} (or the whole history: git fetch --unshallow), then re-run",
            info.base_ref
        )));
    }
    on_first_parent_line(ctx, base, merge, &reference)?;
    let commit = repo.commit(merge)?;
    if commit.parents.len() > 1 {
        // An octopus merge is named as such where every revert's targets are checked.
        return Ok(Landed {
            commits: vec![merge],
            method: MergeMethod::Merge,
        });
    }
    match info.method {
        Some(MergeMethod::Squash) => {
            return Ok(Landed {
                commits: vec![merge],
                method: MergeMethod::Squash,
            })
        }
        Some(MergeMethod::Merge) => warnings.push(format!(
            "{} says {reference} was merged with a merge commit, but {} has one parent; going by git",
            kind.name(),
            git::short(merge)
        )),
        _ => {}
    }
    let list = forge.pr_commits(info.number)?;
    // Bitbucket lists nothing once the source branch is gone; its squash commits say what they
    // are in the message it writes for them.
    let bitbucket = matches!(
        kind,
        crate::forge::Kind::BitbucketCloud | crate::forge::Kind::BitbucketDataCenter
    );
    if list.commits.is_empty() && bitbucket && bitbucket_squash(&commit.message, info.number) {
        return Ok(Landed {
            commits: vec![merge],
            method: MergeMethod::Squash,
        });
    }
    let listed = whole_list(ctx, info, list, merge, &reference, kind.name())?;
    match_on_base(ctx, info, merge, listed, &reference, warnings)
}

/// Bitbucket's own message for a squash merge: `Merged in <branch> (pull request #N)`.
fn bitbucket_squash(message: &str, n: u64) -> bool {
    let subject = crate::engine::message::subject(message);
    subject.starts_with("Merged in ") && subject.ends_with(&format!("(pull request #{n})"))
}

/// `sha` as an object id, only when it is one written out in full (never a name to resolve).
fn checked_id(sha: &str) -> Option<Oid> {
    let hex = sha
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    ((sha.len() == 40 || sha.len() == 64) && hex)
        .then(|| Oid::from_str(sha).ok())
        .flatten()
}

/// The merge must be on the base's first-parent line: a commit merely reachable was merged
/// into another branch first, and one not reachable is not live at all.
fn on_first_parent_line(ctx: &Ctx, base: Oid, merge: Oid, reference: &str) -> Result<()> {
    let repo = &ctx.repo;
    if merge == base {
        return Ok(());
    }
    let mut remembered = git::first_parents::FirstParents::load(repo);
    if remembered
        .line_to(base, merge, 0, git::first_parents::FAR)?
        .is_some()
    {
        if !ctx.global.dry_run {
            remembered.save();
        }
        return Ok(());
    }
    let why = if ctx.on_base(base, merge)? {
        "is in its history but not on its first-parent line (it was merged into another branch first)"
    } else {
        "is not in its history"
    };
    Err(Error::bad_input(format!(
        "the commit the forge says merged {reference} ({}) {why} of {}; nothing was reverted",
        git::short(merge),
        ctx.settings.base
    ))
    .hint(format!(
        "look for the merge by hand (git log --first-parent --oneline {}) and revert it by id",
        ctx.settings.base
    )))
}

/// The request's commits, all of them here, from a list known to be whole: the forge's, or,
/// when that may be short, the one the request's head ref on the remote gives.
fn whole_list(
    ctx: &Ctx,
    info: &PrInfo,
    list: CommitList,
    merge: Oid,
    reference: &str,
    forge: &str,
) -> Result<Vec<Oid>> {
    let repo = &ctx.repo;
    let mut short = list.short.clone();
    if let Some(count) = info.commit_count {
        if (list.commits.len() as u64) < count {
            short.get_or_insert(format!(
                "{forge} listed {} of its {count} commits",
                list.commits.len()
            ));
        }
    }
    if short.is_none() && list.commits.is_empty() {
        short = Some(format!("{forge} listed none of its commits"));
    }
    let mut ids = Vec::new();
    for c in &list.commits {
        match checked_id(&c.sha) {
            Some(id) => ids.push(id),
            None => {
                return Err(Error::failed(format!(
                    "{forge} listed {:?} as a commit of {reference}, which is not a full commit id",
                    c.sha
                )))
            }
        }
    }
    let all_here = ids.iter().all(|&id| repo.has_commit(id));
    if short.is_none() && all_here {
        return Ok(ids);
    }
    // The remote's copy of the request's head says what the list does not.
    let head = fetch_head(ctx, info)?;
    if let Some(head) = head {
        if short.is_none() {
            if ids.iter().all(|&id| repo.has_commit(id)) {
                return Ok(ids);
            }
        } else if let Some(from_git) = commits_of_head(ctx, info, head, merge, forge)? {
            ctx.ui.trace(&format!(
                "{reference}: {} commit(s) from its head ref ({})",
                from_git.len(),
                short.as_deref().unwrap_or_default()
            ));
            return Ok(from_git);
        }
    }
    let why = short.unwrap_or_else(|| {
        format!("its commits are not in this clone and {forge} keeps no ref of them to fetch")
    });
    let mut err = Error::bad_input(format!(
        "cannot tell exactly which commits {reference} left on {}: {why}; reverting part of it would leave the rest live, so nothing was reverted",
        ctx.settings.base
    ))
    .hint(format!(
        "find the request's first commit on {} (git log --first-parent --oneline {}), then: git fastrevert revert <first commit>^..{}",
        ctx.settings.base,
        git::short(merge),
        git::short(merge)
    ));
    if let Some(r) = &info.head_ref_on_remote {
        err = err.hint(format!(
            "or fetch the request's commits: git fetch {} {r}",
            ctx.settings.remote
        ));
    }
    Err(err)
}

/// Fetch the request's head ref from the remote (objects only, no ref written), when the
/// forge keeps one and there is a remote to ask.
fn fetch_head(ctx: &Ctx, info: &PrInfo) -> Result<Option<Oid>> {
    let Some(name) = &info.head_ref_on_remote else {
        return Ok(None);
    };
    if ctx.global.no_fetch || !ctx.has_remote() {
        return Ok(None);
    }
    let Some(head) = ctx.git().fetch_objects(&ctx.settings.remote, name)? else {
        return Ok(None);
    };
    Ok(checked_id(&head).filter(|&id| ctx.repo.has_commit(id)))
}

/// The request's commits from its head: those not in the base's history when the merge
/// rebased them (new ids on the base), or, after a fast-forward (the head is on the base), the
/// request's own count of first parents down from the head. `None` when that cannot be known.
fn commits_of_head(
    ctx: &Ctx,
    info: &PrInfo,
    head: Oid,
    merge: Oid,
    forge: &str,
) -> Result<Option<Vec<Oid>>> {
    let repo = &ctx.repo;
    if head == merge || repo.is_descendant(merge, head)? {
        let Some(count) = info.commit_count else {
            return Ok(None);
        };
        let mut line: Vec<Oid> = repo
            .first_parent_line(head, count as usize)
            .iter()
            .map(|c| c.id)
            .collect();
        line.reverse();
        return Ok((line.len() as u64 == count).then_some(line));
    }
    let Some(commits) = repo.commits_since(head, merge, 10_000)? else {
        return Ok(None);
    };
    if let Some(count) = info.commit_count {
        if commits.len() as u64 != count {
            ctx.ui.trace(&format!(
                "{forge} counts {count} commits, the head ref has {}; going by git",
                commits.len()
            ));
        }
    }
    Ok(Some(commits))
}

/// A commit of the request that did not land must have been dropped because its change was
/// already on the base below (or was empty): said, and not reverted. Anything else means the
/// request is not all there, and reverting the rest would leave part of it live: refused.
fn all_dropped_on_purpose(
    ctx: &Ctx,
    reference: &str,
    merge: Oid,
    skipped: &[Oid],
    below: &[git::repo::CommitInfo],
    patch: &HashMap<String, String>,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let change = |id: &Oid| patch.get(&id.to_string());
    let mut missing = Vec::new();
    for id in skipped {
        let already = match change(id) {
            None => Some("its change is empty".to_string()),
            Some(p) => below
                .iter()
                .find(|c| change(&c.id) == Some(p))
                .map(|c| format!("its change is already on the base as {}", git::short(c.id))),
        };
        match already {
            Some(why) => warnings.push(format!(
                "{} of {reference} did not land on {} ({why}; the rebase dropped it): it is not reverted",
                git::short(*id),
                ctx.settings.base
            )),
            None => missing.push(git::short(*id)),
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::bad_input(format!(
        "{} of the commits of {reference} ({}) are not on {} below its merge {}, and their changes are not either; reverting the rest would leave them live, so nothing was reverted",
        missing.len(),
        missing.join(", "),
        ctx.settings.base,
        git::short(merge)
    ))
    .hint(format!(
        "look at the history (git log --first-parent --oneline {}) and revert the range by hand: git fastrevert revert <first>^..{}",
        git::short(merge),
        git::short(merge)
    )))
}

/// Find the request's commits on the base: down the first-parent line from the merge, each
/// commit matched to one of the request's (newest first, in the request's order) by its id or
/// by its change; the commits it skips over are the ones the rebase dropped. None matched: the
/// merge is a squash.
fn match_on_base(
    ctx: &Ctx,
    info: &PrInfo,
    merge: Oid,
    listed: Vec<Oid>,
    reference: &str,
    warnings: &mut Vec<String>,
) -> Result<Landed> {
    let repo = &ctx.repo;
    if listed.len() == 1 {
        let method = if listed[0] == merge {
            MergeMethod::Rebase
        } else {
            MergeMethod::Squash
        };
        return Ok(Landed {
            commits: vec![merge],
            method,
        });
    }
    // The request's order comes from the graph, never from the forge's list (Bitbucket lists
    // newest first, GitHub oldest first).
    let mut order = crate::engine::revert::newest_first(repo, listed.clone())?;
    order.reverse();
    let floor = info.rebased_onto.as_deref().and_then(checked_id);
    // The base's candidates: single-parent commits down from the merge, as many as the request
    // has (and more, to find where dropped changes went).
    let chain = repo.first_parent_line(merge, order.len() + DROPPED_WITHIN);
    let wanted: Vec<String> = order
        .iter()
        .chain(chain.iter().map(|c| &c.id))
        .map(|id| id.to_string())
        .collect();
    let patch: HashMap<String, String> = ctx.git().patch_ids(&wanted)?;
    let change = |id: &Oid| patch.get(&id.to_string());
    let newest_time = chain.first().map_or(0, |c| c.time);
    // The request's commits landed together at the top of the chain: `landed` grows down
    // from the merge while each commit is one of the request's (`left` of them not met yet).
    let mut landed = Vec::new();
    let mut skipped = Vec::new();
    let mut left = order.len();
    for c in &chain {
        // Merge commits and the commit the forge says it rebased onto end the request.
        if left == 0 || c.parents.len() != 1 || Some(c.id) == floor {
            break;
        }
        let by_change = newest_time - c.time <= ONE_REBASE;
        let found = (0..left).rev().find(|&i| {
            order[i] == c.id
                || (by_change && change(&order[i]).is_some_and(|p| Some(p) == change(&c.id)))
        });
        let Some(i) = found else {
            break;
        };
        skipped.extend(order[i + 1..left].iter().copied());
        landed.push(c.id);
        left = i;
    }
    let below = landed.len();
    skipped.extend(order[..left].iter().copied());
    if landed.is_empty() {
        return Ok(Landed {
            commits: vec![merge],
            method: MergeMethod::Squash,
        });
    }
    all_dropped_on_purpose(
        ctx,
        reference,
        merge,
        &skipped,
        &chain[below..],
        &patch,
        warnings,
    )?;
    Ok(Landed {
        commits: landed,
        method: MergeMethod::Rebase,
    })
}
