//! `revert <REV>...`: revert commits, ranges and merges on a new branch on top of the base tip.

use serde_json::json;

use super::{push_failed, BaseTip, Ctx, Outcome};
use crate::cli::RevertArgs;
use crate::engine::revert::{self as engine, RevertError, RevertOptions, RevertPlan, Reverted};
use crate::error::{Error, Kind, Result};
use crate::git::{self, remote::Rejection, Role};
use crate::migrations::Report;

pub fn run(ctx: &Ctx, args: &RevertArgs) -> Result<Outcome> {
    let repo = &ctx.repo;
    ctx.fetch(&[])?;
    let base = ctx.base_tip()?;
    let targets = engine::expand_revs(repo, &args.revs)?;
    let targets = engine::check_targets(repo, &targets, args.mainline)?;
    let mut warnings = Vec::new();
    for t in &targets {
        if t.commit != base.oid && !repo.graph_descendant_of(base.oid, t.commit)? {
            warnings.push(format!(
                "{} is not on {}: its revert may do nothing",
                git::short(t.commit),
                ctx.settings.base
            ));
        }
    }

    let migrations = guard_reverts(ctx, args, &targets, &mut warnings)?;

    let publish = &args.publish;
    let branch = match (&publish.branch, publish.direct) {
        (_, true) => ctx.settings.base.clone(),
        (Some(name), false) => name.clone(),
        (None, false) => format!("revert-{}", git::short(targets[0].commit)),
    };
    let branch_ref = format!("refs/heads/{branch}");
    git::check_ref_name(&branch_ref, &branch)?;
    if !publish.direct {
        check_branch_free(ctx, &branch)?;
    }

    git::stage_in_memory(repo)?;
    let author = git::identity(repo, Role::Author, ctx.global.dry_run)?;
    let committer = git::identity(repo, Role::Committer, ctx.global.dry_run)?;
    let opts = RevertOptions {
        mainline: args.mainline,
        squash: args.squash,
        reason: publish.reason.as_deref(),
        author: &author,
        committer: &committer,
    };
    let plan = engine::revert(repo, base.oid, targets, &opts).map_err(|e| match e {
        RevertError::Other(e) => e,
        RevertError::Conflict { commit, conflicts } => {
            conflict_error(ctx, &base, &branch, &commit, conflicts)
        }
    })?;
    for s in &plan.skipped {
        warnings.push(format!(
            "{} \"{}\" is already reverted on {}: skipped",
            git::short(s.commit),
            s.subject,
            ctx.settings.base
        ));
    }

    let dry_run = ctx.global.dry_run;
    let nothing_left = plan.reverted.is_empty();
    let mut pushed = false;
    if !nothing_left && !dry_run {
        if publish.direct {
            pushed = publish_direct(ctx, &base, &plan)?;
        } else {
            git::persist(repo, &[plan.tip])?;
            git::create_refs(
                repo,
                &[(branch_ref.clone(), plan.tip)],
                "fastrevert: revert",
            )?;
            if ctx.will_push() {
                ctx.ui
                    .info(&format!("Pushing {branch} to {}...", ctx.settings.remote));
                let spec = format!("{branch_ref}:{branch_ref}");
                if let Err(failure) = ctx.git().push(&ctx.settings.remote, &[spec], false, &[])? {
                    return Err(push_failed(
                        &format!(
                            "created branch {branch} locally at {}",
                            git::short(plan.tip)
                        ),
                        &failure,
                        format!("git push {} {branch}", ctx.settings.remote),
                    ));
                }
                pushed = true;
            }
        }
    }

    let human = describe(ctx, &base, &plan, &branch, pushed, dry_run, publish.direct);
    let mut human = human;
    if !migrations.migrations.is_empty() {
        human.push("Migrations in the reverted commits:".into());
        human.extend(super::check_migrations::report_lines(&migrations));
    }
    for w in &warnings {
        ctx.ui.warn(w);
    }
    let ids = |list: &[Reverted]| {
        list.iter()
            .map(|r| r.commit.to_string())
            .collect::<Vec<_>>()
    };
    let json = json!({
        "command": "revert",
        "base": ctx.settings.base,
        "base_commit": base.oid.to_string(),
        "branch": if nothing_left { None } else { Some(&branch) },
        "commits": if dry_run { Vec::new() } else { plan.commits.iter().map(|c| c.to_string()).collect() },
        "reverted": ids(&plan.reverted),
        "skipped": ids(&plan.skipped),
        "tree": plan.tree.to_string(),
        "pushed": pushed,
        "pull_request": null,
        "dry_run": dry_run,
        "migrations": migrations.migrations,
        "warnings": warnings,
    });
    Ok(Outcome { json, human })
}

