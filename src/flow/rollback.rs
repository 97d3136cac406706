//! `rollback`: return production to a snapshot, release tag or commit, either as one commit
//! restoring that tree or by moving the base branch back with a backup.

use crate::git::Oid;

use super::points::{reverted_by, undone_commits};
use super::publish::{self, push_failed};
use super::{pull_request, BaseTip, Ctx};
use crate::cli::RollbackArgs;
use crate::engine::message;
use crate::engine::revert::{commit_tree, RevertOptions};
use crate::error::{Error, Result};
use crate::git;
use crate::outcome::{self, RollbackMode, Undone};

/// Where the rollback goes and what it undoes.
struct Target {
    /// As the user named it (`pre-rollout/…`, `v1.4.0`, a commit).
    name: String,
    commit: Oid,
    tree: Oid,
    /// Listed undone first-parent commits (id, subject), newest first.
    undone: Vec<(String, String)>,
    /// How many more were not listed.
    more: usize,
}

impl Target {
    fn undone_count(&self) -> usize {
        self.undone.len() + self.more
    }
}

/// What a mode did: the fields of the outcome that differ between the two.
struct Done {
    mode: RollbackMode,
    branch: Option<String>,
    commits: Vec<String>,
    pushed: bool,
    pull_request: Option<crate::forge::PullRequest>,
    pull_request_plan: crate::outcome::RunField<pull_request::Planned>,
    resumed: Option<bool>,
    signed: Option<bool>,
    backup_ref: crate::outcome::RunField<String>,
    needs_force: Option<bool>,
    publishing: outcome::Publishing,
    forward: bool,
}

impl Done {
    fn new(mode: RollbackMode, branch: Option<String>) -> Done {
        Done {
            mode,
            branch,
            commits: Vec::new(),
            pushed: false,
            pull_request: None,
            pull_request_plan: crate::outcome::RunField::NotInThisRun,
            resumed: None,
            signed: None,
            backup_ref: crate::outcome::RunField::NotInThisRun,
            needs_force: None,
            publishing: outcome::Publishing::default(),
            forward: false,
        }
    }
}

pub fn run(ctx: &Ctx, args: &RollbackArgs) -> Result<outcome::Rollback> {
    let repo = &ctx.repo;
    let s = &ctx.settings;
    super::check_given_names(ctx, &args.publish)?;
    ctx.fetch_tags()?;
    let base = ctx.base_tip()?;
    let name = match &args.to {
        Some(to) => to.clone(),
        None => newest_snapshot(ctx)?,
    };
    let mut warnings = Vec::new();
    let commit = git::resolve_commit(repo, &ctx.base_rev(&name, &base, &mut warnings))?;
    let tree = repo.tree_of(commit)?;
    let (undone, more, on_first_parent_line) = undone_commits(ctx, base.oid, commit)?;
    // The walk above answers the common case; a full ancestry check walks the history again.
    if !on_first_parent_line && !ctx.on_base(base.oid, commit)? {
        warnings.push(format!(
            "{name} is not an ancestor of {}: going back to it also drops what it has that {} lacks",
            s.base, s.base
        ));
    }
    let migrations = guard(
        ctx,
        args,
        &base,
        &name,
        commit,
        on_first_parent_line,
        &mut warnings,
    )?;
    let target = Target {
        name,
        commit,
        tree,
        undone,
        more,
    };
    let mut done = match args.mode {
        crate::cli::RollbackMode::Commit => commit_mode(ctx, args, &base, &target, &mut warnings)?,
        crate::cli::RollbackMode::Reset => reset_mode(ctx, args, &base, &target, &mut warnings)?,
    };
    done.publishing.remote = s.remote.clone();
    Ok(outcome::Rollback {
        command: "rollback",
        mode: done.mode,
        base: s.base.clone(),
        base_commit: base.oid.to_string(),
        to_commit: target.commit.to_string(),
        tree: target.tree.to_string(),
        branch: done.branch,
        commits: done.commits,
        pushed: done.pushed,
        pull_request: done.pull_request,
        pull_request_plan: done.pull_request_plan,
        resumed: done.resumed,
        signed: done.signed,
        backup_ref: done.backup_ref,
        needs_force: done.needs_force,
        undone: target.undone.iter().map(|(c, _)| c.clone()).collect(),
        // The same list with subjects, reverts named (undoing a revert brings its change back).
        undone_commits: target
            .undone
            .iter()
            .map(|(c, subject)| Undone {
                commit: c.clone(),
                subject: subject.clone(),
                reverts: reverted_by(repo, c),
            })
            .collect(),
        undone_count: target.undone_count(),
        to: target.name,
        dry_run: ctx.global.dry_run,
        migrations: migrations.migrations,
        warnings,
        publishing: done.publishing,
        forward: done.forward,
    })
}

