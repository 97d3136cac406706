//! Rollout points (pre-rollout tags) and release tags, newest first, and the first-parent
//! commits a rollback to one of them undoes.

use crate::git::Oid;

use super::Ctx;
use crate::engine::message;
use crate::error::Result;
use crate::git;
use crate::outcome::{self, Point, PointKind};

/// `list`: every point with how far the base has moved since.
pub fn list(ctx: &Ctx) -> Result<outcome::List> {
    ctx.fetch_tags()?;
    let mut points = rollout_points(ctx)?;
    points.extend(release_tags(ctx)?);
    count_since(ctx, &mut points)?;
    Ok(outcome::List {
        points,
        base: ctx.settings.base.clone(),
    })
}

fn tags(ctx: &Ctx, pattern: &str) -> Result<Vec<(String, crate::git::Oid)>> {
    Ok(ctx
        .repo
        .refs(pattern)?
        .into_iter()
        .map(|(name, oid)| (name.trim_start_matches("refs/tags/").to_string(), oid))
        .collect())
}

fn point(ctx: &Ctx, kind: PointKind, name: String, oid: crate::git::Oid) -> Result<Option<Point>> {
    let repo = &ctx.repo;
    let Some(tag) = repo.tag_info(oid)? else {
        return Ok(None);
    };
    let (timestamp, tag_message) = (tag.time, tag.message);
    let staging_branch = if kind == PointKind::Rollout {
        let snapshot = name.strip_prefix(&ctx.settings.tag_prefix).unwrap_or(&name);
        let branch = format!("{}{snapshot}", ctx.settings.staging_prefix);
        let exists = git::ref_target(repo, &format!("refs/heads/{branch}"))?.is_some()
            || git::ref_target(
                repo,
                &format!("refs/remotes/{}/{branch}", ctx.settings.remote),
            )?
            .is_some();
        exists.then_some(branch)
    } else {
        None
    };
    Ok(Some(Point {
        kind,
        name,
        commit: tag.commit.to_string(),
        date: rfc3339(timestamp),
        timestamp,
        commits_since: None,
        commits_ahead: None,
        staging_branch,
        rollout: message::trailer(&tag_message, "Fastrevert-Rollout").map(str::to_string),
    }))
}

/// What a rollback to each point undoes (first parents of the base, as the rollback counts
/// them), or how far ahead of the base it is. One first-parent walk answers every point on the
/// base's line (release tags and snapshots usually are); only the others are walked alone.
pub fn count_since(ctx: &Ctx, points: &mut [Point]) -> Result<()> {
    let Ok(base) = ctx.base_tip() else {
        return Ok(());
    };
    let on_line = line_positions(ctx, base.oid, points)?;
    for p in points {
        let oid = crate::git::Oid::from_str(&p.commit)?;
        if let Some(&undone) = on_line.get(&oid) {
            p.commits_since = Some(undone);
        } else if oid != base.oid && ctx.repo.is_descendant(oid, base.oid)? {
            // Ahead of production: nothing to undo, its own commits to come.
            let (ahead, more, _) = undone_commits(ctx, oid, base.oid)?;
            p.commits_since = Some(0);
            p.commits_ahead = Some(ahead.len() + more);
        } else {
            let (undone, more, _) = undone_commits(ctx, base.oid, oid)?;
            p.commits_since = Some(undone.len() + more);
        }
    }
    Ok(())
}

/// How many first-parent commits of `base` lie above each commit of its first-parent line,
/// down to the oldest point on that line: the base itself is 0. Found with the remembered
/// line, trying the points oldest first until one is on it.
fn line_positions(
    ctx: &Ctx,
    base: Oid,
    points: &[Point],
) -> Result<std::collections::HashMap<Oid, usize>> {
    let mut positions = std::collections::HashMap::from([(base, 0)]);
    let mut oldest: Vec<(i64, Oid)> = points
        .iter()
        .filter_map(|p| Some((p.timestamp, Oid::from_str(&p.commit).ok()?)))
        .collect();
    oldest.sort();
    let mut remembered = git::first_parents::FirstParents::load(&ctx.repo);
    for (_, target) in oldest.into_iter().take(3) {
        if target == base {
            continue;
        }
        if let Some(line) = remembered.line_to(base, target, usize::MAX, git::first_parents::FAR)? {
            positions.extend(line.newest.iter().enumerate().map(|(i, oid)| (*oid, i)));
            positions.insert(target, line.count);
            break;
        }
    }
    if !ctx.global.dry_run {
        remembered.save();
    }
    Ok(positions)
}