/// Run the migration guard on what the reverted commits did: refuse destructive migrations,
/// and warn that reverting the addition of a migration leaves the schema as it is.
fn guard_reverts(
    ctx: &Ctx,
    args: &RevertArgs,
    targets: &[Reverted],
    warnings: &mut Vec<String>,
) -> Result<Report> {
    let repo = &ctx.repo;
    let guard = ctx.guard(&[], None)?;
    let mut report = Report::default();
    for t in targets {
        let parent_tree = repo.find_commit(t.parent)?.tree_id();
        let changes = guard.check_trees(
            repo,
            Some(parent_tree),
            repo.find_commit(t.commit)?.tree_id(),
        )?;
        for m in changes.migrations.iter().filter(|m| m.status == "added") {
            warnings.push(format!(
                "reverting {} removes the migration {}, but the database keeps what it did: the file goes, the schema stays",
                git::short(t.commit),
                m.file
            ));
        }
        report.extend(changes);
    }
    let what = match targets {
        [one] => format!("reverting {}", git::short(one.commit)),
        many => format!("reverting {} commits", many.len()),
    };
    ctx.enforce_guard(
        &report,
        &what,
        args.guard.allow_destructive_migrations,
        warnings,
    )?;
    Ok(report)
}

/// A new branch must not exist here or on the remote (as far as the last fetch knows).
pub fn check_branch_free(ctx: &Ctx, branch: &str) -> Result<()> {
    let local = format!("refs/heads/{branch}");
    let tracking = format!("refs/remotes/{}/{branch}", ctx.settings.remote);
    for name in [&local, &tracking] {
        if git::ref_target(&ctx.repo, name)?.is_some() {
            return Err(
                Error::bad_input(format!("branch {branch} already exists ({name})")).hint(
                    "pass --branch with another name, or delete the old branch if it is yours",
                ),
            );
        }
    }
    Ok(())
}

/// Put the result on the base branch itself: a fast-forward push, or a local compare-and-swap.
/// Returns whether it was pushed.
pub fn publish_direct(ctx: &Ctx, base: &BaseTip, plan: &RevertPlan) -> Result<bool> {
    let repo = &ctx.repo;
    let s = &ctx.settings;
    let count = plan.commits.len();
    if ctx.will_push() {
        ctx.ui.confirm(
            &format!(
                "Push {count} commit(s) straight to {}/{}?",
                s.remote, s.base
            ),
            "--direct",
        )?;
        git::persist(repo, &[plan.tip])?;
        ctx.ui
            .info(&format!("Pushing to {}/{}...", s.remote, s.base));
        let spec = format!("{}:refs/heads/{}", plan.tip, s.base);
        return match ctx.git().push(&s.remote, &[spec], false, &[])? {
            Ok(()) => Ok(true),
            Err(f) if f.any(&Rejection::NonFastForward) => Err(Error::refused(format!(
                "{}/{} moved since it was fetched, so the push would not be a fast-forward; nothing was pushed",
                s.remote, s.base
            ))
            .hint("run the same command again: it fetches the new tip and reverts on top of it")),
            Err(f) => Err(push_failed(
                &format!("created commit {} (not on any branch)", git::short(plan.tip)),
                &f,
                format!("git push {} {}:refs/heads/{}", s.remote, plan.tip, s.base),
            )),
        };
    }
    let local = ctx.local_base_ref();
    if git::ref_target(repo, &local)? != Some(base.oid) {
        return Err(Error::refused(format!(
            "the local branch {} is not at {} ({}), so it cannot be fast-forwarded",
            s.base,
            git::short(base.oid),
            base.from_ref
        ))
        .hint("push instead (drop --no-push), or update the local branch first"));
    }
    if git::is_checked_out(repo, &local)? {
        return Err(Error::refused(format!(
            "{} is checked out here, and git-fastrevert never moves your checkout",
            s.base
        ))
        .hint("revert on a branch (drop --direct), then merge it yourself"));
    }
    ctx.ui.confirm(
        &format!("Move {} forward by {count} commit(s)?", s.base),
        "--direct",
    )?;
    git::persist(repo, &[plan.tip])?;
    git::move_ref(
        repo,
        &local,
        plan.tip,
        base.oid,
        "fastrevert: revert --direct",
    )?;
    Ok(false)
}

