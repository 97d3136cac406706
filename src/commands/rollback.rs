//! `rollback`: return production to a snapshot, release tag or commit, either as one commit
//! restoring that tree or by moving the base branch back with a backup.

use git2::{Oid, Sort};
use serde_json::json;

use super::revert::publish_direct;
use super::{pr, push_failed, BaseTip, Ctx, Outcome};
use crate::cli::{RollbackArgs, RollbackMode};
use crate::engine::message;
use crate::engine::revert::{commit_tree, RevertOptions, RevertPlan};
use crate::error::{Error, Result};
use crate::git::{self, Role};

/// At most this many undone commits are listed in the commit message.
const LISTED_COMMITS: usize = 50;

/// At most this many undone commits are listed in the plan a person reads; the rest are
/// counted.
const SHOWN_COMMITS: usize = 10;

/// The plan's lines for the commits a rollback undoes, newest first: each with its subject, a
/// revert named as one (undoing it brings the reverted change back), the rest counted.
pub(crate) fn undone_lines(
    repo: &git2::Repository,
    undone: &[(String, String)],
    more: usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    let shown = if undone.len() > SHOWN_COMMITS + 2 {
        SHOWN_COMMITS
    } else {
        undone.len()
    };
    for (id, subject) in &undone[..shown] {
        let short = &id[..id.len().min(7)];
        lines.push(match reverted_by(repo, id) {
            // Undone together with the commit it reverted, the two cancel out.
            Some(reverted) if undone.iter().any(|(u, _)| *u == reverted) => format!(
                "  {short} {subject}  (a revert of {}, which is undone too)",
                &reverted[..reverted.len().min(7)]
            ),
            Some(reverted) => format!(
                "  {short} {subject}  (a revert of {}: undoing it brings that change back)",
                &reverted[..reverted.len().min(7)]
            ),
            None => format!("  {short} {subject}"),
        });
    }
    let rest = undone.len() - shown + more;
    if rest > 0 {
        lines.push(format!("  … and {rest} more first-parent commit(s)"));
    }
    lines
}

/// The commit `id` reverts, when it is a revert.
fn reverted_by(repo: &git2::Repository, id: &str) -> Option<String> {
    let commit = repo.find_commit(Oid::from_str(id).ok()?).ok()?;
    let message = String::from_utf8_lossy(commit.message_bytes()).into_owned();
    message::reverts(&message).map(str::to_string)
}

pub fn run(ctx: &Ctx, args: &RollbackArgs) -> Result<Outcome> {
    let repo = &ctx.repo;
    let s = &ctx.settings;
    super::check_given_names(ctx, &args.publish)?;
    ctx.fetch_tags()?;
    let base = ctx.base_tip()?;
    let target_name = match &args.to {
        Some(to) => to.clone(),
        None => newest_snapshot(ctx)?,
    };
    let mut warnings = Vec::new();
    let target = git::resolve_commit(repo, &ctx.base_rev(&target_name, &base, &mut warnings))?;
    let target_tree = repo.find_commit(target)?.tree_id();
    let (undone, more, on_first_parent_line) = undone_commits(ctx, base.oid, target)?;
    // The walk above answers the common case; a full ancestry check walks the history again.
    if target != base.oid && !on_first_parent_line && !repo.graph_descendant_of(base.oid, target)? {
        warnings.push(format!(
            "{target_name} is not an ancestor of {}: going back to it also drops what it has that {} lacks",
            s.base, s.base
        ));
    }
    let guard = ctx.indexed_guard(base.oid, &args.guard.allow_migrations)?;
    let migrations = if on_first_parent_line {
        // The target is an ancestor: it is its own merge base, no need to walk for one.
        guard.check_trees(
            repo,
            Some(target_tree),
            repo.find_commit(base.oid)?.tree_id(),
        )?
    } else {
        guard.check_range(repo, target, base.oid)?
    };
    ctx.enforce_guard(
        &migrations,
        &format!("rolling {} back to {target_name}", s.base),
        args.guard.allow_destructive_migrations,
        &mut warnings,
    )?;
    let result = match args.mode {
        RollbackMode::Commit => commit_mode(
            ctx,
            args,
            &base,
            &target_name,
            target,
            target_tree,
            &undone,
            more,
            &mut warnings,
        )?,
        RollbackMode::Reset => reset_mode(
            ctx,
            args,
            &base,
            &target_name,
            target,
            &undone,
            more,
            &mut warnings,
        )?,
    };
    let mut human = result.human;
    if !migrations.migrations.is_empty() {
        human.push(format!("Migrations since {target_name}:"));
        human.extend(super::check_migrations::report_lines(&migrations));
    }
    for w in &warnings {
        ctx.ui.warn(w);
    }
    let mut json = result.json;
    json["command"] = json!("rollback");
    json["base"] = json!(s.base);
    json["base_commit"] = json!(base.oid.to_string());
    json["to"] = json!(target_name);
    json["to_commit"] = json!(target.to_string());
    json["tree"] = json!(target_tree.to_string());
    json["undone"] = json!(undone.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>());
    // The same list with subjects, reverts named (undoing a revert brings its change back).
    json["undone_commits"] = json!(undone
        .iter()
        .map(
            |(c, subject)| json!({"commit": c, "subject": subject, "reverts": reverted_by(repo, c)})
        )
        .collect::<Vec<_>>());
    json["undone_count"] = json!(undone.len() + more);
    if json.get("pull_request").is_none() {
        json["pull_request"] = json!(null);
    }
    json["dry_run"] = json!(ctx.global.dry_run);
    json["migrations"] = json!(migrations.migrations);
    json["warnings"] = json!(warnings);
    Ok(Outcome { json, human })
}