/// Pre-rollout snapshots, newest first.
pub fn rollout_points(ctx: &Ctx) -> Result<Vec<Point>> {
    let mut points = Vec::new();
    for (name, oid) in tags(ctx, &format!("refs/tags/{}*", ctx.settings.tag_prefix))? {
        points.extend(point(ctx, PointKind::Rollout, name, oid)?);
    }
    newest_first(&mut points);
    Ok(points)
}

/// Version tags (`v1.2.3`, `1.2`, `release-1.4`…), newest first.
pub fn release_tags(ctx: &Ctx) -> Result<Vec<Point>> {
    let mut points = Vec::new();
    for (name, oid) in tags(ctx, "refs/tags/*")? {
        if name.starts_with(&ctx.settings.tag_prefix) || !looks_like_version(&name) {
            continue;
        }
        points.extend(point(ctx, PointKind::Release, name, oid)?);
    }
    newest_first(&mut points);
    Ok(points)
}

fn newest_first(points: &mut [Point]) {
    points.sort_by(|a, b| {
        b.timestamp
            .cmp(&a.timestamp)
            .then_with(|| b.name.cmp(&a.name))
    });
}

/// A name whose last path part is a version: optional letters and a separator, then digits
/// and dots with at least one dot (`v1.2.0`, `release-2.0`, `app/1.4.1`).
fn looks_like_version(name: &str) -> bool {
    let last = name.rsplit('/').next().unwrap_or(name);
    // `v2`, `v10`: a major version alone, as completion offers them too.
    if let Some(major) = last.strip_prefix(['v', 'V']) {
        if !major.is_empty() && major.bytes().all(|b| b.is_ascii_digit()) {
            return true;
        }
    }
    let version =
        last.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-' || c == '_');
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

use crate::outcome::rfc3339_text as rfc3339;

/// At most this many undone commits are listed in the commit message.
const LISTED_COMMITS: usize = 50;

/// The commit `id` reverts, when it is a revert.
pub(crate) fn reverted_by(repo: &crate::git::Repo, id: &str) -> Option<String> {
    let commit = repo.commit(Oid::from_str(id).ok()?).ok()?;
    message::reverts(&commit.message).map(str::to_string)
}

/// Listed undone commits (id, subject), how many more were not listed, and whether the walk
/// ended on the target.
pub(crate) type Undone = (Vec<(String, String)>, usize, bool);

/// First-parent commits of the base that the rollback undoes, newest first, capped; and
/// whether that walk ended on `target` (it is on the base's first-parent line).
pub(crate) fn undone_commits(ctx: &Ctx, base: Oid, target: Oid) -> Result<Undone> {
    let repo = &ctx.repo;
    // The usual case: the target is on the base's first-parent line, remembered between runs.
    let mut remembered = git::first_parents::FirstParents::load(repo);
    let found = remembered.line_to(base, target, LISTED_COMMITS, git::first_parents::FAR)?;
    if !ctx.global.dry_run {
        remembered.save();
    }
    let (newest, count, reached) = match found {
        Some(line) => (line.newest, line.count, true),
        None => first_parent_walk(repo, base, target)?,
    };
    let mut listed = Vec::with_capacity(newest.len());
    for oid in newest {
        listed.push((oid.to_string(), repo.commit(oid)?.subject().to_string()));
    }
    let more = count - listed.len();
    Ok((listed, more, reached))
}

/// The newest `LISTED_COMMITS` first-parent commits of `base` not in `target`'s history, how
/// many there are, and whether the walk ended on `target`: the full revision walk, for targets
/// off the first-parent line.
fn first_parent_walk(
    repo: &crate::git::Repo,
    base: Oid,
    target: Oid,
) -> Result<(Vec<Oid>, usize, bool)> {
    let (newest, count, last) = repo.first_parents_since(base, target, LISTED_COMMITS)?;
    let reached = match last {
        Some(oid) => repo.first_parent(oid)? == Some(target),
        None => base == target,
    };
    Ok((newest, count, reached))
}

#[cfg(test)]
mod tests {
    use super::looks_like_version;

    #[test]
    fn version_tags() {
        for yes in [
            "v1.2.0",
            "1.4",
            "release-2.0.1",
            "app/v3.1.4",
            "v1.0.0-rc1",
            "v2",
            "app/v10",
        ] {
            assert!(looks_like_version(yes), "{yes}");
        }
        for no in [
            "v",
            "latest",
            "pre-rollout/20260101-000000",
            "v1..2",
            "build-42",
        ] {
            assert!(!looks_like_version(no), "{no}");
        }
    }
}