/// The migrations between the base and the target, refused or warned of as the guard says.
fn guard(
    ctx: &Ctx,
    args: &RollbackArgs,
    base: &BaseTip,
    name: &str,
    target: Oid,
    on_first_parent_line: bool,
    warnings: &mut Vec<String>,
) -> Result<crate::migrations::Report> {
    let repo = &ctx.repo;
    let guard = ctx.indexed_guard(base.oid, &args.guard.allow_migrations)?;
    let migrations = if on_first_parent_line {
        // The target is an ancestor: it is its own merge base, no need to walk for one.
        guard.check_trees(repo, Some(repo.tree_of(target)?), repo.tree_of(base.oid)?)?
    } else {
        guard.check_range(repo, target, base.oid)?
    };
    ctx.enforce_guard(
        &migrations,
        &format!("rolling {} back to {name}", ctx.settings.base),
        args.guard.allow_destructive_migrations,
        warnings,
    )?;
    Ok(migrations)
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
    let points = super::points::rollout_points(ctx)?;
    points.into_iter().next().map(|p| p.name).ok_or_else(|| {
        Error::bad_input(format!(
            "there is no {}* tag to roll back to",
            ctx.settings.tag_prefix
        ))
        .hint("pass --to with a tag, branch or commit (see `git fastrevert list`)")
        .hint("in GitHub Actions, check out with fetch-depth: 0, or the tags are not there")
    })
}

/// The branch the restoring commit goes on: the base itself (`--direct`), `--branch`, or
/// `rollback-to-<target>`.
fn branch_name(ctx: &Ctx, publish: &crate::cli::PublishArgs, target: &Target) -> Result<String> {
    let branch = match (&publish.branch, publish.direct) {
        (_, true) => return Ok(ctx.settings.base.clone()),
        (Some(b), false) => b.clone(),
        (None, false) => format!("rollback-to-{}", branch_safe(&target.name, target.commit)),
    };
    git::check_branch_name(&ctx.repo, &branch)?;
    Ok(branch)
}

/// One commit on top of the base restoring the target's tree, published as a revert is.
fn commit_mode(
    ctx: &Ctx,
    args: &RollbackArgs,
    base: &BaseTip,
    target: &Target,
    warnings: &mut Vec<String>,
) -> Result<Done> {
    let repo = &ctx.repo;
    let s = &ctx.settings;
    let publish = &args.publish;
    let name = &target.name;
    if repo.tree_of(base.oid)? == target.tree {
        return Ok(Done::new(RollbackMode::Commit, None));
    }
    let branch = branch_name(ctx, publish, target)?;
    let earlier = if publish.direct {
        None
    } else {
        publish::earlier_run(ctx, &branch, base.oid, target.tree)?
    };
    let dry_run = ctx.global.dry_run;
    let authorship = git::Authorship::new(repo, &publish.sign.choice(), dry_run)?;
    let msg = message::rollback_message(
        name,
        &target.commit.to_string(),
        &target.undone,
        target.more,
        publish.reason.as_deref(),
    );
    let tip = match &earlier {
        Some(e) => e.tip,
        None => restoring_commit(repo, base, target, &msg, &authorship, publish)?,
    };
    let title = format!("Roll back {} to {name}", s.base);
    let mut done = Done::new(RollbackMode::Commit, Some(branch.clone()));
    done.publishing.direct = publish.direct;
    done.publishing.tip = tip.to_string();
    done.publishing.commit_count = 1;
    if dry_run {
        done.publishing.push = publish::push_state(ctx, ctx.will_push());
        let planned = pull_request::plan(ctx, &title, publish);
        done.pull_request_plan = crate::outcome::RunField::Set(planned);
    } else {
        let body = msg
            .split_once("\n\n")
            .map_or(String::new(), |(_, b)| b.to_string());
        let request = || (title.clone(), body.clone());
        let published = publish::publish(
            ctx,
            base,
            &publish::Publication {
                branch: &branch,
                tip,
                commits: 1,
                earlier: earlier.as_ref(),
                publish,
                reflog: "fastrevert: rollback",
                request: &request,
                comment_on: &[],
            },
            warnings,
        )?;
        done.pushed = published.pushed;
        done.publishing.push = publish::push_state(ctx, published.pushed);
        done.pull_request = published.pull_request;
        if earlier.is_none() {
            done.commits = vec![tip.to_string()];
        }
        done.pull_request_plan = crate::outcome::RunField::Empty;
    }
    done.publishing.signed_with = authorship.signer.as_ref().map(|s| s.signed_with());
    done.publishing.by_github = publish.sign_with_github;
    done.resumed = Some(earlier.is_some());
    done.signed = Some(authorship.signer.is_some() || publish.sign_with_github);
    Ok(done)
}

/// The commit on top of the base whose tree is the target's, made in memory.
fn restoring_commit(
    repo: &git::Repo,
    base: &BaseTip,
    target: &Target,
    msg: &str,
    authorship: &git::Authorship,
    publish: &crate::cli::PublishArgs,
) -> Result<Oid> {
    let opts = RevertOptions {
        mainline: None,
        squash: false,
        reason: publish.reason.as_deref(),
        author: &authorship.author,
        committer: &authorship.committer,
        signer: authorship.signing(),
    };
    commit_tree(repo, target.tree, base.oid, msg, &opts)
}

