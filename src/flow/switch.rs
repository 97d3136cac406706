//! `switch <RELEASE|previous>`: point the live link at another release atomically. Safe to run
//! twice: switching to the current release changes nothing.

use std::time::{Duration, Instant};

use super::release_dirs::{self, release_dirs};
use crate::cli::{GlobalArgs, SwitchArgs};
use crate::error::{Error, Result};
use crate::git;
use crate::outcome;
use crate::ui::Ui;

pub fn run(global: &GlobalArgs, ui: &Ui, args: &SwitchArgs) -> Result<outcome::Switch> {
    let repo = crate::git::open_if_any(None)?;
    let rel = release_dirs(repo.as_ref(), &args.dirs)?;
    let name = match &args.release {
        Some(name) => name.clone(),
        None => super::pick::release(ui, &rel, repo.as_ref())?,
    };
    if name == "previous" && args.mark_bad {
        if let Some(done) = already_back(&rel, global.dry_run) {
            return Ok(done);
        }
    }
    let id = rel.resolve(&name, repo.as_ref())?;
    rel.check_link()?;
    // With the repository: holds, and what --revert needs.
    let ctx = match &repo {
        Some(_) => Some(super::Ctx::open(global, ui)?),
        None => None,
    };
    let mut hold_warnings = Vec::new();
    if let (Some(ctx), Ok(target)) = (&ctx, git::Oid::from_str(&id)) {
        if rel.current().as_deref() != Some(id.as_str()) && ctx.repo.has_commit(target) {
            let again = format!("switch {}{}", short(&id), release_dirs::releases_flag(&rel));
            super::holds::check_going_live(ctx, target, args.force, &again, &mut hold_warnings)?;
        }
    }
    if args.revert && ctx.is_none() {
        return Err(crate::error::Error::bad_input(
            "--revert needs the repository the releases come from; nothing was changed",
        )
        .hint("run it in the clone that deploys (or pass -C DIR), or switch without --revert and revert by hand"));
    }
    let mut guard_warnings = hold_warnings;
    if let (Some(live), true) = (rel.current(), repo.is_some()) {
        release_dirs::guard_migrations(global, ui, &args.guard, &live, &id, &mut guard_warnings)?;
    }
    if rel.current().as_deref() != Some(id.as_str()) {
        if let Some(note) = rel.bad_note(&id) {
            let again = format!("switch {} --force", short(&id));
            release_dirs::refuse_bad(ui, args.force, &rel, &id, &note, global.dry_run, &again)?;
        }
    }
    if global.dry_run {
        let mut plan = planned(&rel, id.clone(), repo.as_ref(), args);
        if let (Some(ctx), Some(old), true) = (&ctx, rel.current(), args.revert) {
            let revert = revert_back(ctx, args, &old, &id)?;
            plan.revert = Some(Box::new(revert));
        }
        return Ok(plan);
    }
    // Picked on a terminal: the plan first, then a question.
    if args.release.is_none() && rel.current().as_deref() != Some(id.as_str()) {
        let plan = outcome::Outcome::Switch(planned(&rel, id.clone(), repo.as_ref(), args));
        for line in crate::ui::render::lines(&plan, crate::ui::render::View::Plan) {
            ui.info(&line);
        }
        ui.confirm(
            &format!("Point {} at {}?", rel.link.display(), short(&id)),
            "switching releases",
        )?;
    }
    let _lock = rel.lock(Duration::from_secs(args.dirs.wait))?;
    // Read under the lock: another switch may have just moved it.
    let old = rel.current();
    let started = Instant::now();
    let changed = old.as_deref() != Some(id.as_str());
    let mut history = if changed {
        Some(rel.open_history()?)
    } else {
        None
    };
    if changed {
        // The release goes live as git has it: files edited since its deploy are written anew.
        guard_warnings.extend(rel.verify(&id, repo.as_ref())?);
        let before = release_dirs::before_hooks(repo.as_ref(), &args.after);
        release_dirs::before_flip(&rel, &args.after, &before, &id, old.as_deref())?;
        if let (true, Some(old)) = (args.mark_bad, &old) {
            rel.mark_bad(old)?;
        }
        rel.switch_to(&id)?;
    }
    let elapsed = started.elapsed();
    let mut warnings = guard_warnings;
    let mut after = release_dirs::AfterFlip::default();
    if let Some(history) = history.as_mut() {
        let flipped_at = Instant::now();
        let action = if args.mark_bad {
            "switch (left release marked bad)"
        } else {
            "switch"
        };
        // The link has moved: a history line that cannot be written is a warning, said now
        // in case a hook or the check fails after it.
        if let Err(e) = history.append(old.as_deref(), &id, action, args.publish.reason.as_deref())
        {
            let w = format!(
                "{} is live, but the history was not updated ({})",
                short(&id),
                e.message
            );
            ui.warn(&w);
            warnings.push(w);
        }
        let hooks = release_dirs::hooks(repo.as_ref(), &args.after);
        after = release_dirs::after_flip(
            &rel,
            repo.as_ref(),
            history,
            &args.after,
            &hooks,
            &id,
            old.as_deref(),
            flipped_at,
        )
        .map_err(|e| {
            super::holds::hold_failed_check(ctx.as_ref(), e, args.publish.reason.as_deref())
        })?;
    }
    // The site is back: others may deploy or switch while the hold is pushed and the revert made.
    drop(_lock);
    if changed && rel.is_bad(&id) {
        warnings.push(format!(
            "{} was marked bad when it was left; it is live again",
            short(&id)
        ));
    }
    ui.trace(&format!("switched in {} µs", elapsed.as_micros()));
    // The release left behind is held, then (with --revert) its commits reverted.
    let mut hold = None;
    let mut revert = None;
    if let (Some(ctx), Some(left), true, true) = (&ctx, &old, args.mark_bad, changed) {
        match held(ctx, left, &id, args.publish.reason.as_deref()) {
            Ok(Some(recorded)) => hold = Some(recorded),
            Ok(None) => {}
            Err(e) => {
                let w = format!(
                    "{} is marked bad, but its commits are not held: {}",
                    short(left),
                    e.message
                );
                ui.warn(&w);
                warnings.push(w);
            }
        }
        if args.revert {
            match revert_back(ctx, args, left, &id) {
                Ok(done) => {
                    warnings.extend(done.warnings.iter().cloned());
                    revert = Some(Box::new(done));
                }
                Err(e) => {
                    return Err(revert_failed(
                        e,
                        &rel.link,
                        &id,
                        left,
                        hold.as_ref(),
                        args.publish.reason.as_deref(),
                    ))
                }
            }
        }
    }
    Ok(outcome::Switch {
        command: "switch",
        hold,
        revert,
        marked_bad: Some(args.mark_bad && changed && old.is_some()),
        release: id,
        previous: old,
        link: rel.link,
        changed,
        elapsed_us: Some(elapsed.as_micros() as u64),
        dry_run: false,
        check: crate::outcome::RunField::from_option(after.check),
        warnings: Some(warnings),
        mark_bad: args.mark_bad,
        already_back: None,
        plan: None,
    })
}

