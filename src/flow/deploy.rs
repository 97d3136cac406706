//! `deploy <REV>`: export REV's tree from the object database into its own release directory
//! and switch the live link to it.

use std::time::Duration;

use super::release_dirs::{self, release_dirs};
use crate::cli::{DeployArgs, GlobalArgs};
use crate::error::Result;
use crate::git;
use crate::outcome;
use crate::ui::Ui;

pub fn run(global: &GlobalArgs, ui: &Ui, args: &DeployArgs) -> Result<outcome::Deploy> {
    let repo = git::open(None)?;
    let rel = release_dirs(Some(&repo), &args.dirs)?;
    let commit = git::resolve_commit(&repo, &args.rev)?;
    let options = crate::releases::export::Options {
        shared: release_dirs::shared_paths(Some(&repo), &args.shared, &args.shared_files)?,
        writable: release_dirs::writable_paths(Some(&repo), &args.writable)?,
        copy: args.copy,
    };
    let id = commit.to_string();
    rel.check_link()?;
    let exists = rel.exists(&id);
    // Holds first (they may fetch), outside the lock; a staged release does not go live.
    let mut hold_warnings = Vec::new();
    let ctx = if args.no_switch {
        None
    } else {
        Some(super::Ctx::open(global, ui)?)
    };
    if let Some(ctx) = &ctx {
        let again = format!("deploy {}{}", args.rev, release_dirs::releases_flag(&rel));
        // Already live: a re-run changes nothing, so it is not refused; the hold is said.
        if rel.current().as_deref() == Some(id.as_str()) {
            super::holds::check_live(ctx, commit, &mut hold_warnings)?;
        } else {
            super::holds::check_going_live(ctx, commit, args.force, &again, &mut hold_warnings)?;
        }
    }
    if global.dry_run {
        let old = rel.current();
        let mut warnings = hold_warnings;
        refuse_unsafe(global, ui, args, &rel, old.as_deref(), &id, &mut warnings)?;
        // Pruning after this deploy keeps it and the one it replaces.
        let pruned: Vec<String> = rel
            .to_prune(args.keep)?
            .into_iter()
            .filter(|p| *p != id && Some(p) != old.as_ref())
            .collect();
        return Ok(outcome::Deploy {
            command: "deploy",
            release: id,
            path: None,
            releases_dir: release_dirs::told(&rel),
            link: rel.link,
            previous: old,
            created: false,
            linked: None,
            changed: None,
            pruned: Vec::new(),
            dry_run: true,
            check: crate::outcome::RunField::NotInThisRun,
            warnings,
            exists,
            staged: false,
            can_go_back: false,
            plan: Some(release_dirs::flip_plan(Some(&repo), &args.after, pruned)),
        });
    }
    rel.check_writable()?;
    let lock = rel.lock(Duration::from_secs(args.dirs.wait))?;
    // Read under the lock: a deploy that waited for another must start from what that one
    // left live, or a failed check would flip back past it.
    let old = rel.current();
    let mut guard_warnings = hold_warnings;
    // A release only staged does not go live: what guards going live waits for `switch`.
    if !args.no_switch {
        refuse_unsafe(
            global,
            ui,
            args,
            &rel,
            old.as_deref(),
            &id,
            &mut guard_warnings,
        )?;
    }
    let cleaned = rel.clean_leftovers()?;
    if !cleaned.is_empty() {
        ui.info(&format!(
            "Removed {} leftover(s) of an interrupted deploy.",
            cleaned.len()
        ));
    }
    let progress = crate::releases::export::Progress::default();
    let export = if exists {
        rel.export(&repo, commit, &options, &progress)?
    } else {
        ui.counted(
            &format!("Exporting {} into {}", &id[..12], rel.dir.display()),
            &progress.total,
            &progress.written,
            || rel.export(&repo, commit, &options, &progress),
        )?
    };
    let (created, linked) = (export.created, export.linked);
    for w in &export.warnings {
        ui.warn(w);
    }
    let mut warnings = guard_warnings;
    warnings.extend(export.warnings);
    if created {
        ui.trace(&format!(
            "exported {} files in {} ms, flushed to disk in {} ms",
            export.files,
            export.write.as_millis(),
            export.sync.as_millis()
        ));
    }
    if args.no_switch {
        return Ok(staged(rel, id, old, created, linked, warnings));
    }
    let changed = old.as_deref() != Some(id.as_str());
    let mut after = release_dirs::AfterFlip::default();
    if changed {
        // Build steps in the new release, before anything points at it.
        let before = release_dirs::before_hooks(Some(&repo), &args.after);
        if let Err(mut e) =
            release_dirs::before_flip(&rel, &args.after, &before, &id, old.as_deref())
        {
            if created && !args.keep_failed {
                e = e.hint(match rel.remove(&id) {
                    Ok(()) => "the new release was removed (--keep-failed keeps it to look at)"
                        .to_string(),
                    Err(r) => format!(
                        "the new release could not be removed ({}): {}",
                        r.message,
                        rel.dir.join(&id).display()
                    ),
                });
            } else {
                e = e.hint(format!(
                    "the release is kept in {}",
                    rel.dir.join(&id).display()
                ));
            }
            return Err(e);
        }
        if !created {
            // A release already here goes live as git has it: edits since are written anew.
            for w in rel.verify(&id, Some(&repo))? {
                ui.warn(&w);
                warnings.push(w);
            }
        }
        let mut history = rel.open_history()?;
        rel.switch_to(&id)?;
        let flipped_at = std::time::Instant::now();
        // The site is on the new release now: a history line that cannot be written is a
        // warning, not a failure.
        if let Err(e) = history.append(old.as_deref(), &id, "deploy", args.reason.as_deref()) {
            let w = format!("{id:.12} is live, but the history was not updated ({}): `switch previous` will not know the release before it", e.message);
            ui.warn(&w);
            warnings.push(w);
        }
        let hooks = release_dirs::hooks(Some(&repo), &args.after);
        after = release_dirs::after_flip(
            &rel,
            Some(&repo),
            &mut history,
            &args.after,
            &hooks,
            &id,
            old.as_deref(),
            flipped_at,
        )
        .map_err(|e| super::holds::hold_failed_check(ctx.as_ref(), e, args.reason.as_deref()))?;
    }
    // Old releases are set aside under the lock and deleted after it: a `switch` started now
    // does not wait for the deletion.
    let pruned: Vec<String> = rel
        .set_aside(args.keep)?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    drop(lock);
    for problem in rel.delete_set_aside() {
        ui.warn(&problem);
        warnings.push(problem);
    }
    // The way back that works: to the release it replaced, leaving this one marked bad (and
    // its commits held); said only when that release is there to go back to.
    let can_go_back = changed
        && old
            .as_deref()
            .is_some_and(|p| rel.exists(p) && !rel.is_bad(p));
    Ok(outcome::Deploy {
        command: "deploy",
        path: Some(rel.dir.join(&id)),
        releases_dir: release_dirs::told(&rel),
        release: id,
        link: rel.link,
        previous: old,
        created,
        linked: Some(linked),
        changed: Some(changed),
        pruned,
        dry_run: false,
        check: crate::outcome::RunField::from_option(after.check),
        warnings,
        exists: !created,
        staged: false,
        can_go_back,
        plan: None,
    })
}

