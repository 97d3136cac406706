//! `list`: rollout points (pre-rollout tags) and release tags, newest first.

use serde::Serialize;

use super::{Ctx, Outcome};
use crate::cli::ListArgs;
use crate::engine::message;
use crate::error::Result;
use crate::git;

#[derive(Debug, Serialize)]
pub struct Point {
    /// `rollout` for a pre-rollout snapshot, `release` for a version tag.
    pub kind: &'static str,
    /// The tag name, e.g. `pre-rollout/20261126-101500` or `v1.4.0`.
    pub name: String,
    pub commit: String,
    /// When the tag (or, for a lightweight tag, the commit) was made, UTC, RFC 3339.
    pub date: String,
    #[serde(skip)]
    pub timestamp: i64,
    /// How many first-parent commits the base has gained since (what a rollback to it
    /// undoes); `null` when the base is unknown.
    pub commits_since: Option<usize>,
    /// How many first-parent commits it is ahead of the base (a tag not yet rolled out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commits_ahead: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staging_branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollout: Option<String>,
}

pub fn run(ctx: &Ctx, _args: &ListArgs) -> Result<Outcome> {
    ctx.fetch_tags()?;
    let mut points = rollout_points(ctx)?;
    points.extend(release_tags(ctx)?);
    let base = ctx.base_tip().ok();
    if let Some(base) = &base {
        for p in &mut points {
            let oid = git2::Oid::from_str(&p.commit)?;
            if oid != base.oid && ctx.repo.graph_descendant_of(oid, base.oid)? {
                // Ahead of production: nothing to undo, its own commits to come.
                let (ahead, more, _) = super::rollback::undone_commits(ctx, oid, base.oid)?;
                p.commits_since = Some(0);
                p.commits_ahead = Some(ahead.len() + more);
            } else {
                // Counted as the rollback to it counts: first parents of the base.
                let (undone, more, _) = super::rollback::undone_commits(ctx, base.oid, oid)?;
                p.commits_since = Some(undone.len() + more);
            }
        }
    }
    let mut human = Vec::new();
    if points.is_empty() {
        human.push("No rollout points or release tags yet. Take one before the next rollout: git fastrevert prepare".into());
    }
    for p in &points {
        let since = match (p.commits_since, p.commits_ahead) {
            (_, Some(n)) => format!("{n:>5} ahead of {}", ctx.settings.base),
            (Some(n), None) => format!("{n:>5} commit(s) since"),
            (None, None) => "    ? commit(s) since".to_string(),
        };
        human.push(format!(
            "{:<8} {:<32} {} {}  {since}",
            p.kind,
            p.name,
            &p.commit[..7],
            &p.date[..16.min(p.date.len())].replace('T', " "),
        ));
    }
    let json =
        serde_json::to_value(&points).map_err(|e| crate::error::Error::failed(e.to_string()))?;
    Ok(Outcome { json, human })
}

fn tags(ctx: &Ctx, pattern: &str) -> Result<Vec<(String, git2::Oid)>> {
    let mut out = Vec::new();
    for r in ctx.repo.references_glob(pattern)? {
        let r = r?;
        if let (Ok(name), Some(oid)) = (r.name(), r.target()) {
            out.push((name.trim_start_matches("refs/tags/").to_string(), oid));
        }
    }
    Ok(out)
}

fn point(ctx: &Ctx, kind: &'static str, name: String, oid: git2::Oid) -> Result<Option<Point>> {
    let repo = &ctx.repo;
    let object = repo.find_object(oid, None)?;
    let Ok(commit) = object.peel_to_commit() else {
        return Ok(None);
    };
    let (timestamp, tag_message) = match object.as_tag() {
        Some(tag) => (
            tag.tagger()
                .map_or(commit.time().seconds(), |t| t.when().seconds()),
            tag.message().ok().flatten().unwrap_or("").to_string(),
        ),
        None => (commit.time().seconds(), String::new()),
    };
    let staging_branch = if kind == "rollout" {
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
        commit: commit.id().to_string(),
        date: rfc3339(timestamp),
        timestamp,
        commits_since: None,
        commits_ahead: None,
        staging_branch,
        rollout: message::trailer(&tag_message, "Fastrevert-Rollout").map(str::to_string),
    }))
}

/// Pre-rollout snapshots, newest first.
pub fn rollout_points(ctx: &Ctx) -> Result<Vec<Point>> {
    let mut points = Vec::new();
    for (name, oid) in tags(ctx, &format!("refs/tags/{}*", ctx.settings.tag_prefix))? {
        points.extend(point(ctx, "rollout", name, oid)?);
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
        points.extend(point(ctx, "release", name, oid)?);
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
    let version =
        last.trim_start_matches(|c: char| c.is_ascii_alphabetic() || c == '-' || c == '_');
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

pub fn rfc3339(seconds: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| seconds.to_string())
}

#[cfg(test)]
mod tests {
    use super::looks_like_version;

    #[test]
    fn version_tags() {
        for yes in ["v1.2.0", "1.4", "release-2.0.1", "app/v3.1.4", "v1.0.0-rc1"] {
            assert!(looks_like_version(yes), "{yes}");
        }
        for no in [
            "v1",
            "latest",
            "pre-rollout/20260101-000000",
            "v1..2",
            "build-42",
        ] {
            assert!(!looks_like_version(no), "{no}");
        }
    }
}