/// Move the base branch itself back to the target, after keeping its tip as a backup ref.
fn reset_mode(
    ctx: &Ctx,
    args: &RollbackArgs,
    base: &BaseTip,
    to: &Target,
    warnings: &mut Vec<String>,
) -> Result<Done> {
    let repo = &ctx.repo;
    let s = &ctx.settings;
    let dry_run = ctx.global.dry_run;
    let (target_name, target) = (to.name.as_str(), to.commit);
    let mut done = Done::new(RollbackMode::Reset, Some(s.base.clone()));
    done.backup_ref = crate::outcome::RunField::Empty;
    if base.oid == target {
        return Ok(done);
    }
    let stamp = super::stamp()?;
    let backup_ref = backup_ref(ctx, &stamp)?;
    // Going forward (to a backup of a later tip) drops nothing and needs no --force.
    let forward = repo.is_descendant(target, base.oid)?;
    let needs_force = !forward && to.undone_count() > 0;
    let local = ctx.local_base_ref();
    let pushing = ctx.will_push();
    let undone_count = to.undone_count();
    done.backup_ref = crate::outcome::RunField::Set(backup_ref.clone());
    done.forward = forward;
    done.publishing.push = publish::push_state(ctx, pushing);

    let checked_out = git::is_checked_out(repo, &local)?;
    if !pushing {
        refuse_local_move(ctx, base, &local, checked_out, &stamp, target_name)?;
    }
    if dry_run {
        // The plan says whether the real run needs --force.
        done.needs_force = Some(needs_force && !args.force);
        return Ok(done);
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
    if pushing {
        push_reset(ctx, base, to, &backup_ref, checked_out, warnings)?;
        done.pushed = true;
    } else {
        git::move_ref(
            repo,
            &local,
            target,
            base.oid,
            "fastrevert: rollback --mode reset",
        )?;
    }
    Ok(done)
}

/// Without a push, the local branch itself moves: refused when it is not at the tip the plan
/// read, or when it is checked out here (the tool never moves a checkout).
fn refuse_local_move(
    ctx: &Ctx,
    base: &BaseTip,
    local: &str,
    checked_out: bool,
    stamp: &str,
    target_name: &str,
) -> Result<()> {
    let s = &ctx.settings;
    if git::ref_target(&ctx.repo, local)? != Some(base.oid) {
        return Err(Error::refused(format!(
            "the local branch {} is not at {} ({}); nothing was moved",
            s.base,
            git::short(base.oid),
            base.from_ref
        ))
        .hint("push instead (drop --no-push), or bring the local branch up to date first"));
    }
    if checked_out {
        return Err(Error::refused(format!(
            "{} is checked out here, and git-fastrevert never moves your checkout; nothing was moved",
            s.base
        ))
        .hint(format!("use --mode commit, or move it yourself: git branch backup-{stamp} && git reset --keep {target_name}")));
    }
    Ok(())
}

/// A new backup ref for the base's tip: two resets within one second get their own (a
/// counter after the time).
fn backup_ref(ctx: &Ctx, stamp: &str) -> Result<String> {
    let base = &ctx.settings.base;
    let mut name = format!("refs/fastrevert/backup/{base}/{stamp}");
    let mut n = 1;
    while git::ref_target(&ctx.repo, &name)?.is_some() {
        n += 1;
        name = format!("refs/fastrevert/backup/{base}/{stamp}-{n}");
    }
    Ok(name)
}

/// Move the base on the remote back to the target and push the backup, atomically and only
/// if the base is still where it was read (a lease); then have the local branch follow.
/// Once the remote has moved, what fails here is a warning.
fn push_reset(
    ctx: &Ctx,
    base: &BaseTip,
    to: &Target,
    backup_ref: &str,
    checked_out: bool,
    warnings: &mut Vec<String>,
) -> Result<()> {
    let (repo, s) = (&ctx.repo, &ctx.settings);
    let target = to.commit;
    let local = ctx.local_base_ref();
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
        use git::remote::Rejection;
        if f.any(&Rejection::StaleLease) || f.any(&Rejection::NonFastForward) {
            return Err(Error::refused(format!(
                "{} moved on {} since the plan (someone pushed); nothing was moved there, and the backup {backup_ref} is kept here",
                s.base, s.remote
            ))
            .hint("run the same command again: it fetches the new tip, and its plan shows what a reset would drop now"));
        }
        return Err(push_failed(
            &format!("kept the backup {backup_ref} locally; {} on {} was not moved", s.base, s.remote),
            &f,
            format!(
                "git push --atomic --force-with-lease=refs/heads/{0}:{1} {2} {target}:refs/heads/{0} {1}:{backup_ref}",
                s.base, base.oid, s.remote
            ),
        ));
    }
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
    Ok(())
}
