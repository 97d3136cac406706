//! `switch <RELEASE|previous>`: point the live link at another release atomically. Safe to run
//! twice: switching to the current release changes nothing.

use std::time::{Duration, Instant};

use super::release_dirs::{self, release_dirs};
use crate::cli::{GlobalArgs, SwitchArgs};
use crate::error::Result;
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
    let mut guard_warnings = Vec::new();
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
        return Ok(planned(&rel, id, repo.as_ref(), args));
    }
    // Picked on a terminal: the plan first, then a question.
    if args.release.is_none() && rel.current().as_deref() != Some(id.as_str()) {
        let plan = planned(&rel, id.clone(), repo.as_ref(), args);
        for line in plan.lines.iter().filter(|l| !l.starts_with("Dry run")) {
            ui.info(line);
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
        if let Err(e) = history.append(old.as_deref(), &id, action, args.reason.as_deref()) {
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
        )?;
    }
    if changed && rel.is_bad(&id) {
        warnings.push(format!(
            "{} was marked bad when it was left; it is live again",
            short(&id)
        ));
    }
    ui.trace(&format!("switched in {} µs", elapsed.as_micros()));
    let human = if changed {
        vec![format!(
            "{} now points at {}{}.",
            rel.link.display(),
            short(&id),
            old.as_deref().map_or(String::new(), |o| format!(
                " (was {}{})",
                short(o),
                if args.mark_bad { ", marked bad" } else { "" }
            ))
        )]
    } else {
        vec![format!(
            "{} already points at {}; nothing changed.",
            rel.link.display(),
            short(&id)
        )]
    };
    Ok(outcome::Switch {
        command: "switch",
        marked_bad: Some(args.mark_bad && changed && old.is_some()),
        release: id,
        previous: old,
        link: rel.link,
        changed,
        elapsed_us: Some(elapsed.as_micros() as u64),
        dry_run: false,
        check: Some(after.check),
        warnings: Some(warnings),
        lines: human,
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
    let mut lines = vec![format!(
        "{} already points at {}, switched to from {} (marked bad); nothing changed.",
        rel.link.display(),
        short(&current),
        short(&bad)
    )];
    if let Some(older) = rel.previous() {
        lines.push(format!(
            "If {} is bad too: git fastrevert switch {} --mark-bad",
            short(&current),
            short(&older)
        ));
    }
    Some(outcome::Switch {
        command: "switch",
        previous: Some(current.clone()),
        release: current,
        link: rel.link.clone(),
        changed: false,
        marked_bad: Some(false),
        elapsed_us: None,
        dry_run,
        check: None,
        warnings: Some(Vec::new()),
        lines,
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
    let mut lines = vec![format!(
        "Would point {} at {} (now {}).",
        rel.link.display(),
        short(&id),
        old.as_deref().map_or("nothing".into(), short)
    )];
    if let (true, Some(old)) = (args.mark_bad, &old) {
        lines.push(format!("  and mark {} bad", short(old)));
    }
    lines.extend(release_dirs::plan_lines(repo, &args.after, &[]));
    lines.push("Dry run: nothing was written.".into());
    outcome::Switch {
        command: "switch",
        release: id,
        previous: old,
        link: rel.link.clone(),
        changed: false,
        marked_bad: None,
        elapsed_us: None,
        dry_run: true,
        check: None,
        warnings: None,
        lines,
    }
}