fn short(id: &str) -> String {
    id[..12.min(id.len())].to_string()
}

/// A re-run of `switch previous --mark-bad` (a fleet loop run twice) has nothing left to do:
/// going back once more would take down the release it went back to.
fn already_back(rel: &crate::releases::Releases, dry_run: bool) -> Option<outcome::Switch> {
    let bad = rel.left_bad_release()?;
    let current = rel.current().unwrap_or_default();
    Some(outcome::Switch {
        command: "switch",
        hold: None,
        revert: None,
        previous: Some(current.clone()),
        release: current,
        link: rel.link.clone(),
        changed: false,
        marked_bad: Some(false),
        elapsed_us: None,
        dry_run,
        check: crate::outcome::RunField::NotInThisRun,
        warnings: Some(Vec::new()),
        mark_bad: true,
        already_back: Some((bad, rel.previous())),
        plan: None,
    })
}

/// What a dry run says: where the link would point, what is marked bad, and what runs around
/// the flip.
fn planned(
    rel: &crate::releases::Releases,
    id: String,
    repo: Option<&crate::git::Repo>,
    args: &SwitchArgs,
) -> outcome::Switch {
    let old = rel.current();
    outcome::Switch {
        command: "switch",
        hold: None,
        revert: None,
        release: id,
        previous: old,
        link: rel.link.clone(),
        changed: false,
        marked_bad: None,
        elapsed_us: None,
        dry_run: true,
        check: crate::outcome::RunField::NotInThisRun,
        warnings: None,
        mark_bad: args.mark_bad,
        already_back: None,
        plan: Some(release_dirs::flip_plan(repo, &args.after, Vec::new())),
    }
}

