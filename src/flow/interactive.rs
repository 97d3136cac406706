//! The protocol of every interactive flow: ask what is missing (a typo is asked again), show
//! the plan (a dry run of the very command that will run), ask, and only then run it.

use super::pick;
use super::Ctx;
use crate::cli::{GlobalArgs, PrepareArgs, PublishArgs};
use crate::error::{Kind, Opt, Result};
use crate::outcome::Outcome;
use crate::ui::Ui;

/// Ask again after bad input (a typo), saying what was wrong; anything else ends the flow.
pub fn retry<T>(ui: &Ui, mut ask: impl FnMut() -> Result<T>) -> Result<T> {
    for _ in 0..5 {
        match ask() {
            Err(e) if e.kind == Kind::BadInput => ui.warn(&format!("{}; try again", e.message)),
            other => return other,
        }
    }
    ask()
}

/// Why, for the Revert-Reason trailer and the pull request (optional; Enter skips it).
pub fn ask_reason(ui: &Ui, publish: &mut PublishArgs) -> Result<()> {
    if publish.reason.is_some() {
        return Ok(());
    }
    if let Some(p) = ui.ask() {
        let reason = p.input("Why? (optional, for the commit and the pull request)", "")?;
        publish.reason = Some(reason.trim().to_string()).filter(|r| !r.is_empty());
    }
    Ok(())
}

/// What `prepare` needs, asked: the snapshot's name (now, by default) and the revision about
/// to be rolled out (one that is not there is asked again).
pub fn ask_snapshot(global: &GlobalArgs, ui: &Ui) -> Result<PrepareArgs> {
    let p = ui.ask().ok_or_else(pick::cancelled)?;
    let name = p.input("Snapshot name", &super::stamp().unwrap_or_default())?;
    let rollout = retry(ui, || {
        let rollout = p.input("Revision about to be rolled out (empty: none)", "")?;
        if !rollout.trim().is_empty() {
            let ctx = Ctx::open(global, ui)?;
            crate::git::resolve_commit(&ctx.repo, rollout.trim())?;
        }
        Ok(rollout)
    })?;
    Ok(PrepareArgs {
        name: Some(name),
        rollout: Some(rollout).filter(|r| !r.trim().is_empty()),
        sign: Default::default(),
    })
}

/// The releases directory from the flags or config, else asked (a typo is asked again).
#[cfg(unix)]
pub fn ask_release_dirs(
    ui: &Ui,
    repo: Option<&crate::git::Repo>,
    dirs: &mut crate::cli::ReleaseDirArgs,
) -> Result<crate::releases::Releases> {
    if let Ok(rel) = super::release_dirs::release_dirs(repo, dirs) {
        return Ok(rel);
    }
    let p = ui.ask().ok_or_else(pick::cancelled)?;
    retry(ui, || {
        let dir = p.input(
            "Releases directory (the folder with one folder per release)",
            "",
        )?;
        dirs.releases = Some(dir.into());
        super::release_dirs::release_dirs(repo, dirs)
    })
}

/// Show the plan (a dry run), ask, then run for real. The command gets whether destructive
/// migrations were accepted after the person saw them.
pub fn planned(
    global: &GlobalArgs,
    ui: &Ui,
    command: &dyn for<'c> Fn(&Ctx<'c>, bool) -> Result<Outcome>,
) -> Result<Outcome> {
    planned_host(global, ui, &|g, allow| command(&Ctx::open(g, ui)?, allow))
}

pub fn planned_host(
    global: &GlobalArgs,
    ui: &Ui,
    command: &dyn Fn(&GlobalArgs, bool) -> Result<Outcome>,
) -> Result<Outcome> {
    let mut dry = global.clone();
    dry.dry_run = true;
    let p = ui.ask().ok_or_else(pick::cancelled)?;
    // A refusal over destructive migrations shows what they are and asks, instead of ending
    // the flow with a flag to pass.
    let mut allow = false;
    let plan = match command(&dry, false) {
        Err(e) if e.kind == Kind::Refused && e.overruled_by(Opt::AllowDestructiveMigrations) => {
            ui.show_refusal(&e, Opt::AllowDestructiveMigrations);
            if !p.confirm(
                "Go ahead anyway, although the old code may break against the current schema?",
                false,
            )? {
                return Err(pick::cancelled());
            }
            allow = true;
            command(&dry, true)?
        }
        other => other?,
    };
    ui.show_plan(&plan);
    if !p.confirm("Go ahead?", false)? {
        return Err(pick::cancelled());
    }
    let mut real = global.clone();
    real.yes = true;
    real.no_fetch = true;
    command(&real, allow)
}

/// `switch` from the menu: pick a release; or, for the incident, back to the previous one with
/// the one left marked bad and held and (with the repository) what it shipped reverted. Either
/// way the plan first, then a question.
#[cfg(unix)]
pub fn switch_host(global: &GlobalArgs, ui: &Ui, incident: bool) -> Result<Outcome> {
    let repo = crate::git::open_if_any(None)?;
    let mut args = crate::cli::SwitchArgs::default();
    args.dirs.wait = 60;
    let rel = ask_release_dirs(ui, repo.as_ref(), &mut args.dirs)?;
    if incident {
        args.release = Some("previous".into());
        args.mark_bad = true;
        args.revert = repo.is_some();
        ask_reason(ui, &mut args.publish)?;
    } else {
        args.release = Some(pick::release(ui, &rel, repo.as_ref())?);
    }
    planned_host(global, ui, &|g, allow| {
        let mut args = args.clone();
        args.guard.allow_destructive_migrations |= allow;
        super::switch::run(g, ui, &args).map(Outcome::Switch)
    })
}