fn conflict_error(
    ctx: &Ctx,
    base: &BaseTip,
    branch: &str,
    commit: &Reverted,
    conflicts: Vec<crate::engine::merge::Conflict>,
) -> Error {
    let short = git::short(commit.commit);
    let mut err = Error::new(
        Kind::Conflict,
        format!(
            "reverting {short} \"{}\" conflicts with {} in {} path(s); nothing was written",
            commit.subject,
            ctx.settings.base,
            conflicts.len()
        ),
    );
    err.conflicts = conflicts
        .iter()
        .map(|c| format!("{} ({})", c.path, c.reason))
        .collect();
    let start = base
        .from_ref
        .strip_prefix("refs/remotes/")
        .or_else(|| base.from_ref.strip_prefix("refs/heads/"))
        .unwrap_or(&base.from_ref);
    let m = if commit.is_merge { " -m 1" } else { "" };
    err.hints.push(format!(
        "resolve it by hand: git switch -c {branch} {start} && git revert{m} {short}, fix the files, git add them, git revert --continue, then git push {} {branch}",
        ctx.settings.remote
    ));
    err
}

fn describe(
    ctx: &Ctx,
    base: &BaseTip,
    plan: &RevertPlan,
    branch: &str,
    pushed: bool,
    dry_run: bool,
    direct: bool,
) -> Vec<String> {
    let s = &ctx.settings;
    let mut out = Vec::new();
    if plan.reverted.is_empty() {
        out.push(format!(
            "Nothing to revert: everything asked for is already reverted on {}.",
            s.base
        ));
        return out;
    }
    let verb = if dry_run { "Would revert" } else { "Reverted" };
    out.push(format!(
        "{verb} {} commit(s) on {} ({}):",
        plan.reverted.len(),
        s.base,
        git::short(base.oid)
    ));
    for r in &plan.reverted {
        out.push(format!("  {} {}", git::short(r.commit), r.subject));
    }
    let tip = git::short(plan.tip);
    if dry_run {
        let target = if direct {
            format!("{}/{} directly", s.remote, s.base)
        } else {
            format!("branch {branch}")
        };
        out.push(format!(
            "Would create {} commit(s) on {target}; tree {}.",
            plan.commits.len(),
            plan.tree
        ));
        if ctx.will_push() {
            out.push(format!("Would push to {}.", s.remote));
        }
        out.push("Dry run: nothing was written.".to_string());
    } else if direct {
        out.push(match pushed {
            true => format!("Pushed {tip} to {}/{}.", s.remote, s.base),
            false => format!("Moved {} to {tip}.", s.base),
        });
    } else {
        out.push(format!("Created branch {branch} at {tip}."));
        if pushed {
            out.push(format!(
                "Pushed {branch} to {}: open a pull request from it into {}.",
                s.remote, s.base
            ));
        } else {
            out.push(format!(
                "Not pushed. To publish it: git push {} {branch}",
                s.remote
            ));
        }
    }
    out
}