/// What `switch` refuses, `deploy` refuses too: a release marked bad (exit 4 without
/// `--force`), and going back over destructive or unreadable migrations.
fn refuse_unsafe(
    global: &GlobalArgs,
    ui: &Ui,
    args: &DeployArgs,
    rel: &crate::releases::Releases,
    live: Option<&str>,
    id: &str,
    warnings: &mut Vec<String>,
) -> Result<()> {
    if live == Some(id) {
        return Ok(());
    }
    if let Some(note) = rel.bad_note(id) {
        let again = format!("deploy {} --force", args.rev);
        release_dirs::refuse_bad(ui, args.force, rel, id, &note, global.dry_run, &again)?;
        warnings.push(format!(
            "{} was marked bad ({note}); it goes live again",
            &id[..12.min(id.len())]
        ));
    }
    if let Some(live) = live {
        release_dirs::guard_migrations(global, ui, &args.guard, live, id, warnings)?;
    }
    Ok(())
}

/// `deploy --no-switch`: the release is there, and nothing points at it yet.
fn staged(
    rel: crate::releases::Releases,
    id: String,
    old: Option<String>,
    created: bool,
    linked: usize,
    warnings: Vec<String>,
) -> outcome::Deploy {
    outcome::Deploy {
        command: "deploy",
        path: Some(rel.dir.join(&id)),
        releases_dir: release_dirs::told(&rel),
        release: id,
        link: rel.link,
        previous: old,
        created,
        linked: Some(linked),
        // A new release on disk is a change; the link did not move.
        changed: Some(created),
        pruned: Vec::new(),
        dry_run: false,
        check: crate::outcome::RunField::NotInThisRun,
        warnings,
        exists: !created,
        staged: true,
        can_go_back: false,
        plan: None,
    }
}