/// Hold the release left behind, if the repository has both commits.
fn held(
    ctx: &super::Ctx,
    bad: &str,
    good: &str,
    reason: Option<&str>,
) -> Result<Option<super::holds::Recorded>> {
    let (Ok(bad), Ok(good)) = (git::Oid::from_str(bad), git::Oid::from_str(good)) else {
        return Ok(None);
    };
    if !ctx.repo.has_commit(bad) || !ctx.repo.has_commit(good) {
        return Err(Error::failed(format!(
            "this clone does not have {} or {}",
            git::short(bad),
            git::short(good)
        ))
        .hint("fetch, then record it: git fastrevert switch previous --mark-bad (a re-run changes nothing else)"));
    }
    super::holds::record(ctx, bad, good, reason)
}

/// `revert GOOD..BAD` exactly as the revert command makes it.
fn revert_back(
    ctx: &super::Ctx,
    args: &SwitchArgs,
    bad: &str,
    good: &str,
) -> Result<outcome::Revert> {
    let revert = crate::cli::RevertArgs {
        revs: vec![format!("{good}..{bad}")],
        prs: Vec::new(),
        mainline: None,
        squash: false,
        publish: args.publish.clone(),
        guard: args.guard.clone(),
    };
    super::revert::run(ctx, &revert)
}

/// The site is back and the hold recorded, but the revert was not made: said first, then why,
/// then the command that makes it.
fn revert_failed(
    mut err: Error,
    link: &std::path::Path,
    good: &str,
    bad: &str,
    hold: Option<&super::holds::Recorded>,
    reason: Option<&str>,
) -> Error {
    let held = hold.map_or(String::new(), |h| {
        format!(
            ", its {} commit(s) held ({})",
            h.hold.commits.len(),
            h.remote
        )
    });
    err.message = format!(
        "{} now points at {} ({} marked bad{held}), but the revert of {}..{} was not made: {}",
        link.display(),
        short(good),
        short(bad),
        short(good),
        short(bad),
        err.message
    );
    let reason = reason.map_or(String::new(), |r| {
        format!(" --reason '{}'", r.replace('\'', "'\\''"))
    });
    // A conflict comes back the same way: its own hint (resolve by hand) is the way on.
    if err.kind != crate::error::Kind::Conflict {
        err.hints.push(
            format!(
                "make the revert: git fastrevert revert {}..{}{reason}",
                short(good),
                short(bad)
            )
            .into(),
        );
    }
    let mut details = err
        .details
        .take()
        .map(|d| *d)
        .unwrap_or_else(|| serde_json::json!({}));
    if let Some(map) = details.as_object_mut() {
        map.insert("release".into(), good.into());
        map.insert("marked_bad".into(), bad.into());
        if let Some(h) = hold {
            map.insert("hold".into(), serde_json::to_value(h).unwrap_or_default());
        }
    }
    err.details = Some(Box::new(details));
    err
}
