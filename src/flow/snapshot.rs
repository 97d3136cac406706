//! `prepare [NAME]`: snapshot the production tip as an annotated tag and a staging branch, just
//! before a rollout, pushed atomically.

use super::publish::push_failed;
use super::Ctx;
use crate::cli::PrepareArgs;
use crate::engine::message;
use crate::error::{Error, Result};
use crate::git::{self, Role};
use crate::migrations::Report;
use crate::outcome;

pub fn run(ctx: &Ctx, args: &PrepareArgs) -> Result<outcome::Prepare> {
    let repo = &ctx.repo;
    let s = &ctx.settings;
    ctx.fetch(&[])?;
    let base = ctx.base_tip()?;
    let names = names(ctx, args)?;
    let rollout = match &args.rollout {
        Some(rev) => Some(git::resolve_commit(repo, rev)?),
        None => None,
    };
    let mut warnings = Vec::new();
    let migrations = rollout_migrations(ctx, base.oid, rollout, &mut warnings)?;
    names.not_taken(ctx)?;
    git::stage_in_memory(repo)?;
    let dry_run = ctx.global.dry_run;
    let tagger = git::identity(repo, Role::Committer, dry_run)?;
    let rollout_sha = rollout.map(|r| r.to_string());
    let tag_message = message::snapshot_message(
        &names.name,
        &s.base,
        &base.oid.to_string(),
        rollout_sha.as_deref(),
        &warnings,
    );
    let signer = git::sign::Signer::for_repo(repo, &args.sign.choice(), git::sign::What::Tag)?;
    // Signed before any ref is written; a dry run says how it would sign but runs no signer.
    let tag_oid = git::sign::tag(
        repo,
        &names.tag,
        base.oid,
        &tagger,
        &tag_message,
        signer.as_ref().filter(|_| !dry_run),
    )?;

    let Names {
        tag,
        branch,
        tag_ref,
        branch_ref,
        ..
    } = &names;
    let pushing = ctx.will_push();
    let push = super::publish::push_state(ctx, pushing);
    if !dry_run {
        git::persist(repo, &[tag_oid])?;
        git::create_refs(
            repo,
            &[(tag_ref.clone(), tag_oid), (branch_ref.clone(), base.oid)],
            "fastrevert: prepare",
        )?;
        if pushing {
            names.push(ctx)?;
        }
    }
    let wrote_commit_graph = !dry_run && ready_for_the_incident(ctx, base.oid, &mut warnings);
    Ok(outcome::Prepare {
        command: "prepare",
        base: s.base.clone(),
        base_commit: base.oid.to_string(),
        name: names.name.clone(),
        tag: tag.clone(),
        staging_branch: branch.clone(),
        rollout: rollout_sha,
        pushed: pushing && !dry_run,
        signed: signer.is_some(),
        dry_run,
        migrations: migrations.migrations,
        warnings,
        remote: s.remote.clone(),
        push,
        signed_with: signer.as_ref().map(|s| s.signed_with()),
        wrote_commit_graph,
    })
}

/// Before the rollout, not in the incident: git's commit-graph (when `fastrevert.writeCommitGraph`
/// asks for it) makes "is this old commit on the base" a lookup instead of a walk, and the set of
/// the base's commits, built now, is only extended by what lands since. Whether the
/// commit-graph was written.
fn ready_for_the_incident(ctx: &Ctx, base: git::Oid, warnings: &mut Vec<String>) -> bool {
    let mut wrote = false;
    if ctx.settings.write_commit_graph {
        match ctx.git().write_commit_graph() {
            Ok(()) => wrote = true,
            Err(e) => {
                let w = format!("git's commit-graph was not written: {}", e.message);
                ctx.ui.warn(&w);
                warnings.push(w);
            }
        }
    }
    let mut reach = git::reach::Reach::load(&ctx.repo);
    if reach.at(base, true).is_some() {
        reach.save();
    }
    wrote
}

/// A snapshot's names: the tag and the staging branch.
struct Names {
    name: String,
    tag: String,
    branch: String,
    tag_ref: String,
    branch_ref: String,
}