/// A ref name as part of a branch name: `/` and anything git forbids become `-`
/// (`pre-rollout/x` → `pre-rollout-x`, `HEAD~2` → `HEAD-2`).
fn branch_safe(name: &str, commit: Oid) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let keep = c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if keep && !(c == '.' && out.ends_with('.')) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out
        .trim_matches(|c| c == '-' || c == '.')
        .trim_end_matches(".lock")
        .to_string();
    if out.is_empty() {
        git::short(commit)
    } else {
        out
    }
}

/// The newest `pre-rollout/` tag, by the date it was made.
fn newest_snapshot(ctx: &Ctx) -> Result<String> {
    let points = super::list::rollout_points(ctx)?;
    points.into_iter().next().map(|p| p.name).ok_or_else(|| {
        Error::bad_input(format!(
            "there is no {}* tag to roll back to",
            ctx.settings.tag_prefix
        ))
        .hint("pass --to with a tag, branch or commit (see `git fastrevert list`)")
        .hint("in GitHub Actions, check out with fetch-depth: 0, or the tags are not there")
    })
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
        let commit = repo.find_commit(oid)?;
        let subject =
            message::subject(&String::from_utf8_lossy(commit.message_bytes())).to_string();
        listed.push((oid.to_string(), subject));
    }
    let more = count - listed.len();
    Ok((listed, more, reached))
}

/// The newest `LISTED_COMMITS` first-parent commits of `base` not in `target`'s history, how
/// many there are, and whether the walk ended on `target`: the full revision walk, for targets
/// off the first-parent line.
fn first_parent_walk(
    repo: &git2::Repository,
    base: Oid,
    target: Oid,
) -> Result<(Vec<Oid>, usize, bool)> {
    let mut walk = repo.revwalk()?;
    walk.push(base)?;
    walk.hide(target)?;
    walk.simplify_first_parent()?;
    walk.set_sorting(Sort::TOPOLOGICAL)?;
    let mut newest = Vec::new();
    let mut count = 0;
    let mut last = None;
    for oid in walk {
        let oid = oid?;
        last = Some(oid);
        count += 1;
        if newest.len() < LISTED_COMMITS {
            newest.push(oid);
        }
    }
    let reached = match last {
        Some(oid) => repo.find_commit(oid)?.parent_id(0).ok() == Some(target),
        None => base == target,
    };
    Ok((newest, count, reached))
}

