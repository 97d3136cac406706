//! `status`: what is live on this host, what is marked bad and held, how far the base has moved
//! past the live release, the latest rollout point, and this tool's branches on the remote with
//! their pull requests. The network parts are best effort: they warn, never fail the command.

use super::holds;
use super::Ctx;
use crate::cli::{GlobalArgs, ReleasesArgs, StatusArgs};
use crate::error::Result;
use crate::git::{self, Oid};
use crate::outcome::{self, RevertBranch};
use crate::ui::Ui;

/// Branches of this tool on the remote that are shown at most, and asked about on the forge.
const BRANCHES_SHOWN: usize = 10;

pub fn run(global: &GlobalArgs, ui: &Ui, args: &StatusArgs) -> Result<outcome::Status> {
    let repo = git::open_if_any(None)?;
    let ctx = match repo {
        Some(_) => Some(Ctx::open(global, ui)?),
        None => None,
    };
    let mut warnings = Vec::new();
    // The releases of this host, when there are any configured (named flags must work).
    let explicit = args.dirs.releases.is_some() || args.dirs.current.is_some();
    let releases = match super::release_dirs::list(&ReleasesArgs {
        dirs: args.dirs.clone(),
    }) {
        Ok(r) => Some(r),
        Err(e) if explicit => return Err(e),
        Err(_) => None,
    };
    let (mut live, mut bad_releases) = (None, Vec::new());
    let releases_dir = releases.as_ref().map(|r| r.releases_dir.clone());
    for r in releases.map(|r| r.releases).unwrap_or_default() {
        if r.bad {
            bad_releases.push(r);
        } else if r.current {
            live = Some(r);
        }
    }
    // A live release marked bad is still the live one.
    if live.is_none() {
        if let Some(at) = bad_releases.iter().position(|r| r.current) {
            live = Some(bad_releases.remove(at));
        }
    }
    let mut status = outcome::Status {
        command: "status",
        base: None,
        base_commit: None,
        live,
        releases_dir,
        bad_releases,
        holds: Vec::new(),
        base_ahead: None,
        base_held: false,
        rollout_point: None,
        revert_branches: Vec::new(),
        warnings: Vec::new(),
    };
    if let Some(ctx) = &ctx {
        in_repository(ctx, &mut status, &mut warnings)?;
    }
    status.warnings = warnings;
    Ok(status)
}

fn in_repository(
    ctx: &Ctx,
    status: &mut outcome::Status,
    warnings: &mut Vec<String>,
) -> Result<()> {
    if let Err(e) = ctx.fetch(&[]) {
        warnings.push(format!(
            "{} was not fetched ({}): the base is as this clone last saw it",
            ctx.settings.base, e.message
        ));
    }
    let synced = holds::sync(ctx);
    warnings.extend(synced.warnings);
    let base = ctx.base_tip().ok().map(|b| b.oid);
    status.base = Some(ctx.settings.base.clone());
    status.base_commit = base.map(|b| b.to_string());
    let all = holds::list(&ctx.repo)?;
    status.holds = holds::states(ctx, &all, base)?;
    status.base_held = status.holds.iter().any(|h| h.on_base > 0);
    let live = status
        .live
        .as_ref()
        .and_then(|r| Oid::from_str(&r.id).ok())
        .filter(|id| ctx.repo.has_commit(*id));
    if let (Some(base), Some(live)) = (base, live) {
        status.base_ahead = Some(ctx.repo.first_parents_since(base, live, 0)?.1);
    }
    status.rollout_point = super::points::rollout_points(ctx)?.into_iter().next();
    status.revert_branches = revert_branches(ctx, warnings);
    Ok(())
}

/// `revert-*` and `rollback-to-*` branches on the remote, newest name first, with their open
/// pull requests when a forge answers.
fn revert_branches(ctx: &Ctx, warnings: &mut Vec<String>) -> Vec<RevertBranch> {
    if ctx.global.no_fetch || !ctx.has_remote() {
        return Vec::new();
    }
    let patterns = ["refs/heads/revert-*", "refs/heads/rollback-to-*"].map(String::from);
    let found = match ctx.git().ls_remote(&ctx.settings.remote, &patterns) {
        Ok(found) => found,
        Err(e) => {
            warnings.push(format!(
                "the branches on {} could not be listed: {}",
                ctx.settings.remote, e.message
            ));
            return Vec::new();
        }
    };
    let mut branches: Vec<RevertBranch> = found
        .into_iter()
        .filter_map(|(name, commit)| {
            Some(RevertBranch {
                branch: name.strip_prefix("refs/heads/")?.to_string(),
                commit,
                pull_request: None,
            })
        })
        .collect();
    branches.sort_by(|a, b| b.branch.cmp(&a.branch));
    branches.truncate(BRANCHES_SHOWN);
    // Best effort and quick: at most 10 s on the forge in all.
    crate::forge::cap_network_time(std::time::Duration::from_secs(10));
    let forge = match super::pull_request::connect(ctx, "looking up pull requests") {
        Ok(Some(forge)) => forge,
        Ok(None) | Err(_) => return branches,
    };
    for b in &mut branches {
        match forge.find_open_pr(&b.branch, &ctx.settings.base) {
            Ok(pr) => b.pull_request = pr,
            Err(e) => {
                warnings.push(format!("pull requests were not looked up: {}", e.message));
                break;
            }
        }
    }
    branches
}