/// The names for `NAME` (the current UTC time by default), checked as git checks them.
fn names(ctx: &Ctx, args: &PrepareArgs) -> Result<Names> {
    let s = &ctx.settings;
    let name = match &args.name {
        Some(n) => n.clone(),
        None => super::stamp()?,
    };
    let tag = format!("{}{name}", s.tag_prefix);
    let branch = format!("{}{name}", s.staging_prefix);
    let tag_ref = format!("refs/tags/{tag}");
    let branch_ref = format!("refs/heads/{branch}");
    git::check_ref_name(&tag_ref, &tag)?;
    git::check_branch_name(&ctx.repo, &branch)?;
    Ok(Names {
        name,
        tag,
        branch,
        tag_ref,
        branch_ref,
    })
}

impl Names {
    /// Neither name may exist here or on the remote: a snapshot never moves another.
    fn not_taken(&self, ctx: &Ctx) -> Result<()> {
        for r in [&self.tag_ref, &self.branch_ref] {
            if ctx.repo.has_ref(r) {
                return Err(taken(&self.name, r, "here"));
            }
        }
        if ctx.will_push() && !ctx.global.no_fetch {
            let existing = ctx.git().ls_remote(
                &ctx.settings.remote,
                &[self.tag_ref.clone(), self.branch_ref.clone()],
            )?;
            if let Some((r, _)) = existing.first() {
                return Err(taken(&self.name, r, &format!("on {}", ctx.settings.remote)));
            }
        }
        Ok(())
    }

    /// Push both, atomically, each only if the remote has no such name yet (a lease expecting
    /// nothing).
    fn push(&self, ctx: &Ctx) -> Result<()> {
        let remote = &ctx.settings.remote;
        let Names {
            tag,
            branch,
            tag_ref,
            branch_ref,
            ..
        } = self;
        let _progress = ctx
            .ui
            .progress(&format!("Pushing {tag} and {branch} to {remote}"));
        let specs = vec![
            format!("{tag_ref}:{tag_ref}"),
            format!("{branch_ref}:{branch_ref}"),
        ];
        let leases = vec![(tag_ref.clone(), None), (branch_ref.clone(), None)];
        match ctx.git().push(remote, &specs, true, &leases)? {
            Ok(()) => Ok(()),
            Err(f) => {
                // A snapshot only here would be listed like the pushed ones: it goes too.
                let mut removed = true;
                for name in [tag_ref, branch_ref] {
                    if let Ok(Some(id)) = git::ref_target(&ctx.repo, name) {
                        removed &= git::delete_ref(&ctx.repo, name, id).is_ok();
                    }
                }
                if !removed {
                    return Err(push_failed(
                        &format!("created tag {tag} and branch {branch} locally"),
                        &f,
                        format!("git push --atomic {remote} {tag_ref} {branch_ref}"),
                    ));
                }
                let mut message = format!(
                    "the push of tag {tag} and branch {branch} to {remote} failed: {}; they were removed here too, so there is no snapshot",
                    f.describe()
                );
                for line in f.git_said() {
                    message.push_str("\n  ");
                    message.push_str(&line);
                }
                Err(Error::failed(message).hint("fix the cause, then run the same prepare again"))
            }
        }
    }
}

/// The migrations the rollout brings (each destructive one a warning: a code rollback alone
/// cannot undo it), after indexing where migrations live now, so that a rollback or revert in
/// the incident reads only what the rollout changed.
fn rollout_migrations(
    ctx: &Ctx,
    base: crate::git::Oid,
    rollout: Option<crate::git::Oid>,
    warnings: &mut Vec<String>,
) -> Result<Report> {
    let guard = ctx.indexed_guard(base, &[])?;
    let Some(rollout) = rollout else {
        return Ok(Report::default());
    };
    let migrations = guard.check_range(&ctx.repo, base, rollout)?;
    warnings.extend(migrations.not_judged_warnings());
    for f in migrations.refusing() {
        warnings.push(format!(
            "the rollout runs {} migration ({}:{}: {}): a code rollback alone cannot undo it",
            if f.class == crate::migrations::Class::Unknown {
                "an unreadable"
            } else {
                "a destructive"
            },
            crate::git::shown_path(&f.file),
            f.line,
            f.reason
        ));
    }
    Ok(migrations)
}

fn taken(name: &str, existing: &str, place: &str) -> Error {
    Error::bad_input(format!(
        "the snapshot name {name} is taken: {existing} exists {place}; nothing was changed"
    ))
    .hint("pick another name, or leave NAME out to use the current UTC time")
}