#[allow(clippy::too_many_arguments)]
fn commit_mode(
    ctx: &Ctx,
    args: &RollbackArgs,
    base: &BaseTip,
    target_name: &str,
    target: Oid,
    target_tree: Oid,
    undone: &[(String, String)],
    more: usize,
    warnings: &mut Vec<String>,
) -> Result<Outcome> {
    let repo = &ctx.repo;
    let s = &ctx.settings;
    let publish = &args.publish;
    let base_tree = repo.find_commit(base.oid)?.tree_id();
    if base_tree == target_tree {
        let human = vec![format!(
            "Nothing to do: {} already has the tree of {target_name}.",
            s.base
        )];
        let json = json!({"mode": "commit", "branch": null, "commits": [], "pushed": false});
        return Ok(Outcome { json, human });
    }
    let branch = match (&publish.branch, publish.direct) {
        (_, true) => s.base.clone(),
        (Some(b), false) => b.clone(),
        (None, false) => format!("rollback-to-{}", branch_safe(target_name, target)),
    };
    let branch_ref = format!("refs/heads/{branch}");
    if !publish.direct {
        git::check_branch_name(&ctx.repo, &branch)?;
    }
    let earlier = if publish.direct {
        None
    } else {
        pr::earlier_run(ctx, &branch, base.oid, target_tree)?
    };
    git::stage_in_memory(repo)?;
    let author = git::identity(repo, Role::Author, ctx.global.dry_run)?;
    let committer = git::identity(repo, Role::Committer, ctx.global.dry_run)?;
    let signer =
        git::sign::Signer::for_repo(repo, &publish.sign.choice(), git::sign::What::Commit)?;
    let opts = RevertOptions {
        mainline: None,
        squash: false,
        reason: publish.reason.as_deref(),
        author: &author,
        committer: &committer,
        signer: signer.as_ref().filter(|_| !ctx.global.dry_run),
    };
    let msg =
        message::rollback_message(target_name, &target.to_string(), undone, more, opts.reason);
    let tip = match &earlier {
        Some(e) => e.tip,
        None => commit_tree(repo, target_tree, base.oid, &msg, &opts)?,
    };
    let plan = RevertPlan {
        base: base.oid,
        tip,
        tree: target_tree,
        commits: vec![tip],
        reverted: Vec::new(),
        skipped: Vec::new(),
        notes: Vec::new(),
    };
    let dry_run = ctx.global.dry_run;
    let mut pushed = false;
    let mut pull_request = None;
    let mut planned_request = None;
    let mut human = Vec::new();
    let undone_count = undone.len() + more;
    if dry_run {
        human.push(format!(
            "Would roll {} back to {target_name} ({}) with one commit on {}, undoing {undone_count} commit(s).",
            s.base,
            git::short(target),
            if publish.direct { format!("{} itself", s.base) } else { format!("branch {branch}") }
        ));
        human.extend(undone_lines(repo, undone, more));
        if ctx.will_push() {
            human.push(format!("Would push to {}.", s.remote));
        }
        let planned = pr::plan(
            ctx,
            &format!("Roll back {} to {target_name}", s.base),
            publish,
        );
        human.push(planned.line());
        planned_request = Some(planned);
        human.push("Dry run: nothing was written.".into());
    } else if publish.direct {
        pushed = publish_direct(ctx, base, &plan)?;
        human.push(format!(
            "Rolled {} back to {target_name}: {} {}.",
            s.base,
            if pushed { "pushed" } else { "moved to" },
            git::short(tip)
        ));
    } else {
        if earlier.is_none() && !publish.sign_with_github {
            git::persist(repo, &[tip])?;
            git::create_refs(repo, &[(branch_ref.clone(), tip)], "fastrevert: rollback")?;
            human.push(format!(
                "Created branch {branch} at {}: the tree of {target_name}, undoing {undone_count} commit(s) of {}.",
                git::short(tip),
                s.base
            ));
        } else {
            human.push(format!("Branch {branch} from an earlier run already rolls back to {target_name}; finishing that run."));
        }
        pushed = earlier.as_ref().is_some_and(|e| e.pushed);
        if ctx.will_push() && !pushed {
            if publish.sign_with_github {
                super::create_through_forge(ctx, &branch, base.oid, tip)?;
            } else {
                super::push_branch(ctx, &branch, tip)?;
            }
            pushed = true;
        }
        if pushed {
            let title = format!("Roll back {} to {target_name}", s.base);
            let body = msg
                .split_once("\n\n")
                .map_or(String::new(), |(_, b)| b.to_string());
            pull_request = pr::open_for_branch(ctx, &branch, title, body, publish, warnings)?;
            human.push(match &pull_request {
                Some(p) => pr::describe(p),
                None => format!(
                    "Pushed {branch} to {}: open a pull request from it into {}.",
                    s.remote, s.base
                ),
            });
        } else {
            human.push(super::not_pushed(ctx, &branch));
        }
    }
    if let Some(signer) = &signer {
        human.push(signer.said("commit", dry_run));
    }
    if publish.sign_with_github {
        human.push("GitHub creates and signs the commit (--sign-with-github).".into());
    }
    let json = json!({
        "mode": "commit",
        "branch": branch,
        "commits": if dry_run || earlier.is_some() { Vec::new() } else { vec![tip.to_string()] },
        "pushed": pushed,
        "pull_request": pull_request,
        "pull_request_plan": planned_request,
        "resumed": earlier.is_some(),
        "signed": signer.is_some() || publish.sign_with_github,
    });
    Ok(Outcome { json, human })
}

