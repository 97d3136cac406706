//! `switch <RELEASE|previous>`: point the live link at another release atomically. Safe to run
//! twice: switching to the current release changes nothing.

use std::time::{Duration, Instant};

use super::release_dirs::{self, release_dirs};
use crate::cli::{GlobalArgs, SwitchArgs};
use crate::error::{Error, Result};
use crate::git;
use crate::outcome;
use crate::ui::Ui;

/// One switch: to which release, on which host, with the repository when there is one.
struct Switching<'a> {
    global: &'a GlobalArgs,
    ui: &'a Ui,
    args: &'a SwitchArgs,
    repo: Option<git::Repo>,
    rel: crate::releases::Releases,
    id: String,
    /// With the repository: holds, and what `--revert` needs.
    ctx: Option<super::Ctx<'a>>,
}

/// What became of the release left behind: its hold, and the revert of `--revert`.
type LeftBehind = (Option<outcome::Recorded>, Option<Box<outcome::Revert>>);

/// What the flip did, under the lock.
struct Flipped {
    old: Option<String>,
    changed: bool,
    elapsed: Duration,
    after: release_dirs::AfterFlip,
}

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
    let ctx = match &repo {
        Some(_) => Some(super::Ctx::open(global, ui)?),
        None => None,
    };
    let s = Switching {
        global,
        ui,
        args,
        repo,
        rel,
        id,
        ctx,
    };
    let mut warnings = s.refuse_unsafe()?;
    if global.dry_run {
        return s.planned_with_revert();
    }
    // Picked on a terminal: the plan first, then a question.
    if args.release.is_none() && s.rel.current().as_deref() != Some(s.id.as_str()) {
        let plan = outcome::Outcome::Switch(s.planned());
        for line in crate::ui::render::lines(&plan, crate::ui::render::View::Plan) {
            ui.info(&line);
        }
        ui.confirm(
            &format!("Point {} at {}?", s.rel.link.display(), short(&s.id)),
            "switching releases",
        )?;
    }
    let flipped = s.flip(&mut warnings)?;
    let id = &s.id;
    if flipped.changed && s.rel.is_bad(id) {
        warnings.push(format!(
            "{} was marked bad when it was left; it is live again",
            short(id)
        ));
    }
    ui.trace(&format!("switched in {} µs", flipped.elapsed.as_micros()));
    let (hold, revert) = s.after_leaving(&flipped, &mut warnings)?;
    let Flipped {
        old,
        changed,
        elapsed,
        after,
    } = flipped;
    Ok(outcome::Switch {
        command: "switch",
        hold,
        revert,
        marked_bad: Some(args.mark_bad && changed && old.is_some()),
        release: s.id,
        previous: old,
        link: s.rel.link,
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

impl Switching<'_> {
    /// Refused (unless forced or confirmed): a release that carries held commits, one marked
    /// bad, going back over destructive migrations; `--revert` without the repository.
    fn refuse_unsafe(&self) -> Result<Vec<String>> {
        let (rel, id, args) = (&self.rel, &self.id, self.args);
        let going = rel.current().as_deref() != Some(id.as_str());
        let mut warnings = Vec::new();
        if let (Some(ctx), Ok(target)) = (&self.ctx, git::Oid::from_str(id)) {
            if going && ctx.repo.has_commit(target) {
                let again = format!("switch {}{}", short(id), release_dirs::releases_flag(rel));
                super::holds::check_going_live(ctx, target, args.force, &again, &mut warnings)?;
            }
        }
        if args.revert && self.ctx.is_none() {
            return Err(crate::error::Error::bad_input(
                "--revert needs the repository the releases come from; nothing was changed",
            )
            .hint("run it in the clone that deploys (or pass -C DIR), or switch without --revert and revert by hand"));
        }
        if let (Some(live), true) = (rel.current(), self.repo.is_some()) {
            release_dirs::guard_migrations(
                self.global,
                self.ui,
                &args.guard,
                &live,
                id,
                &mut warnings,
            )?;
        }
        if going {
            let again = format!("switch {} --force", short(id));
            let (ui, dry_run) = (self.ui, self.global.dry_run);
            // Said after the flip: "was marked bad when it was left; it is live again".
            release_dirs::refuse_bad(ui, args.force, rel, id, dry_run, &again)?;
        }
        Ok(warnings)
    }

    /// The dry run, with the revert `--revert` would make.
    fn planned_with_revert(&self) -> Result<outcome::Switch> {
        let mut plan = self.planned();
        if let (Some(ctx), Some(old), true) = (&self.ctx, self.rel.current(), self.args.revert) {
            plan.revert = Some(Box::new(revert_back(ctx, self.args, &old, &self.id)?));
        }
        Ok(plan)
    }

    fn planned(&self) -> outcome::Switch {
        planned(&self.rel, self.id.clone(), self.repo.as_ref(), self.args)
    }

    /// Under the lock: the release checked against git, the before-switch hooks, the mark,
    /// the flip, the history line, then the hooks and health check after it.
    fn flip(&self, warnings: &mut Vec<String>) -> Result<Flipped> {
        let (rel, id, args, repo) = (&self.rel, &self.id, self.args, self.repo.as_ref());
        let _lock = rel.lock(Duration::from_secs(args.dirs.wait))?;
        // Read under the lock: another switch may have just moved it.
        let old = rel.current();
        let started = Instant::now();
        let changed = old.as_deref() != Some(id.as_str());
        if !changed {
            return Ok(Flipped {
                old,
                changed,
                elapsed: started.elapsed(),
                after: release_dirs::AfterFlip::default(),
            });
        }
        let mut history = rel.open_history()?;
        // The release goes live as git has it: files edited since its deploy are written anew.
        warnings.extend(rel.verify(id, repo)?);
        let before = release_dirs::before_hooks(repo, &args.after);
        release_dirs::before_flip(rel, &args.after, &before, id, old.as_deref())?;
        if let (true, Some(old)) = (args.mark_bad, &old) {
            rel.mark_bad(old)?;
        }
        rel.switch_to(id)?;
        let elapsed = started.elapsed();
        let flipped_at = Instant::now();
        let action = if args.mark_bad {
            "switch (left release marked bad)"
        } else {
            "switch"
        };
        let reason = args.publish.reason.as_deref();
        // The link has moved: a history line that cannot be written is a warning, said now
        // in case a hook or the check fails after it.
        if let Err(e) = history.append(old.as_deref(), id, action, reason) {
            let w = format!(
                "{} is live, but the history was not updated ({})",
                short(id),
                e.message
            );
            self.ui.warn(&w);
            warnings.push(w);
        }
        let hooks = release_dirs::hooks(repo, &args.after);
        let after = release_dirs::after_flip(
            rel,
            repo,
            &mut history,
            &args.after,
            &hooks,
            id,
            old.as_deref(),
            flipped_at,
        )
        .map_err(|e| super::holds::hold_failed_check(self.ctx.as_ref(), e, reason))?;
        // The site is back: others may deploy or switch while the hold is pushed and the
        // revert made.
        Ok(Flipped {
            old,
            changed,
            elapsed,
            after,
        })
    }

    /// The release left behind, marked bad: its commits held, then (with `--revert`)
    /// reverted.
    fn after_leaving(&self, flipped: &Flipped, warnings: &mut Vec<String>) -> Result<LeftBehind> {
        let (args, id) = (self.args, &self.id);
        let (Some(ctx), Some(left), true, true) =
            (&self.ctx, &flipped.old, args.mark_bad, flipped.changed)
        else {
            return Ok((None, None));
        };
        let reason = args.publish.reason.as_deref();
        let hold = match held(ctx, left, id, reason) {
            Ok(recorded) => recorded,
            Err(e) => {
                let w = format!(
                    "{} is marked bad, but its commits are not held: {}",
                    short(left),
                    e.message
                );
                self.ui.warn(&w);
                warnings.push(w);
                None
            }
        };
        if !args.revert {
            return Ok((hold, None));
        }
        match revert_back(ctx, args, left, id) {
            Ok(done) => {
                warnings.extend(done.warnings.iter().cloned());
                Ok((hold, Some(Box::new(done))))
            }
            Err(e) => Err(revert_failed(
                e,
                &self.rel.link,
                id,
                left,
                hold.as_ref(),
                reason,
            )),
        }
    }
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