#[allow(clippy::too_many_arguments)]
fn reset_mode(
    ctx: &Ctx,
    args: &RollbackArgs,
    base: &BaseTip,
    target_name: &str,
    target: Oid,
    undone: &[(String, String)],
    more: usize,
    warnings: &mut Vec<String>,
) -> Result<Outcome> {
    let repo = &ctx.repo;
    let s = &ctx.settings;
    let dry_run = ctx.global.dry_run;
    if base.oid == target {
        let human = vec![format!(
            "Nothing to do: {} is already at {target_name}.",
            s.base
        )];
        let json = json!({"mode": "reset", "branch": s.base, "commits": [], "pushed": false, "backup_ref": null});
        return Ok(Outcome { json, human });
    }
    let stamp = time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .map_err(|e| Error::failed(e.to_string()))?;
    // Two resets within one second get their own backups: a counter after the time.
    let mut backup_ref = format!("refs/fastrevert/backup/{}/{stamp}", s.base);
    let mut n = 1;
    while git::ref_target(repo, &backup_ref)?.is_some() {
        n += 1;
        backup_ref = format!("refs/fastrevert/backup/{}/{stamp}-{n}", s.base);
    }
    // Going forward (to a backup of a later tip) drops nothing and needs no --force.
    let forward = repo.graph_descendant_of(target, base.oid)?;
    let needs_force = !forward && undone.len() + more > 0;
    let local = ctx.local_base_ref();
    let pushing = ctx.will_push();
    let undone_count = undone.len() + more;
    let mut human = Vec::new();

    if !pushing && git::ref_target(repo, &local)? != Some(base.oid) {
        return Err(Error::refused(format!(
            "the local branch {} is not at {} ({}); nothing was moved",
            s.base,
            git::short(base.oid),
            base.from_ref
        ))
        .hint("push instead (drop --no-push), or bring the local branch up to date first"));
    }
    let checked_out = git::is_checked_out(repo, &local)?;
    if !pushing && checked_out {
        return Err(Error::refused(format!(
            "{} is checked out here, and git-fastrevert never moves your checkout; nothing was moved",
            s.base
        ))
        .hint(format!("use --mode commit, or move it yourself: git branch backup-{stamp} && git reset --keep {target_name}")));
    }
    if dry_run {
        human.push(if forward {
            format!(
                "Would move {} forward from {} to {target_name} ({}), dropping nothing, keeping {backup_ref}.",
                if pushing { format!("{}/{}", s.remote, s.base) } else { s.base.clone() },
                git::short(base.oid),
                git::short(target)
            )
        } else {
            format!(
                "Would move {} from {} back to {target_name} ({}), dropping {undone_count} commit(s), keeping {backup_ref}.",
                if pushing { format!("{}/{}", s.remote, s.base) } else { s.base.clone() },
                git::short(base.oid),
                git::short(target)
            )
        });
        human.extend(undone_lines(repo, undone, more));
        if needs_force && !args.force {
            human.push("The real run needs --force (or a confirmation on a terminal): it drops commits from the branch.".into());
        }
        human.push("Dry run: nothing was written.".into());
        // The plan says, as the human lines do, whether the real run needs --force.
        let json = json!({"mode": "reset", "branch": s.base, "commits": [], "pushed": false, "backup_ref": backup_ref, "needs_force": needs_force && !args.force});
        return Ok(Outcome { json, human });
    }
    if needs_force && !args.force {
        if !ctx.ui.interactive {
            return Err(Error::refused(format!(
                "--mode reset moves {} back and drops {undone_count} commit(s) from it; it needs --force",
                s.base
            ))
            .hint("pass --force (a backup ref is kept), or use --mode commit to go back with a new commit"));
        }
        ctx.ui.confirm(
            &format!("Move {} back to {target_name}, dropping {undone_count} commit(s)? A backup is kept at {backup_ref}.", s.base),
            "--mode reset",
        )?;
    }

    git::create_refs(
        repo,
        &[(backup_ref.clone(), base.oid)],
        "fastrevert: backup before rollback --mode reset",
    )?;
    let mut pushed = false;
    if pushing {
        let _progress = ctx.ui.progress(&format!(
            "Pushing {} and {backup_ref} to {}",
            s.base, s.remote
        ));
        let specs = vec![
            format!("{target}:refs/heads/{}", s.base),
            format!("{}:{backup_ref}", base.oid),
        ];
        let lease = vec![(format!("refs/heads/{}", s.base), Some(base.oid.to_string()))];
        if let Err(f) = ctx.git().push(&s.remote, &specs, true, &lease)? {
            return Err(push_failed(
                &format!("kept the backup {backup_ref} locally; {} on {} was not moved", s.base, s.remote),
                &f,
                format!(
                    "git push --atomic --force-with-lease=refs/heads/{0}:{1} {2} {target}:refs/heads/{0} {1}:{backup_ref}",
                    s.base, base.oid, s.remote
                ),
            ));
        }
        pushed = true;
        human.push(format!(
            "Moved {}/{} back to {target_name} ({}); the old tip {} is kept as {backup_ref} here and on {}.",
            s.remote,
            s.base,
            git::short(target),
            git::short(base.oid),
            s.remote
        ));
        let local_tip = git::ref_target(repo, &local)?;
        if checked_out {
            warnings.push(format!(
                "your checkout of {} was left alone; to update it: git switch {0} && git reset --keep {}/{0}",
                s.base, s.remote
            ));
        } else if local_tip == Some(base.oid) {
            // Production has moved: a local ref that cannot follow is a warning with the
            // command that finishes the job, not a failure.
            if let Err(e) = git::move_ref(
                repo,
                &local,
                target,
                base.oid,
                "fastrevert: rollback --mode reset",
            ) {
                warnings.push(format!(
                    "{}/{} was moved and the backup pushed, but the local branch {} could not follow ({}); to update it: git update-ref {local} {target} {}",
                    s.remote, s.base, s.base, e.message, base.oid
                ));
            }
        } else if local_tip.is_some() {
            warnings.push(format!(
                "the local branch {} was not at the old tip and was left alone",
                s.base
            ));
        }
    } else {
        git::move_ref(
            repo,
            &local,
            target,
            base.oid,
            "fastrevert: rollback --mode reset",
        )?;
        human.push(format!(
            "Moved {} back to {target_name} ({}); the old tip {} is kept as {backup_ref}.",
            s.base,
            git::short(target),
            git::short(base.oid)
        ));
    }
    let json = json!({
        "mode": "reset",
        "branch": s.base,
        "commits": [],
        "pushed": pushed,
        "backup_ref": backup_ref,
    });
    Ok(Outcome { json, human })
}
